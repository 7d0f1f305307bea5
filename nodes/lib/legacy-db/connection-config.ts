// Turns a legacy-db's settings into a knex configuration. Every driver is told to hand datetimes and
// decimals back as text, because a keyset cursor that loses microseconds or digits repeats or skips rows.
import type { Knex } from 'knex';
import { zoneOffsetMinutes } from '../time-format';

export type LegacyDbClient = 'mssql' | 'mysql' | 'pg' | 'sqlite';
export const legacyDbClients: readonly LegacyDbClient[] = ['mssql', 'mysql', 'pg', 'sqlite'];

export interface LegacyDbTls {
  /** mysql / pg: use TLS at all. */
  enabled?: boolean;
  /** mysql / pg: verify the server certificate (default true when TLS is on). */
  rejectUnauthorized?: boolean;
  /** mssql: encrypt the connection. */
  encrypt?: boolean;
  /** mssql: accept a self-signed server certificate. */
  trustServerCertificate?: boolean;
}

export interface LegacyDbOptions {
  /** For messages: "legacy DB 'ERP-SQL' (mysql://…)". */
  name?: string;
  client: LegacyDbClient;
  host?: string;
  port?: number;
  /** Database name; for sqlite the file path (or ':memory:'). */
  database?: string;
  user?: string;
  password?: string;
  /** mysql://, postgres://, mssql:// URL, an ADO string (Server=…;Database=…) or a sqlite file path; fields above override it. */
  connectionString?: string;
  /** Most connections the pool opens (default 5). */
  poolSize?: number;
  connectTimeoutMs?: number;
  queryTimeoutMs?: number;
  tls?: LegacyDbTls;
  /** IANA zone the legacy database stores local times in (default Asia/Shanghai). */
  timeZone?: string;
}

/** The settings after the connection string and the defaults were applied. */
export interface ResolvedLegacyDb {
  client: LegacyDbClient;
  host: string;
  port: number;
  database: string;
  user?: string;
  password?: string;
  poolSize: number;
  connectTimeoutMs: number;
  queryTimeoutMs: number;
  tls: LegacyDbTls;
  timeZone: string;
  /** "legacy DB 'ERP-SQL' (mysql://127.0.0.1:3306/erp)": never holds the password. */
  label: string;
}

const defaultPorts: Record<LegacyDbClient, number> = { mssql: 1433, mysql: 3306, pg: 5432, sqlite: 0 };
const urlSchemes: Record<LegacyDbClient, string> = { mssql: 'mssql', mysql: 'mysql', pg: 'postgres', sqlite: 'sqlite' };

