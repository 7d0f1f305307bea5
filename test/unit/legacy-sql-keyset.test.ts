import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import knexFactory, { type Knex } from 'knex';
import Database from 'better-sqlite3';
import { checkFilter, cursorOf, keysetQuery, watermarkMinusMinutes, type KeysetCursor } from '../../nodes/lib/legacy-db/keyset';
import { DeliveredWindow } from '../../nodes/lib/legacy-db/delivered-window';

const base = { table: 'erp."tabWork Order"', columns: ['name', 'qty'], watermarkColumn: 'modified', keyColumn: 'name' } as const;
const after: KeysetCursor = { watermark: '2026-11-20 08:30:00.123456', key: 'PO-0042' };

describe('keyset SELECT per dialect', () => {
  it('first page: no predicate, ordered by watermark then key, limit bound', () => {
    assert.deepEqual(keysetQuery({ ...base, dialect: 'mysql', pageSize: 500 }), {
      sql: 'SELECT `name`, `qty`, `modified` FROM `erp`.`tabWork Order` ORDER BY `modified`, `name` LIMIT ?',
      bindings: [500],
    });
    assert.deepEqual(keysetQuery({ ...base, dialect: 'mssql', pageSize: 500 }), {
      sql: 'SELECT TOP (?) [name], [qty], [modified] FROM [erp].[tabWork Order] ORDER BY [modified], [name]',
      bindings: [500],
    });
  });

  it('later page: expanded predicate for mysql, mssql and sqlite with every value bound', () => {
    assert.deepEqual(keysetQuery({ ...base, dialect: 'mysql', after, pageSize: 1000 }), {
      sql: 'SELECT `name`, `qty`, `modified` FROM `erp`.`tabWork Order` WHERE (`modified` > ? OR (`modified` = ? AND `name` > ?)) ORDER BY `modified`, `name` LIMIT ?',
      bindings: [after.watermark, after.watermark, 'PO-0042', 1000],
    });
    assert.deepEqual(keysetQuery({ ...base, dialect: 'mssql', after, pageSize: 1000 }), {
      sql: 'SELECT TOP (?) [name], [qty], [modified] FROM [erp].[tabWork Order] WHERE ([modified] > ? OR ([modified] = ? AND [name] > ?)) ORDER BY [modified], [name]',
      bindings: [1000, after.watermark, after.watermark, 'PO-0042'],
    });
    assert.deepEqual(keysetQuery({ ...base, dialect: 'sqlite', after, pageSize: 1000 }), {
      sql: 'SELECT "name", "qty", "modified" FROM "erp"."tabWork Order" WHERE ("modified" > ? OR ("modified" = ? AND "name" > ?)) ORDER BY "modified", "name" LIMIT ?',
      bindings: [after.watermark, after.watermark, 'PO-0042', 1000],
    });
  });

  it('later page: row-value predicate for pg, which uses its index for it', () => {
    assert.deepEqual(keysetQuery({ ...base, dialect: 'pg', after, pageSize: 1000 }), {
      sql: 'SELECT "name", "qty", "modified" FROM "erp"."tabWork Order" WHERE ("modified", "name") > (?, ?) ORDER BY "modified", "name" LIMIT ?',
      bindings: [after.watermark, 'PO-0042', 1000],
    });
  });

  it('streaming: no limit, one ordered query; no columns reads *', () => {
    assert.deepEqual(keysetQuery({ dialect: 'pg', table: '生产订单', watermarkColumn: '修改时间', keyColumn: '订单号', after }), {
      sql: 'SELECT * FROM "生产订单" WHERE ("修改时间", "订单号") > (?, ?) ORDER BY "修改时间", "订单号"',
      bindings: [after.watermark, 'PO-0042'],
    });
  });

  it('with a filter: parenthesised after the keyset predicate, its values bound after the cursor values', () => {
    const filter = { sql: 'status = ? OR plant = ?', bindings: ['released', '1000'] };
    assert.deepEqual(keysetQuery({ ...base, dialect: 'mssql', after, filter, pageSize: 10 }), {
      sql: 'SELECT TOP (?) [name], [qty], [modified] FROM [erp].[tabWork Order] WHERE ([modified] > ? OR ([modified] = ? AND [name] > ?)) AND (status = ? OR plant = ?) ORDER BY [modified], [name]',
      bindings: [10, after.watermark, after.watermark, 'PO-0042', 'released', '1000'],
    });
  });

  it('with look-back: watermark >= lower bound, then the keyset predicate of the page', () => {
    assert.deepEqual(keysetQuery({ ...base, dialect: 'mysql', watermarkFrom: '2026-11-20 08:20:00.123456', pageSize: 100 }), {
      sql: 'SELECT `name`, `qty`, `modified` FROM `erp`.`tabWork Order` WHERE `modified` >= ? ORDER BY `modified`, `name` LIMIT ?',
      bindings: ['2026-11-20 08:20:00.123456', 100],
    });
    assert.deepEqual(keysetQuery({ ...base, dialect: 'pg', watermarkFrom: '2026-11-20 08:20:00', after, filter: { sql: 'plant = ?', bindings: ['1000'] } }), {
      sql: 'SELECT "name", "qty", "modified" FROM "erp"."tabWork Order" WHERE "modified" >= ? AND ("modified", "name") > (?, ?) AND (plant = ?) ORDER BY "modified", "name"',
      bindings: ['2026-11-20 08:20:00', after.watermark, 'PO-0042', '1000'],
    });
  });

  it('knex turns the statement into SQL Server placeholders in binding order', () => {
    const knex = knexFactory({ client: 'mssql' });
    const statement = keysetQuery({ ...base, dialect: 'mssql', after, pageSize: 5 });
    const native = knex
      .raw(statement.sql, statement.bindings as Knex.RawBinding[])
      .toSQL()
      .toNative();
    assert.equal(native.sql, 'SELECT TOP (@p0) [name], [qty], [modified] FROM [erp].[tabWork Order] WHERE ([modified] > @p1 OR ([modified] = @p2 AND [name] > @p3)) ORDER BY [modified], [name]');
    assert.deepEqual(native.bindings, [5, after.watermark, after.watermark, 'PO-0042']);
  });

  it('refuses a bad table, a key equal to the watermark, a bad page size and a bad cursor value', () => {
    assert.throws(() => keysetQuery({ ...base, dialect: 'pg', table: 'orders;--' }), /The table name 'orders;--' is refused/);
    assert.throws(() => keysetQuery({ ...base, dialect: 'pg', keyColumn: 'modified' }), /both 'modified'/);
    assert.throws(() => keysetQuery({ ...base, dialect: 'pg', pageSize: 0 }), /page size must be a whole number of rows above 0 \(got 0\)/);
    assert.throws(() => keysetQuery({ ...base, dialect: 'pg', after: { watermark: NaN, key: 1 } }), /watermark of the cursor must be a string or a finite number/);
  });
});

