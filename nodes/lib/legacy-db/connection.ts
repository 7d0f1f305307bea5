// A live connection pool to a legacy ERP database (SQL Server, MySQL/MariaDB, PostgreSQL, SQLite) through knex.
// Every failure becomes a LegacyDbError naming the database and its kind; a connection the server killed is
// dropped from the pool, so the next query works without a redeploy.
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import knexFactory, { type Knex } from 'knex';
import { hasPackage, missingPackageMessage } from '../optional-package';
import { type LegacyDbClient, type LegacyDbOptions, type ResolvedLegacyDb, knexConfig, resolveLegacyDb } from './connection-config';
import { LegacyDbError, type Phase, diedBeforeSend, legacyDbError } from './connection-errors';
import { type Row, streamRowBatches } from './connection-stream';

export { type LegacyDbClient, type LegacyDbOptions, type LegacyDbTls, legacyDbClients, resolveLegacyDb } from './connection-config';
export { LegacyDbError, type LegacyDbErrorKind } from './connection-errors';
export type { Row } from './connection-stream';

export type LegacyDbState = 'connected' | 'dropped' | 'unreachable';

export interface LegacyDbHooks {
  /** Called when the pool's health changes (first success, a dropped connection, an unreachable server). */
  onState?: (state: LegacyDbState, error?: LegacyDbError) => void;
  /** knex's own warnings (a disposed connection being replaced…). */
  warn?: (message: string) => void;
}

export interface StreamOptions {
  /** Rows fetched from the server at a time (default 1000). */
  batchSize?: number;
}

export interface LegacyDb {
  readonly knex: Knex;
  readonly dialect: LegacyDbClient;
  /** "legacy DB 'ERP-SQL' (mysql://127.0.0.1:3306/erp)": for messages; never holds the password. */
  readonly label: string;
  /** The IANA zone the database stores local times in. */
  readonly timeZone: string;
  readonly state: LegacyDbState | undefined;
  /** Runs one statement with ? placeholders and bound values; resolves with its rows (an empty array for writes). */
  query<T extends Row = Row>(sql: string, bindings?: readonly unknown[]): Promise<T[]>;
  /** Streams one statement's rows in order without holding them all; break out of the loop to stop early. */
  stream(sql: string, bindings?: readonly unknown[], options?: StreamOptions): AsyncGenerator<Row>;
  /** stream(), as batches of the rows that arrived together (at most about batchSize): for large reads. */
  streamBatches(sql: string, bindings?: readonly unknown[], options?: StreamOptions): AsyncGenerator<Row[]>;
  /** Runs a trivial statement: resolves when the database answers, rejects with a LegacyDbError otherwise. */
  ping(): Promise<void>;
  /** Destroys the pool; safe to call twice. */
  close(): Promise<void>;
}