function positive(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

function fromConnectionString(client: LegacyDbClient, text: string): Partial<LegacyDbOptions> {
  const trimmed = text.trim();
  if (client === 'sqlite') return { database: trimmed.replace(/^sqlite:\/\//, '') };
  if (/^[a-z0-9+]+:\/\//i.test(trimmed)) {
    const url = new URL(trimmed);
    const ssl = url.searchParams.get('ssl') ?? url.searchParams.get('sslmode') ?? url.searchParams.get('encrypt');
    const on = ssl !== null && !['false', '0', 'disable', 'off'].includes(ssl.toLowerCase());
    return {
      host: decodeURIComponent(url.hostname) || undefined,
      port: url.port ? Number(url.port) : undefined,
      database: decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined,
      user: url.username ? decodeURIComponent(url.username) : undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
      tls: ssl === null ? undefined : client === 'mssql' ? { encrypt: on } : { enabled: on },
    };
  }
  // ADO / ODBC style, as SQL Server people write it: Server=host,1433;Database=erp;User Id=sa;Password=…
  const parts = new Map<string, string>();
  for (const pair of trimmed.split(';')) {
    const at = pair.indexOf('=');
    if (at > 0) parts.set(pair.slice(0, at).trim().toLowerCase(), pair.slice(at + 1).trim());
  }
  if (parts.size === 0) throw new Error(`the connection string is neither a URL (${urlSchemes[client]}://user@host:port/database) nor Key=Value pairs`);
  const server = parts.get('server') ?? parts.get('data source') ?? parts.get('host');
  const [host, port] = (server ?? '').replace(/^tcp:/i, '').split(/[,:]/);
  const bool = (key: string) => (parts.has(key) ? /^(true|yes|1)$/i.test(parts.get(key)!) : undefined);
  return {
    host: host || undefined,
    port: port ? Number(port) : parts.has('port') ? Number(parts.get('port')) : undefined,
    database: parts.get('database') ?? parts.get('initial catalog'),
    user: parts.get('user id') ?? parts.get('uid') ?? parts.get('user'),
    password: parts.get('password') ?? parts.get('pwd'),
    tls: { encrypt: bool('encrypt'), trustServerCertificate: bool('trustservercertificate') },
  };
}

/** Throws an Error naming the setting that is missing or wrong. */
export function resolveLegacyDb(options: LegacyDbOptions): ResolvedLegacyDb {
  const client = options.client;
  const title = options.name ? `legacy DB '${options.name}'` : 'legacy DB';
  if (!legacyDbClients.includes(client)) throw new Error(`${title}: unknown client '${String(client)}' (expected ${legacyDbClients.join(', ')})`);
  let parsed: Partial<LegacyDbOptions> = {};
  if (options.connectionString?.trim()) {
    try {
      parsed = fromConnectionString(client, options.connectionString);
    } catch (err) {
      throw new Error(`${title}: ${(err as Error).message}`, { cause: err });
    }
  }
  const pick = <T>(a: T | undefined | '', b: T | undefined): T | undefined => (a === undefined || a === '' ? b : a);
  const host = pick(options.host, parsed.host) ?? (client === 'sqlite' ? '' : '127.0.0.1');
  const port = positive(pick(options.port, parsed.port), defaultPorts[client]);
  const database = pick(options.database, parsed.database) ?? '';
  if (client === 'sqlite' && !database) throw new Error(`${title}: no database file given for sqlite`);
  const tls: LegacyDbTls = { ...parsed.tls, ...Object.fromEntries(Object.entries(options.tls ?? {}).filter(([, v]) => v !== undefined)) };
  const timeZone = options.timeZone?.trim() || 'Asia/Shanghai';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new Error(`${title}: unknown time zone '${timeZone}' (expected an IANA name such as Asia/Shanghai)`);
  }
  const where = client === 'sqlite' ? `sqlite:${database}` : `${urlSchemes[client]}://${host}:${port}/${database}`;
  return {
    client,
    host,
    port,
    database,
    user: pick(options.user, parsed.user),
    password: pick(options.password, parsed.password),
    poolSize: Math.floor(positive(options.poolSize, 5)),
    connectTimeoutMs: positive(options.connectTimeoutMs, 15_000),
    queryTimeoutMs: positive(options.queryTimeoutMs, 60_000),
    tls,
    timeZone,
    label: `${title} (${where})`,
  };
}

/** "+08:00" for Asia/Shanghai now; MariaDB without time zone tables only understands offsets. */
export function zoneOffset(timeZone: string, at = new Date()): string {
  const minutes = zoneOffsetMinutes(at.getTime(), timeZone);
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

// pg type ids whose text form is what the ERP stored: timestamp, timestamptz, date, time, timetz, interval, numeric.
const pgTextTypes = new Set([1114, 1184, 1082, 1083, 1266, 1186, 1700, 1115, 1185, 1182, 1231]);

type Connection = { query(sql: string, cb: (err: Error | null) => void): void };

/**
 * Borrow-time check: a pooled connection the server killed while it sat idle can look alive until its socket
 * is read, and the statement sent on it would fail. One round trip proves it; a failing one is discarded.
 */
function pingOnBorrow<C>(ping: (connection: C) => Promise<unknown>, timeoutMs: number): (connection: C) => Promise<boolean> {
  return async (connection: C): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([ping(connection), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('ping timed out')), timeoutMs)))]);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  };
}

