// The demo as `npm start` runs it, restarted on the same state folder: the simulated machines start again with
// their seeded counters (lower than the bridge last read), and the equipment board must neither count a part
// twice nor show a figure above 100 %. On the fresh start the machines run at their routing's speed, so no
// tile flags its ideal cycle. Screenshots: test/artifacts/equipment-demo-{fresh,restarted}.png.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';
import { tempDir } from '../support/temp';
import { launchChromium } from '../support/browser';

const artifacts = join(repoRoot, 'test', 'artifacts');
const PASSWORD = 'demo-restart-pass';

interface Tile {
  equipment: string;
  parts: number;
  oee: number | null;
  performance: number | null;
  flagged: boolean;
}

describe('the demo equipment board across a restart of npm start', () => {
  const dir = tempDir('erp-mes-demo-restart-');
  let server: ServerProcess | undefined;
  let browser: Browser;
  // One 24-hour shift that began 12 hours ago: a run near 08:00 or 20:00 in Shanghai would see the board's shift
  // change between the two starts and its figures begin again.
  const flows = JSON.parse(readFileSync(join(repoRoot, 'flows', 'demo-plant.json'), 'utf8')) as Array<Record<string, unknown>>;
  const startHour = (new Date().getUTCHours() + 8 - 12 + 24) % 24;
  const start = `${String(startHour).padStart(2, '0')}:00`;
  flows.find((n) => n.id === 'oee')!.shifts = [{ name: '全天 All day', start, end: start }];

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    dir.remove();
  });

  async function openBoard(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1600, height: 1100 }, timezoneId: 'Asia/Shanghai', locale: 'zh-CN', httpCredentials: { username: 'admin', password: PASSWORD } });
    const page = await context.newPage();
    await page.goto(`${server!.url}/dashboard/equipment`);
    return page;
  }
  const tiles = (page: Page) =>
    page.$$eval('[data-equipment]', (els) =>
      els.map((el) => ({
        equipment: el.getAttribute('data-equipment')!,
        parts: Number(el.getAttribute('data-parts') ?? 0),
        oee: el.getAttribute('data-oee') ? Number(el.getAttribute('data-oee')) : null,
        performance: el.getAttribute('data-performance') ? Number(el.getAttribute('data-performance')) : null,
        flagged: el.hasAttribute('data-ideal-cycle-flag'),
      })),
    ) as Promise<Tile[]>;
  /** Waits until the extruder's tile shows more than `parts` parts (the machines are polled every second or so). */
  const extruderPast = (page: Page, parts: number) => page.waitForFunction((n) => Number(document.querySelector('[data-equipment="EQ-EXTR-01"]')?.getAttribute('data-parts') ?? 0) > n, parts, { timeout: 240_000, polling: 1000 });

  it('shows believable figures on a fresh start and after a restart, and counts no part twice', async () => {
    server = await startServerProcess({ flows, userDir: dir.path, env: { ADMIN_PASSWORD: PASSWORD } });
    let page = await openBoard();
    await extruderPast(page, 60);
    const fresh = await tiles(page);
    await page.screenshot({ path: join(artifacts, 'equipment-demo-fresh.png'), fullPage: true });
    for (const t of fresh) {
      assert.ok(t.oee === null || t.oee <= 1, `${t.equipment} shows OEE ${t.oee} on a fresh start`);
      assert.ok(t.performance === null || t.performance <= 1, `${t.equipment} shows performance ${t.performance}`);
      assert.equal(t.flagged, false, `${t.equipment} flags its ideal cycle on a fresh start: the simulator and the plan disagree`);
    }
    await page.context().close();
    await server.stop();
    const before = Object.fromEntries((await Promise.resolve(fresh)).map((t) => [t.equipment, t.parts]));

    const restartedAt = Date.now();
    server = await startServerProcess({ flows, userDir: dir.path, env: { ADMIN_PASSWORD: PASSWORD } });
    page = await openBoard();
    // Parts read before the stop are still there (the last board may have shown a few more than `before`).
    const floor = before['EQ-EXTR-01'];
    await extruderPast(page, floor + 60);
    const restarted = await tiles(page);
    const seconds = (Date.now() - restartedAt) / 1000;
    await page.screenshot({ path: join(artifacts, 'equipment-demo-restarted.png'), fullPage: true });
    for (const t of restarted) {
      assert.ok(t.oee === null || t.oee <= 1, `${t.equipment} shows OEE ${t.oee} after the restart`);
      assert.ok(t.performance === null || t.performance <= 1, `${t.equipment} shows performance ${t.performance} after the restart`);
      // The simulator's counters start again at their seeded values (thousands): taken as parts, they would add
      // thousands at once. A machine makes at most one part per 0.9 s / its slowest slowdown since the restart.
      const gained = t.parts - (before[t.equipment] ?? 0);
      assert.ok(gained <= seconds / 0.9 + 60, `${t.equipment} gained ${gained} parts in ${Math.round(seconds)} s across the restart`);
    }
  });
});
