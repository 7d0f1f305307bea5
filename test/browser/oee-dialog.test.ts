// The oee node's edit dialog in the real editor (demo mode, headless Chromium): the shift table and the
// equipment master are editable lists with the demo's rows, the thresholds typed inputs; screenshots in
// English and Chinese go to test/artifacts/ for a person to look at.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';

const artifacts = join(repoRoot, 'test', 'artifacts');

describe('the oee edit dialog in a browser', () => {
  let server: ServerProcess;
  let browser: Browser;

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    server = await startServerProcess({ env: { ADMIN_PASSWORD: 'oee-pass', SIM_MES_REPORTS_MS: '0' } });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function openDialog(locale: string): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1920, height: 1100 }, locale })).newPage();
    await page.goto(server.url);
    await page.locator('#node-dialog-login-username').waitFor({ state: 'visible', timeout: 30_000 });
    await page.fill('#node-dialog-login-username', 'admin');
    await page.fill('#node-dialog-login-password', 'oee-pass');
    await page.click('#node-dialog-login-submit');
    await page.locator('#red-ui-tab-oee-tab').click({ timeout: 30_000 });
    await page.locator('g.red-ui-flow-node', { hasText: '设备综合效率 OEE' }).first().dblclick();
    await page.locator('#node-input-master-container').waitFor({ state: 'visible' });
    return page;
  }

  it('shows the shift table and the equipment master as editable lists, and the thresholds as typed inputs', async () => {
    const page = await openDialog('en-US');
    assert.equal(await page.locator('#node-input-shifts-container li').count(), 2, 'day and night shifts');
    assert.equal(await page.locator('#node-input-master-container li').count(), 5, 'the five demo machines');
    const backup = await page.locator('#node-input-master-container li').nth(1).locator('.col-backupEquipment').inputValue();
    assert.equal(backup, 'EQ-ASM-02');
    assert.equal((await page.locator('.red-ui-typedInput-container').count()) >= 2, true);
    assert.equal(await page.inputValue('#node-input-thresholdPct'), '80');
    assert.match(await page.locator('.red-ui-tray').innerText(), /Alarm below OEE %/);
    await page.locator('#node-input-master-container').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(artifacts, 'oee-dialog.png') });
    await page.locator('#node-dialog-cancel').click();
  });

  it('speaks Chinese to a zh-CN browser', async () => {
    const page = await openDialog('zh-CN');
    assert.match(await page.locator('.red-ui-tray').innerText(), /OEE 报警低于 %/);
    assert.match(await page.locator('.red-ui-tray').innerText(), /设备主数据/);
    await page.screenshot({ path: join(artifacts, 'oee-dialog-zh-CN.png') });
  });
});
