// progress-push whose outbox write really fails: its Redis (the test's own, AOF with fsync always) is killed, so
// the reports and the plan posted meanwhile are refused as "store unavailable" (the MES keeps them) and taken back
// out of the book: a later report's update does not carry them, and when the MES posts them again after Redis is
// back they are counted then, the ERP receiving each of their keys exactly once.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import helper from 'node-red-node-test-helper';
import type { ProgressReport } from '../../nodes/lib/progress/types';
import { toWorkOrder } from '../../nodes/lib/plan-sync/work-order';
import type { PlantSimulator } from '../../server/simulator/plant-simulator';
import { eventually, tempDir } from '../support/temp';
import { loadPushOnOwnRedis } from './progress-push-redis-flow';
import { redisAvailable } from './redis-fixture';

helper.init(require.resolve('node-red'));

type Answer = { ok: true; accepted: Record<string, number> } | { ok: false; error: string };

describe('progress-push when its outbox write fails', () => {
  let sim: PlantSimulator;
  const dir = tempDir('progress-store-failure-');
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

  it('pushes the updates of reports and a plan refused while Redis was down once the MES posts them again, each key once', async (t) => {
    if (!(await redisAvailable(t))) return;
    const loaded = await loadPushOnOwnRedis(t, dir.path, 'failure-test:');
    const redis = loaded.redis;
    sim = loaded.sim;
    const push = helper.getNode('push');
    const answers = new Map<number, (a: Answer) => void>();
    helper.getNode('accepted').on('input', (m: unknown) => {
      const msg = m as { post: number; accepted: Record<string, number> };
      answers.get(msg.post)?.({ ok: true, accepted: msg.accepted });
    });
    helper.getNode('caught').on('input', (m: unknown) => {
      const msg = m as { post: number; error: { message: string } };
      answers.get(msg.post)?.({ ok: false, error: msg.error.message });
    });
    let posts = 0;
    /** Posts one message the way the MES does and resolves with the node's answer: accepted, or refused. */
    const post = (payload: unknown, topic?: string) =>
      new Promise<Answer>((resolve) => {
        const n = ++posts;
        answers.set(n, resolve);
        push.receive({ post: n, payload, ...(topic && { topic }) } as never);
      });

    const [planned, later] = sim.erp.orders();
    const report = (order: typeof planned, n: number): ProgressReport => ({
      eventId: `${order.orderNo}-r${n}`,
      orderNo: order.orderNo,
      opNo: toWorkOrder(order).operations[0].sequence,
      goodQty: 5,
      scrapQty: 0,
      status: n === 1 ? 'started' : 'running',
      operator: '刘洋',
      equipment: toWorkOrder(order).operations[0].equipmentCode,
      timestamp: new Date(Date.UTC(2026, 10, 23, 1, 0, n)).toISOString(),
    });
    // Before the outage: one order planned with a report, the other reported before its plan (kept unplanned).
    assert.equal((await post(toWorkOrder(planned), 'plan')).ok, true);
    assert.deepEqual(await post([report(planned, 1)]), { ok: true, accepted: { accepted: 1, duplicates: 0, unplanned: 0, updates: 1 } });
    assert.deepEqual(await post([report(later, 1)]), { ok: true, accepted: { accepted: 1, duplicates: 0, unplanned: 1, updates: 0 } });

    await redis.kill();
    // The outbox write fails (ioredis gives up on the command); the book has counted the reports and the plan.
    const refusedReports = [report(planned, 2), report(planned, 3)];
    const whileDown = await Promise.all([post(refusedReports), post(toWorkOrder(later), 'plan')]);
    for (const answer of whileDown) assert.equal(answer.ok, false, `refused while Redis is down: ${JSON.stringify(answer)}`);
    assert.match((whileDown[0] as { error: string }).error, /StoreUnavailableError: The progress could not be stored/);

    await redis.start();
    // A new report first: accepted, and its update counts the reports before the outage and itself, not the refused.
    const newer = report(planned, 4);
    const first = await eventually(
      async () => {
        const a = await post([newer]);
        return a.ok ? a : undefined;
      },
      'a new report accepted once Redis is back',
      30_000,
    );
    assert.deepEqual(first.accepted, { accepted: 1, duplicates: 0, unplanned: 0, updates: 1 });
    const newerUpdate = await eventually(() => sim.erp.progress.received().find((r) => r.key === `progress:${planned.orderNo}:${newer.eventId}`), 'the new report at the ERP', 30_000);
    assert.equal((newerUpdate.update as { operations: Array<{ goodQty: number }> }).operations[0].goodQty, 10, 'r1 and r4: the refused r2 and r3 were taken back out of the book');
    // The MES posts again what was refused; plan sync sends the work order again.
    const again = await post(refusedReports);
    assert.deepEqual(again, { ok: true, accepted: { accepted: 2, duplicates: 0, unplanned: 0, updates: 2 } }, 'refused before, so new now');
    assert.equal((await post(toWorkOrder(later), 'plan')).ok, true);
    // A third repeat is a plain duplicate now.
    assert.deepEqual(await post(refusedReports), { ok: true, accepted: { accepted: 0, duplicates: 2, unplanned: 0, updates: 0 } });

    const expected = [1, 2, 3, 4].map((n) => `progress:${planned.orderNo}:${planned.orderNo}-r${n}`).concat(`plan:${later.orderNo}:${toWorkOrder(later).source.revision}`);
    const keys = await eventually(
      () => {
        const got = sim.erp.progress.received().map((r) => r.key);
        return expected.every((k) => got.includes(k)) ? got : undefined;
      },
      'every update at the ERP',
      30_000,
    );
    assert.deepEqual([...keys].sort(), [...expected].sort(), 'each key exactly once, nothing else');
    // The last update of the planned order carries all four reports: 20 good of its first operation.
    const last = sim.erp.progress
      .received()
      .filter((r) => r.orderNo === planned.orderNo)
      .at(-1)!.update as { operations: Array<{ goodQty: number }> };
    assert.equal(last.operations[0].goodQty, 20);
    // The plan's update shows the report counted before the outage.
    const plan = sim.erp.progress.received().find((r) => r.key.startsWith('plan:'))!.update as { operations: Array<{ goodQty: number }> };
    assert.equal(plan.operations[0].goodQty, 5);
  });
});