type MysqlConnection = { ping(cb: (err: Error | null) => void): void };
type PgConnection = { query(sql: string): Promise<unknown> };

/** `opened` sees each new mysql2 connection, so close() can wait for its socket (end() returns before it closes). */
export function knexConfig(db: ResolvedLegacyDb, opened: (connection: unknown) => void = () => undefined): Knex.Config {
  const pool = { min: 0, max: db.poolSize, idleTimeoutMillis: 30_000 };
  const acquireConnectionTimeout = db.connectTimeoutMs + 5_000;
  switch (db.client) {
    case 'mysql': {
      const offset = zoneOffset(db.timeZone);
      return {
        client: 'mysql2',
        acquireConnectionTimeout,
        pool: {
          ...pool,
          validate: pingOnBorrow((c: MysqlConnection) => new Promise<void>((resolve, reject) => c.ping((err) => (err ? reject(err) : resolve()))), db.connectTimeoutMs),
          // Session zone = the ERP's zone, so NOW() and TIMESTAMP columns read as the plant's local time.
          afterCreate: (conn: Connection, done: (err: Error | null, conn: Connection) => void) => {
            opened(conn);
            conn.query(`SET time_zone = '${offset}'`, (err) => done(err, conn));
          },
        },
        connection: {
          host: db.host,
          port: db.port,
          database: db.database,
          user: db.user,
          password: db.password,
          charset: 'UTF8MB4_UNICODE_CI',
          dateStrings: true,
          decimalNumbers: false,
          supportBigNumbers: true,
          bigNumberStrings: true,
          timezone: offset,
          connectTimeout: db.connectTimeoutMs,
          ssl: db.tls.enabled ? { rejectUnauthorized: db.tls.rejectUnauthorized !== false } : undefined,
        } as Knex.MySql2ConnectionConfig,
      };
    }
    case 'pg':
      return {
        client: 'pg',
        acquireConnectionTimeout,
        pool: { ...pool, validate: pingOnBorrow((c: PgConnection) => c.query('SELECT 1'), db.connectTimeoutMs) },
        connection: {
          host: db.host,
          port: db.port,
          database: db.database,
          user: db.user,
          password: db.password,
          connectionTimeoutMillis: db.connectTimeoutMs,
          options: `-c TimeZone=${db.timeZone}`,
          ssl: db.tls.enabled ? { rejectUnauthorized: db.tls.rejectUnauthorized !== false } : false,
          // Per connection, so other pg users in the process keep their parsers.
          types: {
            getTypeParser: (oid: number, format?: string) => {
              if (pgTextTypes.has(oid)) return (text: string) => text;
              // eslint-disable-next-line @typescript-eslint/no-require-imports
              return require('pg').types.getTypeParser(oid, format);
            },
          },
        } as Knex.PgConnectionConfig,
      };
    case 'mssql':
      return {
        client: 'mssql',
        acquireConnectionTimeout,
        pool,
        connection: {
          server: db.host,
          port: db.port,
          database: db.database,
          user: db.user,
          password: db.password,
          connectionTimeout: db.connectTimeoutMs,
          requestTimeout: db.queryTimeoutMs,
          options: {
            encrypt: db.tls.encrypt === true,
            trustServerCertificate: db.tls.trustServerCertificate === true,
            // Local wall-clock times, as the ERP wrote them; rows are turned into text after reading.
            useUTC: false,
            appName: 'erp-mes-bridge',
          },
        } as unknown as Knex.MsSqlConnectionConfig,
      };
    case 'sqlite':
      return {
        client: 'better-sqlite3',
        useNullAsDefault: true,
        pool: { min: 1, max: 1 },
        connection: { filename: db.database } as Knex.Sqlite3ConnectionConfig,
      };
  }
}
