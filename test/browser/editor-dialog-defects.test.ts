// Small defects of the editor, in the real editor of the demo server (headless Chromium at 1366 px, en-US and
// zh-CN): the code table and the escalation policy open at their first row (not scrolled to the bottom with a half
// row under the header); erp-endpoint drops the last test's result when the preset changes; values named by an
// environment variable ("${ERP_PROFILE}", "${LEGACY_ERP_DB_PORT}") are shown whole; long code lines in the help
// sidebar wrap instead of being cut. Screenshots: test/artifacts/editor-defects-*-{en-US,zh-CN}.png.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';

const artifacts = join(repoRoot, 'test', 'artifacts');

type Red = {
  nodes: { node(id: string): unknown };
  editor: { edit(node: unknown): void; editConfig(name: string, type: string, id: string): void };
  view: { importNodes(nodes: unknown[], options?: unknown): void };
  sidebar: { help: { show(type: string): void } };
};

/** Lets every timer the page queued so far run (editableList scrolls in a timer per added row), without a timed wait. */
const afterQueuedTimers = (page: Page) => page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 0)));

/** The editable list's scroll position and whether its first row sits whole below its header. */
async function listTop(page: Page, container: string): Promise<{ scrollTop: number; firstRowWhole: boolean; rows: number }> {
  await page.locator(`${container} li`).first().waitFor({ state: 'visible', timeout: 15_000 });
  await afterQueuedTimers(page);
  return page.evaluate((sel) => {
    const list = document.querySelector(sel)!;
    const scroller = list.closest('.red-ui-editableList-container') as HTMLElement;
    const first = list.querySelector('li')!.getBoundingClientRect();
    const box = scroller.getBoundingClientRect();
    return { scrollTop: scroller.scrollTop, firstRowWhole: first.top >= box.top - 1, rows: list.querySelectorAll('li').length };
  }, container);
}

/** Form fields of the open dialog whose text is wider than their box. */
async function cutValues(page: Page, selectors: string[]): Promise<string[]> {
  return page.evaluate((sels) => {
    const canvas = document.createElement('canvas').getContext('2d')!;
    const cut: string[] = [];
    for (const sel of sels) {
      const el = document.querySelector(sel) as HTMLInputElement | HTMLSelectElement | null;
      if (!el || el.offsetWidth === 0) continue;
      const style = getComputedStyle(el);
      canvas.font = `${style.fontSize} ${style.fontFamily}`;
      const text = el instanceof HTMLSelectElement ? (el.selectedOptions[0]?.text ?? '') : el.value;
      // A select keeps room for its arrow.
      const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - (el instanceof HTMLSelectElement ? 16 : 0);
      if (canvas.measureText(text).width > room + 1) cut.push(`${sel} "${text}"`);
    }
    return cut;
  }, selectors);
}

