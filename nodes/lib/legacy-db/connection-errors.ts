// One sentence per failure that names the database, plus a kind that tells a node whether to retry
// (unreachable, timeout, dropped), to stop retrying quickly (auth), or to fix its query (sql).

export type LegacyDbErrorKind = 'unreachable' | 'auth' | 'timeout' | 'sql' | 'dropped' | 'config';

export class LegacyDbError extends Error {
  override readonly name = 'LegacyDbError';
  constructor(
    message: string,
    readonly kind: LegacyDbErrorKind,
    /** The driver's code (ER_ACCESS_DENIED_ERROR, 28P01, ECONNREFUSED, ELOGIN…), when it gave one. */
    readonly code?: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

/** When the error happened: getting a connection from the pool, or running a statement on one. */
export type Phase = 'connect' | 'query';

interface DriverError {
  message?: string;
  code?: string | number;
  errno?: number;
  name?: string;
  sqlMessage?: string;
  fatal?: boolean;
}

const unreachableCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'SQLITE_CANTOPEN', 'ESOCKET']);
const droppedCodes = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'ER_CONNECTION_KILLED',
  'ECONNRESET',
  'EPIPE',
  'ECLOSE',
  'ER_SERVER_SHUTDOWN',
  '57P01', // admin_shutdown: pg_terminate_backend
  '57P02',
  '57P03',
  '08006',
  '08003',
]);
const droppedText = /connection (lost|terminated|ended|is closed|was closed)|server closed the connection|closed state|not queryable|terminating connection|socket hang up|connection killed|connection was killed/i;
const timeoutText = /timeout|timed out/i;

/** True when the connection was already dead before the statement reached the server: safe to run it again. */
export function diedBeforeSend(err: unknown): boolean {
  const text = String((err as DriverError)?.message ?? err);
  return /closed state|not queryable|Client was closed|Connection is closed|Cannot enqueue/i.test(text);
}

function codeOf(err: DriverError): string | undefined {
  return err.code === undefined ? undefined : String(err.code);
}

function firstLine(text: string): string {
  return text.split('\n')[0].trim().replace(/\.$/, '');
}

export function legacyDbError(err: unknown, label: string, phase: Phase, database: string): LegacyDbError {
  if (err instanceof LegacyDbError) return err;
  const e = (err ?? {}) as DriverError;
  const code = codeOf(e);
  const text = firstLine(e.sqlMessage ?? e.message ?? String(err));
  const make = (kind: LegacyDbErrorKind, what: string) => new LegacyDbError(`${label}: ${what}`, kind, code, err);

  // Credentials and the database name are checked while connecting.
  if (code === 'ER_ACCESS_DENIED_ERROR' || code === 'ER_DBACCESS_DENIED_ERROR' || code === '28P01' || code === '28000' || code === 'ELOGIN') {
    return make('auth', `access denied (${text})`);
  }
  if (code === 'ER_BAD_DB_ERROR' || code === '3D000') return make('unreachable', `unknown database '${database}' (${text})`);
  if (e.name === 'KnexTimeoutError' || code === 'ETIMEDOUT' || code === 'ETIMEOUT' || code === 'PROTOCOL_SEQUENCE_TIMEOUT' || code === '57014') {
    return make('timeout', phase === 'connect' ? `timed out connecting (${text})` : `the query timed out (${text})`);
  }
  if (code && unreachableCodes.has(code)) {
    if (phase === 'query' && code === 'ESOCKET') return make('dropped', `the connection was dropped (${text})`);
    return make('unreachable', code === 'ECONNREFUSED' ? 'connection refused' : code === 'SQLITE_CANTOPEN' ? `cannot open the database file (${text})` : `cannot reach the server (${text})`);
  }
  if ((code && droppedCodes.has(code)) || droppedText.test(text) || (phase === 'query' && e.fatal === true)) {
    return phase === 'connect' ? make('unreachable', `the server closed the connection while connecting (${text})`) : make('dropped', `the connection was dropped (${text})`);
  }
  if (phase === 'connect' && timeoutText.test(text)) return make('timeout', `timed out connecting (${text})`);
  if (phase === 'connect') return make('unreachable', `cannot connect (${text})`);
  return make('sql', text + (code ? ` [${code}]` : ''));
}
