// The table poller against the machine's real MariaDB and PostgreSQL (a throwaway database per test):
// microsecond watermarks across pages and polls, and a connection the server kills in the middle of a
// poll (the poll fails as 'dropped', the cursor stays at the last delivered page, the next poll delivers
// the rest once without a new pool).
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type LegacyDb, LegacyDbError, openLegacyDb } from '../../nodes/lib/legacy-db/connection';
import { compareWatermarks } from '../../nodes/lib/legacy-db/delivered-window';
import { type PolledPage, TablePoller } from '../../nodes/lib/legacy-db/poller';
import { SqliteStore } from '../../nodes/lib/stores/sqlite-store';
import { type ServerKind, type ThrowawayDatabase, throwawayDatabase } from '../support/databases';
import { tempDir } from '../support/temp';

const servers: { kind: ServerKind; name: string; datetime: string }[] = [
  { kind: 'mysql', name: 'MariaDB', datetime: 'datetime(6)' },
  { kind: 'pg', name: 'PostgreSQL', datetime: 'timestamp(6)' },
];

interface Env {
  fixture: ThrowawayDatabase;
  db: LegacyDb;
  store: SqliteStore;
}

async function setUp(t: TestContext, kind: ServerKind, datetime: string): Promise<Env | undefined> {
  const fixture = await throwawayDatabase(t, kind);
  if (!fixture) return undefined;
  const dir = tempDir('legacy-poller-int-');
  const db = openLegacyDb({ name: 'ERP', client: kind, host: fixture.host, port: fixture.port, user: fixture.user, password: fixture.password, database: fixture.database, poolSize: 2 });
  const store = new SqliteStore(join(dir.path, 'bridge.db'));
  t.after(async () => {
    await db.close();
    await store.close();
    await fixture.drop();
    dir.remove();
  });
  await fixture.admin(`CREATE TABLE prd_order (order_no varchar(40) NOT NULL, modified ${datetime} NOT NULL, pad varchar(300), PRIMARY KEY (order_no))`);
  await fixture.admin('CREATE INDEX prd_order_modified ON prd_order (modified, order_no)');
  return { fixture, db, store };
}

/** Inserts rows (order_no, modified) with the admin connection, outside the code under test. */
async function insertRows(env: Env, rows: Array<[string, string]>): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    const placeholders = chunk.map((_, j) => (env.fixture.kind === 'mysql' ? '(?, ?)' : `($${2 * j + 1}, $${2 * j + 2})`)).join(', ');
    await env.fixture.admin(`INSERT INTO prd_order (order_no, modified) VALUES ${placeholders}`, chunk.flat());
  }
}

const keysOf = (pages: PolledPage[]) => pages.flatMap((p) => p.rows.map((r) => String(r.order_no)));

