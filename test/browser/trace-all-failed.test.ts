// The trace page with many failed inspections and the floor's own job reports (demo server, headless Chromium, both
// locales): eight failed inspections are listed first and "Show all" lists every one (it showed 8 of 19 with no way to
// the rest); each operation starts at its first job report — the simulated MES's start report — not at its last, so
// start and end differ (they were equal for every operation). Screenshots: test/artifacts/trace-all-failed-*.png.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { lotOf } from '../../server/simulator/mes-reports';
import { unitCode } from '../../server/simulator/mes-quality';
import { basic, login } from '../support/server-kit';
import { repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually } from '../support/temp';
import { launchChromium } from '../support/browser';

const artifacts = join(repoRoot, 'test', 'artifacts');

interface MesWorkOrder {
  workOrderNo: string;
  operations: Array<{ sequence: string; equipmentCode: string }>;
}
interface TraceAnswer {
  operations: Array<{ opNo: string; startedAt?: string; reports: Array<{ at: string; status: string }>; failed: number }>;
}

describe('the trace page with many failed inspections', () => {
  let server: ServerProcess;
  let browser: Browser;
  let token: string;
  let lot: string;
  let answer: TraceAnswer;

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    // The simulated floor reports every second, as the demo does.
    server = await startServerProcess({ env: { ADMIN_PASSWORD: 'trace-pass', SIM_MES_REPORTS_MS: '1000' } });
    token = await login(server.url, 'admin', 'trace-pass');
    const orders = await eventually(
      async () => {
        const res = await fetch(`${server.simUrl}/mes/api/work-orders?pageSize=500`, { headers: { authorization: 'Bearer demo-mes-token' } });
        const items = ((await res.json()) as { items: MesWorkOrder[] }).items;
        return items.length >= 20 ? items : undefined;
      },
      'plan sync to deliver the work orders',
      30_000,
    );
    const trace = async (code: string) => (await (await fetch(`${server.url}/api/trace/${code}`, { headers: { authorization: `Bearer ${token}` } })).json()) as TraceAnswer;
    // An order the floor has reported on by now.
    const order = await eventually(
      async () => {
        for (const o of orders) if ((await trace(lotOf(o.workOrderNo))).operations?.some((op) => op.reports.length >= 2)) return o;
        return undefined;
      },
      'job reports of the floor in the trace',
      60_000,
    );
    lot = lotOf(order.workOrderNo);
    const op = order.operations[0];
    const failures = Array.from({ length: 19 }, (_, i) => ({
      recordId: `QC-FAIL-${i + 1}`,
      orderNo: order.workOrderNo,
      opNo: op.sequence,
      traceCode: unitCode(order.workOrderNo, 1000 + i),
      result: 'fail',
      defectCode: 'D-BURR',
      inspector: 'QC-孙丽',
      gaugeId: 'GA-EXTR-01',
      timestamp: new Date(Date.now() - (19 - i) * 60_000).toISOString(),
    }));
    const posted = await fetch(`${server.url}/mes/quality-records`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic('mes-demo', 'demo-mes-webhook-pass') }, body: JSON.stringify(failures) });
    assert.equal(posted.status, 202);
    answer = await eventually(async () => {
      const a = await trace(lot);
      return a.operations.reduce((n, o) => n + o.failed, 0) >= 19 ? a : undefined;
    }, 'the failed inspections in the trace');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("starts each operation at its first job report, the floor's start report, before its last one", () => {
    const reported = answer.operations.filter((op) => op.reports.length > 0);
    assert.ok(reported.length > 0);
    for (const op of reported) {
      const times = op.reports.map((r) => Date.parse(r.at));
      assert.equal(Date.parse(op.startedAt!), Math.min(...times), `operation ${op.opNo} starts at its first report`);
      const first = op.reports.find((r) => Date.parse(r.at) === Math.min(...times))!;
      assert.equal(first.status, 'started', `operation ${op.opNo}: the first report is the start report`);
      if (op.reports.length >= 2) assert.ok(Date.parse(op.startedAt!) < Math.max(...times), `operation ${op.opNo} starts before its last report`);
    }
  });

  for (const locale of ['zh-CN', 'en-US']) {
    it(`in ${locale}: lists 8 failed inspections, and all of them after "Show all"`, async () => {
      // The floor's inspectors go on posting: the page counts at least the 19 failures posted here.
      const atLeast = answer.operations.reduce((n, o) => n + o.failed, 0);
      const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, timezoneId: 'Asia/Shanghai', locale, httpCredentials: { username: 'admin', password: 'trace-pass' } });
      const page = await context.newPage();
      await page.goto(`${server.url}/dashboard/trace?code=${lot}`);
      await page.locator('[data-failed-inspection]').first().waitFor({ state: 'visible', timeout: 30_000 });
      assert.equal(await page.locator('[data-failed-inspection]').count(), 8);
      const more = page.locator('[data-show-all-failed]');
      const total = Number(/Show all (\d+)/.exec(await more.innerText())?.[1]);
      assert.ok(total >= atLeast, `"Show all" offers ${total} failed inspections; the trace had ${atLeast}`);
      await more.click();
      await page.waitForFunction((n) => document.querySelectorAll('[data-failed-inspection]').length === n, total, { timeout: 10_000 });
      assert.equal(await more.count(), 0, 'no "Show all" once all are shown');
      await page.screenshot({ path: join(artifacts, `trace-all-failed-${locale}.png`), fullPage: true });
      await context.close();
    });
  }
});