describe('keyset filter check', () => {
  it('accepts a condition whose placeholders match its values, with # and -- inside quotes', () => {
    checkFilter({ sql: "`status#` = ? AND note <> '--x;'", bindings: ['R'] });
  });
  it('refuses a second statement, comments, ?? and a placeholder count mismatch', () => {
    assert.throws(() => checkFilter({ sql: 'a = 1; DELETE FROM t' }), /The filter 'a = 1; DELETE FROM t' contains ';'/);
    assert.throws(() => checkFilter({ sql: 'a = 1 -- x' }), /contains a comment marker/);
    assert.throws(() => checkFilter({ sql: 'a = 1 # x' }), /contains a comment marker/);
    assert.throws(() => checkFilter({ sql: '?? = ?', bindings: [1] }), /contains \?\? or/);
    assert.throws(() => checkFilter({ sql: 'a = ? AND b = ?', bindings: [1] }), /has 2 \? placeholder\(s\) but 1 value\(s\) were given/);
  });
});

describe('keyset helpers', () => {
  it('cursorOf takes watermark and key from a row and refuses a NULL watermark', () => {
    assert.deepEqual(cursorOf({ name: 'PO-1', modified: '2026-11-20 08:30:00.000001' }, 'modified', '"name"'), { watermark: '2026-11-20 08:30:00.000001', key: 'PO-1' });
    assert.deepEqual(cursorOf({ id: 12n, ver: 7 }, 'ver', 'id'), { watermark: 7, key: '12' });
    assert.throws(() => cursorOf({ name: 'PO-1', modified: null }, 'modified', 'name'), /no value in the watermark column 'modified' \(key "PO-1"\)/);
  });

  it('watermarkMinusMinutes moves a datetime text back and keeps its shape and fraction', () => {
    assert.equal(watermarkMinusMinutes('2026-11-20 00:05:00.123456', 10), '2026-11-19 23:55:00.123456');
    assert.equal(watermarkMinusMinutes('2026-03-01T00:00:00', 1), '2026-02-28T23:59:00');
    assert.throws(() => watermarkMinusMinutes(42, 10), /needs a datetime watermark/);
  });
});

