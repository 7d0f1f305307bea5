import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { legacyDbOptions } from '../../nodes/lib/legacy-db/connection-settings';
import { columnKindOf, columnKindsFrom, columnTypesQuery, flowRow, flowValue, isLocalDatetimeType, legacyDatetimeToIso, toLegacyDatetime } from '../../nodes/lib/legacy-db/values';

describe('legacy datetimes become ISO instants', () => {
  it('a naive datetime is wall-clock time in the database zone (default Asia/Shanghai), microseconds kept', () => {
    assert.equal(legacyDatetimeToIso('2026-11-20 08:30:00.123456'), '2026-11-20T00:30:00.123456Z');
    assert.equal(legacyDatetimeToIso('2026-11-20 08:30:00'), '2026-11-20T00:30:00Z');
    assert.equal(legacyDatetimeToIso('2026-11-20 08:30:00.123456', 'Asia/Shanghai', 'iso-local'), '2026-11-20T08:30:00.123456+08:00');
    assert.equal(legacyDatetimeToIso('2026-07-01 12:00:00.5', 'Europe/Berlin'), '2026-07-01T10:00:00.5Z');
  });

  it('a datetime with an offset (timestamptz, datetimeoffset) keeps its own offset', () => {
    assert.equal(legacyDatetimeToIso('2026-11-20 08:30:00.123456+08'), '2026-11-20T00:30:00.123456Z');
    assert.equal(legacyDatetimeToIso('2026-11-20 08:30:00.1234567 +01:00', 'Asia/Shanghai'), '2026-11-20T07:30:00.1234567Z');
    assert.equal(legacyDatetimeToIso('2026-11-20 00:30:00+0000', 'Asia/Shanghai', 'iso-local'), '2026-11-20T08:30:00+08:00');
  });

  it('refuses text that is not a datetime, naming it', () => {
    assert.throws(() => legacyDatetimeToIso('20.11.2026'), /'20\.11\.2026' is not a datetime as the database writes it/);
  });
});

describe('driver values as flows get them', () => {
  it('decimals stay text by default and become numbers when asked', () => {
    assert.equal(flowValue('12345678901234.567890', 'decimal'), '12345678901234.567890');
    assert.equal(flowValue('12.500', 'decimal', { decimals: 'number' }), 12.5);
    assert.equal(flowValue(12.5, 'decimal', { decimals: 'string' }), '12.5');
  });

  it('integers become numbers unless they do not fit a double', () => {
    assert.equal(flowValue('42', 'integer'), 42);
    assert.equal(flowValue('9007199254740993', 'integer'), '9007199254740993');
    assert.equal(flowValue(9007199254740993n, undefined), '9007199254740993');
  });

  it('Buffer becomes base64, NULL stays null, a Date stays its instant', () => {
    assert.equal(flowValue(Buffer.from([0, 1, 254, 255]), 'binary'), 'AAH+/w==');
    assert.equal(flowValue(null, 'decimal'), null);
    assert.equal(flowValue(undefined, undefined), null);
    assert.equal(flowValue(new Date('2026-11-20T00:30:00.123Z'), 'datetime'), '2026-11-20T00:30:00.123Z');
  });

  it('text columns are never reinterpreted; unknown columns shaped like a datetime are converted unless told not to', () => {
    assert.equal(flowValue('2026-11-20 08:30:00', 'text'), '2026-11-20 08:30:00');
    assert.equal(flowValue('2026-11-20 08:30:00', undefined), '2026-11-20T00:30:00Z');
    assert.equal(flowValue('2026-11-20 08:30:00', undefined, { detectDatetimes: false }), '2026-11-20 08:30:00');
    assert.equal(flowValue('2026-11-20 08:30:00', 'datetime', { datetimes: 'text' }), '2026-11-20 08:30:00');
    assert.equal(flowValue('000123', undefined), '000123');
    assert.equal(flowValue('2026-11-20', 'date'), '2026-11-20');
  });

  it('flowRow converts a whole row into a new object and leaves the driver row (the cursor) untouched', () => {
    const row = { 订单号: 'PO-1', 物料: '钢板 😀', qty: '12.500', modified: '2026-11-20 08:30:00.000001', note: null, photo: Buffer.from('hi') };
    const out = flowRow(row, { decimals: 'number', timeZone: 'UTC', columnKinds: { qty: 'decimal', modified: 'datetime' } });
    assert.deepEqual(out, { 订单号: 'PO-1', 物料: '钢板 😀', qty: 12.5, modified: '2026-11-20T08:30:00.000001Z', note: null, photo: 'aGk=' });
    assert.equal(row.modified, '2026-11-20 08:30:00.000001');
  });

  it('refuses a time zone that does not exist', () => {
    assert.throws(() => flowRow({ a: 1 }, { timeZone: 'Mars/Olympus' }), /'Mars\/Olympus' is not a time zone/);
  });
});

