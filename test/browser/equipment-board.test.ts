// The "设备 / Equipment" dashboard page of the demo plant in headless Chromium: equipment signals posted to the
// OEE tab's MES endpoint (POST /mes/equipment-signals) become one tile per machine with its OEE gauge and the
// three factors, its state in colour and its current order; each change of state reaches the simulated ERP; a
// screen that lost its connection shows the machines as they are once it is back. Screenshots: test/artifacts/.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually } from '../support/temp';
import { launchChromium } from '../support/browser';

const artifacts = join(repoRoot, 'test', 'artifacts');
const MIN = 60_000;
const PASSWORD = 'equipment-pass';

describe('the equipment board in a browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    // The demo flow with its equipment tab switched off: every signal on the board is one this test posted (the
    // simulated machines' own readings would overwrite the states it sets).
    const flows = JSON.parse(readFileSync(join(repoRoot, 'flows', 'demo-plant.json'), 'utf8')) as Array<Record<string, unknown>>;
    flows.find((n) => n.id === 'equipment' && n.type === 'tab')!.disabled = true;
    // And no plans into OEE: the ideal cycle is the equipment master's (0.9 s for the extruder), not that of whichever
    // demo order the clock puts on the machine (0.9, 1.1 or 1.5 s), so the figures below can be worked by hand.
    flows.find((n) => n.id === 'oee-plan-in')!.d = true;
    // And one 24-hour shift that began about 12 hours ago, so the 90 minutes of signals below lie in the shift the
    // board shows whatever the time of the run (the demo's 08:00 and 20:00 changes would split them).
    const startHour = (new Date(now).getUTCHours() + 8 - 12 + 24) % 24; // Asia/Shanghai is UTC+8 all year
    const start = `${String(startHour).padStart(2, '0')}:00`;
    flows.find((n) => n.id === 'oee')!.shifts = [{ name: '全天 All day', start, end: start }];
    server = await startServerProcess({ flows, env: { ADMIN_PASSWORD: PASSWORD, SIM_MES_REPORTS_MS: '0' } });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, timezoneId: 'Asia/Shanghai', locale: 'zh-CN', httpCredentials: { username: 'admin', password: PASSWORD } });
    page = await context.newPage();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function post(signals: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${server.url}/mes/equipment-signals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('mes-demo:demo-mes-webhook-pass').toString('base64')}` },
      body: JSON.stringify(signals),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
  const sig = (equipment: string, minutesAgo: number, fields: Record<string, unknown>) => ({ equipment, at: iso(now - minutesAgo * MIN), source: 'mes', ...fields });
  const tile = (equipment: string) => page.locator(`[data-equipment="${equipment}"]`);

  it('shows one tile per machine with the OEE gauge, its three factors, the state and the order', async () => {
    // The last 90 minutes of four machines, as their PLCs would have reported them.
    const answer = await post([
      sig('EQ-EXTR-01', 90, { state: 'running', partCounter: 120_000, rejectCounter: 300 }),
      sig('EQ-EXTR-01', 1, { partCounter: 125_100, rejectCounter: 330, spindleSpeed: 1180, temperature: 182.5 }),
      sig('EQ-ASM-01', 90, { state: 'running', partCounter: 4_000, rejectCounter: 10 }),
      sig('EQ-ASM-01', 30, { partCounter: 5_500, rejectCounter: 18 }),
      sig('EQ-ASM-01', 25, { state: 'fault' }),
      sig('EQ-ASM-02', 90, { state: 'idle', partCounter: 0 }),
      sig('EQ-ASM-02', 20, { state: 'running' }),
      sig('EQ-ASM-02', 1, { partCounter: 380, rejectCounter: 2 }),
      sig('EQ-UVB-01', 60, { state: 'maintenance' }),
    ]);
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    assert.deepEqual(answer.body, { signals: 9, duplicates: 0, late: 0, changes: 6 });

    await page.goto(`${server.url}/dashboard/equipment`);
    await tile('EQ-ASM-01').waitFor({ state: 'visible', timeout: 30_000 });
    await page.waitForFunction(() => document.querySelector('[data-equipment="EQ-ASM-01"]')?.getAttribute('data-state') === 'fault', undefined, { timeout: 15_000 });
    assert.equal(await tile('EQ-EXTR-01').getAttribute('data-state'), 'running');
    assert.equal(await tile('EQ-UVB-01').getAttribute('data-state'), 'maintenance');
    assert.equal(await tile('EQ-LEAK-01').getAttribute('data-state'), 'unknown', 'a machine of the master that sent nothing yet');
    // EQ-EXTR-01 has run the 90 min since its first signal: A = 100 %; P = 5,100 parts × 0.9 s / 5,400 s = 85.0 %;
    // Q = 5,070 / 5,100 = 99.4 %; OEE = 84.5 % (= 5,070 × 0.9 s / 5,400 s), a little less as the clock runs on.
    const extruder = await tile('EQ-EXTR-01').innerText();
    assert.match(extruder, /100%\n时间开动率/);
    assert.match(extruder, /8[45]%\n性能开动率/);
    assert.match(extruder, /99%\n合格品率/);
    // EQ-ASM-01 faulted 25 min of 90: A = 65 / 90 = 72.2 %, and the OEE alarm names downtime.
    const assembly = await tile('EQ-ASM-01').innerText();
    assert.match(assembly, /72%/);
    assert.match(assembly, /最大损失 largest loss: 停机 downtime/);
    assert.match(assembly, /备用 backup EQ-ASM-02/);
    assert.ok(Number(await tile('EQ-ASM-01').getAttribute('data-oee')) < 0.8);
    await page.screenshot({ path: join(artifacts, 'equipment-board.png'), fullPage: true });

    // Each change of state reached the simulated ERP once.
    const statuses = await eventually(
      async () => {
        const res = await fetch(`${server.simUrl}/erp/_sim/workflows?inbox=equipment-status`);
        const items = ((await res.json()) as { items: Array<{ body: { equipment: string; state: string } }> }).items;
        return items.length >= 6 ? items : undefined;
      },
      'the equipment status at the ERP',
      30_000,
    );
    assert.deepEqual(
      statuses.filter((s) => s.body.equipment === 'EQ-ASM-01').map((s) => s.body.state),
      ['running', 'fault'],
    );
  });

  it('refuses a malformed signal with the field named, and the board stays as it was', async () => {
    const answer = await post({ equipment: 'EQ-ASM-01', at: iso(now), state: 'broken' });
    assert.equal(answer.status, 400);
    assert.match(String(answer.body.error), /payload\.state must be one of "running", "idle", "fault", "maintenance"/);
    assert.equal(await tile('EQ-ASM-01').getAttribute('data-state'), 'fault');
  });

  it('changes a tile as the machine changes, and after losing its connection shows what changed meanwhile', async () => {
    assert.equal((await post(sig('EQ-ASM-01', 0.5, { state: 'running' }))).status, 202);
    await page.waitForFunction(() => document.querySelector('[data-equipment="EQ-ASM-01"]')?.getAttribute('data-state') === 'running', undefined, { timeout: 15_000 });

    await context.setOffline(true);
    await page.locator('.eq-offline').waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal((await post(sig('EQ-ASM-02', 0.2, { state: 'fault' }))).status, 202);
    await page.screenshot({ path: join(artifacts, 'equipment-board-offline.png') });
    assert.equal(await tile('EQ-ASM-02').getAttribute('data-state'), 'running', 'nothing reached the screen while it was offline');
    await context.setOffline(false);
    await page.waitForFunction(() => document.querySelector('[data-equipment="EQ-ASM-02"]')?.getAttribute('data-state') === 'fault', undefined, { timeout: 30_000 });
    await page.locator('.eq-offline').waitFor({ state: 'detached', timeout: 10_000 });
    await page.screenshot({ path: join(artifacts, 'equipment-board-after-reconnect.png'), fullPage: true });
  });

  it('flags an ideal cycle slower than the machine on its tile instead of a performance above 100 %, in zh-CN and en-US', async () => {
    // EQ-LEAK-01's master says 2 s a part; it ran 60 min and made 3,000 parts: 1.2 s a part (P would be 167 %).
    const answer = await post([sig('EQ-LEAK-01', 61, { state: 'running', partCounter: 0 }), sig('EQ-LEAK-01', 1, { state: 'idle', partCounter: 3000 })]);
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    await page.waitForFunction(() => document.querySelector('[data-equipment="EQ-LEAK-01"]')?.getAttribute('data-ideal-cycle-flag') === 'slower-than-machine', undefined, { timeout: 30_000 });
    const leak = await tile('EQ-LEAK-01').innerText();
    assert.match(leak, /理想节拍 2 秒慢于设备实际的 1\.2 秒/);
    assert.match(leak, /性能开动率按 100% 计,OEE 为其上限/);
    // Performance is not shown as a figure, and OEE is shown as the most it can be: A = 60 / 61 min → ≤ 98.4 %.
    assert.match(leak, /\?\n性能开动率/);
    const figures = [...leak.matchAll(/([\d.]+)%/g)].map((m) => Number(m[1]));
    assert.ok(figures.length >= 3 && figures.every((f) => f <= 100), `no figure above 100 %: ${figures.join(', ')}`);
    assert.match(leak, /≤9\d\.\d%/);
    await tile('EQ-LEAK-01').screenshot({ path: join(artifacts, 'equipment-board-ideal-cycle-zh-CN.png'), animations: 'disabled' });

    const english = await browser.newContext({ viewport: { width: 1366, height: 1100 }, timezoneId: 'Asia/Shanghai', locale: 'en-US', httpCredentials: { username: 'admin', password: PASSWORD } });
    try {
      const en = await english.newPage();
      await en.goto(`${server.url}/dashboard/equipment`);
      const enTile = en.locator('[data-equipment="EQ-LEAK-01"][data-ideal-cycle-flag]');
      await enTile.waitFor({ state: 'visible', timeout: 30_000 });
      // The page's own styles and fonts settle before the picture is taken (the tile is laid out again meanwhile).
      await en.waitForLoadState('networkidle');
      await en.evaluate(() => document.fonts.ready.then(() => undefined));
      assert.match(await enTile.innerText(), /ideal cycle 2 s is slower than the machine's 1\.2 s/);
      await en.screenshot({ path: join(artifacts, 'equipment-board-ideal-cycle-en-US.png'), animations: 'disabled' });
    } finally {
      await english.close();
    }
  });
});
