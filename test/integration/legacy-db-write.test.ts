// legacy-db-write inside a real Node-RED runtime against real MariaDB and PostgreSQL servers (a throwaway
// database each) and SQLite: upserts on the key in batches, Chinese and 4-byte UTF-8 intact, and a batch the
// database refuses rolled back whole with an error naming the row and its key.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, afterEach, before, describe, it, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import helper from 'node-red-node-test-helper';
import { throwawayDatabase, type ThrowawayDatabase } from '../support/databases';
import { eventually, tempDir } from '../support/temp';

helper.init(require.resolve('node-red'));
const nodes = [require('../../nodes/legacy-db/legacy-db'), require('../../nodes/legacy-db-write/legacy-db-write'), require('@node-red/nodes/core/common/25-catch')];

interface Target {
  config: Record<string, unknown>;
  credentials: Record<string, unknown>;
  rows(): Promise<Array<Record<string, unknown>>>;
  reports(): Promise<Array<Record<string, unknown>>>;
  cleanup(): Promise<void>;
}

const TABLE_SQL = `CREATE TABLE mes_progress (order_no VARCHAR(40) NOT NULL, op_no VARCHAR(4) NOT NULL, good_qty DECIMAL(18,3) NOT NULL, note VARCHAR(40), PRIMARY KEY (order_no, op_no))`;
const SELECT = 'SELECT order_no, op_no, good_qty, note FROM mes_progress ORDER BY order_no, op_no';
// A local-time column (no zone), as legacy ERPs keep them, and how each dialect reads it back as text.
const REPORT_SQL = {
  mysql: 'CREATE TABLE mes_report (order_no VARCHAR(40) PRIMARY KEY, reported_at DATETIME(6) NOT NULL)',
  pg: 'CREATE TABLE mes_report (order_no VARCHAR(40) PRIMARY KEY, reported_at TIMESTAMP(6) NOT NULL)',
  sqlite: 'CREATE TABLE mes_report (order_no VARCHAR(40) PRIMARY KEY, reported_at DATETIME NOT NULL)',
};
const REPORT_SELECT = {
  mysql: 'SELECT order_no, CAST(reported_at AS CHAR) AS reported_at FROM mes_report ORDER BY order_no',
  pg: 'SELECT order_no, reported_at::text AS reported_at FROM mes_report ORDER BY order_no',
  sqlite: 'SELECT order_no, reported_at FROM mes_report ORDER BY order_no',
};

async function serverTarget(t: TestContext, kind: 'mysql' | 'pg'): Promise<Target | undefined> {
  const db: ThrowawayDatabase | undefined = await throwawayDatabase(t, kind);
  if (!db) return undefined;
  await db.admin(TABLE_SQL);
  await db.admin(REPORT_SQL[kind]);
  return {
    reports: () => db.admin(REPORT_SELECT[kind]),
    config: { client: kind, host: db.host, port: String(db.port), database: db.database, user: db.user },
    credentials: { password: db.password },
    rows: async () => (await db.admin(SELECT)).map((r) => ({ ...r, good_qty: String(r.good_qty) })),
    cleanup: () => db.drop(),
  };
}

function sqliteTarget(): Target {
  const dir = tempDir();
  const file = join(dir.path, 'erp.db');
  const seed = new Database(file);
  seed.exec(TABLE_SQL);
  seed.exec(REPORT_SQL.sqlite);
  seed.close();
  const read = (sql: string) => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare(sql).all() as Array<Record<string, unknown>>;
    } finally {
      db.close();
    }
  };
  return {
    reports: async () => read(REPORT_SELECT.sqlite),
    config: { client: 'sqlite', database: file },
    credentials: {},
    rows: async () => {
      const db = new Database(file, { readonly: true });
      try {
        return (db.prepare(SELECT).all() as Array<Record<string, unknown>>).map((r) => ({ ...r, good_qty: Number(r.good_qty).toFixed(3) }));
      } finally {
        db.close();
      }
    },
    cleanup: async () => dir.remove(),
  };
}

