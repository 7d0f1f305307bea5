// The approvals page in a plain Node-RED: the palette-installed pack (test/support/plain-node-red.ts) with Dashboard
// 2.0 beside it, the demo-plant example deployed and pointed at the demo simulator. An over-need requisition posted
// to the flow shows up pending on /dashboard/approvals; the approver signs with the password of a Node-RED adminAuth
// user, which the pack's own REST API checks (plugins/api/signature.ts), and the requisition is released, signed
// by that user in the audit trail. Screenshots go to test/artifacts/.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { demoErpEnvironment, DEMO_ERP_PASSWORD, DEMO_ERP_USER } from '../../server/demo';
import { launchChromium } from '../support/browser';
import { installedPack, PACK, PLAIN_ADMIN, startPlainNodeRed, type PlainNodeRed } from '../support/plain-node-red';
import { deployFlow } from '../support/server-kit';
import { repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually } from '../support/temp';

const artifacts = join(repoRoot, 'test', 'artifacts');

describe('the approvals page in a plain Node-RED with the palette-installed pack', () => {
  let demo: ServerProcess;
  let plain: PlainNodeRed;
  let browser: Browser;
  let page: Page;
  const api = (path: string) => fetch(`${plain.url}${path}`, { headers: { authorization: `Bearer ${plain.token}` } }).then((r) => r.json());

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    const installed = await installedPack();
    demo = await startServerProcess({ flows: [], env: { ADMIN_PASSWORD: 'plain-demo-admin', SIM_MES_REPORTS_MS: '0' } });
    const erpUrl = `${demo.simUrl}/erp/api/v1`;
    plain = await startPlainNodeRed(installed, {
      ...demoErpEnvironment('generic-rest', demo.simUrl, erpUrl),
      ERP_FEEDBACK_URL: erpUrl,
      ERP_FEEDBACK_USERNAME: DEMO_ERP_USER,
      ERP_FEEDBACK_PASSWORD: DEMO_ERP_PASSWORD,
      MES_BASE_URL: `${demo.simUrl}/mes/api`,
      MES_TOKEN: 'demo-mes-token',
    });
    const example = JSON.parse(readFileSync(join(installed, 'node_modules', PACK.name, 'examples', 'demo-plant.json'), 'utf8')) as unknown[];
    await deployFlow(plain.url, plain.token, example);
    // Plan sync of the plain Node-RED delivers the work orders (with their BOMs) to the simulated MES and the workflows tab.
    await eventually(
      async () => {
        const items = ((await (await fetch(`${demo.simUrl}/mes/api/work-orders`, { headers: { authorization: 'Bearer demo-mes-token' } })).json()) as { items: unknown[] }).items;
        return items.length >= 20 ? items : undefined;
      },
      `plan sync to deliver the work orders:\n${plain.output().slice(-3000)}`,
      60_000,
    );
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1600, height: 900 }, timezoneId: 'Asia/Shanghai', locale: 'zh-CN' });
    page = await context.newPage();
  });
  after(async () => {
    await browser?.close();
    await plain?.stop();
    await demo?.stop();
  });

  it("shows an over-need requisition pending; signing it with a Node-RED user's password releases it", async () => {
    // The simulated MES makes the requisition (and posts it to its own bridge); the same record goes to the plain Node-RED's flow.
    const { record } = (await (await fetch(`${demo.simUrl}/mes/_sim/requisitions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'over' }) })).json()) as {
      record: { requisitionId: string };
    };
    const posted = await fetch(`${plain.url}/mes/material-requisitions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(record) });
    assert.equal(posted.status, 202, await posted.text());

    await page.goto(`${plain.url}/dashboard/approvals`);
    const row = page.locator(`tr[data-requisition="${record.requisitionId}"]`);
    await row.waitFor({ state: 'visible', timeout: 30_000 });
    await page.screenshot({ path: join(artifacts, 'plain-node-red-approvals-pending.png') });

    await row.locator('[data-action="approve"]').click();
    const dialog = page.locator('[data-dialog="sign"]');
    await dialog.waitFor({ state: 'visible' });
    await dialog.locator('textarea[name="reason"]').fill('挤出废品多，补料 extra scrap at extrusion');
    await dialog.locator('input[name="username"]').fill(PLAIN_ADMIN.username);
    await dialog.locator('input[name="password"]').fill('wrong-pass');
    await dialog.locator('[data-action="sign"]').click();
    await page
      .locator('[data-error]')
      .filter({ hasText: /password/i })
      .waitFor({ timeout: 10_000 });
    await dialog.locator('input[name="password"]').fill(PLAIN_ADMIN.password);
    await dialog.locator('[data-action="sign"]').click();
    await page.locator('[data-notice]').filter({ hasText: record.requisitionId }).waitFor({ timeout: 15_000 });
    await row.waitFor({ state: 'detached', timeout: 15_000 });
    assert.match(await page.locator('[data-notice]').innerText(), /Approved and released/);
    await page.screenshot({ path: join(artifacts, 'plain-node-red-approvals-released.png') });

    const audit = ((await api(`/api/audit?subjectId=${record.requisitionId}`)) as { items: Array<{ what: string; signature?: { signer: string; meaning: string } }> }).items;
    const signed = audit.find((e) => e.what === 'requisition.approved');
    assert.equal(signed?.signature?.signer, PLAIN_ADMIN.username);
    assert.equal(signed?.signature?.meaning, 'approved');
  });
});
