// The proof an integrator would give for each ERP preset, in the real editor (demo server, headless
// Chromium at 1366 px): open an erp-endpoint dialog, pick the preset, point it at the demo simulator's
// stock-shaped fake of that ERP, fill the preset's settings and credentials as a person types them, press
// "Test connection" and read the first mapped order in the dialog. Screenshots in English and Chinese go to
// test/artifacts/ for a person to look at.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, watchCspViolations } from '../support/browser';
import { repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually } from '../support/temp';

const artifacts = join(repoRoot, 'test', 'artifacts');

interface PresetCase {
  preset: string;
  /** Where the demo simulator serves this ERP's dialect (as server/demo.ts points DEMO_ERP at it). */
  mount: string;
  auth: { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; token: string };
  settings: Record<string, string>;
}

const PRESETS: PresetCase[] = [
  { preset: 'sap-s4hana-odata-v2', mount: 'sap', auth: { kind: 'basic', username: 'erp-bridge', password: 'demo-erp-pass' }, settings: { timeZone: 'Asia/Shanghai' } },
  { preset: 'erpnext', mount: 'erpnext', auth: { kind: 'basic', username: 'mesbridge0a1b2c', password: 'demo-erpnext-secret' }, settings: { plant: '1010', timeZone: 'Asia/Shanghai' } },
  { preset: 'odoo-jsonrpc', mount: 'odoo', auth: { kind: 'basic', username: 'mes-bridge', password: 'demo-odoo-pass' }, settings: { database: 'plant1010' } },
  { preset: 'odoo-json2', mount: 'odoo', auth: { kind: 'bearer', token: 'demo-odoo-api-key' }, settings: { database: 'plant1010' } },
  {
    preset: 'kingdee-k3cloud',
    mount: 'kingdee/k3cloud',
    auth: { kind: 'basic', username: 'mes-bridge', password: 'demo-kingdee-app-secret-0000001' },
    settings: { acctId: '6571d8f1a2c3e4', appId: '301451_demoMesBridge', timeZone: 'Asia/Shanghai' },
  },
];

const LOCALES = [
  { locale: 'en-US', ok: /Connected: \d+ orders on the first page; the first, mapped:/ },
  { locale: 'zh-CN', ok: /连接成功:第一页 \d+ 个订单;第一个映射结果:/ },
];

/** Types into a typedInput as a person does: into its visible text box (the original input is hidden). */
async function typeInto(page: Page, id: string, value: string): Promise<void> {
  const box = page.locator(`#${id} + .red-ui-typedInput-container input.red-ui-typedInput-input`);
  await box.waitFor({ state: 'visible' });
  await box.fill(value);
}

/**
 * Shows one tab of the dialog. Node-RED's tabs take two clicks within 400 ms as a double click (which does not
 * switch), and a script clicks faster than a person: click again until the tab's content is shown.
 */
async function showTab(page: Page, tab: 'connection' | 'security'): Promise<void> {
  await eventually(
    async () => {
      await page.locator(`#red-ui-tab-erp-endpoint-tab-${tab} a`).click();
      return page.locator(`#erp-endpoint-tab-${tab}`).isVisible();
    },
    `the ${tab} tab of the erp-endpoint dialog`,
    15_000,
  );
}

/** Names of the form fields of the open config dialog whose box reaches past the dialog's right edge. */
async function cutFields(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const tray = document.querySelector('.red-ui-tray:last-of-type .red-ui-tray-body') as HTMLElement;
    const right = tray.getBoundingClientRect().right;
    const cut: string[] = [];
    for (const el of Array.from(tray.querySelectorAll<HTMLElement>('#erp-endpoint-tab-connection input, #erp-endpoint-tab-connection select, #erp-endpoint-tab-connection button, .red-ui-typedInput-container'))) {
      const box = el.getBoundingClientRect();
      if (box.width > 0 && box.right > right + 1) cut.push(el.id || el.className);
    }
    return cut;
  });
}

