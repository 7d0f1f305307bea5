// exception-escalation inside a real Node-RED runtime against the simulated ERP's workflow inboxes, with the
// SQLite bridge store: an exception notifies the policy's roles, is logged at the ERP and sets the order's lag
// reason; a severe shortage asks the ERP for an emergency purchase; ack and resolve by message send the
// resolution with its downtime; an unacknowledged exception escalates at its deadline; a defect rate above the
// limit raises a quality exception and a pause command; bad input changes nothing; a deadline that passed while
// the node was unloaded fires when it starts.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import helper from 'node-red-node-test-helper';
import { DEFAULT_ESCALATION_POLICY } from '../../nodes/lib/escalation';
import { SqliteStore } from '../../nodes/lib/stores/sqlite-store';
import { usePlantFixture } from '../support/plant-fixture';
import { eventually } from '../support/temp';

helper.init(require.resolve('node-red'));
const nodes = [require('../../nodes/bridge-store/bridge-store'), require('../../nodes/erp-endpoint/erp-endpoint'), require('../../nodes/exception-escalation/exception-escalation'), require('@node-red/nodes/core/common/25-catch')];

interface Out {
  topic?: string;
  payload: Record<string, unknown>;
}

const ORDER = 'MO-2026-0101';
const fault = (id: string, severity = 'urgent', extra: Record<string, unknown> = {}) => ({
  id,
  type: 'equipment-fault',
  severity,
  orderNo: ORDER,
  opNo: '0010',
  equipment: 'EQ-EXTR-01',
  description: '挤出机 1 号温控报警，停机检查',
  timestamp: new Date().toISOString(),
  reportedBy: 'MES',
  ...extra,
});