describe('small defects of the editor dialogs and help', () => {
  let server: ServerProcess;
  let browser: Browser;

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    server = await startServerProcess({ env: { ADMIN_PASSWORD: 'dialog-pass' } });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const locale of ['en-US', 'zh-CN']) {
    it(`in ${locale} at 1366 px: lists open at the top, a preset change clears the test result, env values and help code lines are whole`, async () => {
      const context = await browser.newContext({ locale, viewport: { width: 1366, height: 900 } });
      const page = await context.newPage();
      await page.goto(server.url);
      await page.locator('#node-dialog-login-username').waitFor({ state: 'visible', timeout: 30_000 });
      await page.fill('#node-dialog-login-username', 'admin');
      await page.fill('#node-dialog-login-password', 'dialog-pass');
      await page.click('#node-dialog-login-submit');
      await page.locator('.red-ui-palette-node[data-palette-type="erp-order-fetch"]').waitFor({ state: 'attached', timeout: 30_000 });

      // The flows arrive after the palette: wait for the demo's nodes.
      await page.waitForFunction(
        () => {
          const RED = (window as unknown as { RED?: Red }).RED;
          return Boolean(RED?.nodes.node('escalation') && RED.nodes.node('mes-reconcile') && RED.nodes.node('demo-codes'));
        },
        undefined,
        { timeout: 30_000 },
      );
      // The escalation policy (a node) and the code table (a config node) open at their first row.
      await page.evaluate(() => {
        const RED = (window as unknown as { RED: Red }).RED;
        RED.editor.edit(RED.nodes.node('escalation'));
      });
      const policy = await listTop(page, '#node-input-policy-container');
      await page.screenshot({ path: join(artifacts, `editor-defects-escalation-${locale}.png`) });
      assert.equal(policy.scrollTop, 0, `the escalation policy opens scrolled by ${policy.scrollTop} px`);
      assert.ok(policy.firstRowWhole && policy.rows > 3);
      await page.click('#node-dialog-cancel');
      await page.locator('#node-input-policy-container').waitFor({ state: 'detached' });

      await page.evaluate(() => (window as unknown as { RED: Red }).RED.editor.editConfig('', 'code-map-table', 'demo-codes'));
      const codes = await listTop(page, '#node-config-input-entries-container');
      await page.screenshot({ path: join(artifacts, `editor-defects-code-table-${locale}.png`) });
      assert.equal(codes.scrollTop, 0, `the code table opens scrolled by ${codes.scrollTop} px`);
      assert.ok(codes.firstRowWhole && codes.rows >= 20);
      await page.click('#node-config-dialog-cancel');
      await page.locator('#node-config-input-entries-container').waitFor({ state: 'detached' });

      // The demo's ERP endpoint names its preset by ${ERP_PROFILE}: shown whole. A test, then another preset: no result left.
      await page.evaluate(() => (window as unknown as { RED: Red }).RED.editor.editConfig('', 'erp-endpoint', 'demo-erp'));
      await page.waitForFunction(() => document.querySelector('#node-config-input-profile option[value="custom"]') !== null, undefined, { timeout: 15_000 });
      assert.equal(await page.inputValue('#node-config-input-profile'), '${ERP_PROFILE}');
      assert.deepEqual(await cutValues(page, ['#node-config-input-profile']), []);
      await page.selectOption('#node-config-input-profile', 'generic-rest');
      await page.locator('#erp-endpoint-test').click();
      await page.locator('#erp-endpoint-test-result.erp-endpoint-ok, #erp-endpoint-test-result.erp-endpoint-bad').waitFor({ state: 'visible', timeout: 30_000 });
      assert.notEqual((await page.locator('#erp-endpoint-test-result').innerText()).trim(), '');
      await page.selectOption('#node-config-input-profile', 'erpnext');
      assert.equal(await page.locator('#erp-endpoint-test-result').isVisible(), false, 'the result of the test with the previous preset is gone');
      assert.equal((await page.locator('#erp-endpoint-test-result').textContent())?.trim(), '');
      await page.screenshot({ path: join(artifacts, `editor-defects-erp-endpoint-${locale}.png`) });
      await page.click('#node-config-dialog-cancel');
      await page.locator('#node-config-input-profile').waitFor({ state: 'detached' });

      // The legacy plant's database, every connection value named by the environment.
      const legacyId = `proof-legacy-db-${locale}`;
      await page.evaluate((id) => {
        (window as unknown as { RED: Red }).RED.view.importNodes(
          [
            {
              id,
              type: 'legacy-db',
              name: 'Legacy ERP DB',
              client: '${LEGACY_ERP_DB_CLIENT}',
              host: '${LEGACY_ERP_DB_HOST}',
              port: '${LEGACY_ERP_DB_PORT}',
              database: '${LEGACY_ERP_DB_NAME}',
              user: 'LEGACY_ERP_DB_USER',
              userType: 'env',
              passwordEnv: 'LEGACY_ERP_DB_PASSWORD',
              poolSize: 4,
              connectTimeoutSec: 15,
              queryTimeoutSec: 120,
              timeZone: 'Asia/Shanghai',
            },
          ],
          { generateIds: false, addFlow: false },
        );
        (window as unknown as { RED: Red }).RED.editor.editConfig('', 'legacy-db', id);
      }, legacyId);
      await page.locator('#node-config-input-port').waitFor({ state: 'visible', timeout: 15_000 });
      await page.screenshot({ path: join(artifacts, `editor-defects-legacy-db-${locale}.png`) });
      assert.deepEqual(await cutValues(page, ['#node-config-input-client', '#node-config-input-host', '#node-config-input-port', '#node-config-input-database', '#node-config-input-passwordEnv']), []);
      await page.click('#node-config-dialog-cancel');
      await page.locator('#node-config-input-port').waitFor({ state: 'detached' });

      // The reconciliation node's dialog: every field inside the tray, its shape section labelled in this language.
      await page.evaluate(() => {
        const RED = (window as unknown as { RED: Red }).RED;
        RED.editor.edit(RED.nodes.node('mes-reconcile'));
      });
      await page.locator('#node-input-orderNoPath').waitFor({ state: 'visible', timeout: 15_000 });
      // The tray slides in: wait until it stands still at its place before measuring.
      await page.waitForFunction(
        () => {
          const tray = document.querySelector('.red-ui-tray:last-of-type') as HTMLElement | null;
          if (!tray) return false;
          const left = tray.getBoundingClientRect().left;
          const was = Number(tray.dataset.lastLeft ?? NaN);
          tray.dataset.lastLeft = String(left);
          return left === was && left + tray.offsetWidth <= window.innerWidth + 1;
        },
        undefined,
        { timeout: 15_000, polling: 100 },
      );
      const outside = await page.evaluate(() => {
        const tray = document.querySelector('.red-ui-tray:last-of-type .red-ui-tray-body') as HTMLElement;
        const right = tray.getBoundingClientRect().right;
        return Array.from(tray.querySelectorAll<HTMLElement>('input, select, .red-ui-typedInput-container'))
          .filter((el) => el.getBoundingClientRect().width > 0 && el.getBoundingClientRect().right > right + 1)
          .map((el) => el.id || el.className);
      });
      assert.deepEqual(outside, []);
      assert.deepEqual(
        await cutValues(page, ['#node-input-intervalSec', '#node-input-baseUrl + .red-ui-typedInput-container input.red-ui-typedInput-input', '#node-input-tokenEnv']),
        [],
        'the interval "${MES_RECONCILE_SEC}" is shown whole',
      );
      assert.match(await page.locator('.red-ui-tray:last-of-type h4').innerText(), locale === 'zh-CN' ? /MES 工单列表的结构/ : /The MES order list's shape/);
      await page.screenshot({ path: join(artifacts, `editor-mes-reconcile-${locale}.png`) });
      await page.click('#node-dialog-cancel');
      await page.locator('#node-input-orderNoPath').waitFor({ state: 'detached' });

      // Help with long code lines: every pre in the help sidebar fits its width.
      for (const type of ['legacy-db', 'erp-endpoint', 'mes-reconcile']) {
        await page.evaluate((t) => (window as unknown as { RED: Red }).RED.sidebar.help.show(t), type);
        await page.locator('.red-ui-help h3').first().waitFor({ state: 'visible', timeout: 15_000 });
        const cut = await page.$$eval('.red-ui-help pre, .red-ui-help code', (els) => (els as HTMLElement[]).filter((el) => el.offsetWidth > 0 && el.scrollWidth > el.clientWidth + 1).map((el) => el.textContent!.slice(0, 60)));
        if (type === 'legacy-db') await page.screenshot({ path: join(artifacts, `editor-defects-help-${locale}.png`) });
        assert.deepEqual(cut, [], `${type}: code in the help is cut`);
      }
      await context.close();
    });
  }
});
