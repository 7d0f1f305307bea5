// material-overdraw inside a real Node-RED runtime against the simulated ERP (its approval-request inbox), with
// the SQLite bridge store: within the BOM limit a requisition is issued at once; above it the ERP is asked (through
// the outbox) and a decision by message releases it; an undecided overdraw escalates (or is rejected) at its due
// time; a shortage comes out as an exception and stock releases it; duplicates get their first answer; bad input
// is refused naming the field and changes nothing; pending approvals survive an unload, and a due time that
// passed while the node was unloaded fires when it starts.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import helper from 'node-red-node-test-helper';
import { auditLogFor } from '../../nodes/lib/audit/log';
import { SqliteStore } from '../../nodes/lib/stores/sqlite-store';
import { usePlantFixture } from '../support/plant-fixture';
import { eventually } from '../support/temp';
import { requisition, workOrder } from '../unit/overdraw-fixture';

helper.init(require.resolve('node-red'));
const nodes = [require('../../nodes/bridge-store/bridge-store'), require('../../nodes/erp-endpoint/erp-endpoint'), require('../../nodes/material-overdraw/material-overdraw'), require('@node-red/nodes/core/common/25-catch')];

interface Out {
  topic?: string;
  payload: Record<string, unknown> & { requisitionId?: string };
  duplicate?: boolean;
  shortage?: Record<string, unknown>;
}

