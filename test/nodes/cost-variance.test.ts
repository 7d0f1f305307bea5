// cost-variance inside a real Node-RED runtime with the SQLite bridge store, against the simulated ERP's
// cost-variances inbox: the hand-worked order (test/unit/cost-fixture.ts) completes → one record at the ERP with
// the figures worked out by hand; a repeated event counts once; a malformed event is refused naming the field and
// changes nothing; the actuals survive an unload; with the ERP down the record arrives after it is back, once.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import helper from 'node-red-node-test-helper';
import { CostBook } from '../../nodes/lib/cost';
import { registeredOutbox } from '../../nodes/lib/outbox/registry';
import { SqliteStore } from '../../nodes/lib/stores/sqlite-store';
import { startPlantSimulator } from '../../server/simulator/plant-simulator';
import { completingReports, costPlan, issues, labour, machine, ORDER, standardCost, timeLogs } from '../unit/cost-fixture';
import { usePlantFixture } from '../support/plant-fixture';
import { eventually } from '../support/temp';

helper.init(require.resolve('node-red'));
const nodes = [
  require('../../nodes/bridge-store/bridge-store'),
  require('../../nodes/erp-endpoint/erp-endpoint'),
  require('../../nodes/cost-variance/cost-variance'),
  require('@node-red/nodes/core/common/25-catch'),
  require('@node-red/nodes/core/common/24-complete'),
];

interface Out {
  topic?: string;
  payload: Record<string, unknown>;
}
interface Element {
  element: string;
  standard: number;
  actual: number;
  variance: number;
  variancePct: number | null;
  flagged: boolean;
  likelyCause?: string;
}

