// In headless Chromium: the demo's equipment tab in the editor of the real server — the equipment-signal nodes
// counting the signals in their status, the Modbus node's dialog with its tag map in Node-RED's editableList (one row
// per register, the temperature's int16 and scale shown), the watchdog's dialog and help; screenshots in
// test/artifacts/ for a person to look at.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';

const artifacts = join(repoRoot, 'test', 'artifacts');

describe('the equipment tab in the editor', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    server = await startServerProcess({ env: { ADMIN_PASSWORD: 'equipment-browser-pass' } });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1920, height: 1000 } });
    await page.goto(server.url);
    await page.locator('#node-dialog-login-username').waitFor({ state: 'visible', timeout: 30_000 });
    await page.fill('#node-dialog-login-username', 'admin');
    await page.fill('#node-dialog-login-password', 'equipment-browser-pass');
    await page.click('#node-dialog-login-submit');
    await page.locator('#red-ui-workspace').waitFor({ state: 'visible', timeout: 30_000 });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows the signal counts and the live watchdog, and opens the tag map and watchdog dialogs and help', async () => {
    await page.locator('.red-ui-tab', { hasText: '设备采集 Equipment' }).first().click();
    const modbus = page.locator('g.red-ui-flow-node', { hasText: 'Modbus → 设备信号' }).first();
    await modbus.waitFor({ state: 'visible', timeout: 20_000 });
    await page.waitForFunction(() => Array.from(document.querySelectorAll('.red-ui-flow-node-status-label')).filter((e) => /^[1-9]\d* signals$/.test(e.textContent ?? '')).length >= 2, null, { timeout: 45_000 });
    await page.waitForFunction(() => Array.from(document.querySelectorAll('.red-ui-flow-node-status-label')).some((e) => e.textContent === 'live'), null, { timeout: 45_000 });
    await page.screenshot({ path: join(artifacts, 'equipment-tab.png') });

    await modbus.dblclick();
    const rows = page.locator('#node-input-tags-container li');
    await rows.first().waitFor({ state: 'visible' });
    assert.equal(await rows.count(), 10, 'five registers for each of the two units');
    const temperature = rows.nth(4);
    assert.equal(await temperature.locator('.tag-source').inputValue(), 'modbus');
    assert.equal(await temperature.locator('.tag-equipment').inputValue(), 'EQ-UVB-01');
    assert.equal(await temperature.locator('.tag-field').inputValue(), 'temperature');
    assert.equal(await temperature.locator('.tag-register').inputValue(), '6');
    assert.equal(await temperature.locator('.tag-type').inputValue(), 'int16');
    assert.equal(await temperature.locator('.tag-scale').inputValue(), '0.1');
    assert.equal(await temperature.locator('.tag-nodeId').isVisible(), false, 'a Modbus row hides the OPC UA node id');
    assert.match(await page.locator('.red-ui-tray').innerText(), /Tag map/);
    await page.screenshot({ path: join(artifacts, 'equipment-signal-dialog.png') });
    await page.locator('#node-dialog-cancel').click();

    const opcua = page.locator('g.red-ui-flow-node', { hasText: 'OPC UA → 设备信号' }).first();
    await opcua.dblclick();
    await rows.first().waitFor({ state: 'visible' });
    assert.equal(await rows.count(), 10, 'five tags for each of the two OPC UA machines');
    assert.equal(await rows.first().locator('.tag-nodeId').inputValue(), 'ns=1;s=EQ-EXTR-01.State');
    assert.equal(await rows.first().locator('.tag-register').isVisible(), false, 'an OPC UA row hides the register');
    await page.screenshot({ path: join(artifacts, 'equipment-signal-opcua-dialog.png') });
    await page.locator('#node-dialog-cancel').click();

    const watchdog = page.locator('g.red-ui-flow-node', { hasText: 'OPC UA 看门狗 watchdog' }).first();
    await watchdog.dblclick();
    await page.locator('#node-input-staleMs').waitFor({ state: 'visible' });
    assert.equal(await page.inputValue('#node-input-staleMs'), '10000');
    assert.equal(await page.inputValue('#node-input-reconnectEveryMs'), '20000');
    assert.equal(await page.locator('.red-ui-tray .ui-spinner').count(), 3);
    await page.screenshot({ path: join(artifacts, 'opcua-watchdog-dialog.png') });
    await page.locator('#node-dialog-cancel').click();

    await watchdog.click();
    await page.keyboard.press('Control+g');
    await page.keyboard.press('h');
    await page.locator('.red-ui-help').getByText('keeps one node-red-contrib-opcua').first().waitFor({ state: 'visible', timeout: 10_000 });
    await page.screenshot({ path: join(artifacts, 'opcua-watchdog-help.png') });
  });
});