describe('keyset queries run on a real SQLite table', () => {
  let db: Database.Database | undefined;
  afterEach(() => db?.close());

  function table(rows: Array<[string, string]>): Database.Database {
    db = new Database(':memory:');
    db.exec('CREATE TABLE "tabWork Order" (name TEXT PRIMARY KEY, modified TEXT NOT NULL, qty TEXT)');
    const insert = db.prepare('INSERT INTO "tabWork Order" (name, modified, qty) VALUES (?, ?, ?)');
    for (const [name, modified] of rows) insert.run(name, modified, '1.000');
    return db;
  }

  function readAll(database: Database.Database, pageSize: number, start?: KeysetCursor): string[] {
    const seen: string[] = [];
    let cursor = start;
    for (;;) {
      const q = keysetQuery({ dialect: 'sqlite', table: 'tabWork Order', columns: ['name'], watermarkColumn: 'modified', keyColumn: 'name', after: cursor, pageSize });
      const rows = database.prepare(q.sql).all(...(q.bindings as string[])) as Array<Record<string, unknown>>;
      seen.push(...rows.map((r) => String(r.name)));
      if (rows.length < pageSize) return seen;
      cursor = cursorOf(rows[rows.length - 1], 'modified', 'name');
    }
  }

  it('many rows sharing one watermark across page boundaries are each read once, in order', () => {
    const rows: Array<[string, string]> = [];
    for (let i = 0; i < 23; i++) rows.push([`PO-${String(i).padStart(3, '0')}`, '2026-11-20 08:00:00.000000']);
    rows.push(['PO-900', '2026-11-20 07:59:59.999999'], ['PO-001b', '2026-11-20 08:00:00.000001']);
    const database = table(rows);
    const seen = readAll(database, 5);
    assert.equal(seen.length, 25);
    assert.equal(new Set(seen).size, 25);
    assert.equal(seen[0], 'PO-900');
    assert.equal(seen[24], 'PO-001b');
  });

  it('a row updated after the cursor is read again, once; rows not changed are not', () => {
    const database = table([
      ['PO-1', '2026-11-20 08:00:00.000000'],
      ['PO-2', '2026-11-20 08:00:01.000000'],
    ]);
    const first = readAll(database, 10);
    assert.deepEqual(first, ['PO-1', 'PO-2']);
    database.prepare('UPDATE "tabWork Order" SET modified = ? WHERE name = ?').run('2026-11-20 08:05:00.000000', 'PO-1');
    assert.deepEqual(readAll(database, 10, { watermark: '2026-11-20 08:00:01.000000', key: 'PO-2' }), ['PO-1']);
  });

  it('look-back: a row committed late below the watermark is delivered once, rows delivered before are dropped', () => {
    const database = table([
      ['PO-1', '2026-11-20 08:00:00.000000'],
      ['PO-2', '2026-11-20 08:10:00.000000'],
    ]);
    const window = new DeliveredWindow();
    const deliver = (committed: string | undefined): string[] => {
      const q = keysetQuery({ dialect: 'sqlite', table: 'tabWork Order', watermarkColumn: 'modified', keyColumn: 'name', watermarkFrom: committed && watermarkMinusMinutes(committed, 30) });
      const rows = database.prepare(q.sql).all(...(q.bindings as string[])) as Array<{ name: string; modified: string }>;
      const fresh = rows.filter((r) => !window.has(r.name, r.modified));
      for (const r of fresh) window.add(r.name, r.modified);
      return fresh.map((r) => r.name);
    };
    assert.deepEqual(deliver(undefined), ['PO-1', 'PO-2']);
    // A long ERP transaction commits a row stamped before the last delivered one.
    database.prepare('INSERT INTO "tabWork Order" (name, modified) VALUES (?, ?)').run('PO-LATE', '2026-11-20 08:05:00.000000');
    assert.deepEqual(deliver('2026-11-20 08:10:00.000000'), ['PO-LATE']);
    assert.deepEqual(deliver('2026-11-20 08:10:00.000000'), []);
  });
});
