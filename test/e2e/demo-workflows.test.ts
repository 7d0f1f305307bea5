// End to end, the demo plant's workflows tab: the simulated MES posts requisitions, exceptions and inspection
// records to the bridge (HTTP Basic); a requisition within the BOM need is released at once, one over it waits
// for a signed approval (REST) and is released after it, one above stock reaches the ERP's emergency-requests
// inbox as a severe shortage, malformed posts get 400 naming the field, and an urgent exception nobody
// acknowledges escalates when its deadline passes (the policy's urgent deadline shortened in the flow the server starts with).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { basic, login } from '../support/server-kit';
import { repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually } from '../support/temp';

interface Posted<T> {
  record: T;
  bridge: { status: number; body: Record<string, unknown> };
}
interface Requisition {
  requisitionId: string;
  orderNo: string;
  materialCode: string;
  requestedQty: number;
}
interface ExceptionItem {
  event: { id: string; severity: string };
  state: string;
  level: string;
  severity: string;
  escalations: Array<{ from: string; to: string }>;
}

describe('the demo plant workflows tab end to end', () => {
  let server: ServerProcess;
  let token: string;
  const api = (path: string, init: RequestInit = {}) => fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  const mes = async <T>(what: string, body: object): Promise<Posted<T>> => {
    const res = await fetch(`${server.simUrl}/mes/_sim/${what}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as Posted<T>;
  };
  const erpInbox = async (inbox: string) => ((await (await fetch(`${server.simUrl}/erp/_sim/workflows?inbox=${inbox}`)).json()) as { items: Array<{ key: string; body: Record<string, unknown> }> }).items;
  const pending = async () => ((await (await api('/api/approvals')).json()) as { items: Array<{ approvalRequest: { requisitionId: string } }> }).items.map((p) => p.approvalRequest.requisitionId);
  const exceptions = async () => ((await (await api('/api/exceptions')).json()) as { items: ExceptionItem[] }).items;
  const postToBridge = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, { method: 'POST', signal: AbortSignal.timeout(8000), headers: { 'content-type': 'application/json', authorization: basic('mes-demo', 'demo-mes-webhook-pass') }, body: JSON.stringify(body) });

  before(async () => {
    // The demo flow as shipped, but with the policy's urgent acknowledgement deadline cut to 3 seconds.
    const flows = JSON.parse(readFileSync(join(repoRoot, 'flows', 'demo-plant.json'), 'utf8')) as Array<Record<string, unknown>>;
    const escalation = flows.find((n) => n.id === 'escalation')!;
    escalation.policy = (escalation.policy as Array<Record<string, unknown>>).map((row) => (row.level === 'urgent' && row.type === undefined ? { ...row, ackWithinMin: 0.05 } : row));
    server = await startServerProcess({ flows, env: { ADMIN_PASSWORD: 'flows-pass', SIM_MES_REPORTS_MS: '0' } });
    token = await login(server.url, 'admin', 'flows-pass');
    // Plan sync has delivered the work orders to the MES (and by the link, their BOM need to material-overdraw).
    await eventually(
      async () => {
        const items = ((await (await fetch(`${server.simUrl}/mes/api/work-orders`, { headers: { authorization: 'Bearer demo-mes-token' } })).json()) as { items: unknown[] }).items;
        return items.length >= 20 ? items : undefined;
      },
      'the work orders at the MES',
      30_000,
    );
  });
  after(async () => {
    await server?.stop();
  });

  it('releases a requisition within the BOM need at once and answers the MES 202', async () => {
    const posted = await eventually(
      async () => {
        const p = await mes<Requisition>('requisitions', { kind: 'within' });
        return p.bridge.status === 202 ? p : undefined;
      },
      'a requisition the bridge takes (plans and stock arrive after start)',
      20_000,
    );
    assert.equal(posted.bridge.body.status, 'accepted');
    const entries = ((await (await api(`/api/audit?subjectId=${posted.record.requisitionId}`)).json()) as { items: Array<{ what: string; who: string }> }).items;
    assert.deepEqual(
      entries.map((e) => [e.what, e.who]),
      [['requisition.approved-automatically', 'bridge']],
    );
    assert.ok(!(await pending()).includes(posted.record.requisitionId));
  });

  it('holds a requisition over the need for approval; a signed approval by REST releases it, and the ERP got the request', async () => {
    const { record, bridge } = await mes<Requisition>('requisitions', { kind: 'over' });
    assert.equal(bridge.status, 202, JSON.stringify(bridge.body));
    await eventually(async () => (await pending()).includes(record.requisitionId), 'the pending approval');
    const request = await eventually(async () => (await erpInbox('approval-requests')).find((r) => r.body.requisitionId === record.requisitionId), 'the approval request at the ERP');
    // The ERP hears its own codes: the MES's material code was mapped back.
    assert.match(String(request.body.materialCode), /^(RM|PK)-\d+$/);
    const res = await api(`/api/approvals/${record.requisitionId}`, { method: 'POST', body: JSON.stringify({ decision: 'approve', reason: '挤出废品多，补料', password: 'flows-pass' }) });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(((await res.json()) as { outcome: string }).outcome, 'released');
    assert.ok(!(await pending()).includes(record.requisitionId));
    const whats = ((await (await api(`/api/audit?subjectId=${record.requisitionId}`)).json()) as { items: Array<{ what: string; who: string }> }).items.map((e) => `${e.what}/${e.who}`);
    assert.ok(whats.includes('requisition.approved/admin'), whats.join(', '));
  });

  it('raises a requisition above the stock as a severe shortage: the ERP receives an emergency purchase or transfer request', async () => {
    // The stock list is read from the ERP a moment after start; until then no requisition can be short.
    const sent: string[] = [];
    const request = await eventually(async () => {
      const { record, bridge } = await mes<Requisition>('requisitions', { kind: 'above-stock' });
      assert.equal(bridge.status, 202, JSON.stringify(bridge.body));
      sent.push(`SHORT-${record.requisitionId}`);
      return (await erpInbox('emergency-requests')).find((r) => sent.includes(String(r.body.exceptionId)));
    }, 'the emergency request at the ERP');
    const record = { requisitionId: String(request.body.exceptionId).slice('SHORT-'.length) };
    assert.equal(request.body.action, 'emergency-purchase-or-transfer');
    const open = (await exceptions()).find((x) => x.event.id === `SHORT-${record.requisitionId}`);
    assert.equal(open?.severity, 'severe');
  });

  it('answers a malformed requisition with 400 naming the field, an unmapped material with 422, and a duplicate once', async () => {
    const bad = await postToBridge('/mes/material-requisitions', {
      requisitionId: 'REQ-BAD-1',
      orderNo: 'X',
      opNo: '0010',
      materialCode: 'M-PVC-MED',
      requestedQty: 'lots',
      unit: 'kg',
      requester: '周杰',
      timestamp: new Date().toISOString(),
    });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /requestedQty/);
    const unmapped = await postToBridge('/mes/material-requisitions', {
      requisitionId: 'REQ-BAD-2',
      orderNo: 'X',
      opNo: '0010',
      materialCode: 'M-NO-SUCH',
      requestedQty: 1,
      unit: 'kg',
      requester: '周杰',
      timestamp: new Date().toISOString(),
    });
    assert.equal(unmapped.status, 422);
    assert.match(JSON.stringify(await unmapped.json()), /M-NO-SUCH/);
    const badException = await postToBridge('/mes/exceptions', { id: 'EX-BAD-1', type: 'fire', severity: 'urgent', description: 'x', timestamp: new Date().toISOString() });
    assert.equal(badException.status, 400);
    assert.match(((await badException.json()) as { error: string }).error, /type/);

    const { record } = await mes<Requisition>('requisitions', { kind: 'within' });
    const again = await postToBridge('/mes/material-requisitions', record);
    assert.equal(again.status, 202);
    assert.equal(((await again.json()) as { duplicate: boolean }).duplicate, true);
  });

  it('passes the inspection records the trace tab took on to the defect rate: 2 failed of 20 on one operation raise an urgent quality exception', async () => {
    const first = await mes<{ recordId: string; orderNo: string; opNo: string }>('quality-records', { result: 'fail' });
    assert.equal(first.bridge.status, 202, JSON.stringify(first.bridge.body));
    for (let i = 1; i < 20; i += 1) {
      const next = await mes<{ orderNo: string; opNo: string }>('quality-records', { result: i === 10 ? 'fail' : 'pass', orderNo: first.record.orderNo });
      assert.equal(next.bridge.status, 202, JSON.stringify(next.bridge.body));
    }
    const alarm = await eventually(
      async () => (await exceptions()).find((x) => x.severity === 'urgent' && (x.event as { type?: string; orderNo?: string }).type === 'quality-defect' && (x.event as { orderNo?: string }).orderNo === first.record.orderNo),
      'the quality exception from the defect rate',
      20_000,
    );
    assert.ok(alarm);
    // Each post was answered once: nothing downstream of the trace tab answered the MES again.
    assert.doesNotMatch(server.output(), /Cannot set headers|payload must be an object/);
  });

  it('takes inspection records, and escalates an urgent exception not acknowledged within its deadline', async () => {
    const quality = await mes<{ recordId: string; orderNo: string; opNo: string }>('quality-records', { result: 'pass' });
    assert.equal(quality.bridge.status, 202, JSON.stringify(quality.bridge.body));

    const id = 'EX-E2E-URGENT-1';
    const event = {
      id,
      type: 'equipment-fault',
      severity: 'urgent',
      orderNo: quality.record.orderNo,
      opNo: quality.record.opNo,
      equipment: 'EQ-EXTR-01',
      description: '挤出机温控报警 extruder temperature alarm',
      timestamp: new Date().toISOString(),
    };
    const raised = await postToBridge('/mes/exceptions', event);
    assert.equal(raised.status, 202, await raised.clone().text());
    const escalated = await eventually(async () => (await exceptions()).find((x) => x.event.id === id && x.escalations.length > 0), 'the escalation after the deadline', 20_000);
    assert.deepEqual(
      escalated.escalations.map((e) => [e.from, e.to]),
      [['urgent', 'severe']],
    );
    assert.equal(escalated.severity, 'severe');
    const whats = ((await (await api(`/api/audit?subjectId=${id}`)).json()) as { items: Array<{ what: string }> }).items.map((e) => e.what);
    assert.ok(
      whats.some((w) => w.includes('escalat')),
      whats.join(', '),
    );
  });

  it('answers the first MES exception after exception-escalation is redeployed (a "nodes" deployment of the changed node)', async () => {
    for (let round = 1; round <= 3; round++) {
      // Change only the escalation node, as the editor does when its name is edited, and deploy just that.
      const current = (await (await api('/flows')).json()) as Array<Record<string, unknown>>;
      const changed = current.map((n) => (n.id === 'escalation' ? { ...n, name: `异常升级 escalation (${round})` } : n));
      const deployed = await api('/flows', { method: 'POST', headers: { 'Node-RED-Deployment-Type': 'nodes' }, body: JSON.stringify(changed) });
      assert.equal(deployed.status, 204, await deployed.clone().text());
      // At once: Node-RED answers the deploy before it has started the changed node again.
      const id = `EX-E2E-REDEPLOY-${round}`;
      const raised = await postToBridge('/mes/exceptions', { id, type: 'other', severity: 'urgent', description: '重新部署后 after a redeploy', timestamp: new Date().toISOString() });
      assert.equal(raised.status, 202, await raised.clone().text());
      assert.ok((await exceptions()).some((x) => x.event.id === id));
    }
  });
});