describe('exception-escalation', () => {
  const plant = usePlantFixture(1);

  async function load(extra: Record<string, unknown> = {}, storeFile = join(plant.dir.path, 'store.sqlite')) {
    await helper.load(
      nodes,
      [
        { id: 'store', type: 'bridge-store', file: storeFile },
        { id: 'erp', type: 'erp-endpoint', name: 'test ERP', baseUrl: plant.sim.erpUrl, authType: 'basic', username: 'erp-bridge', timeoutSec: 5, retryBaseSec: 0.05, retryMaxSec: 0.2 },
        {
          id: 'esc',
          type: 'exception-escalation',
          endpoint: 'erp',
          store: 'store',
          policy: DEFAULT_ESCALATION_POLICY,
          defectThresholdPct: 5,
          defectWindow: 50,
          defectMinRecords: 20,
          maxAttempts: 3,
          wires: [['notes'], ['erpOut'], ['pauses'], ['lag']],
          ...extra,
        },
        { id: 'notes', type: 'helper' },
        { id: 'erpOut', type: 'helper' },
        { id: 'pauses', type: 'helper' },
        { id: 'lag', type: 'helper' },
        { id: 'catcher', type: 'catch', scope: ['esc'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ] as Array<Record<string, unknown>> as Parameters<typeof helper.load>[1],
      { erp: { password: 'demo-erp-pass' } },
    );
    const out = { notes: [] as Out[], erpOut: [] as Out[], pauses: [] as Out[], lag: [] as Out[], caught: [] as Array<{ error: { message: string } }> };
    for (const name of ['notes', 'erpOut', 'pauses', 'lag', 'caught'] as const) helper.getNode(name).on('input', (m: unknown) => (out[name] as unknown[]).push(m));
    return { node: helper.getNode('esc'), ...out };
  }
  const atErp = (inbox: 'exception-notices' | 'exception-resolutions' | 'emergency-requests') => plant.sim.erp.workflows.received(inbox);

  it('notifies the urgent level by role and channel, logs the exception at the ERP and sets the order lag reason', async () => {
    const run = await load();
    run.node.receive({ payload: fault('EX-1') });
    await eventually(() => run.notes.length === 2 && run.lag.length === 1, 'notifications and lag reason');
    assert.deepEqual(
      run.notes.map((n) => n.topic),
      ['notify/production-supervisor/im', 'notify/production-supervisor/dashboard'],
    );
    assert.ok(run.notes[0].payload.ackBy, 'the acknowledgement deadline is in the notification');
    assert.deepEqual(run.lag[0].payload, { orderNo: ORDER, exception: { id: 'EX-1', type: 'equipment-fault', severity: 'urgent', description: fault('EX-1').description, at: (run.lag[0].payload.exception as { at: string }).at } });
    const notice = await eventually(() => atErp('exception-notices').find((r) => r.body.exceptionId === 'EX-1'), 'the notice at the ERP');
    assert.equal(notice.key, 'exception-notice:EX-1');
    // The same event again changes nothing and tells no one.
    run.node.receive({ payload: fault('EX-1') });
    run.node.receive({ payload: fault('EX-2', 'general') });
    await eventually(() => run.notes.length === 3, 'the general one');
    assert.equal(run.notes[2].topic, 'notify/shift-leader/dashboard');
  });

  it('asks the ERP for an emergency purchase on a severe material shortage', async () => {
    const run = await load();
    run.node.receive({ payload: fault('SHORT-1', 'severe', { type: 'material-shortage', equipment: undefined, material: { materialCode: 'RM-PVC-TUBE', missingQty: 200, unit: 'M' } }) });
    const request = await eventually(() => atErp('emergency-requests').find((r) => r.body.exceptionId === 'SHORT-1'), 'the purchase request at the ERP');
    assert.equal(request.body.action, 'emergency-purchase-or-transfer');
    assert.deepEqual(request.body.material, { materialCode: 'RM-PVC-TUBE', missingQty: 200, unit: 'M' });
    assert.ok(run.erpOut.some((m) => m.topic === 'erp-request'));
  });

  it('acknowledges and resolves by message, sends the resolution with the downtime to the ERP and clears the lag reason', async () => {
    const run = await load();
    run.node.receive({ payload: fault('EX-3') });
    await eventually(() => run.lag.length === 1, 'raised');
    run.node.receive({ topic: 'ack', payload: { id: 'EX-3', user: 'zhang.wei', note: '已到现场' } });
    run.node.receive({ topic: 'resolve', payload: { id: 'EX-3', user: 'zhang.wei', note: '更换温控模块', downtimeMin: 45 } });
    const resolution = await eventually(() => atErp('exception-resolutions').find((r) => r.body.exceptionId === 'EX-3'), 'the resolution at the ERP');
    assert.equal(resolution.body.downtimeMin, 45);
    assert.equal(resolution.body.acknowledgedBy, 'zhang.wei');
    await eventually(() => run.lag.length === 2, 'the cleared lag reason');
    assert.deepEqual(run.lag[1].payload, { orderNo: ORDER, exception: null });
    run.node.receive({ topic: 'ack', payload: { id: 'EX-3', user: 'li.na', note: '' } });
    await eventually(() => run.caught.length === 1, 'the late ack');
    assert.match(run.caught[0].error.message, /Exception EX-3 is resolved .*cannot be acknowledged/);
  });

  it('refuses an acknowledgement that arrives from a dashboard connection (msg._client), naming the REST route; the exception stays open', async () => {
    const run = await load();
    run.node.receive({ payload: fault('EX-DASH') });
    await eventually(() => run.lag.length === 1, 'raised');
    run.node.receive({ topic: 'ack', payload: { id: 'EX-DASH', user: 'nobody', note: 'forged' }, _client: { user: { username: 'nobody' } } });
    await eventually(() => run.caught.length === 1, 'the refusal');
    assert.match(run.caught[0].error.message, /A message with topic "ack" sent from a dashboard page was refused: .*POST \/api\/exceptions\/:id\/ack/);
    run.node.receive({ topic: 'ack', payload: { id: 'EX-DASH', user: 'zhang.wei', note: '已到现场' } });
    // The flow's own acknowledgement by message (no _client) still works.
    const acked = await eventually(() => run.notes.find((n) => n.topic === 'ack'), "the flow's own ack");
    assert.equal((acked.payload as { state?: string }).state, 'acknowledged');
    assert.equal(run.caught.length, 1);
  });

  it('escalates an exception nobody acknowledged at its deadline to the next level', async () => {
    const policy = DEFAULT_ESCALATION_POLICY.map((row) => (row.level === 'urgent' ? { ...row, ackWithinMin: 0.005 } : row));
    const run = await load({ policy });
    run.node.receive({ payload: fault('EX-4') });
    await eventually(() => run.notes.some((n) => n.payload.reason === 'escalated'), 'the escalation');
    const escalated = run.notes.filter((n) => n.payload.reason === 'escalated');
    assert.deepEqual(
      escalated.map((n) => n.topic),
      ['notify/supply-chain-director/im', 'notify/supply-chain-director/email', 'notify/production-supervisor/dashboard'],
    );
    assert.equal(escalated[0].payload.severity, 'severe');
  });

  it('raises a quality exception and a pause command when the defect rate passes the limit', async () => {
    const run = await load();
    const records = Array.from({ length: 20 }, (_, i) => ({
      recordId: `QC-${i}`,
      orderNo: ORDER,
      opNo: '0020',
      traceCode: `TR-${i}`,
      result: i < 2 ? 'fail' : 'pass',
      ...(i < 2 && { defectCode: 'D-LEAK' }),
      inspector: 'QC-07',
      timestamp: new Date(Date.now() - (20 - i) * 1000).toISOString(),
    }));
    run.node.receive({ topic: 'quality', payload: records });
    await eventually(() => run.pauses.length === 1, 'the pause');
    assert.equal(run.pauses[0].payload.command, 'pause-operation');
    assert.equal(run.pauses[0].payload.opNo, '0020');
    await eventually(() => run.notes.some((n) => n.payload.type === 'quality-defect'), 'the quality notification');
    assert.equal(run.notes[0].topic, 'notify/quality-supervisor/im');
  });

  it('refuses a malformed event naming the field, and raises none of the message', async () => {
    const run = await load();
    run.node.receive({ payload: [fault('EX-5'), { ...fault('EX-6'), severity: 'apocalyptic' }] });
    await eventually(() => run.caught.length === 1, 'the refusal');
    assert.match(run.caught[0].error.message, /exception event was refused: payload\.severity must be one of/);
    run.node.receive({ topic: 'exceptions' });
    await eventually(() => run.notes.some((n) => n.topic === 'exceptions'), 'the list');
    assert.deepEqual(run.notes.find((n) => n.topic === 'exceptions')!.payload, []);
  });

  it('fires a deadline that passed while the node was unloaded when it starts again', async () => {
    const file = join(plant.dir.path, 'kept.sqlite');
    let run = await load({}, file);
    run.node.receive({ payload: fault('EX-7') });
    await eventually(() => run.notes.length === 2, 'raised');
    await helper.unload();
    const store = new SqliteStore(file);
    const record = (await store.get<{ deadline: string }>('escalation/esc', 'exception:EX-7'))!;
    record.deadline = new Date(Date.now() - 60_000).toISOString();
    await store.put('escalation/esc', 'exception:EX-7', record);
    await store.close();

    run = await load({}, file);
    await eventually(() => run.notes.some((n) => n.payload.reason === 'escalated'), 'the escalation at start');
    assert.equal(run.notes[0].payload.exceptionId, 'EX-7');
    assert.equal(run.notes[0].payload.level, 'severe');
  });
});
