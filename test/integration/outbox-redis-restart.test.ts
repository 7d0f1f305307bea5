// Redis dies under load: a redis-server of the test's own (AOF, appendfsync always) is killed with SIGKILL
// while reports are being enqueued and delivered, then started again on the same directory and port. The
// outbox must report the outage, reconnect by itself, and deliver every report it had acknowledged, in order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Outbox } from '../../nodes/lib/outbox/outbox';
import { RedisOutboxStore } from '../../nodes/lib/outbox/redis-outbox-store';
import { RedisConnection, type RedisStateEvent } from '../../nodes/lib/stores/redis-connection';
import { eventually, tempDir } from '../support/temp';
import { FakeErp } from './outbox-erp';
import { type OwnRedis, ownRedis } from './redis-fixture';

const nextState = (connection: RedisConnection, state: RedisStateEvent['state']) =>
  new Promise<void>((resolve) => {
    const listener = (e: RedisStateEvent) => {
      if (e.state !== state) return;
      connection.off('state', listener);
      resolve();
    };
    connection.on('state', listener);
  });

describe('outbox when Redis restarts', () => {
  it('Redis killed (SIGKILL) and restarted mid-run: reported, reconnected, and every acknowledged report delivered in order', async (t) => {
    const dir = tempDir('outbox-redis-aof-');
    // Registered before ownRedis's own kill, so the outbox and its connection close while Redis still runs.
    let cleanup: (() => Promise<void>) | undefined;
    t.after(() => cleanup?.());
    let redis: OwnRedis;
    try {
      redis = await ownRedis(t, dir.path);
    } catch (err) {
      if (process.env.CI === 'true') throw err;
      dir.remove();
      return t.skip(`no redis-server to start: ${(err as Error).message}`);
    }
    const connection = new RedisConnection({ url: redis.url, keyPrefix: 'plant-1:', requireDurable: true });
    const states: string[] = [];
    connection.on('state', (e: RedisStateEvent) => states.push(e.state));
    const store = new RedisOutboxStore(connection, { claimIdleMs: 5000 });
    const outbox = new Outbox('erp', store, { pollMs: 20, backoff: { baseMs: 1, maxMs: 4 }, storeBackoff: { baseMs: 20, maxMs: 100 }, batchSize: 20, perPartition: 5, maxInFlight: 20 });
    cleanup = async () => {
      await outbox.close();
      await store.close();
      await connection.close();
      await redis.kill();
      dir.remove();
    };
    const outage: string[] = [];
    outbox.on('store-error', (err) => outage.push(err.message));
    outbox.on('store-reconnected', () => outage.push('reconnected'));
    const erp = new FakeErp();
    outbox.start(erp.deliver);

    // Waves of reports over four orders; a wave refused while Redis is down is not acknowledged, and that is fine.
    const acked = new Set<number>();
    let refused = 0;
    let producing = true;
    let seq = 0;
    const producer = (async () => {
      while (producing) {
        const wave = Array.from({ length: 20 }, () => seq++);
        await Promise.all(
          wave.map((n) =>
            outbox.enqueue({ partition: `MO-${n % 4}`, payload: { orderNo: `MO-${n % 4}`, seq: n }, idempotencyKey: `report-${n}` }).then(
              () => acked.add(n),
              () => refused++,
            ),
          ),
        );
      }
    })();

    await eventually(() => acked.size >= 400 && erp.appliedKeys.size >= 100, '400 reports acknowledged and 100 applied');
    assert.equal(connection.durability().durable, true, connection.durability().detail);
    const dropped = nextState(connection, 'dropped');
    await redis.kill();
    await dropped;
    const back = nextState(connection, 'connected');
    await redis.start();
    await back;
    const ackedBeforeRestart = acked.size;
    await eventually(() => acked.size >= ackedBeforeRestart + 400, '400 more reports acknowledged after the restart');
    producing = false;
    await producer;

    await eventually(() => [...acked].every((n) => erp.appliedKeys.has(`report-${n}`)), 'every acknowledged report applied by the ERP', 30_000);
    for (const [orderNo, applied] of erp.applied)
      assert.deepEqual(
        applied,
        [...applied].sort((a, b) => a - b),
        `${orderNo} applied out of order`,
      );
    assert.deepEqual(states.slice(0, 3), ['connected', 'dropped', 'connected']);
    // ioredis holds commands during a short outage and sends them on reconnect, so the outbox may never see a
    // failed command; when it does, it reports it and then the recovery.
    if (outage.length > 0) {
      assert.match(outage[0], /^outbox 'erp': the store failed: /);
      assert.equal(outage.at(-1), 'reconnected', `outbox events: ${outage.join(' | ')}`);
    }
    await eventually(async () => (await outbox.stats()).depth === 0, 'the queue empty');
    t.diagnostic(`${acked.size} acknowledged, ${refused} refused during the outage, ${erp.appliedKeys.size} applied, outbox events: ${outage.join(' | ') || 'none'}`);
  });
});
