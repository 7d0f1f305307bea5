// The editor's reason prompt in regulated mode (REGULATED_MODE=1), in English and Chinese: pressing Deploy asks
// why, an empty reason is not taken, and the reason given travels with the deploy into the change log. Screenshots
// of the prompt go to test/artifacts/ for a person to look at.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { login } from '../support/server-kit';
import { repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually } from '../support/temp';

const artifacts = join(repoRoot, 'test', 'artifacts');
const catalog = (lang: string) => JSON.parse(readFileSync(join(repoRoot, 'plugins', 'locales', lang, 'change-reason.json'), 'utf8')) as Record<string, string>;
const FLOW = [
  { id: 'line-2', type: 'tab', label: 'Line 2' },
  { id: 'line-2-note', type: 'comment', z: 'line-2', name: 'Line 2 andon', info: '', x: 160, y: 60, wires: [] },
];
const LOCALES = [
  { locale: 'en-US', reason: 'CR-2310: andon note renamed for line 2' },
  { locale: 'zh-CN', reason: '变更单 CR-2311:2 号线看板说明改名' },
];

describe('the editor asks for the reason of a deploy in regulated mode', () => {
  const PASSWORD = 'reason-admin-pass';
  let server: ServerProcess;
  let browser: Browser;

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    server = await startServerProcess({ flows: FLOW, env: { ADMIN_PASSWORD: PASSWORD, REGULATED_MODE: '1' } });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const { locale, reason } of LOCALES) {
    it(`in ${locale}: Deploy opens the reason prompt, refuses an empty reason, and the reason reaches the change log`, async () => {
      const texts = catalog(locale);
      const context = await browser.newContext({ locale, viewport: { width: 1366, height: 900 } });
      try {
        const page = await context.newPage();
        await page.goto(server.url);
        await page.locator('#node-dialog-login-username').waitFor({ state: 'visible', timeout: 30_000 });
        await page.fill('#node-dialog-login-username', 'admin');
        await page.fill('#node-dialog-login-password', PASSWORD);
        await page.click('#node-dialog-login-submit');
        await page.locator('.red-ui-palette-node[data-palette-type="code-map"]').waitFor({ state: 'attached', timeout: 30_000 });
        await page.waitForFunction(() => (window as unknown as { RED: { nodes: { node(id: string): unknown } } }).RED.nodes.node('line-2-note') !== null);

        // An edit as the editor records one: the note renamed, the workspace dirty, Deploy enabled.
        const newName = `Line 2 andon (${locale})`;
        await page.evaluate((name) => {
          const RED = (window as unknown as { RED: { nodes: { node(id: string): Record<string, unknown>; dirty(d: boolean): void }; view: { redraw(b: boolean): void } } }).RED;
          const note = RED.nodes.node('line-2-note');
          note.name = name;
          note.changed = true;
          note.dirty = true;
          RED.nodes.dirty(true);
          RED.view.redraw(true);
        }, newName);
        await page.locator('#red-ui-header-button-deploy:not(.disabled)').waitFor({ state: 'visible' });
        await page.click('#red-ui-header-button-deploy');

        const prompt = page.locator('.erp-mes-change-reason');
        await prompt.waitFor({ state: 'visible', timeout: 15_000 });
        assert.match(await page.locator('.red-ui-notification').last().innerText(), new RegExp(texts.title!));
        assert.equal(await page.locator('#erp-mes-change-reason-text').getAttribute('placeholder'), texts.placeholder);
        await page.click('#erp-mes-change-reason-deploy');
        await page.locator('.erp-mes-change-reason-hint').waitFor({ state: 'visible' });
        assert.equal(await page.locator('.erp-mes-change-reason-hint').innerText(), texts.required);
        await page.screenshot({ path: join(artifacts, `change-reason-prompt-empty-${locale}.png`) });
        await page.fill('#erp-mes-change-reason-text', reason);
        await page.locator('.erp-mes-change-reason-hint').waitFor({ state: 'hidden' });
        await page.screenshot({ path: join(artifacts, `change-reason-prompt-${locale}.png`) });
        await page.click('#erp-mes-change-reason-deploy');

        const token = await login(server.url, 'admin', PASSWORD);
        const entry = await eventually(
          async () => {
            const { items } = (await (await fetch(`${server.url}/api/changes`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
              items: Array<{ who: string; what: string; why: string; details: { source: string; changes: Array<{ id: string; property: string; new: string }> } }>;
            };
            return items.find((e) => e.why === reason);
          },
          'the deploy in the change log',
          30_000,
        );
        assert.deepEqual([entry.who, entry.what, entry.details.source], ['admin', 'integration.flows-deployed', 'editor']);
        // The editor may also move the note (its width follows the name): the name is what must be there.
        assert.deepEqual(
          entry.details.changes.filter((c) => c.id === 'line-2-note' && c.property === 'name').map((c) => c.new),
          [JSON.stringify(newName)],
        );
        await page.locator('#red-ui-header-button-deploy.disabled').waitFor({ state: 'attached', timeout: 15_000 });
      } finally {
        await context.close();
      }
    });
  }
});
