// progress-push on a Redis bridge store whose server is killed (SIGKILL) and started again mid-run: the node's
// status says the store is gone, reports are refused while it is (the MES keeps them), and once Redis is back
// every report that was acknowledged reaches the ERP once. The Redis is the test's own (AOF, fsync always).
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import helper from 'node-red-node-test-helper';
import { toWorkOrder } from '../../nodes/lib/plan-sync/work-order';
import type { PlantSimulator } from '../../server/simulator/plant-simulator';
import { eventually, tempDir } from '../support/temp';
import { loadPushOnOwnRedis } from './progress-push-redis-flow';
import { redisAvailable } from './redis-fixture';

helper.init(require.resolve('node-red'));

interface Status {
  fill?: string;
  text?: string;
}

describe('progress-push while its Redis restarts', () => {
  let sim: PlantSimulator;
  const dir = tempDir('progress-redis-');
  before(async () => {
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    dir.remove();
  });
  afterEach(async () => {
    await helper.unload();
    await sim?.close();
  });

  it('shows the store is gone, refuses reports meanwhile, and delivers every acknowledged report once Redis is back', async (t) => {
    if (!(await redisAvailable(t))) return;
    const loaded = await loadPushOnOwnRedis(t, dir.path, 'restart-test:');
    const redis = loaded.redis;
    sim = loaded.sim;
    const push = helper.getNode('push');
    const statuses: Status[] = [];
    (push as unknown as { on(e: string, f: (c: { args: Status[] }) => void): void }).on('call:status', (c) => statuses.push(c.args[0]));
    const acknowledged = new Set<string>();
    helper.getNode('accepted').on('input', (m: unknown) => {
      const msg = m as { payload: Array<{ eventId?: string }> | { eventId?: string } };
      for (const r of Array.isArray(msg.payload) ? msg.payload : [msg.payload]) if (r.eventId) acknowledged.add(r.eventId);
    });
    let refused = 0;
    helper.getNode('caught').on('input', () => (refused += 1));

    const order = sim.erp.orders()[0];
    const workOrder = toWorkOrder(order);
    push.receive({ payload: workOrder });
    const op = workOrder.operations[0].sequence;
    let n = 0;
    const send = () => {
      n += 1;
      push.receive({
        payload: [{ eventId: `r-${n}`, orderNo: order.orderNo, opNo: op, goodQty: 1, scrapQty: 0, status: 'running', operator: '刘洋', equipment: 'WC-EXT01', timestamp: new Date(Date.UTC(2026, 10, 23, 1, 0, n)).toISOString() }],
      });
    };
    for (let i = 0; i < 20; i++) send();
    await eventually(() => acknowledged.size === 20, 'the first 20 reports acknowledged');

    await redis.kill();
    await eventually(() => statuses.some((s) => s.text === 'progress-push.status.store' && s.fill === 'red'), 'the status to say the store is gone');
    // While Redis is down a report is either refused (the MES keeps it) or waits for Redis; none is acknowledged unless stored.
    for (let i = 0; i < 5; i++) send();

    await redis.start();
    await eventually(() => acknowledged.size + refused >= 25, 'every report answered', 30_000);
    await eventually(() => statuses.at(-1)?.fill === 'green', 'the status back to green', 30_000);
    // The MES sends again what was refused.
    const refusedIds = Array.from({ length: 25 }, (_, i) => `r-${i + 1}`).filter((id) => !acknowledged.has(id));
    n = 0;
    for (const id of refusedIds) {
      n = Number(id.slice(2)) - 1;
      send();
    }
    await eventually(() => acknowledged.size === 25, 'all 25 reports acknowledged in the end', 30_000);

    const keys = await eventually(
      () => {
        const got = sim.erp.progress
          .received()
          .map((r) => r.key)
          .filter((k) => k.startsWith('progress:'));
        return got.length >= 25 ? got : undefined;
      },
      'the 25 updates at the ERP',
      30_000,
    );
    assert.equal(new Set(keys).size, keys.length, 'no key twice');
    assert.deepEqual(new Set(keys), new Set(Array.from({ length: 25 }, (_, i) => `progress:${order.orderNo}:r-${i + 1}`)));
  });
});
