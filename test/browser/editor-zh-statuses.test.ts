// The demo flow in a zh-CN editor (demo mode, headless Chromium): every node status under every tab reads in
// Chinese — no raw catalogue key, no English words beyond the plant's acronyms. A screenshot of each tab goes
// to test/artifacts/ for a person to look at.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';

const artifacts = join(repoRoot, 'test', 'artifacts');
const ourTypes = Object.keys((JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } })['node-red'].nodes);
// Words that stay as they are in a Chinese plant: system names, units and the tick.
const ACRONYMS = /\b(ERP|MES|OEE|OPC|UA|PLC|SQL|DB|API|HTTP|ms|s|min|h|kg|pcs|ok)\b/g;

interface Red {
  nodes: { filterNodes(filter: { type?: string }): Array<{ type: string; name?: string; status?: { text?: string; fill?: string } }> };
  workspaces: { active(): string; show(id: string): void };
}

describe('the demo flow in a zh-CN editor', () => {
  let server: ServerProcess;
  let browser: Browser;

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    server = await startServerProcess({ env: { ADMIN_PASSWORD: 'zh-pass' } });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows every node status in Chinese, with no raw catalogue key, on every tab', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' })).newPage();
    await page.goto(server.url);
    await page.locator('#node-dialog-login-username').waitFor({ state: 'visible', timeout: 30_000 });
    await page.fill('#node-dialog-login-username', 'admin');
    await page.fill('#node-dialog-login-password', 'zh-pass');
    await page.click('#node-dialog-login-submit');
    await page.locator('#red-ui-workspace').waitFor({ state: 'visible', timeout: 30_000 });
    // The first sync has run when the order fetch shows its count.
    // The first sync has run when the order fetch shows a status past "fetching".
    await page.waitForFunction(
      () => {
        const red = (window as unknown as { RED: Red }).RED;
        return red.nodes.filterNodes({ type: 'erp-order-fetch' }).some((n) => n.status?.text && n.status.fill !== 'blue');
      },
      null,
      { timeout: 60_000 },
    );
    const tabs = await page.$$eval('#red-ui-workspace-tabs li.red-ui-tab a', (as) => as.map((a) => ({ id: a.getAttribute('href')?.slice(1) ?? '', label: a.textContent ?? '' })));
    assert.ok(tabs.length >= 5, `tabs: ${JSON.stringify(tabs)}`);
    for (const [i, tab] of tabs.entries()) {
      await page.evaluate((id) => (window as unknown as { RED: Red }).RED.workspaces.show(id), tab.id);
      await page.waitForFunction((id) => (window as unknown as { RED: Red }).RED.workspaces.active() === id, tab.id);
      await page.screenshot({ path: join(artifacts, `editor-zh-CN-statuses-${i + 1}.png`) });
    }
    const statuses = await page.evaluate((ours) => {
      const red = (window as unknown as { RED: Red }).RED;
      return red.nodes.filterNodes({}).flatMap((n) => (n.status?.text && ours.includes(n.type) ? [`${n.type} ${n.name ?? ''}: "${n.status.text}"`] : []));
    }, ourTypes);
    const english = statuses.filter((line) => {
      const text = line.slice(line.indexOf(': "') + 3, -1);
      return /\w\.status\.\w/.test(text) || /[A-Za-z]{2,}/.test(text.replace(ACRONYMS, ''));
    });
    const seen = statuses.length;
    assert.ok(seen >= 10, `only ${seen} statuses were shown`);
    assert.deepEqual(english, [], 'statuses with English words or raw keys in the zh-CN editor');
  });
});
