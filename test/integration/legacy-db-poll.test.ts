// legacy-db-poll inside a real Node-RED runtime, reading an ERP table in SQLite and in a real MariaDB:
// pages after a persisted cursor, each row once; ack mode re-delivers un-acknowledged pages after a restart;
// a table renamed away gives a clear error and the next poll, once it is back, reads on by itself.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import helper from 'node-red-node-test-helper';
import { throwawayDatabase } from '../support/databases';
import { eventually, tempDir } from '../support/temp';

helper.init(require.resolve('node-red'));
const nodes = [require('../../nodes/legacy-db/legacy-db'), require('../../nodes/bridge-store/bridge-store'), require('../../nodes/legacy-db-poll/legacy-db-poll'), require('@node-red/nodes/core/common/25-catch')];

type Page = { payload: Array<Record<string, unknown>>; pageId: string };

describe('legacy-db-poll node', () => {
  before(async () => {
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
  });
  after(async () => {
    await helper.stopServer();
  });

  async function load(db: Record<string, unknown>, storeFile: string, poll: Record<string, unknown> = {}, credentials: Record<string, unknown> = {}) {
    await helper.load(
      nodes,
      [
        { id: 'erp', type: 'legacy-db', name: 'ERP', ...db },
        { id: 'store', type: 'bridge-store', file: storeFile },
        {
          id: 'poll',
          type: 'legacy-db-poll',
          db: 'erp',
          store: 'store',
          table: 'prd_order',
          columns: '',
          watermarkColumn: 'modified',
          keyColumn: 'order_no',
          filter: '',
          filterBindings: '[]',
          pageSize: 5,
          schedule: 'manual',
          lookBackMinutes: 0,
          firstRunFrom: 'beginning',
          commit: 'emit',
          output: 'page',
          decimals: 'string',
          wires: [['out']],
          ...poll,
        },
        { id: 'out', type: 'helper' },
        { id: 'catcher', type: 'catch', scope: ['poll'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ] as Array<Record<string, unknown>> as Parameters<typeof helper.load>[1],
      { erp: credentials },
    );
    const pages: Page[] = [];
    const caught: Array<{ error: { message: string } }> = [];
    helper.getNode('out').on('input', (m: unknown) => pages.push(m as Page));
    helper.getNode('caught').on('input', (m: unknown) => caught.push(m as (typeof caught)[number]));
    const node = helper.getNode('poll');
    const statuses: Array<{ fill?: string; text?: string }> = [];
    const status = node.status.bind(node);
    node.status = ((s: { fill?: string }) => (statuses.push(s), status(s as Parameters<typeof status>[0]))) as typeof node.status;
    const pollOnce = async () => {
      const seen = statuses.length;
      node.receive({});
      await eventually(() => statuses.slice(seen).some((s) => s.fill === 'green' || s.fill === 'red' || s.fill === 'yellow'), 'the poll to finish');
    };
    return { pages, caught, statuses, node, pollOnce };
  }
  const rows = (pages: Page[]) => pages.flatMap((p) => p.payload.map((r) => String(r.order_no)));

  it('SQLite: pages every row once across shared timestamps, then only new rows; the cursor survives a redeploy', async (t) => {
    const dir = tempDir();
    t.after(() => dir.remove());
    const file = join(dir.path, 'erp.db');
    const erp = new Database(file);
    erp.exec(`CREATE TABLE prd_order (order_no TEXT PRIMARY KEY, modified TEXT NOT NULL, qty DECIMAL(18,3), product TEXT)`);
    const insert = erp.prepare('INSERT INTO prd_order VALUES (?, ?, ?, ?)');
    for (let i = 1; i <= 12; i++) insert.run(`MO-${String(i).padStart(3, '0')}`, `2026-11-20 08:00:0${Math.floor(i / 5)}.000000`, '500.125', '一次性使用输液器 🏭');
    erp.close();
    const db = { client: 'sqlite', database: file };
    const store = join(dir.path, 'store.sqlite');

    let run = await load(db, store);
    await run.pollOnce();
    assert.deepEqual(run.caught, []);
    assert.equal(run.pages.length, 3);
    assert.deepEqual(
      rows(run.pages).sort(),
      Array.from({ length: 12 }, (_, i) => `MO-${String(i + 1).padStart(3, '0')}`),
    );
    assert.equal(Number(run.pages[0].payload[0].qty), 500.125, 'SQLite keeps DECIMAL as a number (MariaDB below keeps the exact string)');
    assert.equal(run.pages[0].payload[0].product, '一次性使用输液器 🏭');
    await helper.unload();

    const again = new Database(file);
    again.prepare('INSERT INTO prd_order VALUES (?, ?, ?, ?)').run('MO-013', '2026-11-20 09:00:00.000000', '1.000', '导尿管');
    again.prepare('UPDATE prd_order SET qty = ?, modified = ? WHERE order_no = ?').run('600.000', '2026-11-20 09:00:00.000000', 'MO-002');
    again.close();
    run = await load(db, store);
    await run.pollOnce();
    assert.deepEqual(rows(run.pages).sort(), ['MO-002', 'MO-013']);
  });

  it('SQLite, ack mode: pages not acknowledged before a restart are delivered again', async (t) => {
    const dir = tempDir();
    t.after(() => dir.remove());
    const file = join(dir.path, 'erp.db');
    const erp = new Database(file);
    erp.exec(`CREATE TABLE prd_order (order_no TEXT PRIMARY KEY, modified TEXT NOT NULL)`);
    for (let i = 1; i <= 12; i++) erp.prepare('INSERT INTO prd_order VALUES (?, ?)').run(`MO-${String(i).padStart(3, '0')}`, `2026-11-20 08:00:${String(i).padStart(2, '0')}`);
    erp.close();
    const db = { client: 'sqlite', database: file };
    const store = join(dir.path, 'store.sqlite');

    let run = await load(db, store, { commit: 'ack' });
    await run.pollOnce();
    assert.equal(run.pages.length, 3);
    run.node.receive({ ack: run.pages[0].pageId });
    await eventually(async () => (await new Promise((r) => setImmediate(r)), true), 'the ack');
    await helper.unload(); // "crash" before pages 2 and 3 were acknowledged

    run = await load(db, store, { commit: 'ack' });
    await run.pollOnce();
    assert.deepEqual(rows(run.pages), ['MO-006', 'MO-007', 'MO-008', 'MO-009', 'MO-010', 'MO-011', 'MO-012']);
  });

  it('MariaDB: a table renamed away gives a clear error, and the poll reads on by itself once it is back', async (t) => {
    const env = await throwawayDatabase(t, 'mysql');
    if (!env) return;
    t.after(() => env.drop());
    const dir = tempDir();
    t.after(() => dir.remove());
    await env.admin(`CREATE TABLE prd_order (order_no VARCHAR(40) PRIMARY KEY, modified DATETIME(6) NOT NULL, qty DECIMAL(18,6), product VARCHAR(100), INDEX (modified, order_no)) CHARACTER SET utf8mb4`);
    for (let i = 1; i <= 9; i++) await env.admin('INSERT INTO prd_order VALUES (?, ?, ?, ?)', [`MO-${i}`, `2026-11-20 08:00:00.12345${i % 3}`, '12.345678', '𠮷 静脉留置针']);
    const run = await load({ client: 'mysql', host: env.host, port: String(env.port), database: env.database, user: env.user }, join(dir.path, 'store.sqlite'), {}, { password: env.password });
    await run.pollOnce();
    assert.equal(rows(run.pages).length, 9);
    assert.equal(run.pages[0].payload[0].qty, '12.345678');
    assert.equal(run.pages[0].payload[0].product, '𠮷 静脉留置针');

    await env.admin('RENAME TABLE prd_order TO prd_order_old');
    await run.pollOnce();
    assert.equal(run.statuses.at(-1)?.fill, 'red');
    assert.match(run.caught[0].error.message, /prd_order/);

    await env.admin('RENAME TABLE prd_order_old TO prd_order');
    await env.admin('INSERT INTO prd_order VALUES (?, ?, ?, ?)', ['MO-10', '2026-11-21 08:00:00.000001', '1', 'x']);
    await run.pollOnce();
    assert.deepEqual(rows(run.pages).slice(9), ['MO-10']);
  });
});
