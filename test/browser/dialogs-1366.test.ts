// Every edit dialog of the pack (18 node types, config nodes among them) at 1366 × 768 in en-US and zh-CN, in
// the real editor with the demo flow: no control squeezed below a usable width, none cut at the tray's edge,
// no select whose chosen text is cut. A screenshot of each dialog goes to test/artifacts/ for a person to look at.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';

const artifacts = join(repoRoot, 'test', 'artifacts');
// Issue 16 item 5 (another branch) fixes the ERP profile select, which is cut when it names an environment variable.
const types = Object.keys((JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } })['node-red'].nodes);

/** Opens the type's dialog: the demo flow's own node when there is one, a new one otherwise. */
async function openDialog(page: Page, type: string): Promise<void> {
  await page.evaluate((type) => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const RED = (window as any).RED;
    const def = RED.nodes.getType(type);
    if (def.category === 'config') {
      let id = '_ADD_';
      RED.nodes.eachConfig((n: { type: string; id: string }) => {
        if (n.type === type && id === '_ADD_') id = n.id;
      });
      RED.editor.editConfig('', type, id);
      return;
    }
    let node = RED.nodes.filterNodes({ type })[0];
    if (!node) {
      RED.view.importNodes([{ id: RED.nodes.id(), type, x: 300, y: 600, z: RED.workspaces.active() }], { notify: false });
      node = RED.nodes.filterNodes({ type })[0];
    }
    RED.workspaces.show(node.z);
    RED.editor.edit(node);
  }, type);
  // The tray has slid in and prepared its contents when its width holds still.
  await page.waitForFunction(
    () => {
      const trays = document.querySelectorAll('.red-ui-tray');
      const tray = trays[trays.length - 1] as HTMLElement | undefined;
      if (!tray) return false;
      const w = tray.getBoundingClientRect().left;
      const last = (tray as unknown as { lastLeft?: number }).lastLeft;
      (tray as unknown as { lastLeft?: number }).lastLeft = w;
      return last === w && tray.querySelector('.red-ui-tray-body') !== null;
    },
    null,
    { polling: 200, timeout: 15_000 },
  );
}

/** What is squeezed or cut in the topmost tray. */
async function layoutFaults(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const trays = document.querySelectorAll('.red-ui-tray');
    const tray = trays[trays.length - 1] as HTMLElement;
    const body = tray.querySelector('.red-ui-tray-body') as HTMLElement;
    const edge = body.getBoundingClientRect().right;
    const canvas = document.createElement('canvas').getContext('2d')!;
    const faults: string[] = [];
    const controls = body.querySelectorAll<HTMLElement>('input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea');
    for (const c of Array.from(controls)) {
      const r = c.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || getComputedStyle(c).visibility === 'hidden') continue;
      const name = c.id || c.className || c.tagName;
      const placeholder = c.getAttribute('placeholder') ?? '';
      if (/^[a-z][\w-]*\.(placeholder|label|tip|status)\./.test(placeholder)) faults.push(`${name} shows the raw key ${placeholder}`);
      if (r.width < 40) faults.push(`${name} is ${Math.round(r.width)} px wide`);
      if (r.right > edge + 1) faults.push(`${name} runs ${Math.round(r.right - edge)} px past the tray's edge`);
      if (c instanceof HTMLSelectElement && c.selectedIndex >= 0) {
        canvas.font = getComputedStyle(c).font;
        const text = c.options[c.selectedIndex]!.text;
        if (canvas.measureText(text).width > c.clientWidth - 22) faults.push(`${name} cuts "${text}"`);
      }
    }
    return faults;
  });
}

describe('every edit dialog at 1366 px', () => {
  let server: ServerProcess;
  let browser: Browser;

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    server = await startServerProcess({ env: { ADMIN_PASSWORD: 'dialog-pass', SIM_MES_REPORTS_MS: '0' } });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function editorPage(locale: string): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1366, height: 768 }, locale })).newPage();
    await page.goto(server.url);
    await page.locator('#node-dialog-login-username').waitFor({ state: 'visible', timeout: 30_000 });
    await page.fill('#node-dialog-login-username', 'admin');
    await page.fill('#node-dialog-login-password', 'dialog-pass');
    await page.click('#node-dialog-login-submit');
    await page.locator('#red-ui-workspace').waitFor({ state: 'visible', timeout: 30_000 });
    await page.waitForFunction(() => (window as unknown as { RED: { nodes: { filterNodes(f: object): unknown[] } } }).RED.nodes.filterNodes({}).length > 50);
    return page;
  }

  it('gives a legacy database whose client comes from the environment a placeholder, not a raw key (zh-CN)', async () => {
    const page = await editorPage('zh-CN');
    await page.evaluate(() => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const RED = (window as any).RED;
      RED.view.importNodes([{ id: 'env-db', type: 'legacy-db', name: 'ERP DB', client: '${LEGACY_ERP_DB_CLIENT}', host: '', database: '' }], { generateIds: false, notify: false });
      RED.editor.editConfig('', 'legacy-db', 'env-db');
    });
    const field = page.locator('#node-config-input-connectionString');
    await field.waitFor({ state: 'attached', timeout: 15_000 });
    await page.waitForFunction(() => (document.querySelector('#node-config-input-connectionString')?.getAttribute('placeholder') ?? '') !== '');
    const placeholder = (await field.getAttribute('placeholder')) ?? '';
    assert.doesNotMatch(placeholder, /legacy-db\.placeholder/);
    assert.match(placeholder, /环境变量/);
  });

  for (const locale of ['en-US', 'zh-CN']) {
    it(`lays out all ${types.length} dialogs without squeezed or cut controls (${locale})`, async () => {
      const page = await editorPage(locale);
      const faults: string[] = [];
      for (const type of types) {
        await openDialog(page, type);
        await page.screenshot({ path: join(artifacts, `dialog-${type}-${locale}.png`) });
        for (const f of await layoutFaults(page)) faults.push(`${type}: ${f}`);
        if (type === 'exception-escalation') {
          const rows = page.locator('#node-input-policy-container li');
          assert.equal(await rows.count(), 6, 'the six rules of the default policy');
          const notify = rows.nth(1).locator('.col-notify');
          assert.ok(((await notify.boundingBox())?.width ?? 0) >= 250, 'the notify field is wide enough to read');
          assert.equal(await notify.inputValue(), 'production-supervisor:im, production-supervisor:dashboard');
          assert.equal(await rows.nth(4).locator('.col-type option:checked').innerText(), locale === 'zh-CN' ? '物料短缺' : 'material shortage');
          await rows.nth(4).scrollIntoViewIfNeeded();
          await page.screenshot({ path: join(artifacts, `dialog-exception-escalation-policy-${locale}.png`) });
        }
        await page.evaluate(() => (window as unknown as { RED: { tray: { close(): void } } }).RED.tray.close());
        await page.waitForFunction(() => document.querySelectorAll('.red-ui-tray').length === 0, null, { timeout: 10_000 });
      }
      assert.deepEqual(faults, []);
    });
  }
});