type RawConnection = { __knex__disposed?: unknown; [key: string]: unknown };

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** tedious with useUTC off builds a Date from the wall-clock value; give the ERP's text back. */
function wallClock(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

function datesAsText(row: Row): Row {
  for (const key of Object.keys(row)) if (row[key] instanceof Date) row[key] = wallClock(row[key] as Date);
  return row;
}

function rowsOf(dialect: LegacyDbClient, result: unknown): Row[] {
  switch (dialect) {
    case 'mysql':
      // mysql2 answers [rows, fields]; a write answers a ResultSetHeader instead of rows.
      return Array.isArray((result as unknown[])[0]) ? ((result as unknown[])[0] as Row[]) : [];
    case 'pg':
      return ((result as { rows?: Row[] }).rows ?? []) as Row[];
    case 'mssql':
      return Array.isArray(result) ? (result as Row[]).map(datesAsText) : [];
    case 'sqlite':
      return Array.isArray(result) ? (result as Row[]) : [];
  }
}

/** The npm package knex needs for each client; all but better-sqlite3 are optional peers of the pack. */
const DRIVER_PACKAGES: Record<LegacyDbClient, string> = { mssql: 'tedious', mysql: 'mysql2', pg: 'pg', sqlite: 'better-sqlite3' };

export function openLegacyDb(options: LegacyDbOptions, hooks: LegacyDbHooks = {}): LegacyDb {
  let settings: ResolvedLegacyDb;
  try {
    settings = resolveLegacyDb(options);
  } catch (err) {
    throw new LegacyDbError((err as Error).message, 'config', undefined, err);
  }
  // knex loads the driver lazily and would fail on the first query with "run npm install …"; say it at deploy.
  const driver = DRIVER_PACKAGES[settings.client];
  if (!hasPackage(driver)) throw new LegacyDbError(missingPackageMessage(driver, `${settings.label} (a ${settings.client} legacy database)`), 'config');
  const warn = hooks.warn ?? (() => undefined);
  const sockets = new Set<Socket>();
  const knex = knexFactory({
    ...knexConfig(settings, (connection) => {
      const socket = (connection as { stream?: Socket }).stream;
      if (!socket) return;
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    }),
    log: { warn, error: warn, deprecate: warn, debug: () => undefined },
    // Bound values (ERP data) stay out of error messages.
    compileSqlOnError: false,
  });
  const { label, client: dialect } = settings;
  let state: LegacyDbState | undefined;
  let closed = false;

  const setState = (next: LegacyDbState, error?: LegacyDbError) => {
    // Changes only: a poller retrying an unreachable server should not log the same line every time.
    if (next === state) return;
    state = next;
    hooks.onState?.(next, error);
  };

  const fail = (err: unknown, phase: Phase): LegacyDbError => {
    const error = legacyDbError(err, label, phase, settings.database);
    if (error.kind === 'dropped') setState('dropped', error);
    else if (phase === 'connect') setState('unreachable', error);
    return error;
  };

  async function acquire(): Promise<RawConnection> {
    if (closed) throw new LegacyDbError(`${label}: the connection pool is closed`, 'config');
    if (dialect === 'sqlite' && settings.database !== ':memory:' && !existsSync(settings.database)) {
      throw fail(Object.assign(new Error(`no such file: ${settings.database}`), { code: 'SQLITE_CANTOPEN' }), 'connect');
    }
    try {
      return (await knex.client.acquireConnection()) as RawConnection;
    } catch (err) {
      throw fail(err, 'connect');
    }
  }

  async function release(connection: RawConnection): Promise<void> {
    await knex.client.releaseConnection(connection).catch(() => undefined);
  }

  /** knex prefixes the driver's message with the statement; the sentence should say what went wrong. */
  function withoutStatement(err: unknown, sql: string, bindings: readonly unknown[]): void {
    const e = err as { message?: unknown };
    if (typeof e?.message !== 'string') return;
    const prefix = `${
      knex
        .raw(sql, bindings as Knex.RawBinding[])
        .toSQL()
        .toNative().sql
    } - `;
    if (e.message.startsWith(prefix)) e.message = e.message.slice(prefix.length);
  }

  async function runOnce(sql: string, bindings: readonly unknown[]): Promise<Row[]> {
    const connection = await acquire();
    try {
      let statement = knex.raw(sql, bindings as Knex.RawBinding[]).connection(connection);
      // mssql's request timeout and sqlite's synchronous driver have their own limits; the others are cancelled server-side.
      if (dialect === 'mysql' || dialect === 'pg') statement = statement.timeout(settings.queryTimeoutMs, { cancel: true });
      const rows = rowsOf(dialect, await statement);
      setState('connected');
      return rows;
    } catch (err) {
      withoutStatement(err, sql, bindings);
      if (legacyDbError(err, label, 'query', settings.database).kind === 'dropped') connection.__knex__disposed ??= err;
      throw err;
    } finally {
      await release(connection);
    }
  }

  async function query<T extends Row = Row>(sql: string, bindings: readonly unknown[] = []): Promise<T[]> {
    try {
      return (await runOnce(sql, bindings)) as T[];
    } catch (err) {
      if (err instanceof LegacyDbError) throw err;
      // A pooled connection that died while idle fails before the statement reaches the server: try once more.
      if (diedBeforeSend(err)) {
        try {
          return (await runOnce(sql, bindings)) as T[];
        } catch (again) {
          throw again instanceof LegacyDbError ? again : fail(again, 'query');
        }
      }
      throw fail(err, 'query');
    }
  }

  async function* streamBatches(sql: string, bindings: readonly unknown[] = [], streamOptions: StreamOptions = {}): AsyncGenerator<Row[]> {
    const batchSize = Math.max(1, Math.floor(streamOptions.batchSize ?? 1000));
    const connection = await acquire();
    try {
      const native = knex
        .raw(sql, bindings as Knex.RawBinding[])
        .toSQL()
        .toNative();
      let first = true;
      for await (const batch of streamRowBatches(dialect, knex, connection, { ...native, original: { sql, bindings } }, batchSize, datesAsText)) {
        if (first) setState('connected');
        first = false;
        yield batch;
      }
      if (first) setState('connected');
    } catch (err) {
      const error = err instanceof LegacyDbError ? err : fail(err, 'query');
      if (error.kind === 'dropped') connection.__knex__disposed ??= err;
      throw error;
    } finally {
      await release(connection);
    }
  }

  async function* stream(sql: string, bindings: readonly unknown[] = [], streamOptions: StreamOptions = {}): AsyncGenerator<Row> {
    for await (const batch of streamBatches(sql, bindings, streamOptions)) yield* batch;
  }

  return {
    knex,
    dialect,
    label,
    timeZone: settings.timeZone,
    get state() {
      return state;
    },
    query,
    stream,
    streamBatches,
    ping: async () => {
      await query('select 1 as ok');
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await knex.destroy();
      // mysql2 reports end() before the server hangs up; wait briefly for the sockets, then cut them.
      await Promise.all(
        [...sockets].map(
          (socket) =>
            new Promise<void>((resolve) => {
              const cut = setTimeout(() => socket.destroy(), 1000);
              socket.once('close', () => {
                clearTimeout(cut);
                resolve();
              });
            }),
        ),
      );
    },
  };
}