describe('material-overdraw', () => {
  const plant = usePlantFixture(1);

  async function load(extra: Record<string, unknown> = {}, storeFile = join(plant.dir.path, 'store.sqlite')) {
    await helper.load(
      nodes,
      [
        { id: 'store', type: 'bridge-store', file: storeFile },
        { id: 'erp', type: 'erp-endpoint', name: 'test ERP', baseUrl: plant.sim.erpUrl, authType: 'basic', username: 'erp-bridge', timeoutSec: 5, retryBaseSec: 0.05, retryMaxSec: 0.2 },
        {
          id: 'overdraw',
          type: 'material-overdraw',
          endpoint: 'erp',
          store: 'store',
          path: 'approval-requests',
          decisionTimeoutMin: 120,
          onTimeout: 'escalate',
          defaultTolerancePct: 0,
          escalationSeverity: 'urgent',
          maxAttempts: 3,
          wires: [['issues'], ['requests'], ['exceptions']],
          ...extra,
        },
        { id: 'issues', type: 'helper' },
        { id: 'requests', type: 'helper' },
        { id: 'exceptions', type: 'helper' },
        { id: 'catcher', type: 'catch', scope: ['overdraw'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ] as Array<Record<string, unknown>> as Parameters<typeof helper.load>[1],
      { erp: { password: 'demo-erp-pass' } },
    );
    const out = { issues: [] as Out[], requests: [] as Out[], exceptions: [] as Out[], caught: [] as Array<{ error: { message: string } }> };
    for (const name of ['issues', 'requests', 'exceptions', 'caught'] as const) helper.getNode(name).on('input', (m: unknown) => (out[name] as unknown[]).push(m));
    const node = helper.getNode('overdraw');
    node.receive({ topic: 'plan', payload: workOrder() });
    return { node, ...out };
  }
  const erpApprovals = () => plant.sim.erp.workflows.received('approval-requests');

  it('issues a requisition within the BOM limit at once and audits the automatic approval', async () => {
    const run = await load();
    const r = requisition(1000);
    run.node.receive({ payload: r });
    await eventually(() => run.issues.length === 1, 'the issue');
    assert.equal(run.issues[0].topic, 'issue');
    assert.equal(run.issues[0].payload.approval, 'within-limit');
    assert.equal(run.issues[0].payload.qty, 1000);
    assert.equal(run.requests.length, 0);
    await helper.unload();
    const store = new SqliteStore(join(plant.dir.path, 'store.sqlite'));
    const entries = await auditLogFor(store).list({ subjectId: r.requisitionId });
    await store.close();
    assert.deepEqual(
      entries.map((e) => e.what),
      ['requisition.approved-automatically'],
    );
  });

  it('holds an overdraw for the ERP, which receives the request once, and releases it on a signed approval by message', async () => {
    const run = await load();
    run.node.receive({ payload: requisition(1000) });
    const over = requisition(700);
    run.node.receive({ payload: over });
    await eventually(() => run.requests.length === 1, 'the approval request');
    assert.equal(run.requests[0].topic, 'approval-request');
    assert.equal(run.requests[0].payload.overdrawQty, 68);
    const atErp = await eventually(() => erpApprovals().find((r) => r.body.requisitionId === over.requisitionId), 'the request at the ERP');
    assert.equal(atErp.key, `approval-request:${over.requisitionId}`);

    run.node.receive({ topic: 'decision', payload: { requisitionId: over.requisitionId, decision: 'approve', reason: '挤出废品多，补料', signer: 'li.na' } });
    await eventually(() => run.issues.length === 2, 'the release');
    assert.equal(run.issues[1].payload.approval, 'erp-approved');
    assert.equal(run.issues[1].payload.approvedBy, 'li.na');

    run.node.receive({ topic: 'decision', payload: { requisitionId: over.requisitionId, decision: 'reject', reason: 'too late', signer: 'wang.qiang' } });
    await eventually(() => run.caught.length === 1, 'the refused second decision');
    assert.match(run.caught[0].error.message, /already approved by li\.na.*rejection by wang\.qiang was not applied/);
    assert.equal(erpApprovals().length, 1);
  });

  it('refuses a decision that arrives from a dashboard connection (msg._client), naming the signed REST route; a decision from the flow still works', async () => {
    const run = await load();
    run.node.receive({ payload: requisition(1000) });
    const over = requisition(700);
    run.node.receive({ payload: over });
    await eventually(() => run.requests.length === 1, 'the approval request');
    const decision = { requisitionId: over.requisitionId, decision: 'approve', reason: 'from a page', signer: 'admin' };
    run.node.receive({ topic: 'decision', payload: decision, _client: { user: { username: 'admin' }, socketId: 'abc' } });
    await eventually(() => run.caught.length === 1, 'the refusal');
    assert.match(run.caught[0].error.message, /A decision sent from a dashboard page was refused: .*signed REST route POST \/api\/approvals\/:id/);
    assert.equal(run.issues.length, 1, 'nothing released');
    // The ERP's decision by message (no _client) is the path a plant wires, and it still decides.
    run.node.receive({ topic: 'decision', payload: { ...decision, signer: 'li.na', reason: 'ERP approval' } });
    await eventually(() => run.issues.length === 2, 'the release');
    assert.equal(run.issues[1].payload.approvedBy, 'li.na');
  });

  it('escalates an overdraw the ERP did not decide in time as an exception, and keeps it pending', async () => {
    const run = await load({ decisionTimeoutMin: 0.005 });
    run.node.receive({ payload: requisition(1000) });
    const over = requisition(700);
    run.node.receive({ payload: over });
    await eventually(() => run.exceptions.length === 1, 'the escalation');
    assert.equal(run.exceptions[0].topic, 'exception');
    assert.equal(run.exceptions[0].payload.id, `OVERDRAW-${over.requisitionId}`);
    assert.equal(run.exceptions[0].payload.severity, 'urgent');
    run.node.receive({ topic: 'pending' });
    await eventually(() => run.requests.some((m) => m.topic === 'pending'), 'the pending list');
    const pending = run.requests.find((m) => m.topic === 'pending')!.payload as unknown as Array<{ approvalRequest: { requisitionId: string }; escalatedAt?: string }>;
    assert.equal(pending.length, 1);
    assert.ok(pending[0].escalatedAt);
  });

  it('rejects an overdraw the ERP did not decide in time when so configured', async () => {
    const run = await load({ decisionTimeoutMin: 0.005, onTimeout: 'reject' });
    run.node.receive({ payload: requisition(1000) });
    const over = requisition(700);
    run.node.receive({ payload: over });
    await eventually(() => run.issues.some((m) => m.topic === 'rejected'), 'the rejection');
    assert.equal(run.issues.find((m) => m.topic === 'rejected')!.payload.requisitionId, over.requisitionId);
    assert.equal(run.exceptions.length, 0);
  });

  it('raises a severe shortage exception when stock is short, and releases the requisition when stock arrives', async () => {
    const run = await load();
    run.node.receive({ topic: 'stock', payload: { materialCode: 'RM-PVC-TUBE', availableQty: 300, unit: 'M' } });
    const r = requisition(500);
    run.node.receive({ payload: r });
    await eventually(() => run.exceptions.length === 1, 'the shortage');
    assert.equal(run.exceptions[0].payload.type, 'material-shortage');
    assert.equal(run.exceptions[0].payload.severity, 'severe');
    assert.equal(run.exceptions[0].shortage?.missingQty, 200);
    assert.equal(run.issues.length, 0);
    run.node.receive({ topic: 'stock', payload: [{ materialCode: 'RM-PVC-TUBE', availableQty: 800, unit: 'M' }] });
    await eventually(() => run.issues.length === 1, 'the release');
    assert.equal(run.issues[0].payload.requisitionId, r.requisitionId);
  });

  it('answers a duplicate requisition with its first answer and refuses the same id with other content', async () => {
    const run = await load();
    const r = requisition(100);
    run.node.receive({ payload: r });
    run.node.receive({ payload: r });
    await eventually(() => run.issues.length === 2, 'both answers');
    assert.equal(run.issues[1].duplicate, true);
    assert.deepEqual(run.issues[1].payload, run.issues[0].payload);
    run.node.receive({ payload: { ...r, requestedQty: 101 } });
    await eventually(() => run.caught.length === 1, 'the refusal');
    assert.match(run.caught[0].error.message, new RegExp(`Requisition ${r.requisitionId} was received before with different content`));
    assert.equal(run.issues.length, 2);
  });

  it('refuses a malformed requisition naming the field, and nothing changes', async () => {
    const run = await load();
    run.node.receive({ payload: { ...requisition(1000), requestedQty: 'lots' } });
    await eventually(() => run.caught.length === 1, 'the refusal');
    assert.match(run.caught[0].error.message, /material requisition was refused: payload\.requestedQty must be a number/);
    // The refused 1000 M were not counted: 1600 M still fit within the 1632 M limit.
    run.node.receive({ payload: requisition(1600) });
    await eventually(() => run.issues.length === 1, 'the next requisition');
    assert.equal(run.issues[0].payload.approval, 'within-limit');
  });

  it('keeps pending approvals across an unload and fires a due time that passed while it was unloaded', async () => {
    const file = join(plant.dir.path, 'kept.sqlite');
    let run = await load({}, file);
    run.node.receive({ payload: requisition(1000) });
    const over = requisition(700);
    run.node.receive({ payload: over });
    await eventually(() => run.requests.length === 1, 'the approval request');
    await helper.unload();

    // Time passes while the node is down: its decision due time is now in the past.
    const store = new SqliteStore(file);
    const namespace = 'overdraw/overdraw';
    const key = `requisition:${over.requisitionId}`;
    const record = (await store.get<{ approvalRequest: { decisionDue: string } }>(namespace, key))!;
    record.approvalRequest.decisionDue = new Date(Date.now() - 60_000).toISOString();
    await store.put(namespace, key, record);
    await store.close();

    run = await load({}, file);
    await eventually(() => run.exceptions.length === 1, 'the escalation at start');
    assert.equal(run.exceptions[0].payload.id, `OVERDRAW-${over.requisitionId}`);
    run.node.receive({ topic: 'decision', payload: { requisitionId: over.requisitionId, decision: 'approve', reason: 'approved after escalation', signer: 'li.na' } });
    await eventually(() => run.issues.length === 1, 'the release after the restart');
    assert.equal(run.issues[0].payload.requisitionId, over.requisitionId);
  });
});
