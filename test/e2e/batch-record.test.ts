// End to end on the demo plant: an order completes → its batch record is complete once its open exceptions are
// dealt with → QA reviews it and a second person releases it with electronic signatures (password re-checked
// on the server) → the ERP receives the release once → the printed record and certificate come in both
// languages → editing a stored fact of the released record in the bridge store is detected.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import Database from 'better-sqlite3';
import { launchChromium } from '../support/browser';
import { repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually } from '../support/temp';
import { SAMPLE_EVERY } from '../../server/simulator/mes-quality';

interface View {
  orderNo: string;
  status: string;
  recordHash: string;
  findings: Array<{ kind: string; code: string; subjectId?: string; text: { 'en-US': string; 'zh-CN': string } }>;
  lifecycle: { version: number; signatures: Array<{ meaning: string; signer: string }> };
  record: { header: { goodQty: number; batches: string[] }; exceptions: Array<{ id: string; state: string }>; operations: Array<{ goodQty: number; scrapQty: number; passed: number; failed: number }> };
}
interface Release {
  key: string;
  body: { orderNo: string; version: number; recordHash: string; certificateNo: string; goodQty: number; reviewed: { signer: string }; released: { signer: string } };
}

const PASSWORD = { 'qa-wang': 'wang-secret-1', 'qa-li': 'li-secret-22' };
const artifacts = join(repoRoot, 'test', 'artifacts');

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
  /**
   * The next completed order (its cost variance reached the ERP) not in `taken`, once its record is complete: QA
   * deals with the exceptions still open on it as the exceptions page would (the demo's inspectors may raise more).
   */
  async function completedOrderReady(taken: string[]): Promise<string> {
    const next = await eventually(
      async () => {
        const items = ((await (await fetch(`${server.simUrl}/erp/_sim/workflows?inbox=cost-variances`)).json()) as { items: Array<{ body: { orderNo: string } }> }).items;
        return items.map((i) => i.body.orderNo).find((o) => !taken.includes(o));
      },
      'a completed demo order',
      120_000,
    );
    let last: View | undefined;
    // The same fingerprint on two reads in a row: an exception the last inspections raise has been dealt with.
    let previousHash: string | undefined;
    try {
      await eventually(
        async () => {
          last = (await (await api(`/api/batch-records/${encodeURIComponent(next)}`, tokens['qa-wang'])).json()) as View;
          for (const e of last.record.exceptions.filter((x) => x.state === 'open' || x.state === 'acknowledged')) {
            if (e.state === 'open') await api(`/api/exceptions/${encodeURIComponent(e.id)}/ack`, tokens.admin, { method: 'POST', body: JSON.stringify({ note: 'seen' }) });
            await api(`/api/exceptions/${encodeURIComponent(e.id)}/resolve`, tokens.admin, { method: 'POST', body: JSON.stringify({ note: 'cause removed', downtimeMin: 5 }) });
          }
          // Complete, and every unit the simulated inspectors sample (every SAMPLE_EVERY-th) is in: nothing more comes.
          const inspected = last.record.operations.every((op) => op.passed + op.failed === Math.floor((op.goodQty + op.scrapQty) / SAMPLE_EVERY));
          const settled = last.status === 'ready-for-review' && inspected && last.recordHash === previousHash;
          previousHash = last.status === 'ready-for-review' && inspected ? last.recordHash : undefined;
          return settled ? last : undefined;
        },
        `the record of ${next} complete`,
        90_000,
      );
    } catch (err) {
      throw new Error(
        `${(err as Error).message}; its gaps: ${last?.findings
          .filter((f) => f.kind === 'gap')
          .map((f) => f.text['en-US'])
          .join(' | ')}`,
        { cause: err },
      );
    }
    return next;
  }
  const releases = async () => (await (await fetch(`${server.simUrl}/erp/_sim/workflows?inbox=batch-releases`)).json()) as { items: Release[]; duplicates: number };

  before(async () => {
    const users = Object.entries(PASSWORD)
      .map(([name, pass]) => `${name}:${bcrypt.hashSync(pass, 10)}:admin`)
      .join(',');
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
    const list = await eventually(
      async () => {
        const body = (await (await api('/api/batch-records', tokens['qa-wang'])).json()) as { items: Array<{ orderNo: string; status: string }> };
        return body.items.length > 0 ? body.items : undefined;
      },
      'orders in the batch record list',
      60_000,
    );
    assert.ok(list.every((r) => typeof r.status === 'string'));
  });

  it("makes a completed order's record complete once its exceptions are resolved, with gaps named until then", async () => {
    // The first order whose cost variance reached the ERP has completed every operation; QA deals with what is
    // still open on it (its exceptions), as the exceptions page would.
    orderNo = await completedOrderReady([]);
    const ready = await view();
    assert.equal(ready.status, 'ready-for-review');
    assert.deepEqual(
      ready.findings.filter((f) => f.kind === 'gap'),
      [],
    );
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
    assert.deepEqual(
      signed.map((e) => [e.what, e.signature?.signer, e.verification]),
      [
        ['batch.reviewed', 'qa-wang', 'verified'],
        ['batch.released', 'qa-li', 'verified'],
      ],
    );
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

  it('lets QA review and a second person release a record on the 批记录 page, and prints the record and certificate (zh-CN, en-US)', async () => {
    mkdirSync(artifacts, { recursive: true });
    const second = await completedOrderReady([orderNo]);
    const browser = await launchChromium();
    try {
      for (const [locale, signer, meaning] of [
        ['zh-CN', 'qa-wang', 'reviewed'],
        ['en-US', 'qa-li', 'released'],
      ] as const) {
        const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, timezoneId: 'Asia/Shanghai', locale, httpCredentials: { username: 'admin', password: 'batch-pass' } });
        const page = await context.newPage();
        await page.goto(`${server.url}/dashboard/batch-records`);
        const row = page.locator(`tr[data-order="${second}"]`);
        await row.waitFor({ state: 'visible', timeout: 30_000 });
        await row.click();
        const detail = page.locator('[data-detail]');
        await detail
          .locator('[data-status]')
          .getByText(meaning === 'reviewed' ? /待审核/ : /已审核/)
          .waitFor({ timeout: 30_000 });
        await page.screenshot({ path: join(artifacts, `batch-records-${locale}.png`) });
        await detail.locator(`[data-action="${meaning}"]`).click();
        const dialog = page.locator('[data-dialog="sign"]');
        await dialog.locator('textarea[name="reason"]').fill(meaning === 'reviewed' ? '偏差已评估 deviations assessed' : 'Batch conforms');
        await dialog.locator('input[name="username"]').fill(signer);
        await dialog.locator('input[name="password"]').fill(PASSWORD[signer]);
        await page.screenshot({ path: join(artifacts, `batch-records-sign-${locale}.png`) });
        await dialog.locator('[data-action="sign"]').click();
        await page.locator('[data-notice]').waitFor({ state: 'visible', timeout: 30_000 });
        await detail
          .locator('[data-status]')
          .getByText(meaning === 'reviewed' ? /已审核/ : /已放行/)
          .waitFor({ timeout: 30_000 });
        if (meaning === 'released') {
          // The certificate opens in a window of its own, ready to print.
          const [popup] = await Promise.all([page.waitForEvent('popup'), detail.locator('[data-action="certificate-en"]').click()]);
          await popup.locator('h1').getByText('Certificate of conformance').waitFor({ timeout: 30_000 });
          assert.match(await popup.locator('body').innerText(), /qa-li/);
          await popup.screenshot({ path: join(artifacts, 'batch-certificate-en-US.png'), fullPage: true });
          await page.screenshot({ path: join(artifacts, 'batch-records-released.png') });
        }
        await context.close();
      }
      // The printed record and certificate as PDF pages: A4, page numbers, CJK fonts.
      const context = await browser.newContext({ locale: 'zh-CN' });
      const page = await context.newPage();
      for (const [document, lang] of [
        ['print', 'zh-CN'],
        ['certificate', 'zh-CN'],
        ['print', 'en-US'],
      ] as const) {
        const html = await (await api(`/api/batch-records/${encodeURIComponent(second)}/${document}?lang=${lang}`, tokens['qa-wang'])).text();
        await page.setContent(html);
        await page.screenshot({ path: join(artifacts, `batch-${document}-${lang}.png`), fullPage: true });
        const pdf = await page.pdf({ path: join(artifacts, `batch-${document}-${lang}.pdf`), format: 'A4' });
        assert.ok(pdf.length > 10_000, `${document} ${lang} printed`);
      }
      await context.close();
    } finally {
      await browser.close();
    }
    const released = (await (await api(`/api/batch-records/${encodeURIComponent(second)}`, tokens['qa-wang'])).json()) as View;
    assert.deepEqual(
      released.lifecycle.signatures.map((s) => [s.meaning, s.signer]),
      [
        ['reviewed', 'qa-wang'],
        ['released', 'qa-li'],
      ],
    );
    await eventually(async () => (await releases()).items.find((r) => r.body.orderNo === second), 'the second release at the ERP', 30_000);
  });
});
