// In headless Chromium: the demo's cost tab in the editor of the real server — the cost-variance node with its
// status (orders costed or waiting), its edit dialog built from Node-RED's widgets, its help; screenshots in
// test/artifacts/ for a person to look at.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';

const artifacts = join(repoRoot, 'test', 'artifacts');

describe('the cost tab in the editor', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    server = await startServerProcess({ env: { ADMIN_PASSWORD: 'cost-browser-pass', SIM_MES_REPORTS_MS: '1000' } });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1920, height: 1000 } });
    await page.goto(server.url);
    await page.locator('#node-dialog-login-username').waitFor({ state: 'visible', timeout: 30_000 });
    await page.fill('#node-dialog-login-username', 'admin');
    await page.fill('#node-dialog-login-password', 'cost-browser-pass');
    await page.click('#node-dialog-login-submit');
    await page.locator('#red-ui-workspace').waitFor({ state: 'visible', timeout: 30_000 });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows the cost tab with the orders costed in the node status, and opens its dialog and help', async () => {
    await page.locator('.red-ui-tab', { hasText: '成本差异 Cost variance' }).first().click();
    const node = page.locator('g.red-ui-flow-node', { hasText: '成本差异 cost variance' }).first();
    await node.waitFor({ state: 'visible', timeout: 20_000 });
    // The demo's first orders complete within seconds: the status counts them.
    await page.waitForFunction(() => Array.from(document.querySelectorAll('.red-ui-flow-node-status-label')).some((e) => /[1-9]\d* orders costed/.test(e.textContent ?? '')), null, { timeout: 30_000 });
    await page.screenshot({ path: join(artifacts, 'cost-tab.png') });

    await node.dblclick();
    await page.locator('#node-input-thresholdPct').waitFor({ state: 'visible' });
    assert.equal(await page.inputValue('#node-input-thresholdPct'), '5');
    assert.equal(await page.inputValue('#node-input-path'), 'cost-variances');
    // Node-RED's own widgets: a typedInput for the path, spinners for the figures.
    assert.equal((await page.locator('.red-ui-tray .red-ui-typedInput-container').count()) > 0, true);
    assert.equal(await page.locator('.red-ui-tray .ui-spinner').count(), 3);
    const labels = await page.locator('.red-ui-tray').innerText();
    assert.match(labels, /Flag above/);
    assert.match(labels, /Variance path/);
    await page.screenshot({ path: join(artifacts, 'cost-variance-dialog.png') });
    await page.locator('#node-dialog-cancel').click();

    await node.click();
    await page.keyboard.press('Control+g');
    await page.keyboard.press('h');
    await page.locator('.red-ui-help').getByText('Actual vs standard cost').first().waitFor({ state: 'visible', timeout: 10_000 });
    await page.screenshot({ path: join(artifacts, 'cost-variance-help.png') });
  });
});
