// The "质量追溯 / Trace" dashboard page of the demo plant in headless Chromium, on the real server: the simulated
// MES reports a batch and its inspectors post unit inspections; searching a unit code shows the order, its
// operations with equipment, operators, times and inspections, and the unit's own inspection; a code nothing
// carries shows a clear message; a scanned link (?code=) searches at once. Screenshots go to test/artifacts/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { lotOf } from '../../server/simulator/mes-reports';
import { unitCode } from '../../server/simulator/mes-quality';
import { basic, login } from '../support/server-kit';
import { repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually } from '../support/temp';
import { launchChromium } from '../support/browser';

const artifacts = join(repoRoot, 'test', 'artifacts');

interface MesWorkOrder {
  workOrderNo: string;
  plannedQty: number;
  operations: Array<{ sequence: string; equipmentCode: string }>;
}

describe('the trace page in a browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  let order: MesWorkOrder;

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    server = await startServerProcess({ env: { ADMIN_PASSWORD: 'trace-pass', SIM_MES_REPORTS_MS: '0' } });
    order = await eventually(
      async () => {
        const res = await fetch(`${server.simUrl}/mes/api/work-orders`, { headers: { authorization: 'Bearer demo-mes-token' } });
        return ((await res.json()) as { items: MesWorkOrder[] }).items.find((o) => o.operations.length >= 4);
      },
      'plan sync to deliver the work orders',
      30_000,
    );
    // The floor: each operation reports its batch twice (started, then completed or running); the inspectors
    // check every 25th unit after each operation, one of them failing.
    const ops = order.operations;
    let minute = 0;
    const at = () => `2026-12-01T${String(8 + Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}:00+08:00`;
    for (const [i, op] of ops.entries()) {
      for (const status of ['started', i < ops.length - 1 ? 'completed' : 'running']) {
        minute += 35;
        const res = await fetch(`${server.simUrl}/mes/_sim/reports`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ orderNo: order.workOrderNo, opNo: op.sequence, goodQty: status === 'started' ? 0 : 96, scrapQty: status === 'started' ? 0 : 2, status, equipment: op.equipmentCode, timestamp: at() }),
        });
        assert.equal(((await res.json()) as { pending: number }).pending, 0, 'the bridge took the job report');
      }
    }
    const inspections = ops.flatMap((op, i) =>
      [25, 50, 75].map((n) => ({
        recordId: `QC-${n}-${op.sequence}`,
        orderNo: order.workOrderNo,
        opNo: op.sequence,
        traceCode: unitCode(order.workOrderNo, n),
        result: i === 1 && n === 50 ? 'fail' : 'pass',
        ...(i === 1 && n === 50 && { defectCode: 'D-ASSEMBLY' }),
        inspector: ['QC-孙丽', 'QC-周杰'][n % 2],
        gaugeId: `GA-${op.equipmentCode.replace('EQ-', '')}-0${((n / 25) % 3) + 1}`,
        timestamp: `2026-12-01T${String(9 + i).padStart(2, '0')}:${String(n / 5).padStart(2, '0')}:00+08:00`,
      })),
    );
    const posted = await fetch(`${server.url}/mes/quality-records`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic('mes-demo', 'demo-mes-webhook-pass') }, body: JSON.stringify(inspections) });
    assert.equal(posted.status, 202);
    // Wait until the plan (by its own link) is in the trace too, so the page shows the order header.
    const token = await login(server.url, 'admin', 'trace-pass');
    await eventually(async () => {
      const res = await fetch(`${server.url}/api/trace/${lotOf(order.workOrderNo)}`, { headers: { authorization: `Bearer ${token}` } });
      return res.status === 200 && ((await res.json()) as { order: { planned: boolean } }).order.planned;
    }, 'the order in the trace');
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, timezoneId: 'Asia/Shanghai', locale: 'zh-CN', httpCredentials: { username: 'admin', password: 'trace-pass' } });
    page = await context.newPage();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function search(code: string): Promise<void> {
    await page.locator('[data-test="trace-code"]').fill(code);
    await page.locator('[data-test="trace-search"]').click();
  }

  it('searching a unit code shows the order, its operations with equipment, operators, times and inspections, and the unit itself', async () => {
    await page.goto(`${server.url}/dashboard/trace`);
    await page.locator('[data-test="trace-code"]').waitFor({ state: 'visible', timeout: 30_000 });
    await search(unitCode(order.workOrderNo, 50));
    const header = page.locator(`[data-test="trace-order"][data-order="${order.workOrderNo}"]`);
    await header.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await header.innerText(), new RegExp(`${order.workOrderNo}[\\s\\S]*${order.plannedQty.toLocaleString('zh-CN')}`));
    const rows = page.locator('[data-test="trace-operations"] tr[data-op]');
    assert.equal(await rows.count(), order.operations.length);
    const second = await page.locator(`[data-test="trace-operations"] tr[data-op="${order.operations[1].sequence}"]`).innerText();
    assert.match(second, new RegExp(order.operations[1].equipmentCode));
    assert.match(second, /✖ 1/, 'the failed inspection is counted at its operation');
    // The unit's own inspections, one per operation, the failed one with its defect.
    const hits = await page.locator('[data-test="trace-hit"]').allInnerTexts();
    assert.equal(hits.length, order.operations.length);
    assert.ok(
      hits.some((h) => /不合格 fail D-ASSEMBLY/.test(h) && /GA-/.test(h)),
      hits.join('\n'),
    );
    await page.screenshot({ path: join(artifacts, 'trace.png'), fullPage: true });
  });

  it('a code nothing carries shows a clear message naming it', async () => {
    await search('SN-NOT-MADE-HERE');
    const message = page.locator('[data-test="trace-message"]');
    await message.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await message.innerText(), /未找到追溯码 “SN-NOT-MADE-HERE”[\s\S]*Not found: .*"SN-NOT-MADE-HERE"/);
    assert.equal(await page.locator('[data-test="trace-order"]').count(), 0);
    await page.screenshot({ path: join(artifacts, 'trace-unknown.png') });
  });

  it('a scanned link with ?code= shows the batch at once', async () => {
    await page.goto(`${server.url}/dashboard/trace?code=${encodeURIComponent(lotOf(order.workOrderNo))}`);
    await page.locator(`[data-test="trace-order"][data-order="${order.workOrderNo}"]`).waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await page.locator('[data-test="trace-order"]').innerText(), new RegExp(`报工 reports ${order.operations.length * 2}`));
  });
});
