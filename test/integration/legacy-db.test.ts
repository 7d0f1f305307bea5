// The legacy-db connection against the machine's real MariaDB and PostgreSQL: text, decimals and datetimes
// come back exactly as stored; every failure is one sentence naming the database with a kind; a connection
// the server kills fails that one query and the next query works by itself.
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { type LegacyDb, LegacyDbError, type LegacyDbState, openLegacyDb } from '../../nodes/lib/legacy-db/connection';
import { type ServerKind, type ThrowawayDatabase, throwawayDatabase } from '../support/databases';
import { eventually } from '../support/temp';

const servers: { kind: ServerKind; name: string }[] = [
  { kind: 'mysql', name: 'MariaDB' },
  { kind: 'pg', name: 'PostgreSQL' },
];

/** Opens our pool on a throwaway database; both are closed/dropped when the test ends. */
async function setUp(t: TestContext, kind: ServerKind, states: LegacyDbState[] = []): Promise<{ db: LegacyDb; fixture: ThrowawayDatabase } | undefined> {
  const fixture = await throwawayDatabase(t, kind);
  if (!fixture) return undefined;
  const db = openLegacyDb({ name: 'ERP-SQL', client: kind, host: fixture.host, port: fixture.port, user: fixture.user, password: fixture.password, database: fixture.database, poolSize: 2 }, { onState: (state) => states.push(state) });
  t.after(async () => {
    await db.close();
    await fixture.drop();
  });
  return { db, fixture };
}

