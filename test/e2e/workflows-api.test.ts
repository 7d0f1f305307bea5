// End to end, the workflow REST API of the real server: a flow with material-overdraw and exception-escalation
// is deployed through the admin API and fed over HTTP; approvals need a logged-in admin (401 anonymous) who
// re-enters the password (403 otherwise, audited), a signed approval releases the requisition whose request the
// ERP received, two concurrent decisions give one 200 and one 409 (both audited), exceptions are acknowledged
// and resolved as the logged-in user, and the audit trail is listed per order and its tampering detected.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SqliteStore } from '../../nodes/lib/stores/sqlite-store';
import { basic, deployFlow, login } from '../support/server-kit';
import { startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually } from '../support/temp';
import { requisition, workOrder, ORDER } from '../unit/overdraw-fixture';

interface AuditItem {
  seq: number;
  who: string;
  what: string;
  subjectId: string;
  signature?: { signer: string; meaning: string; reason: string };
}

describe('workflow REST API end to end', () => {
  let server: ServerProcess;
  let token: string;
  let storeFile: string;
  const api = (path: string, init: RequestInit = {}) => fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  const feed = (path: string, payload: unknown, topic?: string) =>
    fetch(`${server.url}/test/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic('mes-demo', 'demo-mes-webhook-pass') }, body: JSON.stringify({ topic, payload }) });
  const erpInbox = async (inbox: string) => ((await (await fetch(`${server.simUrl}/erp/_sim/workflows?inbox=${inbox}`)).json()) as { items: Array<{ key: string; body: Record<string, unknown> }> }).items;
  const pending = async () => ((await (await api('/api/approvals')).json()) as { items: Array<{ approvalRequest: { requisitionId: string } }> }).items.map((p) => p.approvalRequest.requisitionId);
  const audit = async (query = '') => ((await (await api(`/api/audit${query}`)).json()) as { items: AuditItem[] }).items;

  /** Sends an overdraw (after a requisition filling the limit) and waits until it is pending. */
  async function overdraw(): Promise<string> {
    await feed('requisitions', requisition(1600, { materialCode: 'RM-PVC-TUBE' }));
    const over = requisition(100);
    assert.equal((await feed('requisitions', over)).status, 200);
    await eventually(async () => (await pending()).includes(over.requisitionId), 'the pending approval');
    return over.requisitionId;
  }

  before(async () => {
    server = await startServerProcess({ env: { ADMIN_PASSWORD: 'sign-pass', SIM_MES_REPORTS_MS: '0' } });
    token = await login(server.url, 'admin', 'sign-pass');
    storeFile = join(server.userDir, 'workflows-e2e.sqlite');
    const simErp = `${server.simUrl}/erp/api/v1`;
    await deployFlow(server.url, token, [
      { id: 'wf-tab', type: 'tab', label: 'workflows e2e' },
      { id: 'wf-store', type: 'bridge-store', file: storeFile },
      { id: 'wf-erp', type: 'erp-endpoint', name: 'sim ERP', baseUrl: simErp, authType: 'basic', username: 'erp-bridge', timeoutSec: 5, retryBaseSec: 0.1, retryMaxSec: 1, credentials: { password: 'demo-erp-pass' } },
      { id: 'wf-req-in', type: 'http in', z: 'wf-tab', url: '/test/requisitions', method: 'post', wires: [['wf-unwrap-req']] },
      {
        id: 'wf-unwrap-req',
        type: 'change',
        z: 'wf-tab',
        rules: [
          { t: 'set', p: 'topic', pt: 'msg', to: 'payload.topic', tot: 'msg' },
          { t: 'set', p: 'payload', pt: 'msg', to: 'payload.payload', tot: 'msg' },
        ],
        wires: [['wf-overdraw', 'wf-ok']],
      },
      {
        id: 'wf-overdraw',
        type: 'material-overdraw',
        z: 'wf-tab',
        endpoint: 'wf-erp',
        store: 'wf-store',
        path: 'approval-requests',
        decisionTimeoutMin: 120,
        onTimeout: 'escalate',
        defaultTolerancePct: 0,
        escalationSeverity: 'urgent',
        maxAttempts: 3,
        wires: [[], [], ['wf-escalation']],
      },
      { id: 'wf-exc-in', type: 'http in', z: 'wf-tab', url: '/test/exceptions', method: 'post', wires: [['wf-unwrap-exc']] },
      {
        id: 'wf-unwrap-exc',
        type: 'change',
        z: 'wf-tab',
        rules: [
          { t: 'set', p: 'topic', pt: 'msg', to: 'payload.topic', tot: 'msg' },
          { t: 'set', p: 'payload', pt: 'msg', to: 'payload.payload', tot: 'msg' },
        ],
        wires: [['wf-escalation', 'wf-ok']],
      },
      {
        id: 'wf-escalation',
        type: 'exception-escalation',
        z: 'wf-tab',
        endpoint: 'wf-erp',
        store: 'wf-store',
        noticePath: 'exception-notices',
        resolutionPath: 'exception-resolutions',
        requestPath: 'emergency-requests',
        maxAttempts: 3,
        wires: [[], [], [], []],
      },
      { id: 'wf-ok', type: 'http response', z: 'wf-tab', statusCode: '200', wires: [] },
    ]);
    await eventually(async () => (await feed('requisitions', workOrder(), 'plan')).status === 200, 'the deployed flow');
  });
  after(async () => {
    await server?.stop();
  });

  it('refuses anonymous callers with 401 and nothing changes', async () => {
    const id = await overdraw();
    assert.equal((await fetch(`${server.url}/api/approvals`)).status, 401);
    const anonymous = await fetch(`${server.url}/api/approvals/${id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'approve', reason: 'x', password: 'sign-pass' }) });
    assert.equal(anonymous.status, 401);
    assert.ok((await pending()).includes(id));
  });

  it('refuses a wrong password with 403, audits the failed signature attempt, and the requisition stays pending', async () => {
    const id = await overdraw();
    const res = await api(`/api/approvals/${id}`, { method: 'POST', body: JSON.stringify({ decision: 'approve', reason: '补料', password: 'guess' }) });
    assert.equal(res.status, 403);
    assert.match(((await res.json()) as { error: string }).error, /password did not match admin's/);
    assert.ok((await pending()).includes(id));
    const entries = await audit(`?orderNo=${ORDER}`);
    assert.ok(entries.some((e) => e.subjectId === id && e.what === 'requisition.signature-failed' && e.who === 'admin'));
  });

  it('releases a requisition on a signed approval, with the logged-in user as signer; the ERP received its approval request', async () => {
    const id = await overdraw();
    const request = await eventually(async () => (await erpInbox('approval-requests')).find((r) => r.body.requisitionId === id), 'the approval request at the ERP');
    assert.equal(request.key, `approval-request:${id}`);
    const res = await api(`/api/approvals/${id}`, { method: 'POST', body: JSON.stringify({ decision: 'approve', reason: '挤出废品多，补料', password: 'sign-pass' }) });
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { outcome: string; signature: { signer: string; meaning: string; reason: string; signedAt: string }; issue: { approval: string } };
    assert.equal(body.outcome, 'released');
    assert.deepEqual({ ...body.signature, signedAt: undefined }, { signer: 'admin', meaning: 'approved', reason: '挤出废品多，补料', signedAt: undefined });
    assert.equal(body.issue.approval, 'erp-approved');
    assert.ok(!(await pending()).includes(id));
    const signed = (await audit(`?orderNo=${ORDER}`)).find((e) => e.subjectId === id && e.what === 'requisition.approved');
    assert.equal(signed?.signature?.signer, 'admin');
  });

  it('lets exactly one of two concurrent decisions take effect (200 and 409), auditing both', async () => {
    const id = await overdraw();
    const decide = (decision: string) => api(`/api/approvals/${id}`, { method: 'POST', body: JSON.stringify({ decision, reason: `${decision} at once`, password: 'sign-pass' }) });
    const statuses = (await Promise.all([decide('approve'), decide('reject')])).map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 409]);
    const whats = (await audit(`?orderNo=${ORDER}`)).filter((e) => e.subjectId === id).map((e) => e.what);
    assert.equal(whats.filter((w) => w === 'requisition.decision-refused').length, 1);
    assert.equal(whats.filter((w) => w === 'requisition.approved' || w === 'requisition.rejected').length, 1);
  });

  it('acknowledges and resolves an exception as the logged-in user; the ERP receives the resolution with its downtime', async () => {
    const event = { id: 'EX-E2E-1', type: 'equipment-fault', severity: 'urgent', orderNo: ORDER, opNo: '0010', equipment: 'EQ-EXTR-01', description: '挤出机温控报警', timestamp: new Date().toISOString() };
    assert.equal((await feed('exceptions', event)).status, 200);
    await eventually(async () => ((await (await api('/api/exceptions')).json()) as { items: Array<{ event: { id: string } }> }).items.some((e) => e.event.id === 'EX-E2E-1'), 'the open exception');
    assert.equal((await fetch(`${server.url}/api/exceptions/EX-E2E-1/ack`, { method: 'POST' })).status, 401);
    const ack = await api('/api/exceptions/EX-E2E-1/ack', { method: 'POST', body: JSON.stringify({ note: '已到现场' }) });
    assert.equal(ack.status, 200);
    assert.equal(((await ack.json()) as { exception: { acknowledged: { by: string } } }).exception.acknowledged.by, 'admin');
    assert.equal((await api('/api/exceptions/EX-E2E-1/ack', { method: 'POST', body: JSON.stringify({ note: 'again' }) })).status, 409);
    const resolve = await api('/api/exceptions/EX-E2E-1/resolve', { method: 'POST', body: JSON.stringify({ note: '更换温控模块', downtimeMin: 40 }) });
    assert.equal(resolve.status, 200);
    const atErp = await eventually(async () => (await erpInbox('exception-resolutions')).find((r) => r.body.exceptionId === 'EX-E2E-1'), 'the resolution at the ERP');
    assert.equal(atErp.body.downtimeMin, 40);
    assert.equal(atErp.body.resolvedBy, 'admin');
  });

  it('lists the audit trail per order, verifies its hash chain, and detects an entry altered in the store', async () => {
    const entries = await audit(`?orderNo=${ORDER}`);
    assert.ok(entries.length >= 3);
    const whole = (await (await api('/api/audit/verify')).json()) as { ok: boolean; entries: number; verified: number };
    const all = (await audit()).length;
    assert.deepEqual([whole.ok, whole.entries, whole.verified], [true, all, all], 'every entry is keyed (demo mode: the key generated in the userDir)');
    const store = new SqliteStore(storeFile);
    const key = `e${String(entries[0].seq).padStart(12, '0')}`;
    const entry = (await store.get<Record<string, unknown>>('audit', key))!;
    await store.put('audit', key, { ...entry, why: 'nothing happened here' });
    await store.close();
    const verdict = (await (await api('/api/audit/verify')).json()) as { ok: boolean; problem?: string };
    assert.equal(verdict.ok, false);
    assert.match(verdict.problem!, new RegExp(`Audit entry ${entries[0].seq} was altered`));
  });
});
