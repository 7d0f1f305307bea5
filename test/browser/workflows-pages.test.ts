// The "待审批领料 / Pending approvals" and "异常 / Exceptions" dashboard pages of the demo plant in headless
// Chromium: an over-need requisition from the simulated MES shows up pending; the approver clicks approve, gives
// a reason and re-enters the password, and the requisition is released (signed by that user in the audit log);
// on the exceptions page an urgent exception is acknowledged the same way. Screenshots go to test/artifacts/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { login } from '../support/server-kit';
import { repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually } from '../support/temp';
import { launchChromium } from '../support/browser';

const artifacts = join(repoRoot, 'test', 'artifacts');

interface Posted<T> {
  record: T;
  bridge: { status: number; body: unknown };
}

describe('the approvals and exceptions pages in a browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  let token: string;
  const api = (path: string) => fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json());
  const mes = async <T>(what: string, body: object): Promise<Posted<T>> =>
    (await fetch(`${server.simUrl}/mes/_sim/${what}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json() as Promise<Posted<T>>;

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    server = await startServerProcess({ env: { ADMIN_PASSWORD: 'sign-pass', SIM_MES_REPORTS_MS: '0' } });
    token = await login(server.url, 'admin', 'sign-pass');
    await eventually(
      async () => {
        const items = ((await (await fetch(`${server.simUrl}/mes/api/work-orders`, { headers: { authorization: 'Bearer demo-mes-token' } })).json()) as { items: unknown[] }).items;
        return items.length >= 20 ? items : undefined;
      },
      'plan sync to deliver the work orders',
      30_000,
    );
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1600, height: 900 }, timezoneId: 'Asia/Shanghai', locale: 'zh-CN', httpCredentials: { username: 'admin', password: 'sign-pass' } });
    page = await context.newPage();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows an over-need requisition pending; approving it with a reason and the password releases it, signed in the audit log', async () => {
    const over = await eventually(
      async () => {
        const p = await mes<{ requisitionId: string }>('requisitions', { kind: 'over' });
        return p.bridge.status === 202 ? p.record : undefined;
      },
      'an over-need requisition the bridge holds',
      20_000,
    );
    // A second one stays pending, so the screenshot shows a list.
    await mes('requisitions', { kind: 'over' });
    await page.goto(`${server.url}/dashboard/approvals`);
    const row = page.locator(`tr[data-requisition="${over.requisitionId}"]`);
    await row.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await row.innerText(), /min/);
    await page.screenshot({ path: join(artifacts, 'approvals-pending.png') });

    await row.locator('[data-action="approve"]').click();
    const dialog = page.locator('[data-dialog="sign"]');
    await dialog.waitFor({ state: 'visible' });
    // No reason, no signature: the page says so and nothing is sent.
    await dialog.locator('[data-action="sign"]').click();
    assert.match(await dialog.locator('[data-error]').innerText(), /reason is required/i);
    await dialog.locator('textarea[name="reason"]').fill('挤出废品多，补料 extra scrap at extrusion');
    await dialog.locator('input[name="username"]').fill('admin');
    await dialog.locator('input[name="password"]').fill('wrong-pass');
    await dialog.locator('[data-action="sign"]').click();
    await page
      .locator('[data-error]')
      .filter({ hasText: /password/i })
      .waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(artifacts, 'approvals-sign-dialog.png') });
    // A wrong password signs nothing: the login behind the signature refused it, the requisition still waits.
    const stillPending = ((await api('/api/approvals')) as { items: Array<{ approvalRequest: { requisitionId: string } }> }).items;
    assert.ok(stillPending.some((p) => p.approvalRequest.requisitionId === over.requisitionId));
    await dialog.locator('input[name="password"]').fill('sign-pass');
    await dialog.locator('[data-action="sign"]').click();
    await page.locator('[data-notice]').filter({ hasText: over.requisitionId }).waitFor({ timeout: 15_000 });
    await row.waitFor({ state: 'detached', timeout: 15_000 });
    assert.match(await page.locator('[data-notice]').innerText(), /Approved and released/);
    await page.screenshot({ path: join(artifacts, 'approvals-released.png') });

    const audit = ((await api(`/api/audit?subjectId=${over.requisitionId}`)) as { items: Array<{ what: string; who: string; signature?: { signer: string; meaning: string; reason: string } }> }).items;
    const signed = audit.find((e) => e.what === 'requisition.approved');
    assert.equal(signed?.signature?.signer, 'admin');
    assert.equal(signed?.signature?.meaning, 'approved');
    assert.match(signed?.signature?.reason ?? '', /补料/);
    const requests = ((await (await fetch(`${server.simUrl}/erp/_sim/workflows?inbox=approval-requests`)).json()) as { items: Array<{ body: { requisitionId: string } }> }).items;
    assert.ok(
      requests.some((r) => r.body.requisitionId === over.requisitionId),
      'the ERP was asked for the approval',
    );
  });

  it('lists open exceptions by severity with the time left to acknowledge, and acknowledges one as the signing user', async () => {
    const urgent = await mes<{ id: string }>('exceptions', { severity: 'urgent', type: 'equipment-fault' });
    assert.equal(urgent.bridge.status, 202, JSON.stringify(urgent.bridge.body));
    await mes('exceptions', { severity: 'severe' });
    await mes('exceptions', { severity: 'general', type: 'other' });
    await page.goto(`${server.url}/dashboard/exceptions`);
    const card = page.locator(`[data-exception="${urgent.record.id}"]`);
    await card.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await card.locator('[data-deadline]').innerText(), /ack within (59|60) min/);
    await page.screenshot({ path: join(artifacts, 'exceptions-open.png') });

    await card.locator('[data-action="ack"]').click();
    const dialog = page.locator('[data-dialog="sign"]');
    await dialog.locator('textarea[name="note"]').fill('已到现场 on my way to the line');
    await dialog.locator('input[name="username"]').fill('admin');
    await dialog.locator('input[name="password"]').fill('sign-pass');
    await dialog.locator('[data-action="sign"]').click();
    await page.waitForFunction((id) => document.querySelector(`[data-exception="${id}"]`)?.getAttribute('data-state') === 'acknowledged', urgent.record.id, { timeout: 15_000 });
    await page.screenshot({ path: join(artifacts, 'exceptions-acknowledged.png') });
    const listed = ((await api('/api/exceptions')) as { items: Array<{ event: { id: string }; acknowledged?: { by: string; note: string } }> }).items.find((x) => x.event.id === urgent.record.id);
    assert.equal(listed?.acknowledged?.by, 'admin');
    assert.match(listed?.acknowledged?.note ?? '', /已到现场/);
  });

  it("shows the bridge's own exception texts in the reader's language (a shortage raised by material-overdraw)", async () => {
    const posted = await mes<{ requisitionId: string }>('requisitions', { kind: 'above-stock' });
    assert.equal(posted.bridge.status < 300, true, JSON.stringify(posted.bridge.body));
    await page.goto(`${server.url}/dashboard/exceptions`);
    const card = page.locator(`[data-exception="SHORT-${posted.record.requisitionId}"]`);
    await card.waitFor({ state: 'visible', timeout: 30_000 });
    const text = await card.locator('.ex-desc').innerText();
    assert.match(text, new RegExp(`^领料单 ${posted.record.requisitionId} 申领 \\S+ [\\d.]+ \\S+,库存 [\\d.]+ \\S+:缺 [\\d.]+ \\S+。$`));
    const listed = ((await api('/api/exceptions')) as { items: Array<{ event: { id: string; description: string } }> }).items.find((x) => x.event.id === `SHORT-${posted.record.requisitionId}`);
    assert.match(listed?.event.description ?? '', /requested by requisition .* missing\./, 'the API and the ERP keep the English text');
    await card.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(artifacts, 'exceptions-shortage-zh-CN.png') });
  });
});
