// In headless Chromium (Debian's, driven by playwright-core): log in to the editor of the real server in
// demo mode, find the ERP-MES nodes in the palette, open the code-map dialog, and save screenshots
// to test/artifacts/ for a person to look at.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, watchCspViolations } from '../support/browser';
import { repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';

const artifacts = join(repoRoot, 'test', 'artifacts');

/** Shows the data dictionary's sidebar tab, again until it is the one shown (the editor may still switch tabs as it loads). */
async function showDataDictionary(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const w = window as unknown as { RED: { actions: { invoke(name: string): void } } };
      const tab = document.querySelector('.erp-mes-dd') as HTMLElement | null;
      if (tab && tab.offsetParent !== null) return true;
      w.RED.actions.invoke('erp-mes-bridge:show-data-dictionary');
      return false;
    },
    null,
    { timeout: 30_000, polling: 250 },
  );
}

describe('the Node-RED editor in a browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  let cspViolations: () => string[];

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    server = await startServerProcess({ env: { ADMIN_PASSWORD: 'browser-pass' } });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1920, height: 1000 } });
    cspViolations = watchCspViolations(page);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('asks for a login, and lets the admin in', async () => {
    await page.goto(server.url);
    await page.locator('#node-dialog-login-username').waitFor({ state: 'visible', timeout: 30_000 });
    await page.fill('#node-dialog-login-username', 'admin');
    await page.fill('#node-dialog-login-password', 'wrong');
    await page.click('#node-dialog-login-submit');
    await page.locator('#node-dialog-login-failed').waitFor({ state: 'visible' });
    await page.fill('#node-dialog-login-password', 'browser-pass');
    await page.click('#node-dialog-login-submit');
    await page.locator('#red-ui-workspace').waitFor({ state: 'visible', timeout: 30_000 });
  });

  it('shows the ERP-MES palette category with the bridge nodes, and the demo flow', async () => {
    for (const type of ['erp-order-fetch', 'code-map']) {
      await page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`).waitFor({ state: 'attached', timeout: 20_000 });
    }
    const category = await page
      .locator('.red-ui-palette-category', { has: page.locator('.red-ui-palette-node[data-palette-type="code-map"]') })
      .locator('.red-ui-palette-header')
      .innerText();
    assert.match(category, /ERP-MES/i);
    await page.locator('g.red-ui-flow-node', { hasText: '编码映射 ERP' }).first().waitFor({ state: 'visible', timeout: 20_000 });
    // Wait until the first sync has shown its status under the fetch node.
    await page.waitForFunction(() => Array.from(document.querySelectorAll('.red-ui-flow-node-status-label')).some((e) => /new|新增/.test(e.textContent ?? '')), null, { timeout: 20_000 });
    await page.screenshot({ path: join(artifacts, 'editor-demo-flow.png') });
  });

  it('opens the code-map edit dialog with its rules and saves a screenshot', async () => {
    await page.locator('g.red-ui-flow-node', { hasText: '编码映射 ERP' }).first().dblclick();
    const dialog = page.locator('.red-ui-tray');
    await dialog.locator('#node-input-rules-container').waitFor({ state: 'visible' });
    const rules = await dialog.locator('#node-input-rules-container li').count();
    assert.equal(rules, 7, 'the seven work-order rules of the demo flow');
    assert.ok(
      await dialog
        .locator('#node-input-rules-container')
        .innerText()
        .then(() => true),
    );
    await page.screenshot({ path: join(artifacts, 'code-map-dialog.png') });
    await page.locator('#node-dialog-cancel').click();
  });

  it('opens the erp-order-fetch dialog and, from it, the ERP endpoint with its secrets read from the environment', async () => {
    await page.locator('g.red-ui-flow-node', { hasText: '生产订单 ERP orders' }).first().dblclick();
    await page.locator('#node-input-intervalMin').waitFor({ state: 'visible' });
    assert.equal(await page.inputValue('#node-input-intervalMin'), '30');
    await page.screenshot({ path: join(artifacts, 'erp-order-fetch-dialog.png') });
    await page.locator('#node-input-btn-endpoint-edit').click();
    await page.locator('#node-config-input-timeoutSec').waitFor({ state: 'visible' });
    // The profile select lists the shipped presets from the node's admin route.
    await page.waitForFunction(() => document.querySelector('#node-config-input-profile option[value="custom"]') !== null);
    // "Test connection" fetches one page from the demo ERP and shows the first order, mapped.
    await page.locator('#erp-endpoint-test').click();
    await page.locator('#erp-endpoint-test-result.erp-endpoint-ok').waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await page.locator('#erp-endpoint-test-result').innerText(), /"orderNo": "MO-2026-\d{4}"/);
    await page.screenshot({ path: join(artifacts, 'erp-endpoint-connection.png') });
    // A wrong base URL shows the exact error instead.
    await page.evaluate(() => (window as unknown as { $: (s: string) => { typedInput: (...a: unknown[]) => void } }).$('#node-config-input-baseUrl').typedInput('type', 'str'));
    await page.evaluate(() => (window as unknown as { $: (s: string) => { typedInput: (...a: unknown[]) => void } }).$('#node-config-input-baseUrl').typedInput('value', 'http://127.0.0.1:9/erp'));
    await page.locator('#erp-endpoint-test').click();
    await page.locator('#erp-endpoint-test-result.erp-endpoint-bad').waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await page.locator('#erp-endpoint-test-result').innerText(), /ERP endpoint 'Demo ERP' \(http:\/\/127\.0\.0\.1:9\/erp\/production-orders.*\) is unreachable/);
    // Choosing a preset shows what it expects; "Copy into custom" puts it into the profile editor to adjust.
    await page.selectOption('#node-config-input-profile', 'sap-s4hana-odata-v2');
    assert.match(await page.locator('#erp-endpoint-profile-description').innerText(), /LastChangeDateTime/);
    // Its settings are named fields (once they are no longer the demo's one ${ERP_PARAMS} variable): the time zone is
    // required, the default priority shows its default.
    await page.evaluate(() => {
      const $params = (window as unknown as { $: (s: string) => { typedInput: (...a: unknown[]) => void } }).$('#node-config-input-params');
      $params.typedInput('type', 'json');
      $params.typedInput('value', '{}');
    });
    await page.selectOption('#node-config-input-profile', 'erpnext');
    await page.selectOption('#node-config-input-profile', 'sap-s4hana-odata-v2');
    await page.locator('#erp-endpoint-setting-timeZone').waitFor({ state: 'attached' });
    assert.match(await page.locator('#erp-endpoint-settings').innerText(), /(ERP time zone|ERP 时区) \*/);
    assert.match(String(await page.locator('#erp-endpoint-setting-defaultPriority').getAttribute('placeholder')), /5$/);
    await page.screenshot({ path: join(artifacts, 'erp-endpoint-settings.png') });
    await page.locator('#erp-endpoint-copy-preset').click();
    assert.equal(await page.inputValue('#node-config-input-profile'), 'custom');
    await page.locator('#node-config-input-profileJson-editor').getByText('custom-sap-s4hana-odata-v2').waitFor({ state: 'visible' });
    await page.screenshot({ path: join(artifacts, 'erp-endpoint-custom-profile.png') });
    await page.locator('#erp-endpoint-tabs a', { hasText: /Security|安全/ }).click();
    assert.equal(await page.inputValue('#node-config-input-passwordEnv'), 'ERP_PASSWORD');
    await page.screenshot({ path: join(artifacts, 'erp-endpoint-dialog.png') });
    await page.locator('#node-config-dialog-cancel').click();
    await page.locator('#node-dialog-cancel').click();
  });

  it('opens the legacy database poll dialog with its schedule presets', async () => {
    // Import a poll node (and its database) into the workspace the way a pasted flow arrives.
    await page.evaluate(() => {
      const RED = (window as unknown as { RED: { view: { importNodes(nodes: unknown[], options?: unknown): void } } }).RED;
      RED.view.importNodes(
        [
          { id: 'legacy-erp-db', type: 'legacy-db', name: 'ERP SQL Server', client: 'mssql', host: 'erp-db.plant.local', port: '1433', database: 'AIS20240101' },
          {
            id: 'legacy-poll',
            type: 'legacy-db-poll',
            name: 'ERP 生产订单表',
            db: 'legacy-erp-db',
            table: 'dbo.PRD_MO',
            watermarkColumn: 'FModifyDate',
            keyColumn: 'FBillNo',
            schedule: 'plans-30',
            pageSize: 1000,
            lookBackMinutes: 10,
            filter: 'FDocumentStatus = ?',
            filterBindings: '["C"]',
            x: 300,
            y: 420,
            wires: [[]],
          },
        ],
        { generateIds: false, addFlow: false, touchImport: true },
      );
    });
    // The imported nodes follow the mouse until a click drops them.
    await page.mouse.click(700, 600);
    await page.locator('g.red-ui-flow-node', { hasText: 'ERP 生产订单表' }).first().dblclick();
    await page.locator('#node-input-watermarkColumn').waitFor({ state: 'visible' });
    assert.equal(await page.inputValue('#node-input-watermarkColumn'), 'FModifyDate');
    assert.match(await page.locator('.red-ui-tray').innerText(), /ERP plans — every 30 min/);
    await page.screenshot({ path: join(artifacts, 'legacy-db-poll-dialog.png') });
    await page.locator('#node-dialog-cancel').click();
  });

  it('speaks Chinese to a zh-CN browser: palette category, dialog labels and help', async () => {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1920, height: 1000 } });
    try {
      const zh = await context.newPage();
      await zh.goto(server.url);
      await zh.locator('#node-dialog-login-username').waitFor({ state: 'visible', timeout: 30_000 });
      await zh.fill('#node-dialog-login-username', 'admin');
      await zh.fill('#node-dialog-login-password', 'browser-pass');
      await zh.click('#node-dialog-login-submit');
      await zh.locator('.red-ui-palette-node[data-palette-type="code-map"]').waitFor({ state: 'attached', timeout: 30_000 });
      const header = await zh
        .locator('.red-ui-palette-category', { has: zh.locator('.red-ui-palette-node[data-palette-type="code-map"]') })
        .locator('.red-ui-palette-header')
        .innerText();
      assert.match(header, /ERP-MES 集成/);
      await zh.locator('g.red-ui-flow-node', { hasText: '生产订单 ERP orders' }).first().dblclick();
      await zh.locator('#node-input-intervalMin').waitFor({ state: 'visible' });
      const labels = await zh.locator('.red-ui-tray').innerText();
      assert.match(labels, /每隔/);
      assert.match(labels, /首次运行起点/);
      await zh.locator('#node-dialog-cancel').click();
      // The help sidebar shows the zh-CN help of the selected node.
      await zh.locator('g.red-ui-flow-node', { hasText: '生产订单 ERP orders' }).first().click();
      await zh.keyboard.press('Control+g');
      await zh.keyboard.press('h');
      await zh.locator('.red-ui-help').getByText('增量拉取生产订单').first().waitFor({ state: 'visible', timeout: 10_000 });
      await zh.screenshot({ path: join(artifacts, 'editor-zh-CN.png') });
    } finally {
      await context.close();
    }
  });

  it('serves the data dictionary only behind the editor login, and shows it in a sidebar tab with a search (en-US)', async () => {
    assert.equal((await fetch(`${server.url}/erp-mes-bridge/data-dictionary`)).status, 401);
    await showDataDictionary(page);
    const sidebar = page.locator('.erp-mes-dd');
    await sidebar.locator('details.erp-mes-dd-message').first().waitFor({ state: 'visible', timeout: 15_000 });
    const schemas = readdirSync(join(repoRoot, 'schemas')).filter((f) => f.endsWith('.schema.json')).length;
    assert.equal(await sidebar.locator('details.erp-mes-dd-message').count(), schemas, 'one section per boundary message');
    await sidebar.locator('.erp-mes-dd-search').fill('FBillNo');
    const order = sidebar.locator('details[data-message="production-order"] li', { hasText: 'orderNo' }).first();
    await order.waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await order.innerText(), /ERP production order number as people read it/);
    assert.match(await order.innerText(), /Kingdee K\/3 Cloud FBillNo, FTreeEntity_FSeq/);
    await page.screenshot({ path: join(artifacts, 'data-dictionary-en-US.png') });
  });

  it('shows the data dictionary in Chinese to a zh-CN browser', async () => {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1366, height: 768 } });
    try {
      const zh = await context.newPage();
      await zh.goto(server.url);
      await zh.locator('#node-dialog-login-username').waitFor({ state: 'visible', timeout: 30_000 });
      await zh.fill('#node-dialog-login-username', 'admin');
      await zh.fill('#node-dialog-login-password', 'browser-pass');
      await zh.click('#node-dialog-login-submit');
      // The plugin adds its sidebar once the editor has loaded its plugins, before the palette.
      await zh.locator('.red-ui-palette-node[data-palette-type="code-map"]').waitFor({ state: 'attached', timeout: 30_000 });
      await showDataDictionary(zh);
      const sidebar = zh.locator('.erp-mes-dd');
      await sidebar.locator('details.erp-mes-dd-message').first().waitFor({ state: 'visible', timeout: 15_000 });
      assert.match((await sidebar.locator('.erp-mes-dd-search').getAttribute('placeholder')) ?? '', /搜索字段/);
      await sidebar.locator('.erp-mes-dd-search').fill('completionPct');
      const field = sidebar.locator('details[data-message="progress-update"] li', { hasText: 'completionPct' }).first();
      await field.waitFor({ state: 'visible', timeout: 10_000 });
      assert.match(await field.innerText(), /完成率/);
      assert.match(await sidebar.locator('details[data-message="progress-update"] summary').innerText(), /进度更新/);
      await zh.screenshot({ path: join(artifacts, 'data-dictionary-zh-CN.png') });
    } finally {
      await context.close();
    }
  });

  it("works under the server's Content-Security-Policy: nothing the editor did above was refused", () => {
    assert.deepEqual(cspViolations(), []);
  });
});
