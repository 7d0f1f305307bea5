// The legacy-db connection on SQLite (a real file) and SQL Server: for SQL Server the SQL knex generates and the
// driver settings are checked here; a live test runs only when MSSQL_URL points at a server.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LegacyDbError, openLegacyDb, resolveLegacyDb } from '../../nodes/lib/legacy-db/connection';
import { tempDir } from '../support/temp';

async function rejection(promise: Promise<unknown>): Promise<LegacyDbError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof LegacyDbError, `expected a LegacyDbError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

describe('legacy-db connection on SQLite', () => {
  it('reads Chinese text, 4-byte UTF-8, decimals stored as text, datetimes and NULLs exactly as stored', async (t) => {
    const dir = tempDir();
    t.after(() => dir.remove());
    const file = join(dir.path, 'erp.db');
    const seed = new Database(file);
    seed.exec(`CREATE TABLE "tabWork Order" (name TEXT PRIMARY KEY, item_name TEXT, qty TEXT, modified TEXT, remark TEXT)`);
    seed.prepare(`INSERT INTO "tabWork Order" VALUES (?, ?, ?, ?, ?)`).run('MO-0001', '电机壳体 𠮷 🏭', '123456789012.123456', '2026-03-01 08:15:30.123456', null);
    seed.close();
    const db = openLegacyDb({ name: 'Demo ERP', client: 'sqlite', database: file });
    t.after(() => db.close());
    const rows = await db.query(`SELECT * FROM "tabWork Order"`);
    assert.deepEqual({ ...rows[0] }, { name: 'MO-0001', item_name: '电机壳体 𠮷 🏭', qty: '123456789012.123456', modified: '2026-03-01 08:15:30.123456', remark: null });
    const streamed = [];
    for await (const row of db.stream(`SELECT name FROM "tabWork Order" WHERE modified > ?`, ['2026-01-01'])) streamed.push(row.name);
    assert.deepEqual(streamed, ['MO-0001']);
    assert.equal(db.label, `legacy DB 'Demo ERP' (sqlite:${file})`);
  });

  it('writes go through bound values and a missing table is kind sql naming the table', async (t) => {
    const dir = tempDir();
    t.after(() => dir.remove());
    const file = join(dir.path, 'mes.db');
    new Database(file).close();
    const db = openLegacyDb({ client: 'sqlite', database: file });
    t.after(() => db.close());
    await db.query('CREATE TABLE mes_progress (order_no TEXT, good_qty TEXT)');
    assert.deepEqual(await db.query('INSERT INTO mes_progress VALUES (?, ?)', ["MO'1; DROP TABLE mes_progress", '10.5']), []);
    assert.deepEqual(await db.query('SELECT * FROM mes_progress'), [{ order_no: "MO'1; DROP TABLE mes_progress", good_qty: '10.5' }]);
    const err = await rejection(db.query('SELECT * FROM mes_progress_renamed'));
    assert.equal(err.kind, 'sql');
    assert.match(err.message, /^legacy DB \(sqlite:.+\): no such table: mes_progress_renamed/);
  });

  it('a database file that does not exist is kind unreachable and is not created', async (t) => {
    const dir = tempDir();
    t.after(() => dir.remove());
    const file = join(dir.path, 'missing.db');
    const states: string[] = [];
    const db = openLegacyDb({ name: 'Demo ERP', client: 'sqlite', database: file }, { onState: (s) => states.push(s) });
    t.after(() => db.close());
    const err = await rejection(db.ping());
    assert.equal(err.kind, 'unreachable');
    assert.equal(err.message, `legacy DB 'Demo ERP' (sqlite:${file}): cannot open the database file (no such file: ${file})`);
    assert.deepEqual(states, ['unreachable']);
  });
});

describe('legacy-db settings', () => {
  it('a connection string gives host, port, database and user; typed fields win over it', () => {
    const fromUrl = resolveLegacyDb({ client: 'mysql', connectionString: 'mysql://erp:s%40cret@10.1.2.3:3307/erp_prod?ssl=true', database: 'erp_test' });
    assert.deepEqual(
      { host: fromUrl.host, port: fromUrl.port, database: fromUrl.database, user: fromUrl.user, password: fromUrl.password, tls: fromUrl.tls },
      { host: '10.1.2.3', port: 3307, database: 'erp_test', user: 'erp', password: 's@cret', tls: { enabled: true } },
    );
    assert.equal(fromUrl.label, 'legacy DB (mysql://10.1.2.3:3307/erp_test)');
    const ado = resolveLegacyDb({ client: 'mssql', connectionString: 'Server=tcp:k3db.plant.local,1433;Initial Catalog=AIS2026;User Id=sa;Password=p;Encrypt=true;TrustServerCertificate=true' });
    assert.deepEqual(
      { host: ado.host, port: ado.port, database: ado.database, user: ado.user, tls: ado.tls, timeZone: ado.timeZone },
      { host: 'k3db.plant.local', port: 1433, database: 'AIS2026', user: 'sa', tls: { encrypt: true, trustServerCertificate: true }, timeZone: 'Asia/Shanghai' },
    );
  });

  it('an unknown time zone or client is a config error naming the setting', () => {
    assert.throws(
      () => openLegacyDb({ name: 'ERP', client: 'pg', timeZone: 'Mars/Olympus' }),
      (err: LegacyDbError) => err.kind === 'config' && /unknown time zone 'Mars\/Olympus'/.test(err.message),
    );
    assert.throws(() => openLegacyDb({ name: 'ERP', client: 'oracle' as 'pg' }), /legacy DB 'ERP': unknown client 'oracle'/);
  });
});

describe('legacy-db connection on SQL Server', () => {
  it('knex with client mssql builds the bracket-quoted keyset SELECT with @p placeholders', async (t) => {
    const db = openLegacyDb({ name: 'K3', client: 'mssql', host: 'k3db.plant.local', database: 'AIS2026', user: 'sa', password: 'p' });
    t.after(() => db.close());
    const sql = db
      .knex('dbo.tabWork Order')
      .select('FBillNo', 'FModifyDate')
      .where('FModifyDate', '>', '2026-03-01 08:00:00.000')
      .orWhere((b) => b.where('FModifyDate', '=', '2026-03-01 08:00:00.000').andWhere('FBillNo', '>', 'MO0001'))
      .orderBy(['FModifyDate', 'FBillNo'])
      .limit(500)
      .toSQL()
      .toNative();
    assert.equal(sql.sql, 'select top (@p0) [FBillNo], [FModifyDate] from [dbo].[tabWork Order] where [FModifyDate] > @p1 or ([FModifyDate] = @p2 and [FBillNo] > @p3) order by [FModifyDate] asc, [FBillNo] asc');
    assert.deepEqual(sql.bindings, [500, '2026-03-01 08:00:00.000', '2026-03-01 08:00:00.000', 'MO0001']);
  });

  it('tedious gets encrypt, trust-server-certificate, local times and both timeouts from the settings', async (t) => {
    const db = openLegacyDb({ client: 'mssql', host: 'k3db', port: 14330, database: 'AIS', user: 'sa', password: 'p', connectTimeoutMs: 4000, queryTimeoutMs: 9000, tls: { encrypt: true, trustServerCertificate: true } });
    t.after(() => db.close());
    const tedious = (db.knex.client as unknown as { _generateConnection(): { server: string; options: Record<string, unknown> } })._generateConnection();
    assert.equal(tedious.server, 'k3db');
    assert.deepEqual(
      {
        port: tedious.options.port,
        database: tedious.options.database,
        encrypt: tedious.options.encrypt,
        trust: tedious.options.trustServerCertificate,
        useUTC: tedious.options.useUTC,
        connect: tedious.options.connectTimeout,
        request: tedious.options.requestTimeout,
      },
      { port: 14330, database: 'AIS', encrypt: true, trust: true, useUTC: false, connect: 4000, request: 9000 },
    );
  });

  it('a live SQL Server round-trips Chinese text and datetime text (runs when MSSQL_URL is set)', async (t) => {
    const url = process.env.MSSQL_URL;
    if (!url) {
      t.skip('MSSQL_URL is not set (e.g. mssql://sa:Passw0rd@127.0.0.1:1433/master?encrypt=false)');
      return;
    }
    const db = openLegacyDb({ name: 'SQL Server', client: 'mssql', connectionString: url, tls: { trustServerCertificate: true } });
    t.after(() => db.close());
    await db.ping();
    const rows = await db.query(`SELECT CAST(? AS NVARCHAR(100)) AS item_name, CAST('2026-03-01T08:15:30.123' AS DATETIME2(3)) AS modified, CAST(NULL AS INT) AS missing`, ['电机壳体 𠮷']);
    assert.deepEqual(rows, [{ item_name: '电机壳体 𠮷', modified: '2026-03-01 08:15:30.123', missing: null }]);
  });
});