describe('each ERP preset in the erp-endpoint dialog, tested against its simulated ERP', () => {
  let server: ServerProcess;
  let browser: Browser;

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    server = await startServerProcess({ env: { ADMIN_PASSWORD: 'preset-pass' } });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const { locale, ok } of LOCALES) {
    it(`in ${locale}, at 1366 px: every preset, pointed at its simulated ERP, connects and shows its first order mapped, with no field cut`, async () => {
      const context = await browser.newContext({ locale, viewport: { width: 1366, height: 900 } });
      try {
        const page = await context.newPage();
        const cspViolations = watchCspViolations(page);
        await page.goto(server.url);
        await page.locator('#node-dialog-login-username').waitFor({ state: 'visible', timeout: 30_000 });
        await page.fill('#node-dialog-login-username', 'admin');
        await page.fill('#node-dialog-login-password', 'preset-pass');
        await page.click('#node-dialog-login-submit');
        await page.locator('.red-ui-palette-node[data-palette-type="erp-order-fetch"]').waitFor({ state: 'attached', timeout: 30_000 });
        // The flows must be in before the import: on a busy machine they can arrive after the palette, and nodes
        // imported into no flow land in "Recovered Nodes" under a notification that covers the dialog's buttons.
        await page.locator('g.red-ui-flow-node').first().waitFor({ state: 'attached', timeout: 30_000 });
        // A fresh order pull with a new, empty ERP endpoint, as an integrator starts one (pasted, then dropped).
        await page.evaluate(() => {
          const RED = (window as unknown as { RED: { view: { importNodes(nodes: unknown[], options?: unknown): void } } }).RED;
          RED.view.importNodes(
            [
              { id: 'proof-erp', type: 'erp-endpoint', name: 'Plant ERP', baseUrl: '', baseUrlType: 'str', profile: 'generic-rest', params: '{}', authType: 'basic', username: '', usernameType: 'str' },
              { id: 'proof-fetch', type: 'erp-order-fetch', name: 'Preset proof', endpoint: 'proof-erp', x: 300, y: 460, wires: [[]] },
            ],
            { generateIds: false, addFlow: false, touchImport: true },
          );
        });
        await page.mouse.click(640, 600);

        for (const c of PRESETS) {
          await page.locator('g.red-ui-flow-node', { hasText: 'Preset proof' }).first().dblclick();
          await page.locator('#node-input-btn-endpoint-edit').click();
          await page.locator('#node-config-input-timeoutSec').waitFor({ state: 'visible' });
          await page.waitForFunction(() => document.querySelector('#node-config-input-profile option[value="custom"]') !== null);
          await typeInto(page, 'node-config-input-baseUrl', `${server.simUrl}/${c.mount}`);
          await page.selectOption('#node-config-input-profile', c.preset);
          for (const [name, value] of Object.entries(c.settings)) {
            await typeInto(page, `erp-endpoint-setting-${name}`, value);
          }
          await showTab(page, 'security');
          await page.selectOption('#node-config-input-authType', c.auth.kind);
          if (c.auth.kind === 'basic') {
            await typeInto(page, 'node-config-input-username', c.auth.username);
            await page.fill('#node-config-input-password', c.auth.password);
          } else {
            await page.fill('#node-config-input-token', c.auth.token);
          }
          await showTab(page, 'connection');
          assert.deepEqual(await cutFields(page), [], `${c.preset}: every field of the dialog fits at 1366 px`);

          await page.locator('#erp-endpoint-test').click();
          const result = page.locator('#erp-endpoint-test-result');
          await page.locator('#erp-endpoint-test-result.erp-endpoint-ok, #erp-endpoint-test-result.erp-endpoint-bad').waitFor({ state: 'visible', timeout: 30_000 });
          const text = await result.innerText();
          assert.match(text, ok, `${c.preset}: the test connects (${text.slice(0, 300)})`);
          const first = JSON.parse(text.slice(text.indexOf('{')));
          assert.match(first.orderNo, /\S/, `${c.preset}: the first order has its number`);
          assert.match(first.productCode, /\S/);
          assert.ok(first.quantity > 0);
          assert.ok(first.operations.length > 0, `${c.preset}: the first order carries its routing`);
          assert.equal(await result.evaluate((e) => e.classList.contains('erp-endpoint-ok')), true, `${c.preset}: the mapped order is a valid production order`);
          await result.scrollIntoViewIfNeeded();
          await page.screenshot({ path: join(artifacts, `erp-endpoint-test-${c.preset}-${locale}.png`) });
          await page.locator('#node-config-dialog-cancel').click();
          await page.locator('#node-dialog-cancel').click();
        }
        assert.deepEqual(cspViolations(), []);
      } finally {
        await context.close();
      }
    });
  }
});