for (const server of servers) {
  describe(`TablePoller on ${server.name}`, () => {
    it(`reads ${server.datetime} watermarks with microseconds across pages and polls, no row skipped or repeated`, async (t) => {
      const env = await setUp(t, server.kind, server.datetime);
      if (!env) return;
      // Groups of 3 rows one microsecond apart: a cursor cut to milliseconds would repeat or skip them.
      const rows: Array<[string, string]> = [];
      for (let i = 0; i < 60; i++)
        rows.push([
          `PO-${String(i).padStart(3, '0')}`,
          `2026-11-20 08:30:00.${String(100001 + Math.floor(i / 3))
            .slice(1)
            .padStart(6, '0')}`,
        ]);
      await insertRows(env, rows);
      const poller = new TablePoller({ db: env.db, store: env.store, stateKey: 'p1', table: 'prd_order', columns: ['order_no', 'modified'], watermarkColumn: 'modified', keyColumn: 'order_no', pageSize: 7 });
      const pages: PolledPage[] = [];
      const first = await poller.poll((page) => {
        pages.push(page);
      });
      assert.equal(first.pages, 9);
      assert.deepEqual(
        keysOf(pages),
        rows.map(([key]) => key),
      );
      // PostgreSQL writes the fraction without trailing zeros ('.00002'): the same instant, kept as the server wrote it.
      assert.equal(first.cursor?.key, 'PO-059');
      assert.equal(compareWatermarks(first.cursor?.watermark ?? '', '2026-11-20 08:30:00.000020'), 0, `cursor watermark ${String(first.cursor?.watermark)}`);
      assert.equal(pages[0].rows[0].modified, '2026-11-20T00:30:00.000001Z');
      // One microsecond after the cursor, and the cursor's own microsecond with a later key: both new.
      await insertRows(env, [
        ['PO-060', '2026-11-20 08:30:00.000021'],
        ['PO-0595', '2026-11-20 08:30:00.000020'],
      ]);
      const later: PolledPage[] = [];
      await poller.poll((page) => {
        later.push(page);
      });
      assert.deepEqual(keysOf(later), ['PO-0595', 'PO-060']);
      const none = await poller.poll(() => assert.fail('nothing is new'));
      assert.equal(none.rows, 0);
    });

    // The timeout only turns a hung stream (a killed connection the driver never reports) into a failure.
    it('fails the poll as dropped when the server kills the connection mid-poll, keeps the cursor, and delivers the rest once on the next poll', { timeout: 30_000 }, async (t) => {
      const env = await setUp(t, server.kind, server.datetime);
      if (!env) return;
      // Enough bytes that the result cannot sit whole in socket buffers when the kill comes.
      const total = 20_000;
      const sql =
        server.kind === 'mysql'
          ? `INSERT INTO prd_order (order_no, modified, pad) WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${total})
             SELECT CONCAT('PO-', LPAD(n, 6, '0')), TIMESTAMPADD(MICROSECOND, n, '2026-11-20 08:00:00'), REPEAT('x', 300) FROM seq`
          : `INSERT INTO prd_order (order_no, modified, pad) SELECT 'PO-' || LPAD(n::text, 6, '0'), TIMESTAMP '2026-11-20 08:00:00' + n * INTERVAL '1 microsecond', REPEAT('x', 300) FROM generate_series(1, ${total}) AS n`;
      if (server.kind === 'mysql') await env.fixture.admin(`SET SESSION max_recursive_iterations = ${total + 1}`);
      await env.fixture.admin(sql);
      const poller = new TablePoller({ db: env.db, store: env.store, stateKey: 'p1', table: 'prd_order', watermarkColumn: 'modified', keyColumn: 'order_no', pageSize: 100 });
      const seen: string[] = [];
      let lastEmitted: PolledPage | undefined;
      let killed = false;
      const failure = await poller
        .poll(async (page) => {
          seen.push(...page.rows.map((r) => String(r.order_no)));
          lastEmitted = page;
          if (killed) return;
          killed = true;
          const sessions =
            server.kind === 'mysql'
              ? await env.fixture.admin('SELECT id FROM information_schema.processlist WHERE db = ? AND id <> connection_id()', [env.fixture.database])
              : await env.fixture.admin('SELECT pid AS id FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [env.fixture.database]);
          assert.ok(sessions.length > 0, 'the poll has a session on the server');
          for (const s of sessions) await env.fixture.admin(server.kind === 'mysql' ? `KILL ${Number(s.id)}` : 'SELECT pg_terminate_backend($1)', server.kind === 'mysql' ? [] : [s.id]);
        })
        .then(
          () => assert.fail('the poll should fail when its connection is killed'),
          (err: unknown) => err,
        );
      assert.ok(failure instanceof LegacyDbError, `expected a LegacyDbError, got ${String(failure)}`);
      assert.equal(failure.kind, 'dropped');
      assert.ok(seen.length < total, 'the kill came before the whole table was read');
      assert.deepEqual(await poller.cursor(), lastEmitted?.cursor, 'the cursor stays at the last delivered page');
      const before = seen.length;
      const rest = await poller.poll((page) => {
        seen.push(...page.rows.map((r) => String(r.order_no)));
      });
      assert.equal(rest.rows, total - before);
      assert.equal(seen.length, total);
      assert.equal(new Set(seen).size, total);
      assert.deepEqual(seen, [...seen].sort());
    });
  });
}