describe('legacy-db-write node', () => {
  before(async () => {
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
  });
  after(async () => {
    await helper.stopServer();
  });

  for (const kind of ['mysql', 'pg', 'sqlite'] as const) {
    it(`${kind}: upserts rows in batches and names the row of a refused batch, which is rolled back whole`, async (t) => {
      const target = kind === 'sqlite' ? sqliteTarget() : await serverTarget(t, kind);
      if (!target) return;
      t.after(() => target.cleanup());
      await helper.load(
        nodes,
        [
          { id: 'erp', type: 'legacy-db', name: 'ERP staging', ...target.config },
          { id: 'write', type: 'legacy-db-write', db: 'erp', table: 'mes_progress', keyColumns: 'order_no, op_no', batchSize: 2, duplicateKeys: 'fail', wires: [['out']] },
          { id: 'out', type: 'helper' },
          { id: 'catcher', type: 'catch', scope: ['write'], uncaught: false, wires: [['caught']] },
          { id: 'caught', type: 'helper' },
        ] as Array<Record<string, unknown>> as Parameters<typeof helper.load>[1],
        { erp: target.credentials },
      );
      const out: Array<{ written: { rows: number; batches: number } }> = [];
      const caught: Array<{ error: { message: string } }> = [];
      helper.getNode('out').on('input', (m: unknown) => out.push(m as (typeof out)[number]));
      helper.getNode('caught').on('input', (m: unknown) => caught.push(m as (typeof caught)[number]));
      const write = helper.getNode('write');

      const row = (order: string, op: string, qty: string, note: string | null) => ({ order_no: order, op_no: op, good_qty: qty, note });
      write.receive({ payload: [row('MO-1', '0010', '480.000', '挤出完成'), row('MO-1', '0020', '475.500', '组装 🏭'), row('MO-2', '0010', '12.000', '𠮷'), row('MO-2', '0020', '0.000', null), row('MO-3', '0010', '1.250', 'ok')] });
      await eventually(() => out.length === 1, 'the first write');
      assert.deepEqual(out[0].written, { table: 'mes_progress', rows: 5, batches: 3 });

      write.receive({ payload: [row('MO-1', '0020', '500.000', '组装完成'), row('MO-4', '0010', '9.000', 'new')] });
      await eventually(() => out.length === 2, 'the upsert');
      const afterUpsert = await target.rows();
      assert.equal(afterUpsert.length, 6);
      assert.deepEqual(
        afterUpsert.find((r) => r.order_no === 'MO-1' && r.op_no === '0020'),
        { order_no: 'MO-1', op_no: '0020', good_qty: '500.000', note: '组装完成' },
      );
      assert.equal(afterUpsert.find((r) => r.order_no === 'MO-2' && r.op_no === '0010')?.note, '𠮷');

      // Batch 2 holds a row the database refuses (NULL in a NOT NULL column): batch 1 is written, batch 2 not at all.
      write.receive({ payload: [row('MO-5', '0010', '1.000', 'a'), row('MO-5', '0020', '2.000', 'b'), row('MO-6', '0010', '3.000', 'c'), row('MO-6', '0020', null as unknown as string, 'd')] });
      await eventually(() => caught.length === 1, 'the refused batch');
      assert.match(caught[0].error.message, /batch 2 \(rows 3–4\) of mes_progress was not written: row 4 \(order_no = "MO-6", op_no = "0020"\) failed: .+; the 1 batch before it were written\./);
      const final = await target.rows();
      assert.ok(
        final.some((r) => r.order_no === 'MO-5' && r.op_no === '0020'),
        'batch 1 was committed',
      );
      assert.ok(!final.some((r) => r.order_no === 'MO-6'), 'no row of the refused batch was written');
    });
  }

  for (const kind of ['mysql', 'pg', 'sqlite'] as const) {
    it(`${kind}: writes ISO instants into a datetime column as the database's local time (Asia/Shanghai), fraction kept`, async (t) => {
      const target = kind === 'sqlite' ? sqliteTarget() : await serverTarget(t, kind);
      if (!target) return;
      t.after(() => target.cleanup());
      await helper.load(
        nodes,
        [
          { id: 'erp', type: 'legacy-db', name: 'ERP staging', ...target.config },
          { id: 'write', type: 'legacy-db-write', db: 'erp', table: 'mes_report', keyColumns: 'order_no', batchSize: 100, wires: [['out']] },
          { id: 'out', type: 'helper' },
        ] as Array<Record<string, unknown>> as Parameters<typeof helper.load>[1],
        { erp: target.credentials },
      );
      const out: unknown[] = [];
      helper.getNode('out').on('input', (m: unknown) => out.push(m));
      helper.getNode('write').receive({
        payload: [
          { order_no: 'MO-1', reported_at: '2026-11-22T00:30:00.123456Z' },
          { order_no: 'MO-2', reported_at: '2026-11-22T23:59:59+08:00' },
          { order_no: 'MO-3', reported_at: '2026-11-22 10:00:00' },
        ],
      });
      await eventually(() => out.length === 1, 'the write');
      const fraction = kind === 'mysql' ? '.000000' : ''; // how each database prints a whole second
      assert.deepEqual(
        (await target.reports()).map((r) => [r.order_no, r.reported_at]),
        [
          ['MO-1', '2026-11-22 08:30:00.123456'],
          ['MO-2', `2026-11-22 23:59:59${fraction}`],
          ['MO-3', `2026-11-22 10:00:00${fraction}`],
        ],
        'instants become Shanghai wall-clock time; text without a zone is written as it is',
      );
    });
  }

  it('refuses a payload that is not rows, naming it', async (t) => {
    const target = sqliteTarget();
    t.after(() => target.cleanup());
    await helper.load(nodes, [
      { id: 'erp', type: 'legacy-db', name: 'ERP staging', ...target.config },
      { id: 'write', type: 'legacy-db-write', db: 'erp', table: 'mes_progress', keyColumns: 'order_no, op_no', batchSize: 10, wires: [[]] },
      { id: 'catcher', type: 'catch', scope: ['write'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ] as Array<Record<string, unknown>> as Parameters<typeof helper.load>[1]);
    const caught: Array<{ error: { message: string } }> = [];
    helper.getNode('caught').on('input', (m: unknown) => caught.push(m as (typeof caught)[number]));
    helper.getNode('write').receive({ payload: [{ order_no: 'MO-1', op_no: '0010', good_qty: 1, note: 'x' }, 'oops'] });
    await eventually(() => caught.length === 1, 'the error');
    assert.match(caught[0].error.message, /msg\.payload\[1\] must be an object of column values, not "oops"/);
  });
});
