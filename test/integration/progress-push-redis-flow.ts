// The flow the progress-push Redis fault tests run: a bridge store on a Redis of the test's own (AOF, fsync
// always, durable writes required), the simulated ERP, progress-push answering into 'accepted', and a catch node
// passing what it refused to 'caught'.
import helper from 'node-red-node-test-helper';
import { startPlantSimulator, type PlantSimulator } from '../../server/simulator/plant-simulator';
import { ownRedis, type OwnRedis } from './redis-fixture';

const nodes = [require('../../nodes/bridge-store/bridge-store'), require('../../nodes/erp-endpoint/erp-endpoint'), require('../../nodes/progress-push/progress-push'), require('@node-red/nodes/core/common/25-catch')];

/** Starts the Redis and the simulator (3 seeded orders), then loads the flow into the helper's runtime. */
export async function loadPushOnOwnRedis(t: Parameters<typeof ownRedis>[0], dir: string, keyPrefix: string): Promise<{ redis: OwnRedis; sim: PlantSimulator }> {
  const redis = await ownRedis(t, dir);
  const sim = await startPlantSimulator({ seedOrders: 3 });
  await helper.load(
    nodes,
    [
      { id: 'store', type: 'bridge-store', storeType: 'redis', url: redis.url, keyPrefix, requireDurable: true },
      { id: 'erp', type: 'erp-endpoint', name: 'test ERP', baseUrl: sim.erpUrl, authType: 'basic', username: 'erp-bridge', timeoutSec: 5, retryBaseSec: 0.05, retryMaxSec: 0.3 },
      { id: 'push', type: 'progress-push', endpoint: 'erp', store: 'store', path: 'progress-updates', batchPath: 'progress-updates/batch', batchSize: 50, pushOn: 'report', boardThrottleMs: 0, maxAttempts: 100, wires: [['accepted'], []] },
      { id: 'accepted', type: 'helper' },
      { id: 'catcher', type: 'catch', scope: ['push'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ] as Array<Record<string, unknown>> as Parameters<typeof helper.load>[1],
    { erp: { password: 'demo-erp-pass' } },
  );
  return { redis, sim };
}
