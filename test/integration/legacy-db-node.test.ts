// The legacy-db config node inside a real Node-RED runtime: it opens one shared pool from its settings and
// credentials (or environment variables), tells its users when the server drops a connection and when it is
// back, and destroys the pool when the flow stops or its last user has gone.
import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import helper from 'node-red-node-test-helper';
import type { Node } from 'node-red';
import type { LegacyDbError } from '../../nodes/lib/legacy-db/connection';
import type { LegacyDbNode, LegacyDbStateEvent } from '../../nodes/legacy-db/types';
import { throwawayDatabase } from '../support/databases';
import { eventually, tempDir } from '../support/temp';

helper.init(require.resolve('node-red'));
const legacyDbNode = require('../../nodes/legacy-db/legacy-db');
/** The helper's flow type knows only the common node fields. */
const flowOf = (...nodes: Record<string, unknown>[]) => nodes as unknown as Parameters<typeof helper.load>[1];

describe('legacy-db config node', () => {
  before(async () => {
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
  });
  after(async () => {
    await helper.stopServer();
  });

  it('opens one shared pool on a SQLite file and destroys it when the flow stops', async (t) => {
    const dir = tempDir();
    t.after(() => dir.remove());
    const file = join(dir.path, 'erp.db');
    const seed = new Database(file);
    seed.exec(`CREATE TABLE prod_order (order_no TEXT, material TEXT); INSERT INTO prod_order VALUES ('MO-1', '铝合金外壳')`);
    seed.close();
    await helper.load(legacyDbNode, flowOf({ id: 'erp', type: 'legacy-db', name: 'Demo ERP', client: 'sqlite', database: file }));
    const config = helper.getNode('erp') as unknown as LegacyDbNode;
    const db = config.db();
    assert.equal(config.db(), db, 'every user gets the same pool');
    assert.deepEqual(await db.query('SELECT * FROM prod_order'), [{ order_no: 'MO-1', material: '铝合金外壳' }]);
    assert.equal(config.title, `legacy DB 'Demo ERP' (sqlite:${file})`);
    assert.equal(config.state, 'connected');
    await helper.unload();
    await assert.rejects(db.query('SELECT 1'), /pool is closed/);
  });

  it('the pool is destroyed when the last registered user deregisters, and reopened on next use', async (t) => {
    const dir = tempDir();
    t.after(() => dir.remove());
    const file = join(dir.path, 'erp.db');
    new Database(file).close();
    await helper.load(legacyDbNode, flowOf({ id: 'erp', type: 'legacy-db', client: 'sqlite', database: file }));
    const config = helper.getNode('erp') as unknown as LegacyDbNode;
    const poller = { id: 'poller' } as Node;
    const writer = { id: 'writer' } as Node;
    config.register(poller);
    config.register(writer);
    const first = config.db();
    await first.ping();
    await config.deregister(poller);
    await first.ping();
    await config.deregister(writer);
    await assert.rejects(first.ping(), /pool is closed/);
    const second = config.db();
    assert.notEqual(second, first);
    await second.ping();
  });

  it('a missing password environment variable is a config error naming the variable; a set one is used', async (t) => {
    const env = await throwawayDatabase(t, 'mysql');
    if (!env) return;
    t.after(() => env.drop());
    process.env.LEGACY_DB_TEST_USER = env.user;
    t.after(() => {
      delete process.env.LEGACY_DB_TEST_USER;
      delete process.env.LEGACY_DB_TEST_PASSWORD;
    });
    const flow = flowOf({
      id: 'erp',
      type: 'legacy-db',
      name: 'ERP-SQL',
      client: 'mysql',
      host: env.host,
      port: String(env.port),
      database: env.database,
      user: 'LEGACY_DB_TEST_USER',
      userType: 'env',
      passwordEnv: 'LEGACY_DB_TEST_PASSWORD',
    });
    await helper.load(legacyDbNode, flow, { erp: { password: 'stored-but-overridden' } });
    const config = helper.getNode('erp') as unknown as LegacyDbNode;
    assert.throws(
      () => config.db(),
      (err: LegacyDbError) => err.kind === 'config' && err.message === "legacy DB 'ERP-SQL': the environment variable LEGACY_DB_TEST_PASSWORD for the password is not set",
    );
    process.env.LEGACY_DB_TEST_PASSWORD = 'wrong-password';
    await helper.unload();
    await helper.load(legacyDbNode, flow, { erp: { password: env.password } });
    const reloaded = helper.getNode('erp') as unknown as LegacyDbNode;
    await assert.rejects(reloaded.db().ping(), (err: LegacyDbError) => err.kind === 'auth' && /^legacy DB 'ERP-SQL' \(mysql:\/\/.+\): access denied/.test(err.message));
  });

  it('a connection string in the credentials is enough to connect', async (t) => {
    const env = await throwawayDatabase(t, 'pg');
    if (!env) return;
    t.after(() => env.drop());
    await helper.load(legacyDbNode, flowOf({ id: 'erp', type: 'legacy-db', name: 'ERP-PG', client: 'pg', host: '', database: '' }), { erp: { connectionString: env.url } });
    const config = helper.getNode('erp') as unknown as LegacyDbNode;
    await config.db().ping();
    assert.equal(config.title, `legacy DB 'ERP-PG' (postgres://${env.host}:${env.port}/${env.database})`);
  });

  it("emits 'state' dropped when the server kills a connection mid-query, then connected on the next query", async (t) => {
    const env = await throwawayDatabase(t, 'mysql');
    if (!env) return;
    t.after(() => env.drop());
    await helper.load(legacyDbNode, flowOf({ id: 'erp', type: 'legacy-db', name: 'ERP-SQL', client: 'mysql', host: env.host, port: String(env.port), database: env.database, user: env.user }), {
      erp: { password: env.password },
    });
    const config = helper.getNode('erp') as unknown as LegacyDbNode;
    const events: LegacyDbStateEvent[] = [];
    const listener = (event: LegacyDbStateEvent) => events.push(event);
    const emitter = config as unknown as EventEmitter;
    emitter.on('state', listener);
    t.after(() => emitter.removeListener('state', listener));
    // Handle the rejection from the start: it may arrive while the KILL is still being awaited.
    const slow = assert.rejects(config.db().query('SELECT SLEEP(20) AS node_state_probe'), (err: LegacyDbError) => err.kind === 'dropped');
    const rows = await eventually(async () => {
      const found = await env.admin(`SELECT id FROM information_schema.processlist WHERE info LIKE '%node_state_probe%' AND info NOT LIKE '%processlist%'`);
      return found.length ? found : undefined;
    }, 'the slow query on the server');
    await env.admin(`KILL ${Number(rows[0].id)}`);
    await slow;
    assert.equal(config.state, 'dropped');
    await config.db().query('SELECT 1');
    assert.deepEqual(
      events.map((e) => e.state),
      ['dropped', 'connected'],
    );
    assert.match(events[0].error!.message, /^legacy DB 'ERP-SQL' \(mysql:\/\/.+\): the connection was dropped/);
  });

  it('"Test connection" answers the error sentence for a database file that does not exist', async () => {
    await helper.load(legacyDbNode, []);
    const response = await helper
      .request()
      .post('/legacy-db/test')
      .send({ settings: { name: 'Demo ERP', client: 'sqlite', database: '/nonexistent/erp.db' } })
      .expect(200);
    assert.deepEqual(response.body, {
      ok: false,
      kind: 'unreachable',
      error: "legacy DB 'Demo ERP' (sqlite:/nonexistent/erp.db): cannot open the database file (no such file: /nonexistent/erp.db)",
    });
  });
});