describe('column kinds', () => {
  it('maps the type names of every dialect', () => {
    const cases: Array<[string, string]> = [
      ['decimal', 'decimal'],
      ['numeric(18,6)', 'decimal'],
      ['money', 'decimal'],
      ['bigint', 'integer'],
      ['INTEGER', 'integer'],
      ['datetime2', 'datetime'],
      ['timestamp without time zone', 'datetime'],
      ['datetimeoffset', 'datetime'],
      ['date', 'date'],
      ['varbinary', 'binary'],
      ['bytea', 'binary'],
      ['nvarchar', 'text'],
      ['character varying', 'text'],
      ['bit', 'other'],
    ];
    for (const [type, kind] of cases) assert.equal(columnKindOf(type), kind, type);
  });

  it('columnTypesQuery binds the table name and defaults the schema', () => {
    assert.deepEqual(columnTypesQuery('pg', 'erp."tabWork Order"').bindings, ['erp', 'tabWork Order']);
    assert.deepEqual(columnTypesQuery('mysql', '生产订单').bindings, [null, '生产订单']);
    assert.match(columnTypesQuery('mssql', 'ERP.dbo.PRD_ORDER').sql, /FROM \[ERP\]\.INFORMATION_SCHEMA\.COLUMNS WHERE TABLE_SCHEMA = COALESCE\(\?, SCHEMA_NAME\(\)\)/);
    assert.throws(() => columnTypesQuery('pg', 'x;y'), /The table name 'x;y' is refused/);
  });

  let db: Database.Database | undefined;
  afterEach(() => db?.close());
  it('on a real SQLite table, columnTypesQuery + columnKindsFrom give the kinds', () => {
    db = new Database(':memory:');
    db.exec('CREATE TABLE "生产订单" ("订单号" TEXT, qty NUMERIC(18,3), modified DATETIME, photo BLOB)');
    const q = columnTypesQuery('sqlite', '生产订单');
    const kinds = columnKindsFrom(db.prepare(q.sql).all(...(q.bindings as unknown[])) as Array<Record<string, unknown>>);
    assert.deepEqual(kinds, { 订单号: 'text', qty: 'decimal', modified: 'datetime', photo: 'binary' });
  });
});

describe('instants written back into a legacy database', () => {
  it('become wall-clock text in the database zone, fraction digits kept; other values pass unchanged', () => {
    assert.equal(toLegacyDatetime('2026-11-20T00:30:00.123456Z'), '2026-11-20 08:30:00.123456');
    assert.equal(toLegacyDatetime('2026-11-20T08:30:00+08:00'), '2026-11-20 08:30:00');
    assert.equal(toLegacyDatetime('2026-07-01T10:00:00.5Z', 'Europe/Berlin'), '2026-07-01 12:00:00.5');
    assert.equal(toLegacyDatetime(new Date('2026-11-20T00:30:00.250Z')), '2026-11-20 08:30:00.250');
    assert.equal(toLegacyDatetime('2026-11-20 08:30:00'), '2026-11-20 08:30:00');
    assert.equal(toLegacyDatetime('MO-1'), 'MO-1');
    assert.equal(toLegacyDatetime(42), 42);
  });

  it('only for column types without a zone', () => {
    for (const t of ['datetime', 'DATETIME(6)', 'datetime2', 'smalldatetime', 'timestamp', 'timestamp without time zone']) assert.ok(isLocalDatetimeType(t), t);
    for (const t of ['timestamp with time zone', 'timestamptz', 'datetimeoffset', 'date', 'varchar']) assert.ok(!isLocalDatetimeType(t), t);
  });
});

describe('legacy-db settings', () => {
  it('a SQLite database ignores user and password variables that a flow for every dialect names', () => {
    const env = () => undefined;
    const o = legacyDbOptions({ client: 'sqlite', database: '/tmp/erp.db', user: 'LEGACY_ERP_DB_USER', userType: 'env', passwordEnv: 'LEGACY_ERP_DB_PASSWORD' }, {}, env);
    assert.equal(o.user, undefined);
    assert.equal(o.password, undefined);
    assert.throws(() => legacyDbOptions({ client: 'mysql', user: 'LEGACY_ERP_DB_USER', userType: 'env' }, {}, env), /the environment variable LEGACY_ERP_DB_USER for the user name is not set/);
  });
});
