// The "生产进度看板 / Production progress" dashboard page of the demo plant in headless Chromium: as the
// simulated MES reports progress the bars change colour; a screen that lost its connection (or reloads) shows
// at once what changed while it was away. Screenshots go to test/artifacts/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually } from '../support/temp';
import { launchChromium, watchCspViolations } from '../support/browser';

const artifacts = join(repoRoot, 'test', 'artifacts');

interface MesWorkOrder {
  workOrderNo: string;
  plannedQty: number;
  operations: Array<{ sequence: string; equipmentCode: string; plannedStart: string }>;
}

describe('the production progress board in a browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let cspViolations: () => string[];
  let orders: MesWorkOrder[];

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    // The MES reports only when the test says so (SIM_MES_REPORTS_MS=0), so every colour change is the test's doing.
    server = await startServerProcess({ env: { ADMIN_PASSWORD: 'board-pass', SIM_MES_REPORTS_MS: '0' } });
    orders = await eventually(
      async () => {
        const res = await fetch(`${server.simUrl}/mes/api/work-orders`, { headers: { authorization: 'Bearer demo-mes-token' } });
        const items = ((await res.json()) as { items: MesWorkOrder[] }).items;
        return items.length >= 20 ? items : undefined;
      },
      'plan sync to deliver the work orders',
      30_000,
    );
    browser = await launchChromium();
    // A shop-floor screen in the plant: Shanghai time, logged in as an HTTP user of the flows' endpoints.
    context = await browser.newContext({ viewport: { width: 1600, height: 900 }, timezoneId: 'Asia/Shanghai', locale: 'zh-CN', httpCredentials: { username: 'admin', password: 'board-pass' } });
    page = await context.newPage();
    cspViolations = watchCspViolations(page);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** The simulated MES reports that the order's last operation has made `goodQty` parts in all. */
  async function reportTotal(order: MesWorkOrder, goodQty: number, already: number): Promise<void> {
    const last = order.operations.at(-1)!;
    const res = await fetch(`${server.simUrl}/mes/_sim/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orderNo: order.workOrderNo, opNo: last.sequence, goodQty: goodQty - already, scrapQty: 0, status: goodQty >= order.plannedQty ? 'completed' : 'running', equipment: last.equipmentCode }),
    });
    const answer = (await res.json()) as { pending: number; failures: number };
    assert.equal(answer.pending, 0, `the bridge took the report (failed posts: ${answer.failures})`);
  }

  const row = (orderNo: string) => page.locator(`tr[data-order="${orderNo}"]`);
  const colourOf = (orderNo: string) => row(orderNo).getAttribute('data-colour');

  it('shows the open orders, and a bar turns from red to yellow to green as the MES reports progress', async () => {
    await page.goto(`${server.url}/dashboard/progress`);
    const order = orders[10];
    await row(order.workOrderNo).waitFor({ state: 'visible', timeout: 30_000 });
    assert.ok((await page.locator('tr[data-order]').count()) >= 20, 'one row per open order');
    assert.equal(await colourOf(order.workOrderNo), 'red');

    await reportTotal(order, Math.round(order.plannedQty * 0.6), 0);
    await page.waitForFunction((no) => document.querySelector(`tr[data-order="${no}"]`)?.getAttribute('data-colour') === 'yellow', order.workOrderNo, { timeout: 15_000 });
    assert.match(await row(order.workOrderNo).innerText(), /60\.0 %/);
    await row(order.workOrderNo).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(artifacts, 'progress-board-yellow.png') });

    await reportTotal(order, Math.round(order.plannedQty * 0.95), Math.round(order.plannedQty * 0.6));
    await page.waitForFunction((no) => document.querySelector(`tr[data-order="${no}"]`)?.getAttribute('data-colour') === 'green', order.workOrderNo, { timeout: 15_000 });
    await row(order.workOrderNo).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(artifacts, 'progress-board.png') });
    await page.evaluate(() => window.scrollTo(0, 0));
  });

  it("writes why an order lags in the reader's language (the bridge sends a message key and its figures)", async () => {
    // An order reported at a tenth of its quantity while its plan expects more is lagging.
    const late = orders.find((o) => Date.parse(o.operations[0]!.plannedStart) < Date.now() - 3_600_000 && orders.indexOf(o) !== 10);
    assert.ok(late, 'a demo order whose plan started over an hour ago');
    const first = late.operations[0]!;
    const res = await fetch(`${server.simUrl}/mes/_sim/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orderNo: late.workOrderNo, opNo: first.sequence, goodQty: 1, scrapQty: 0, status: 'running', equipment: first.equipmentCode }),
    });
    assert.equal(res.status < 300, true);
    await page.waitForFunction(() => Array.from(document.querySelectorAll('td.pb-reason')).some((td) => (td.textContent ?? '').trim() !== ''), null, { timeout: 15_000 });
    const reasons = (await page.locator('td.pb-reason').allInnerTexts()).filter((t) => t.trim() !== '');
    for (const text of reasons) {
      assert.doesNotMatch(text, /points behind plan/, 'no English lag reason on a zh-CN screen');
      assert.match(text, /工序 \S+ 落后计划 [\d.]+ 个百分点|设备故障|缺料|质量缺陷|其他异常/);
    }
    await page.locator('td.pb-reason', { hasText: '落后计划' }).first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(artifacts, 'progress-board-lag-zh-CN.png') });
  });

  it('after losing its connection, shows at once what changed while it was away', async () => {
    const order = orders[11];
    assert.equal(await colourOf(order.workOrderNo), 'red');
    await context.setOffline(true);
    await page.locator('.pb-offline').waitFor({ state: 'visible', timeout: 30_000 });
    // While the screen is away the MES reports; the bridge sends the new board to nobody.
    await reportTotal(order, order.plannedQty, 0);
    await page.screenshot({ path: join(artifacts, 'progress-board-offline.png') });
    assert.equal(await colourOf(order.workOrderNo), 'red', 'nothing reached the screen while it was offline');

    await context.setOffline(false);
    await page.waitForFunction((no) => document.querySelector(`tr[data-order="${no}"]`)?.getAttribute('data-colour') === 'green', order.workOrderNo, { timeout: 30_000 });
    await page.locator('.pb-offline').waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('after a reload, shows the current board, not the last message it kept', async () => {
    const order = orders[12];
    await reportTotal(order, Math.round(order.plannedQty * 0.7), 0);
    await page.reload();
    await row(order.workOrderNo).waitFor({ state: 'visible', timeout: 30_000 });
    await page.waitForFunction((no) => document.querySelector(`tr[data-order="${no}"]`)?.getAttribute('data-colour') === 'yellow', order.workOrderNo, { timeout: 15_000 });
    // Earlier changes are all there too.
    assert.equal(await colourOf(orders[10].workOrderNo), 'green');
    assert.equal(await colourOf(orders[11].workOrderNo), 'green');
  });

  it('filters the rows by work centre', async () => {
    const equipment = orders[10].operations.at(-1)!.equipmentCode;
    const options = await page.locator('select[data-filter="work-centre"] option').allInnerTexts();
    assert.ok(options.length > 2, `work centres offered: ${options.join(', ')}`);
    const all = await page.locator('tr[data-order]').count();
    // The board speaks ERP codes (the reports were mapped back): pick the one the filter offers for this order.
    const choice = options.find((o) => o !== '全部 All')!;
    await page.selectOption('select[data-filter="work-centre"]', choice);
    const filtered = await page.locator('tr[data-order]').count();
    assert.ok(filtered > 0 && filtered < all, `${filtered} of ${all} rows for ${choice} (${equipment})`);
    await page.screenshot({ path: join(artifacts, 'progress-board-filtered.png') });
    await page.selectOption('select[data-filter="work-centre"]', '');
  });

  it("works under the server's Content-Security-Policy: nothing the board did above was refused", () => {
    assert.deepEqual(cspViolations(), []);
  });
});