describe('cost-variance', () => {
  const plant = usePlantFixture(0);

  async function load(storeFile = join(plant.dir.path, 'store.sqlite'), erpUrl = plant.sim.erpUrl, extra: Record<string, unknown> = {}) {
    await helper.load(
      nodes,
      [
        { id: 'store', type: 'bridge-store', file: storeFile },
        { id: 'erp', type: 'erp-endpoint', name: 'test ERP', baseUrl: erpUrl, authType: 'basic', username: 'erp-bridge', timeoutSec: 2, retryBaseSec: 0.05, retryMaxSec: 0.2 },
        { id: 'cost', type: 'cost-variance', endpoint: 'erp', store: 'store', path: 'cost-variances', thresholdPct: 5, maxAttempts: 1000, wires: [['variances'], ['flags']], ...extra },
        { id: 'variances', type: 'helper' },
        { id: 'flags', type: 'helper' },
        { id: 'catcher', type: 'catch', scope: ['cost'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
        { id: 'finished', type: 'complete', scope: ['cost'], uncaught: false, wires: [['done']] },
        { id: 'done', type: 'helper' },
      ] as Array<Record<string, unknown>> as Parameters<typeof helper.load>[1],
      { erp: { password: 'demo-erp-pass' } },
    );
    const out = { variances: [] as Out[], flags: [] as Out[], caught: [] as Array<{ error: { message: string } }>, done: [] as Out[] };
    for (const name of ['variances', 'flags', 'caught', 'done'] as const) helper.getNode(name).on('input', (m: unknown) => (out[name] as unknown[]).push(m));
    const node = helper.getNode('cost');
    return { node, ...out };
  }
  const atErp = () => plant.sim.erp.workflows.received('cost-variances');

  /** Plan, standard, time logs and issues of the hand-worked order; completion is left to the caller. */
  function feed(node: ReturnType<typeof helper.getNode>) {
    node.receive({ topic: 'plan', payload: costPlan() });
    node.receive({ topic: 'standard-cost', payload: standardCost() });
    node.receive({ topic: 'cost-event', payload: timeLogs() });
    for (const i of issues()) node.receive({ topic: 'requisition', payload: i });
  }

  function assertHandWorked(elements: Element[], total: Record<string, unknown>) {
    // By hand (test/unit/cost-book.test.ts): 980 good units; material 2303.00 → 2425.00 (+122.00, 5.30 %),
    // labour 441.00 → 517.50 (+76.50, 17.35 %), machine 529.20 → 540.00 (+10.80, 2.04 %), total 3273.20 → 3482.50.
    assert.deepEqual(
      elements.map((e) => [e.element, e.standard, e.actual, e.variance, e.variancePct, e.flagged]),
      [
        ['material', 2303, 2425, 122, 5.3, true],
        ['labour', 441, 517.5, 76.5, 17.35, true],
        ['machine', 529.2, 540, 10.8, 2.04, false],
      ],
    );
    assert.deepEqual(total, { standard: 3273.2, actual: 3482.5, variance: 209.3, variancePct: 6.39, flagged: true });
  }

  it('sends one variance record to the ERP when the last operation completes, with the flagged elements on output 2', async () => {
    const run = await load();
    feed(run.node);
    run.node.receive({ topic: 'report', payload: completingReports() });
    const received = await eventually(() => (atErp().length === 1 ? atErp() : undefined), 'the record at the ERP');
    assert.equal(received[0].key, `cost-variance:${ORDER}`);
    const body = received[0].body as { orderNo: string; goodQty: number; scrapQty: number; elements: Element[]; total: Record<string, unknown> };
    assert.equal(body.orderNo, ORDER);
    assert.equal(body.goodQty, 980);
    assert.equal(body.scrapQty, 20);
    assertHandWorked(body.elements, body.total);
    await eventually(() => run.variances.length === 1 && run.flags.length === 2, 'outputs 1 and 2');
    assert.equal(run.variances[0].topic, 'cost-variance');
    assert.deepEqual(
      run.flags.map((f) => [f.topic, f.payload.element]),
      [
        ['cost-flag', 'material'],
        ['cost-flag', 'labour'],
      ],
    );
    assert.match(String(run.flags[1].payload.likelyCause), /0020 OP-ASSEMBLE 12\.25 h against 9\.8 h \(\+2\.45 h, \+73\.50 CNY/);
    // A late explicit completion sends nothing more.
    run.node.receive({ topic: 'complete', payload: { orderNo: ORDER } });
    run.node.receive({ topic: 'complete', payload: { orderNo: 'MO-OTHER', productCode: 'P-NONE' } });
    await eventually(() => run.done.filter((m) => m.topic === 'complete').length === 2, 'both completions handled');
    assert.equal(atErp().length, 1);
    assert.equal(plant.sim.erp.workflows.duplicateCount, 0);
  });

  it('counts a repeated cost event, requisition and job report once', async () => {
    const run = await load();
    feed(run.node);
    run.node.receive({ topic: 'cost-event', payload: labour('L-4', '0020', '李娜', 4.25) });
    run.node.receive({ topic: 'requisition', payload: issues()[1] });
    run.node.receive({ topic: 'report', payload: completingReports().slice(0, 3) });
    run.node.receive({ topic: 'report', payload: completingReports() });
    const body = (await eventually(() => atErp()[0], 'the record at the ERP')).body as { elements: Element[]; total: Record<string, unknown> };
    assertHandWorked(body.elements, body.total);
  });

  it('refuses a malformed cost event naming the field, and the actuals stay as they were', async () => {
    const run = await load();
    feed(run.node);
    run.node.receive({ topic: 'cost-event', payload: [labour('L-50', '0020', '王芳', 100), { ...labour('L-51', '0020', '王芳', 1), operator: undefined }] });
    run.node.receive({ topic: 'cost-event', payload: { ...labour('L-52', '0020', '王芳', 1), labourHours: 'eight' } });
    await eventually(() => run.caught.length === 2, 'both refusals');
    assert.match(run.caught[0].error.message, /cost event was refused: payload\[1\] must have property operator when property labourHours is present/);
    assert.match(run.caught[1].error.message, /cost event was refused: payload\.labourHours must be a number/);
    run.node.receive({ topic: 'report', payload: completingReports() });
    const body = (await eventually(() => atErp()[0], 'the record at the ERP')).body as { elements: Element[]; total: Record<string, unknown> };
    // The 100 h of L-50 came in the refused batch: not counted.
    assertHandWorked(body.elements, body.total);
  });

  it('keeps the accumulated actuals across an unload and load of the flow', async () => {
    const file = join(plant.dir.path, 'kept.sqlite');
    let run = await load(file);
    feed(run.node);
    run.node.receive({ topic: 'report', payload: completingReports().slice(0, 3) });
    // 1 plan, 1 standard, 1 batch of time logs, 3 requisitions, 1 batch of reports: all stored before done().
    await eventually(() => run.done.filter((m) => m.topic !== 'settle').length === 7, 'every message done');
    await helper.unload();
    run = await load(file);
    run.node.receive({ topic: 'report', payload: completingReports()[3] });
    const body = (await eventually(() => atErp()[0], 'the record at the ERP')).body as { elements: Element[]; total: Record<string, unknown> };
    assertHandWorked(body.elements, body.total);
  });

  it('sends at start a variance that was stored but not yet in the outbox when the bridge stopped', async () => {
    // The state a crash between the store write and the outbox write leaves: the variance stored as computed.
    const file = join(plant.dir.path, 'crashed.sqlite');
    const book = new CostBook({ thresholdPct: 5 });
    book.plan(costPlan(), Date.now());
    book.standard(standardCost(), Date.now());
    book.costEvents(timeLogs(), Date.now());
    book.issues(issues());
    book.reports(completingReports(), Date.now());
    const store = new SqliteStore(file);
    await store.putMany('cost/cost', book.takeChanges());
    await store.close();
    await load(file);
    const body = (await eventually(() => atErp()[0], 'the record at the ERP')).body as { elements: Element[]; total: Record<string, unknown> };
    assertHandWorked(body.elements, body.total);
    const outbox = registeredOutbox('cost@cost')!.outbox;
    await eventually(async () => (await outbox.stats()).depth === 0, 'the outbox empty');
    await helper.unload();
    // Marked enqueued at start: a second start sends nothing more (a message through the node is the barrier:
    // its step runs after the start's).
    const run = await load(file);
    run.node.receive({ topic: 'complete', payload: { orderNo: ORDER } });
    await eventually(() => run.done.some((m) => m.topic === 'complete'), 'the completion handled');
    const again = registeredOutbox('cost@cost')!.outbox;
    await eventually(async () => (await again.stats()).depth === 0, 'the outbox empty');
    assert.equal((await again.stats()).delivered, 1);
    assert.equal(atErp().length, 1);
    assert.equal(plant.sim.erp.workflows.duplicateCount, 0);
  });

  it('waits the configured minutes after completion and counts the time logs that arrive meanwhile', async () => {
    const run = await load(undefined, undefined, { settleMin: 0.01 });
    feed(run.node);
    run.node.receive({ topic: 'report', payload: completingReports() });
    await eventually(() => run.done.some((m) => m.topic === 'report'), 'the completing reports handled');
    // 0.6 s after completion the variance is made; a time log arriving before then still counts.
    run.node.receive({ topic: 'cost-event', payload: machine('M-LATE', '0010', 'EQ-EXTR-01', 1) });
    const body = (await eventually(() => atErp()[0], 'the record at the ERP')).body as { elements: Element[]; actualHours: { machine: number } };
    assert.equal(body.actualHours.machine, 15.7);
    // 1 more hour on EQ-EXTR-01 at 60 CNY/h: 540.00 + 60.00.
    assert.equal(body.elements[2].actual, 600);
  });

  it('delivers the record once the ERP is back, exactly once', async () => {
    const port = Number(new URL(plant.sim.url).port);
    const run = await load();
    await plant.sim.close();
    feed(run.node);
    run.node.receive({ topic: 'report', payload: completingReports() });
    await eventually(() => run.variances.length === 1, 'the variance made while the ERP is down');
    // The outbox fails against the closed port and backs off; then the ERP comes back on it.
    const outbox = registeredOutbox('cost@cost')!.outbox;
    await eventually(async () => (await outbox.stats()).retries >= 2, 'retries against the ERP that is down');
    plant.sim = await startPlantSimulator({ seedOrders: 0, port });
    const received = await eventually(() => (atErp().length === 1 ? atErp() : undefined), 'the record after recovery', 15_000);
    assert.equal(received[0].key, `cost-variance:${ORDER}`);
    await eventually(async () => (await outbox.stats()).depth === 0, 'the outbox empty');
    assert.equal((await outbox.stats()).delivered, 1);
    assert.equal(atErp().length, 1);
    assert.equal(plant.sim.erp.workflows.duplicateCount, 0);
  });
});
