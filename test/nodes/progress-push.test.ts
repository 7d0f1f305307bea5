// progress-push inside a real Node-RED runtime against the simulated ERP (its progress-update inbox), with the
// SQLite bridge store: job reports become updates the ERP receives once per key in order per order, a malformed
// report is refused naming the field and changes nothing, the board comes out, state survives a redeploy, the
// latest open exception is a lagging order's reason, and an update the ERP refuses for good goes to the dead
// letters and can be replayed.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import helper from 'node-red-node-test-helper';
import { toWorkOrder } from '../../nodes/lib/plan-sync/work-order';
import { usePlantFixture } from '../support/plant-fixture';
import { eventually } from '../support/temp';

helper.init(require.resolve('node-red'));
const nodes = [require('../../nodes/bridge-store/bridge-store'), require('../../nodes/erp-endpoint/erp-endpoint'), require('../../nodes/progress-push/progress-push'), require('@node-red/nodes/core/common/25-catch')];

interface Caught {
  error: { message: string };
}

describe('progress-push', () => {
  const plant = usePlantFixture(4);

  async function load(extra: Record<string, unknown> = {}, storeFile = join(plant.dir.path, 'store.sqlite')) {
    await helper.load(
      nodes,
      [
        { id: 'store', type: 'bridge-store', file: storeFile },
        { id: 'erp', type: 'erp-endpoint', name: 'test ERP', baseUrl: plant.sim.erpUrl, authType: 'basic', username: 'erp-bridge', timeoutSec: 5, retryBaseSec: 0.05, retryMaxSec: 0.2 },
        {
          id: 'push',
          type: 'progress-push',
          endpoint: 'erp',
          store: 'store',
          path: 'progress-updates',
          batchPath: 'progress-updates/batch',
          batchSize: 50,
          pushOn: 'report',
          snapshotMin: 60,
          greenPct: 90,
          yellowPct: 50,
          lagPct: 10,
          boardThrottleMs: 0,
          maxAttempts: 3,
          wires: [['accepted'], ['board']],
          ...extra,
        },
        { id: 'accepted', type: 'helper' },
        { id: 'board', type: 'helper' },
        { id: 'catcher', type: 'catch', scope: ['push'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ] as Array<Record<string, unknown>> as Parameters<typeof helper.load>[1],
      { erp: { password: 'demo-erp-pass' } },
    );
    const accepted: Array<{ accepted: Record<string, number> }> = [];
    const boards: Array<{ payload: { rows: Array<Record<string, unknown>> } }> = [];
    const caught: Caught[] = [];
    helper.getNode('accepted').on('input', (m: unknown) => accepted.push(m as (typeof accepted)[number]));
    helper.getNode('board').on('input', (m: unknown) => boards.push(m as (typeof boards)[number]));
    helper.getNode('caught').on('input', (m: unknown) => caught.push(m as Caught));
    return { push: helper.getNode('push'), accepted, boards, caught };
  }

  const plan = () => {
    const order = plant.sim.erp.orders()[0];
    return { order, workOrder: toWorkOrder(order) };
  };
  const report = (orderNo: string, opNo: string, eventId: string, goodQty: number, status = 'running', timestamp = '2026-11-23T09:00:00+08:00') => ({
    eventId,
    orderNo,
    opNo,
    goodQty,
    scrapQty: 0,
    status,
    operator: '张伟',
    equipment: 'WC-EXT01',
    timestamp,
  });

  it('turns job reports into updates the ERP receives once per key, in order per order, and answers the MES after they are durable', async () => {
    const { push, accepted, boards } = await load();
    const { order, workOrder } = plan();
    const op = workOrder.operations[0].sequence;
    push.receive({ payload: workOrder });
    await eventually(() => accepted.length === 1, 'the plan');
    push.receive({ payload: [report(order.orderNo, op, 'ev-1', 100, 'started'), report(order.orderNo, op, 'ev-2', 200, 'running', '2026-11-23T09:10:00+08:00')] });
    await eventually(() => accepted.length === 2, 'the reports');
    assert.deepEqual(accepted[1].accepted, { accepted: 2, duplicates: 0, unplanned: 0, updates: 2 });
    // The same report again (the MES retried): nothing new.
    push.receive({ payload: report(order.orderNo, op, 'ev-2', 200, 'running', '2026-11-23T09:10:00+08:00') });
    await eventually(() => accepted.length === 3, 'the repeat');
    assert.deepEqual(accepted[2].accepted, { accepted: 0, duplicates: 1, unplanned: 0, updates: 0 });

    const received = await eventually(() => {
      const got = plant.sim.erp.progress.received().filter((r) => r.orderNo === order.orderNo);
      return got.length >= 2 ? got : undefined;
    }, 'the updates at the ERP');
    assert.deepEqual(
      received.map((r) => r.key),
      [`progress:${order.orderNo}:ev-1`, `progress:${order.orderNo}:ev-2`],
    );
    const last = received.at(-1)!.update as { completedQty: number; operations: Array<{ opNo: string; goodQty: number; status: string }> };
    assert.equal(last.operations.find((o) => o.opNo === op)?.goodQty, 300);
    assert.equal(plant.sim.erp.progress.duplicateCount, 0);
    await eventually(() => boards.some((b) => b.payload.rows.some((r) => r.orderNo === order.orderNo)), 'the board');
  });

  it('refuses a malformed report naming the field, and the totals stay as they were', async () => {
    const { push, accepted, caught } = await load();
    const { order, workOrder } = plan();
    const op = workOrder.operations[0].sequence;
    push.receive({ payload: workOrder });
    push.receive({ payload: report(order.orderNo, op, 'ev-1', 100) });
    await eventually(() => accepted.length === 2, 'plan and report');
    push.receive({ payload: [report(order.orderNo, op, 'ev-2', 50), { ...report(order.orderNo, op, 'ev-3', 10), goodQty: -5 }] });
    await eventually(() => caught.length === 1, 'the refusal');
    assert.match(caught[0].error.message, /batch of progress reports was refused: payload\[1\]\.goodQty must be >= 0\. Nothing of this message was applied\./);
    await eventually(() => plant.sim.erp.progress.received().filter((r) => r.orderNo === order.orderNo).length === 1, 'the update of the first report');
    push.receive({ payload: report(order.orderNo, op, 'ev-4', 1) });
    const final = await eventually(() => {
      const got = plant.sim.erp.progress.received().filter((r) => r.orderNo === order.orderNo);
      return got.length === 2 ? got.at(-1) : undefined;
    }, 'the next update');
    const update = final.update as { operations: Array<{ opNo: string; goodQty: number }> };
    assert.equal(update.operations.find((o) => o.opNo === op)?.goodQty, 101, 'ev-2 of the refused message was not counted');
  });

  it('keeps the totals across a redeploy (state in the bridge store)', async () => {
    const storeFile = join(plant.dir.path, 'kept.sqlite');
    let run = await load({}, storeFile);
    const { order, workOrder } = plan();
    const op = workOrder.operations[0].sequence;
    run.push.receive({ payload: workOrder });
    run.push.receive({ payload: report(order.orderNo, op, 'ev-1', 120) });
    await eventually(() => run.accepted.length === 2, 'plan and report');
    await helper.unload();
    run = await load({}, storeFile);
    run.push.receive({ payload: report(order.orderNo, op, 'ev-2', 30) });
    run.push.receive({ payload: report(order.orderNo, op, 'ev-1', 120) });
    await eventually(() => run.accepted.length === 2, 'after the redeploy');
    assert.deepEqual(run.accepted.map((m) => m.accepted.duplicates).sort(), [0, 1], `ev-1 is remembered: ${JSON.stringify(run.accepted.map((m) => m.accepted))}`);
    const final = await eventually(() => plant.sim.erp.progress.received().find((r) => r.key === `progress:${order.orderNo}:ev-2`), 'the update of ev-2');
    assert.equal((final.update as { operations: Array<{ opNo: string; goodQty: number }> }).operations.find((o) => o.opNo === op)?.goodQty, 150);
  });

  it("shows the latest open exception as a lagging order's reason on the board and to the ERP, keeps it across a redeploy, and clears it", async () => {
    const storeFile = join(plant.dir.path, 'exception.sqlite');
    let run = await load({}, storeFile);
    const { order, workOrder } = plan();
    // A plan that should be done by now: with nothing reported the order lags.
    const hour = 3_600_000;
    const behind = { ...workOrder, operations: workOrder.operations.map((op) => ({ ...op, plannedStart: new Date(Date.now() - 5 * hour).toISOString(), plannedEnd: new Date(Date.now() - hour).toISOString() })) };
    const rowOf = (b: (typeof run.boards)[number]) => b.payload.rows.find((r) => r.orderNo === order.orderNo);
    run.push.receive({ payload: behind });
    await eventually(() => run.accepted.length === 1, 'the plan');
    const exception = { id: 'EX-1', type: '设备故障 breakdown', severity: 'high', description: 'extruder WC-EXT01 down since 08:10', at: new Date().toISOString() };
    run.push.receive({ topic: 'exception', payload: { orderNo: order.orderNo, exception } });
    await eventually(() => run.accepted.length === 2, 'the exception');
    const reason = '设备故障 breakdown, high: extruder WC-EXT01 down since 08:10';
    run.push.receive({ topic: 'board' });
    await eventually(() => run.boards.some((b) => rowOf(b)?.lagging === true && rowOf(b)?.lagReason === reason), 'the reason on the board');
    // The next update the ERP gets carries it too.
    run.push.receive({ payload: report(order.orderNo, workOrder.operations[0].sequence, 'ev-1', 1, 'started') });
    const update = await eventually(() => plant.sim.erp.progress.received().find((r) => r.key === `progress:${order.orderNo}:ev-1`), 'the update');
    assert.equal((update.update as { lagReason?: string }).lagReason, reason);

    // Kept in the bridge store: after a redeploy the board still names the exception.
    await helper.unload();
    run = await load({}, storeFile);
    run.push.receive({ topic: 'board' });
    await eventually(() => run.boards.some((b) => rowOf(b)?.lagReason === reason), 'the reason after the redeploy');

    // An exception without its type is refused naming the field, and the reason stays.
    run.push.receive({ topic: 'exception', payload: { orderNo: order.orderNo, exception: { ...exception, type: undefined } } });
    await eventually(() => run.caught.length === 1, 'the refusal');
    assert.match(run.caught[0].error.message, /exception for order .* has no type/);
    // Resolved (null): the reason is the operation's own lag again.
    run.push.receive({ topic: 'exception', payload: { orderNo: order.orderNo, exception: null } });
    await eventually(() => run.accepted.length === 1, 'the clearing');
    run.push.receive({ topic: 'board' });
    const row = await eventually(() => run.boards.map(rowOf).find((r) => r !== undefined && r.lagReason !== reason), 'the reason cleared');
    assert.equal(row.lagging, true);
    assert.match(String(row.lagReason), /^Operation \d+ is .* points behind plan/);
  });

  it('sends an update the ERP refuses for good to the dead letters, lists them and replays them', async () => {
    // No batch path: one update per call, so the ERP's 422 refuses exactly one.
    const { push, accepted } = await load({ batchPath: '' });
    const { order, workOrder } = plan();
    push.receive({ payload: workOrder });
    await eventually(() => accepted.length === 1, 'the plan');
    plant.sim.erp.injectFault({ kind: 'status', status: 422, target: 'progress', message: 'order is locked by costing' });
    push.receive({ payload: report(order.orderNo, workOrder.operations[0].sequence, 'ev-1', 10) });
    const dead = await eventually(async () => {
      push.receive({ topic: 'dead-letters' });
      await eventually(() => accepted.some((m) => (m as unknown as { topic?: string }).topic === 'dead-letters'), 'the list');
      const list = accepted.filter((m) => (m as unknown as { topic?: string }).topic === 'dead-letters').at(-1) as unknown as { payload: Array<{ reason: string; idempotencyKey: string }> };
      return list.payload.length === 1 ? list.payload : undefined;
    }, 'one dead letter');
    assert.match(dead[0].reason, /HTTP 422 .*order is locked by costing/);
    assert.equal(dead[0].idempotencyKey, `progress:${order.orderNo}:ev-1`);
    push.receive({ topic: 'replay' });
    await eventually(() => plant.sim.erp.progress.received().some((r) => r.key === `progress:${order.orderNo}:ev-1`), 'the replayed update');
  });
});
