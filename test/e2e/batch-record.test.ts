// End to end on the demo plant: an order completes → its batch record is complete once its open exceptions are
// dealt with → QA reviews it and a second person releases it with electronic signatures (password re-checked
// on the server) → the ERP receives the release once → the printed record and certificate come in both
// languages → editing a stored fact of the released record in the bridge store is detected.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import Database from 'better-sqlite3';
import { startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually } from '../support/temp';

interface View {
  orderNo: string;
  status: string;
  recordHash: string;
  findings: Array<{ kind: string; code: string; subjectId?: string; text: { 'en-US': string; 'zh-CN': string } }>;
  lifecycle: { version: number; signatures: Array<{ meaning: string; signer: string }> };
  record: { header: { goodQty: number; batches: string[] }; exceptions: Array<{ id: string; state: string }> };
}
interface Release {
  key: string;
  body: { orderNo: string; version: number; recordHash: string; certificateNo: string; goodQty: number; reviewed: { signer: string }; released: { signer: string } };
}

const PASSWORD = { 'qa-wang': 'wang-secret-1', 'qa-li': 'li-secret-22' };

describe('electronic batch record end to end (demo plant)', () => {
  let server: ServerProcess;
  let orderNo: string;
  const tokens: Record<string, string> = {};

  const login = async (username: keyof typeof PASSWORD | 'admin', password: string) => {
    const res = await fetch(`${server.url}/auth/token`, { method: 'POST', body: new URLSearchParams({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username, password }) });
    assert.equal(res.status, 200, `${username} logs in`);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const api = (path: string, token: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) } });
  const view = async (token = tokens['qa-wang']) => (await (await api(`/api/batch-records/${encodeURIComponent(orderNo)}`, token)).json()) as View;
  const sign = (who: keyof typeof PASSWORD, meaning: string, reason: string, password: string = PASSWORD[who]) =>
    api(`/api/batch-records/${encodeURIComponent(orderNo)}/sign`, tokens[who], { method: 'POST', body: JSON.stringify({ meaning, reason, password }) });
  const releases = async () => ((await (await fetch(`${server.simUrl}/erp/_sim/workflows?inbox=batch-releases`)).json()) as { items: Release[]; duplicates: number });

  before(async () => {
    const users = Object.entries(PASSWORD).map(([name, pass]) => `${name}:${bcrypt.hashSync(pass, 10)}:admin`).join(',');
    server = await startServerProcess({ env: { ADMIN_PASSWORD: 'batch-pass', ADMIN_USERS: users, SIM_MES_REPORTS_MS: '1000' } });
    tokens['qa-wang'] = await login('qa-wang', PASSWORD['qa-wang']);
    tokens['qa-li'] = await login('qa-li', PASSWORD['qa-li']);
    tokens.admin = await login('admin', 'batch-pass');
  });
  after(async () => {
    await server?.stop();
  });

  it('answers only a logged-in user, and lists the orders the MES was sent', async () => {
    assert.equal((await fetch(`${server.url}/api/batch-records`)).status, 401);
    const list = await eventually(async () => {
      const body = (await (await api('/api/batch-records', tokens['qa-wang'])).json()) as { items: Array<{ orderNo: string; status: string }> };
      return body.items.length > 0 ? body.items : undefined;
    }, 'orders in the batch record list', 60_000);
    assert.ok(list.every((r) => typeof r.status === 'string'));
  });

  it('makes a completed order\'s record complete once its exceptions are resolved, with gaps named until then', async () => {
    // The first order whose cost variance reached the ERP has completed every operation.
    const completed = await eventually(async () => {
      const items = ((await (await fetch(`${server.simUrl}/erp/_sim/workflows?inbox=cost-variances`)).json()) as { items: Array<{ body: { orderNo: string } }> }).items;
      return items[0]?.body.orderNo;
    }, 'a completed demo order', 120_000);
    orderNo = completed;
    const first = await view();
    assert.notEqual(first.status, 'released');
    for (const f of first.findings) assert.ok(f.text['zh-CN'] && f.text['en-US'], `${f.code} reads in both languages`);
    // QA deals with what is still open on the order, as the exceptions page would.
    for (const e of first.record.exceptions.filter((x) => x.state === 'open' || x.state === 'acknowledged')) {
      if (e.state === 'open') await api(`/api/exceptions/${encodeURIComponent(e.id)}/ack`, tokens.admin, { method: 'POST', body: JSON.stringify({ note: 'seen' }) });
      await api(`/api/exceptions/${encodeURIComponent(e.id)}/resolve`, tokens.admin, { method: 'POST', body: JSON.stringify({ note: 'cause removed', downtimeMin: 5 }) });
    }
    const ready = await eventually(async () => {
      const v = await view();
      return v.status === 'ready-for-review' ? v : undefined;
    }, `the record of ${orderNo} complete`, 60_000);
    assert.deepEqual(ready.findings.filter((f) => f.kind === 'gap'), []);
    assert.ok(ready.record.header.goodQty > 0);
  });

  it('refuses a signature with a wrong password and changes nothing; reviews with the right one', async () => {
    const wrong = await sign('qa-wang', 'reviewed', 'Checked', 'not-my-password');
    assert.equal(wrong.status, 403);
    assert.match(((await wrong.json()) as { error: string }).error, /password did not match qa-wang's/);
    assert.equal((await view()).lifecycle.signatures.length, 0);
    const reviewed = await sign('qa-wang', 'reviewed', 'Deviations assessed');
    assert.equal(reviewed.status, 200, await reviewed.clone().text());
    assert.equal(((await reviewed.json()) as View).status, 'reviewed');
  });

  it('refuses the reviewer as releaser, releases by a second person, and the ERP receives the release once', async () => {
    const self = await sign('qa-wang', 'released', 'Release');
    assert.equal(self.status, 409);
    assert.match(((await self.json()) as { error: string }).error, /needs a second person/);
    const released = await sign('qa-li', 'released', 'Batch conforms');
    assert.equal(released.status, 200, await released.clone().text());
    const v = (await released.json()) as View;
    assert.equal(v.status, 'released');
    const arrived = await eventually(async () => (await releases()).items.find((r) => r.body.orderNo === orderNo), 'the release at the ERP', 30_000);
    assert.equal(arrived.key, `batch-release:${orderNo}:v1`);
    assert.equal(arrived.body.recordHash, v.recordHash);
    assert.equal(arrived.body.certificateNo, `CoC-${orderNo}-v1`);
    assert.equal(arrived.body.reviewed.signer, 'qa-wang');
    assert.equal(arrived.body.released.signer, 'qa-li');
    // Signing again changes nothing and tells the ERP nothing more.
    assert.equal((await sign('qa-li', 'released', 'again')).status, 409);
    const all = await releases();
    assert.equal(all.items.filter((r) => r.body.orderNo === orderNo).length, 1);
    assert.equal(all.duplicates, 0);
    // The audit trail holds both signatures, verified.
    const audit = (await (await api(`/api/audit?orderNo=${encodeURIComponent(orderNo)}`, tokens.admin)).json()) as { items: Array<{ what: string; verification: string; signature?: { signer: string } }> };
    const signed = audit.items.filter((e) => e.what.startsWith('batch.'));
    assert.deepEqual(signed.map((e) => [e.what, e.signature?.signer, e.verification]), [['batch.reviewed', 'qa-wang', 'verified'], ['batch.released', 'qa-li', 'verified']]);
  });

  it('prints the record and the certificate, in Chinese and in English', async () => {
    const record = await api(`/api/batch-records/${encodeURIComponent(orderNo)}/print?lang=zh-CN`, tokens['qa-wang']);
    assert.equal(record.status, 200);
    assert.match(record.headers.get('content-type') ?? '', /text\/html/);
    const zh = await record.text();
    assert.match(zh, new RegExp(`<h1>电子批记录 · ${orderNo}</h1>`));
    assert.match(zh, /已放行<\/td><td>qa-li/);
    const certificate = await (await api(`/api/batch-records/${encodeURIComponent(orderNo)}/certificate?lang=en-US`, tokens['qa-wang'])).text();
    assert.match(certificate, /Certificate of conformance/);
    assert.match(certificate, /Released by \(QA\)<\/td><td>qa-li<\/td><td>Released/);
  });

  it('detects an edit of a stored fact of the released record in the bridge store', async () => {
    const db = new Database(join(server.userDir, 'bridge-store.sqlite'));
    try {
      const row = db.prepare("SELECT id FROM trace_record WHERE book = 'trace' AND order_no = ? AND kind = 'report' LIMIT 1").get(orderNo) as { id: string };
      db.prepare("UPDATE trace_record SET body = json_set(body, '$.goodQty', json_extract(body, '$.goodQty') + 1) WHERE book = 'trace' AND kind = 'report' AND id = ?").run(row.id);
    } finally {
      db.close();
    }
    const changed = await view();
    assert.equal(changed.status, 'changed-after-release');
    const refused = await sign('qa-wang', 'reviewed', 'again');
    assert.equal(refused.status, 409);
    assert.match(((await refused.json()) as { error: string }).error, /changed after its release: amend it/);
  });
});
