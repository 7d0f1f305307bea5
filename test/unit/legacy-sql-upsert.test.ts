import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import knexFactory, { type Knex } from 'knex';
import Database from 'better-sqlite3';
import { maxRowsPerStatement, upsertStatement, type UpsertOptions } from '../../nodes/lib/legacy-db/upsert';

const rows = [
  { order_no: 'PO-1', op: 10, good_qty: '12.500', status: '完工' },
  { order_no: 'PO-2', op: 10, good_qty: '3.000', status: null },
];
const base = { table: 'mes.progress', keyColumns: ['order_no', 'op'] } as const;
const bindings = ['PO-1', 10, '12.500', '完工', 'PO-2', 10, '3.000', null];

describe('upsert SQL per dialect', () => {
  it('mysql: INSERT … ON DUPLICATE KEY UPDATE with VALUES()', () => {
    assert.deepEqual(upsertStatement({ ...base, dialect: 'mysql' }, rows), {
      sql: 'INSERT INTO `mes`.`progress` (`order_no`, `op`, `good_qty`, `status`) VALUES (?, ?, ?, ?), (?, ?, ?, ?) ON DUPLICATE KEY UPDATE `good_qty` = VALUES(`good_qty`), `status` = VALUES(`status`)',
      bindings,
    });
  });

  it('pg and sqlite: INSERT … ON CONFLICT (key) DO UPDATE SET … = EXCLUDED.…', () => {
    const expected = 'INSERT INTO "mes"."progress" ("order_no", "op", "good_qty", "status") VALUES (?, ?, ?, ?), (?, ?, ?, ?) ON CONFLICT ("order_no", "op") DO UPDATE SET "good_qty" = EXCLUDED."good_qty", "status" = EXCLUDED."status"';
    assert.deepEqual(upsertStatement({ ...base, dialect: 'pg' }, rows), { sql: expected, bindings });
    assert.deepEqual(upsertStatement({ ...base, dialect: 'sqlite' }, rows), { sql: expected, bindings });
  });

  it('mssql: MERGE … WITH (HOLDLOCK) … ending in a semicolon, placeholders numbered by knex', () => {
    const statement = upsertStatement({ ...base, dialect: 'mssql' }, rows);
    assert.deepEqual(statement, {
      sql:
        'MERGE INTO [mes].[progress] WITH (HOLDLOCK) AS [target] USING (VALUES (?, ?, ?, ?), (?, ?, ?, ?)) AS [source] ([order_no], [op], [good_qty], [status]) ' +
        'ON [target].[order_no] = [source].[order_no] AND [target].[op] = [source].[op] ' +
        'WHEN MATCHED THEN UPDATE SET [target].[good_qty] = [source].[good_qty], [target].[status] = [source].[status] ' +
        'WHEN NOT MATCHED THEN INSERT ([order_no], [op], [good_qty], [status]) VALUES ([source].[order_no], [source].[op], [source].[good_qty], [source].[status]);',
      bindings,
    });
    const native = knexFactory({ client: 'mssql' })
      .raw(statement.sql, statement.bindings as Knex.RawBinding[])
      .toSQL()
      .toNative();
    assert.match(native.sql, /USING \(VALUES \(@p0, @p1, @p2, @p3\), \(@p4, @p5, @p6, @p7\)\)/);
  });

  it('only key columns: nothing to update, existing rows are left alone', () => {
    const keysOnly = [{ order_no: 'PO-1', op: 10 }];
    assert.match(upsertStatement({ ...base, dialect: 'pg' }, keysOnly).sql, /ON CONFLICT \("order_no", "op"\) DO NOTHING$/);
    assert.match(upsertStatement({ ...base, dialect: 'mysql' }, keysOnly).sql, /ON DUPLICATE KEY UPDATE `order_no` = `order_no`$/);
    assert.doesNotMatch(upsertStatement({ ...base, dialect: 'mssql' }, keysOnly).sql, /WHEN MATCHED/);
  });

  it('updateColumns limits what an existing row gets overwritten with', () => {
    assert.match(upsertStatement({ ...base, dialect: 'pg', updateColumns: ['good_qty'] }, rows).sql, /DO UPDATE SET "good_qty" = EXCLUDED\."good_qty"$/);
  });
});

