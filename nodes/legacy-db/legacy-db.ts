// Config node: one legacy ERP database (SQL Server, MySQL/MariaDB, PostgreSQL, SQLite) and its connection pool,
// shared by the pollers and writers that use it. It tells them when the connection drops or comes back
// ('state' events), and destroys the pool when its last user has gone or the flow stops.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { type LegacyDb, LegacyDbError, type LegacyDbState, legacyDbClients, openLegacyDb } from '../lib/legacy-db/connection';
import { type LegacyDbSecrets, type LegacyDbSettings, legacyDbOptions } from '../lib/legacy-db/connection-settings';
import type { LegacyDbNode, LegacyDbStateEvent } from './types';

type LegacyDbDef = NodeDef & LegacyDbSettings;

export = function register(RED: NodeAPI): void {
  function LegacyDbConfig(this: LegacyDbNode, config: LegacyDbDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    node.dialect = legacyDbClients.includes(config.client as never) ? config.client! : 'mysql';
    node.title = config.name ? `legacy DB '${config.name}'` : 'legacy DB';
    node.state = undefined;

    const users = new Set<string>();
    let pool: LegacyDb | undefined;
    let closing: Promise<void> | undefined;

    const env = (name: string) => {
      // Flow and group env count too, as everywhere in Node-RED.
      const value = RED.util.evaluateNodeProperty(name, 'env', node, {});
      return value === undefined || value === '' ? undefined : String(value);
    };

    node.db = () => {
      if (pool) return pool;
      try {
        const options = legacyDbOptions(config, (node.credentials ?? {}) as LegacyDbSecrets, env);
        pool = openLegacyDb(options, {
          onState: (state: LegacyDbState, error?: LegacyDbError) => {
            node.state = state;
            if (error && state !== 'connected') node.warn(error.message);
            node.emit('state', { state, error } satisfies LegacyDbStateEvent);
          },
          warn: (message) => node.debug(message),
        });
        node.title = pool.label;
        return pool;
      } catch (err) {
        const error = err instanceof LegacyDbError ? err : new LegacyDbError(`${node.title}: ${(err as Error).message}`, 'config');
        node.error(error.message);
        throw error;
      }
    };

    async function destroyPool(): Promise<void> {
      const closingPool = pool;
      pool = undefined;
      node.state = undefined;
      if (closingPool) await closingPool.close();
    }

    node.register = (user: Node) => {
      users.add(user.id);
    };

    node.deregister = async (user: Node) => {
      users.delete(user.id);
      if (users.size === 0) await destroyPool();
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      closing ??= destroyPool().catch((err) => node.warn(`${node.title}: closing the connection pool failed: ${(err as Error).message}`));
      closing.then(
        () => done(),
        () => done(),
      );
    });
  }

  // "Test connection": ping with the settings in the dialog (saved or not); answers the error sentence on failure.
  RED.httpAdmin.post('/legacy-db/test', RED.auth.needsPermission('legacy-db.write'), async (req, res) => {
    const { id, settings, credentials } = (req.body ?? {}) as { id?: string; settings?: LegacyDbSettings; credentials?: LegacyDbSecrets };
    const saved = ((id && RED.nodes.getCredentials(id)) || {}) as LegacyDbSecrets;
    // The editor sends "__PWRD__" for a secret it did not change.
    const secret = (typed: string | undefined, stored: string | undefined) => (typed && typed !== '__PWRD__' ? typed : stored);
    let db: LegacyDb | undefined;
    try {
      db = openLegacyDb(legacyDbOptions(settings ?? {}, { password: secret(credentials?.password, saved.password), connectionString: secret(credentials?.connectionString, saved.connectionString) }, (name) => process.env[name]));
      await db.ping();
      res.json({ ok: true, label: db.label });
    } catch (err) {
      res.json({ ok: false, kind: (err as LegacyDbError).kind ?? 'config', error: (err as Error).message });
    } finally {
      await db?.close().catch(() => undefined);
    }
  });

  RED.nodes.registerType('legacy-db', LegacyDbConfig as unknown as Parameters<NodeAPI['nodes']['registerType']>[1], {
    credentials: {
      password: { type: 'password' },
      connectionString: { type: 'password' },
    },
  });
};
