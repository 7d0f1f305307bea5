// A throwaway database per test on the machine's MariaDB or PostgreSQL, dropped when the test is done.
// Addresses come from MARIADB_URL / POSTGRES_URL. A missing server skips the test with the reason, except
// when CI=true: there it fails, so a broken CI machine cannot pass by skipping.
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import mysql from 'mysql2/promise';

// pg ships no types here; this is the little of it the fixture uses.
interface PgClientLike {
  connect(): Promise<void>;
  query(sql: string, bindings?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
}
const { Client: PgClient } = require('pg') as { Client: new (config: object) => PgClientLike };

export type ServerKind = 'mysql' | 'pg';

export interface ThrowawayDatabase {
  kind: ServerKind;
  host: string;
  port: number;
  user: string;
  password: string;
  /** The new database's name (random suffix). */
  database: string;
  /** URL of the new database, for connection-string tests. */
  url: string;
  /** Runs SQL as the admin on the new database, outside the code under test (setup, KILL, pg_terminate_backend). */
  admin(sql: string, bindings?: unknown[]): Promise<Record<string, unknown>[]>;
  drop(): Promise<void>;
}

export const mariadbUrl = () => process.env.MARIADB_URL || 'mysql://root@127.0.0.1:3306';
export const postgresUrl = () => process.env.POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

function parts(url: string, defaultPort: number) {
  const u = new URL(url);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : defaultPort,
    user: decodeURIComponent(u.username || ''),
    password: decodeURIComponent(u.password || ''),
  };
}

/** Resolves with a fresh database, or undefined after t.skip() when the server is absent (and CI is not set). */
export async function throwawayDatabase(t: TestContext, kind: ServerKind): Promise<ThrowawayDatabase | undefined> {
  const url = kind === 'mysql' ? mariadbUrl() : postgresUrl();
  const server = parts(url, kind === 'mysql' ? 3306 : 5432);
  const database = `legacy_test_${randomBytes(5).toString('hex')}`;
  try {
    return kind === 'mysql' ? await mariadb(server, database) : await postgres(server, database, url);
  } catch (err) {
    const reason = `${kind === 'mysql' ? 'MariaDB' : 'PostgreSQL'} at ${server.host}:${server.port} (${kind === 'mysql' ? 'MARIADB_URL' : 'POSTGRES_URL'}) is not available: ${(err as Error).message}`;
    if (process.env.CI === 'true') throw new Error(`${reason}. CI=true requires this server.`, { cause: err });
    t.skip(reason);
    return undefined;
  }
}

async function mariadb(server: ReturnType<typeof parts>, database: string): Promise<ThrowawayDatabase> {
  const root = await mysql.createConnection({ ...server, connectTimeout: 3000 });
  try {
    await root.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await root.end();
  }
  const admin = await mysql.createConnection({ ...server, database, charset: 'UTF8MB4_UNICODE_CI', dateStrings: true, multipleStatements: true });
  return {
    kind: 'mysql',
    ...server,
    database,
    url: `mysql://${encodeURIComponent(server.user)}${server.password ? ':' + encodeURIComponent(server.password) : ''}@${server.host}:${server.port}/${database}`,
    admin: async (sql, bindings = []) => {
      const [rows] = await admin.query(sql, bindings);
      return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
    },
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await admin.end();
    },
  };
}

async function postgres(server: ReturnType<typeof parts>, database: string, url: string): Promise<ThrowawayDatabase> {
  const maintenance = new URL(url).pathname.replace(/^\//, '') || 'postgres';
  const root = new PgClient({ ...server, database: maintenance, connectionTimeoutMillis: 3000 });
  await root.connect();
  try {
    await root.query(`CREATE DATABASE "${database}" ENCODING 'UTF8' TEMPLATE template0`);
  } finally {
    await root.end();
  }
  const admin = new PgClient({ ...server, database });
  await admin.connect();
  return {
    kind: 'pg',
    ...server,
    database,
    url: `postgres://${encodeURIComponent(server.user)}${server.password ? ':' + encodeURIComponent(server.password) : ''}@${server.host}:${server.port}/${database}`,
    admin: async (sql, bindings = []) => (await admin.query(sql, bindings)).rows,
    drop: async () => {
      await admin.end();
      const again = new PgClient({ ...server, database: maintenance });
      await again.connect();
      try {
        await again.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      } finally {
        await again.end();
      }
    },
  };
}