describe('upsert refuses a bad batch, naming the row', () => {
  const pg: UpsertOptions = { ...base, dialect: 'pg' };
  it('a row without a column, with an extra column, with a NULL key or an object value', () => {
    assert.throws(() => upsertStatement(pg, [rows[0], { order_no: 'PO-3', op: 10, good_qty: '1' }]), /row 2 \(order_no = "PO-3", op = 10\) has no value for 'status' \(use null to write NULL into mes\.progress\)/);
    assert.throws(() => upsertStatement(pg, [rows[0], { ...rows[1], colour: 'red' }]), /row 2 \(order_no = "PO-2", op = 10\) has the column 'colour', which is not among the columns written/);
    assert.throws(() => upsertStatement(pg, [{ ...rows[0], op: null }]), /row 1 .* has NULL in the key column 'op' of mes\.progress/);
    assert.throws(() => upsertStatement(pg, [{ ...rows[0], status: { a: 1 } }]), /row 1 .*: 'status' is object, which cannot be written/);
  });

  it('two rows with one key fail by default; keep-last writes the later one', () => {
    const twice = [rows[0], rows[1], { ...rows[0], good_qty: '13.000' }];
    assert.throws(() => upsertStatement(pg, twice), /Rows 1 and 3 of the batch for mes\.progress have the same key \(order_no = "PO-1", op = 10\)/);
    const kept = upsertStatement({ ...pg, duplicateKeys: 'keep-last' }, twice);
    assert.deepEqual(kept.bindings, ['PO-2', 10, '3.000', null, 'PO-1', 10, '13.000', '完工']);
  });

  it('bad names, no rows, no key, a key not written, too many values for one statement', () => {
    assert.throws(() => upsertStatement({ ...pg, table: 'progress; drop' }, rows), /The table name 'progress; drop' is refused/);
    assert.throws(() => upsertStatement(pg, []), /The batch for mes\.progress has no rows to write/);
    assert.throws(() => upsertStatement({ ...pg, keyColumns: [] }, rows), /No key column is set for mes\.progress/);
    assert.throws(() => upsertStatement({ ...pg, keyColumns: ['line'] }, rows), /The key column 'line' is not among the columns written/);
    const many = Array.from({ length: 501 }, (_, i) => ({ order_no: `PO-${i}`, op: 10, good_qty: '1', status: null }));
    assert.equal(maxRowsPerStatement('mssql', 4), 500);
    assert.throws(() => upsertStatement({ ...pg, dialect: 'mssql' }, many), /needs 2004 bound values; mssql takes at most 2000: send at most 500 rows per statement/);
  });
});

describe('upsert runs on a real SQLite table', () => {
  let db: Database.Database | undefined;
  afterEach(() => db?.close());

  it('inserts new rows and updates existing ones on the composite key, Chinese text intact', () => {
    db = new Database(':memory:');
    db.exec('CREATE TABLE "MES 进度" (order_no TEXT, op INTEGER, good_qty TEXT, status TEXT, PRIMARY KEY (order_no, op))');
    const run = (batch: typeof rows) => {
      const s = upsertStatement({ dialect: 'sqlite', table: 'MES 进度', keyColumns: ['order_no', 'op'] }, batch);
      db!.prepare(s.sql).run(...(s.bindings as unknown[]));
    };
    run(rows);
    run([
      { order_no: 'PO-1', op: 10, good_qty: '14.000', status: '已关闭 😀' },
      { order_no: 'PO-1', op: 20, good_qty: '1.000', status: null },
    ]);
    assert.deepEqual(db.prepare('SELECT * FROM "MES 进度" ORDER BY order_no, op').all(), [
      { order_no: 'PO-1', op: 10, good_qty: '14.000', status: '已关闭 😀' },
      { order_no: 'PO-1', op: 20, good_qty: '1.000', status: null },
      { order_no: 'PO-2', op: 10, good_qty: '3.000', status: null },
    ]);
  });
});