async function rejection(promise: Promise<unknown>): Promise<LegacyDbError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof LegacyDbError, `expected a LegacyDbError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The server-side id of our session running `marker`, seen from the admin connection. */
async function sessionRunning(fixture: ThrowawayDatabase, marker: string): Promise<number> {
  const sql =
    fixture.kind === 'mysql' ? `SELECT id FROM information_schema.processlist WHERE info LIKE ? AND info NOT LIKE '%processlist%'` : `SELECT pid AS id FROM pg_stat_activity WHERE query LIKE $1 AND query NOT LIKE '%pg_stat_activity%'`;
  const rows = await eventually(async () => {
    const found = await fixture.admin(sql, [`%${marker}%`]);
    return found.length > 0 ? found : undefined;
  }, `the session running ${marker}`);
  return Number(rows[0].id);
}

async function kill(fixture: ThrowawayDatabase, id: number): Promise<void> {
  await fixture.admin(fixture.kind === 'mysql' ? `KILL ${id}` : 'SELECT pg_terminate_backend($1)', fixture.kind === 'mysql' ? [] : [id]);
}

/** Our sessions on the throwaway database, not counting the fixture's admin connection. */
async function ourSessions(fixture: ThrowawayDatabase): Promise<number> {
  const rows =
    fixture.kind === 'mysql'
      ? await fixture.admin('SELECT count(*) AS n FROM information_schema.processlist WHERE db = ? AND id <> connection_id()', [fixture.database])
      : await fixture.admin('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [fixture.database]);
  return Number(rows[0].n);
}

const tableSql: Record<ServerKind, string> = {
  mysql: `CREATE TABLE erp_order (order_no VARCHAR(40) PRIMARY KEY, material_name VARCHAR(200), qty DECIMAL(18,6), planned_start DATETIME(6), modified TIMESTAMP(6) NULL, remark TEXT)`,
  pg: `CREATE TABLE erp_order (order_no VARCHAR(40) PRIMARY KEY, material_name VARCHAR(200), qty NUMERIC(18,6), planned_start TIMESTAMP(6), modified TIMESTAMPTZ(6), remark TEXT)`,
};

for (const { kind, name } of servers) {
  describe(`legacy-db connection on ${name}`, () => {
    it('connects, answers a ping and reports the state connected', async (t) => {
      const states: LegacyDbState[] = [];
      const env = await setUp(t, kind, states);
      if (!env) return;
      await env.db.ping();
      assert.deepEqual(states, ['connected']);
      assert.equal(env.db.label, `legacy DB 'ERP-SQL' (${kind === 'mysql' ? 'mysql' : 'postgres'}://${env.fixture.host}:${env.fixture.port}/${env.fixture.database})`);
    });

    it('round-trips Chinese text, 4-byte UTF-8, DECIMAL(18,6) and microsecond datetimes exactly, and NULLs', async (t) => {
      const env = await setUp(t, kind);
      if (!env) return;
      await env.fixture.admin(tableSql[kind]);
      const text = '不锈钢管 Φ25×2 — 𠮷野家 🏭✅';
      await env.db.query('INSERT INTO erp_order (order_no, material_name, qty, planned_start, modified, remark) VALUES (?, ?, ?, ?, ?, ?)', [
        'MO-2026-0001',
        text,
        '123456789012.123456',
        '2026-03-01 08:15:30.123456',
        '2026-03-01 08:15:30.654321',
        null,
      ]);
      await env.db.query('INSERT INTO erp_order (order_no) VALUES (?)', ['MO-2026-0002']);
      const rows = await env.db.query('SELECT * FROM erp_order ORDER BY order_no');
      assert.equal(rows[0].material_name, text);
      assert.equal(rows[0].qty, '123456789012.123456');
      assert.equal(rows[0].planned_start, '2026-03-01 08:15:30.123456');
      // timestamptz is printed in the legacy DB's zone (Asia/Shanghai), so the plant's local text comes back.
      assert.equal(rows[0].modified, kind === 'mysql' ? '2026-03-01 08:15:30.654321' : '2026-03-01 08:15:30.654321+08');
      assert.equal(rows[0].remark, null);
      assert.deepEqual({ ...rows[1] }, { order_no: 'MO-2026-0002', material_name: null, qty: null, planned_start: null, modified: null, remark: null });
    });

    it('streams an ordered query in batches, and the pool works after a reader stops early', async (t) => {
      const env = await setUp(t, kind);
      if (!env) return;
      await env.fixture.admin('CREATE TABLE op (seq INT PRIMARY KEY, work_centre VARCHAR(20))');
      const values = Array.from({ length: 250 }, (_, i) => `(${i + 1}, '工作中心${i % 7}')`).join(',');
      await env.fixture.admin(`INSERT INTO op VALUES ${values}`);
      const seen: number[] = [];
      for await (const row of env.db.stream('SELECT seq, work_centre FROM op WHERE seq > ? ORDER BY seq', [50], { batchSize: 40 })) seen.push(Number(row.seq));
      assert.deepEqual(
        seen,
        Array.from({ length: 200 }, (_, i) => i + 51),
      );
      for await (const row of env.db.stream('SELECT seq FROM op ORDER BY seq', [], { batchSize: 10 })) if (Number(row.seq) >= 5) break;
      // count(*) is a BIGINT: text on both servers, so large counts never lose digits.
      assert.deepEqual(await env.db.query('SELECT count(*) AS n FROM op'), [{ n: '250' }]);
    });

    it('a missing table is kind sql and the sentence names the database and the table', async (t) => {
      const env = await setUp(t, kind);
      if (!env) return;
      const err = await rejection(env.db.query('SELECT * FROM tab_missing_order'));
      assert.equal(err.kind, 'sql');
      assert.match(err.message, /^legacy DB 'ERP-SQL' \(.+\): .*tab_missing_order/);
    });

    it('refused credentials are kind auth and the sentence names the database', async (t) => {
      const env = await setUp(t, kind);
      if (!env) return;
      // The local PostgreSQL trusts every password, so an unknown role stands in for a wrong password there.
      const db = openLegacyDb({
        name: 'ERP-SQL',
        client: kind,
        host: env.fixture.host,
        port: env.fixture.port,
        database: env.fixture.database,
        user: kind === 'mysql' ? env.fixture.user : 'no_such_erp_user',
        password: 'wrong-password',
      });
      t.after(() => db.close());
      const err = await rejection(db.ping());
      assert.equal(err.kind, 'auth');
      assert.match(err.message, new RegExp(`^legacy DB 'ERP-SQL' \\(.+/${env.fixture.database}\\): access denied`));
    });

    it('an unknown database is named in the sentence', async (t) => {
      const env = await setUp(t, kind);
      if (!env) return;
      const db = openLegacyDb({ name: 'ERP-SQL', client: kind, host: env.fixture.host, port: env.fixture.port, user: env.fixture.user, password: env.fixture.password, database: 'erp_does_not_exist' });
      t.after(() => db.close());
      const err = await rejection(db.query('SELECT 1'));
      assert.equal(err.kind, 'unreachable');
      assert.match(err.message, /unknown database 'erp_does_not_exist'/);
    });

    it('a closed port is kind unreachable: "connection refused", and the state says unreachable', async (t) => {
      const port = await closedPort();
      const states: LegacyDbState[] = [];
      const db = openLegacyDb({ name: 'ERP-SQL', client: kind, host: '127.0.0.1', port, database: 'erp', user: 'erp' }, { onState: (s) => states.push(s) });
      t.after(() => db.close());
      const err = await rejection(db.query('SELECT 1'));
      assert.equal(err.kind, 'unreachable');
      assert.equal(err.message, `legacy DB 'ERP-SQL' (${kind === 'mysql' ? 'mysql' : 'postgres'}://127.0.0.1:${port}/erp): connection refused`);
      assert.deepEqual(states, ['unreachable']);
    });

    it('a query past the query timeout is cancelled as kind timeout and the pool keeps working', async (t) => {
      const env = await throwawayDatabase(t, kind);
      if (!env) return;
      const db = openLegacyDb({ name: 'ERP-SQL', client: kind, host: env.host, port: env.port, user: env.user, password: env.password, database: env.database, queryTimeoutMs: 300 });
      t.after(async () => {
        await db.close();
        await env.drop();
      });
      const err = await rejection(db.query(kind === 'mysql' ? 'SELECT SLEEP(10)' : 'SELECT pg_sleep(10)'));
      assert.equal(err.kind, 'timeout');
      assert.match(err.message, /^legacy DB 'ERP-SQL' \(.+\): the query timed out/);
      assert.deepEqual(await db.query('SELECT 1 AS ok'), [{ ok: 1 }]);
    });

    it('a connection killed by the server mid-query fails that query as dropped, and the next query works by itself', async (t) => {
      const states: LegacyDbState[] = [];
      const env = await setUp(t, kind, states);
      if (!env) return;
      const marker = `slow_plan_read_${kind}`;
      const slow = env.db.query(kind === 'mysql' ? `SELECT SLEEP(20) AS ${marker}` : `SELECT pg_sleep(20) AS ${marker}`);
      const failed = rejection(slow);
      await kill(env.fixture, await sessionRunning(env.fixture, marker));
      const err = await failed;
      assert.equal(err.kind, 'dropped');
      assert.match(err.message, /^legacy DB 'ERP-SQL' \(.+\): the connection was dropped/);
      assert.deepEqual(await env.db.query('SELECT 1 AS ok'), [{ ok: 1 }]);
      assert.deepEqual(states, ['dropped', 'connected']);
    });

    it('pooled connections killed while idle are replaced without an error', async (t) => {
      const env = await setUp(t, kind);
      if (!env) return;
      await env.db.query('SELECT 1 AS warm');
      const ids =
        kind === 'mysql'
          ? await env.fixture.admin('SELECT id FROM information_schema.processlist WHERE db = ? AND id <> connection_id()', [env.fixture.database])
          : await env.fixture.admin('SELECT pid AS id FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [env.fixture.database]);
      assert.ok(ids.length > 0, 'the pool holds an idle connection');
      for (const { id } of ids) await kill(env.fixture, Number(id));
      await eventually(async () => (await ourSessions(env.fixture)) === 0, 'the killed sessions to be gone');
      assert.deepEqual(await env.db.query('SELECT 1 AS ok'), [{ ok: 1 }]);
    });

    it('close() ends every pooled connection and leaves no socket open', async (t) => {
      const env = await setUp(t, kind);
      if (!env) return;
      const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
      const before = sockets();
      await Promise.all([env.db.query('SELECT 1'), env.db.query('SELECT 2')]);
      assert.ok(sockets() > before, 'the pool opened connections');
      await env.db.close();
      // At most as many as before: a socket of an earlier test (the previous one kills sessions) may end meanwhile.
      assert.ok(sockets() <= before, `${sockets()} sockets open after close(), ${before} before the pool opened any`);
      await eventually(async () => (await ourSessions(env.fixture)) === 0, 'the server to see our sessions end');
      await env.db.close();
      const err = await rejection(env.db.query('SELECT 1'));
      assert.match(err.message, /pool is closed/);
    });
  });
}
