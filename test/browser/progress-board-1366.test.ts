// The progress board of the demo plant at 1366 px, in zh-CN and en-US: an order at its first operation reads 0 %
// finished while its lag reason quotes that operation's progress, so the row shows the operation's own figure and
// the two agree; the Lag column reads as sentences, not a word per line; the MES reconciliation card sits below the
// board. Screenshots: test/artifacts/progress-board-1366-{zh-CN,en-US}.png.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually } from '../support/temp';
import { launchChromium } from '../support/browser';

const artifacts = join(repoRoot, 'test', 'artifacts');

interface MesWorkOrder {
  workOrderNo: string;
  plannedQty: number;
  operations: Array<{ sequence: string; equipmentCode: string; plannedStart: string; plannedEnd: string }>;
}

describe('the progress board at 1366 px', () => {
  let server: ServerProcess;
  let browser: Browser;
  let orders: MesWorkOrder[];

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    server = await startServerProcess({ env: { ADMIN_PASSWORD: 'board-pass', SIM_MES_REPORTS_MS: '0', MES_RECONCILE_SEC: '5' } });
    orders = await eventually(
      async () => {
        const res = await fetch(`${server.simUrl}/mes/api/work-orders?pageSize=500`, { headers: { authorization: 'Bearer demo-mes-token' } });
        const items = ((await res.json()) as { items: MesWorkOrder[] }).items;
        return items.length >= 20 ? items : undefined;
      },
      'plan sync to deliver the work orders',
      30_000,
    );
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows the figure the lag reason quotes beside the operation, and reasons as sentences, in both locales', async () => {
    // An order of several operations whose first one is well under way by the plan: it lags at any small progress.
    const now = Date.now();
    const order = orders.find((o) => {
      const first = o.operations[0];
      const start = Date.parse(first.plannedStart);
      const end = Date.parse(first.plannedEnd);
      return o.operations.length > 1 && start < now && (now - start) / (end - start) > 0.4 && end > now;
    });
    assert.ok(order, 'an order whose first operation is past 40 % of its planned window');
    const first = order.operations[0];
    const goodQty = Math.round(order.plannedQty * 0.1);
    const res = await fetch(`${server.simUrl}/mes/_sim/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orderNo: order.workOrderNo, opNo: first.sequence, goodQty, scrapQty: 0, status: 'running', equipment: first.equipmentCode }),
    });
    assert.equal(((await res.json()) as { pending: number }).pending, 0);

    for (const locale of ['zh-CN', 'en-US']) {
      const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, timezoneId: 'Asia/Shanghai', locale, httpCredentials: { username: 'admin', password: 'board-pass' } });
      const page = await context.newPage();
      await page.goto(`${server.url}/dashboard/progress`);
      const row = page.locator(`tr[data-order="${order.workOrderNo}"]`);
      await row.locator('[data-op-pct]').waitFor({ state: 'visible', timeout: 30_000 });
      await page.waitForFunction((no) => Number(document.querySelector(`tr[data-order="${no}"] [data-op-pct]`)?.getAttribute('data-op-pct')) > 0, order.workOrderNo, { timeout: 15_000 });
      assert.equal(await row.getAttribute('data-lagging'), 'yes');
      const opPct = Number(await row.locator('[data-op-pct]').getAttribute('data-op-pct'));
      const reason = await row.locator('.pb-reason').innerText();
      const quoted = [...reason.matchAll(/([\d.]+) ?%/g)].map((m) => Number(m[1]));
      assert.ok(quoted.includes(opPct), `the lag reason "${reason}" quotes the operation's ${opPct} % shown on the row`);
      assert.match(await row.innerText(), /0\.0 %/, 'the order itself has finished nothing yet');

      await row.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(artifacts, `progress-board-1366-${locale}.png`) });
      // Every lag reason on the board reads in lines of several words (at 1366 px it wrapped a word per line).
      const reasons = await page.$$eval('tr[data-lagging="yes"] .pb-reason', (cells) =>
        cells.map((c) => ({ words: c.textContent!.trim().split(/\s+/).length, width: c.getBoundingClientRect().width, lines: Math.round((c.getBoundingClientRect().height - 20) / (parseFloat(getComputedStyle(c).lineHeight) || 24)) })),
      );
      assert.ok(reasons.length > 0);
      for (const r of reasons) assert.ok(r.width >= 200 && r.lines <= Math.ceil(r.words / 4), `a lag reason of ${r.words} words ${Math.round(r.width)} px wide in ${r.lines} lines`);
      const widths = await page.$eval('.pb-scroll', (el) => [el.scrollWidth, el.clientWidth]);
      assert.ok(widths[0] <= widths[1], `the board is ${widths[0]} px wide in ${widths[1]} px: columns are cut off at 1366`);

      // The reconciliation card below the board, with the demo's first check.
      const card = page.locator('[data-reconcile]');
      await page.waitForFunction(() => document.querySelector('[data-reconcile]')?.getAttribute('data-ok') === 'yes', undefined, { timeout: 30_000 });
      assert.match(await card.innerText(), /MES 对账 Reconciliation with the MES/);
      await card.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(artifacts, `reconcile-card-${locale}.png`) });
      await context.close();
    }
  });
});
