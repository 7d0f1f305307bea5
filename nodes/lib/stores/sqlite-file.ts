// One better-sqlite3 connection per store file, shared by everything that keeps state in it (the key-value
// store, the outbox) and counted by users: the file is closed when its last user lets go. WAL mode, so
// readers never wait for the writer.
//
// Group commit: writes handed to commit() are run together in one transaction at the end of the current turn of
// the event loop (setImmediate: no timer window), each in its own savepoint, so many messages in flight share one
// commit, and one failing write rolls back only itself.
//
// Durable before acknowledged, off the event loop: an acknowledged write must survive a power cut, not only a
// crash. synchronous=FULL did that with an fsync inside every COMMIT, on the event loop (1–10 ms, far more on a
// busy disk): under load the process spent most of its time waiting there. Now the connection runs
// synchronous=NORMAL (WAL frames written, consistent after a crash of the process or the OS, synced at
// checkpoints) and every committed group waits for an fsync of the WAL file on libuv's thread pool before its
// promises resolve. WAL recovery keeps whole transactions only, so what the disk holds after a power cut is a
// prefix of the commits, and every acknowledged one is in it.
//
// Writes handed over while an fsync runs could not be acknowledged before the next one anyway: they wait for it to
// end and are then committed together, so under load a group is every write of an fsync's duration (one
// transaction, each page written to the WAL once) rather than of one turn (more than one COMMIT per MES post).
import Database from 'better-sqlite3';
import { closeSync, fsync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface SharedSqliteFile {
  readonly db: Database.Database;
  /** The resolved path (or a unique name for ':memory:'). */
  readonly key: string;
  /**
   * Runs `write` (synchronous statements) in the next group transaction and resolves with its result once that
   * transaction is committed; rejects with its error (only its own savepoint rolled back) or the commit's.
   */
  commit<T>(write: () => T): Promise<T>;
  /** Calls `fn` right before the next group transaction runs (so writes `fn` hands to commit() join it). */
  beforeCommit(fn: () => void): void;
  /** Lets go of this user's share; the last user closes the file. Safe to call twice. */
  release(): void;
}

/**
 * How long a write waits for a lock another process holds on the file before it is refused (the store's wait, as
 * for Redis). Statements outside the group commit wait this long as SQLite's busy timeout; the group commit does
 * not wait inside SQLite (that would hold the event loop, once per group): it tries again on a timer, and refuses
 * a write once it has waited this long, whatever else was queued before or after it.
 */
export const SQLITE_LOCK_WAIT_MS = 5000;

interface QueuedWrite {
  write: () => unknown;
  queuedAt: number;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

interface OpenFile {
  db: Database.Database;
  users: number;
  queued: QueuedWrite[];
  hooks: Array<() => void>;
  scheduled: NodeJS.Immediate | undefined;
  /** The next try of a group that found the file locked by another process. */
  lockedRetry: { timer: NodeJS.Timeout; delayMs: number } | undefined;
  savepoint: (write: () => unknown) => unknown;
  waitForLocks: { never: Database.Statement; busyTimeout: Database.Statement };
  /** The WAL file's path (undefined in memory: nothing to sync) and a descriptor of it for fsync, opened at first use. */
  wal?: { path: string; fd?: number };
  /** Groups committed and waiting for the next fsync, and whether one is running. */
  unsynced: Array<(err?: Error) => void>;
  syncing: boolean;
  closed: boolean;
}
const openFiles = new Map<string, OpenFile>();
let memoryFiles = 0;

/** Commits every write queued so far in one transaction (one fsync), then settles their promises. */
function commitGroup(open: OpenFile, closing = false): void {
  clearImmediate(open.scheduled);
  open.scheduled = undefined;
  clearTimeout(open.lockedRetry?.timer);
  for (const hook of open.hooks.splice(0)) hook();
  const group = open.queued.splice(0);
  if (group.length === 0) return;
  const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: Error }> = [];
  let began = false;
  try {
    // BEGIN IMMEDIATE takes the write lock at once, without SQLite's busy wait (see SQLITE_LOCK_WAIT_MS).
    open.waitForLocks.never.get();
    open.db
      .transaction(() => {
        began = true;
        for (const queued of group) {
          try {
            outcomes.push({ ok: true, value: open.savepoint(queued.write) });
          } catch (err) {
            outcomes.push({ ok: false, error: err as Error });
          }
        }
      })
      .immediate();
  } catch (err) {
    if (!began && (err as { code?: string }).code === 'SQLITE_BUSY' && !closing) return tryAgainLater(open, group, err as Error);
    // The COMMIT itself failed (disk full, I/O error): nothing of the group is kept.
    for (const queued of group) queued.reject(err as Error);
    return;
  } finally {
    open.waitForLocks.busyTimeout.get();
  }
  open.lockedRetry = undefined;
  afterSync(open, (syncError) => {
    group.forEach((queued, i) => {
      const outcome = outcomes[i];
      // Committed but not known to be on disk: the caller must not acknowledge it.
      if (syncError) queued.reject(syncError);
      else if (outcome.ok) queued.resolve(outcome.value);
      else queued.reject(outcome.error);
    });
  });
}

/** Another process holds the file's write lock: the group waits on a timer, its writes refused once they waited too long. */
function tryAgainLater(open: OpenFile, group: QueuedWrite[], err: Error): void {
  const now = Date.now();
  const waiting = group.filter((queued) => now - queued.queuedAt < SQLITE_LOCK_WAIT_MS);
  for (const queued of group) if (!waiting.includes(queued)) queued.reject(err);
  open.queued.unshift(...waiting);
  if (open.queued.length === 0) return void (open.lockedRetry = undefined);
  const delayMs = Math.min(200, (open.lockedRetry?.delayMs ?? 5) * 2);
  open.lockedRetry = { delayMs, timer: setTimeout(() => commitGroup(open), delayMs) };
}

/** Calls `settle` once everything committed so far is on disk (at once in memory, or once the file is closed). */
function afterSync(open: OpenFile, settle: (err?: Error) => void): void {
  if (!open.wal || open.closed) return settle();
  open.unsynced.push(settle);
  if (!open.syncing) syncWal(open);
}

function syncWal(open: OpenFile): void {
  const waiting = open.unsynced.splice(0);
  const wal = open.wal!;
  try {
    wal.fd ??= openSync(wal.path, 'r+');
  } catch (err) {
    // No WAL file: nothing was written to one, so there is nothing to sync.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return waiting.forEach((settle) => settle());
    return waiting.forEach((settle) => settle(new Error(`the SQLite file ${wal.path} could not be opened to sync it: ${(err as Error).message}`)));
  }
  open.syncing = true;
  fsync(wal.fd, (err) => {
    open.syncing = false;
    const failure = err ? new Error(`the SQLite file ${wal.path} could not be synced to disk: ${err.message}`) : undefined;
    for (const settle of waiting) settle(failure);
    if (open.closed) closeWal(open);
    else if (open.unsynced.length > 0) syncWal(open);
    else scheduleGroup(open);
  });
}

/** The next group commit: at the end of this turn, or once the running fsync is done (see the head of the file). */
function scheduleGroup(open: OpenFile): void {
  if (open.syncing || open.scheduled || open.lockedRetry || (open.queued.length === 0 && open.hooks.length === 0)) return;
  open.scheduled = setImmediate(() => commitGroup(open));
}

function closeWal(open: OpenFile): void {
  if (open.wal?.fd !== undefined && !open.syncing) {
    closeSync(open.wal.fd);
    open.wal.fd = undefined;
  }
}

export function openSharedSqlite(file: string): SharedSqliteFile {
  // Every ':memory:' user gets a database of its own: there is nothing to share.
  const key = file === ':memory:' ? `:memory:${++memoryFiles}` : resolve(file);
  let open = openFiles.get(key);
  if (!open) {
    if (file !== ':memory:') mkdirSync(dirname(key), { recursive: true });
    const db = new Database(file === ':memory:' ? ':memory:' : key);
    db.pragma('journal_mode = WAL');
    // NORMAL: the fsync of each group is done off the event loop (see afterSync), not inside COMMIT.
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${SQLITE_LOCK_WAIT_MS}`);
    open = {
      db,
      users: 0,
      queued: [],
      hooks: [],
      scheduled: undefined,
      lockedRetry: undefined,
      savepoint: db.transaction((write: () => unknown) => write()),
      waitForLocks: { never: db.prepare('PRAGMA busy_timeout = 0'), busyTimeout: db.prepare(`PRAGMA busy_timeout = ${SQLITE_LOCK_WAIT_MS}`) },
      ...(file === ':memory:' ? {} : { wal: { path: `${key}-wal` } }),
      unsynced: [],
      syncing: false,
      closed: false,
    };
    openFiles.set(key, open);
  }
  open.users += 1;
  const shared = open;
  let released = false;
  return {
    db: shared.db,
    key,
    commit<T>(write: () => T): Promise<T> {
      if (released) return Promise.reject(new Error(`the SQLite file ${key} is closed`));
      return new Promise<T>((resolve, reject) => {
        shared.queued.push({ write, queuedAt: Date.now(), resolve: resolve as (value: unknown) => void, reject });
        scheduleGroup(shared);
      });
    },
    beforeCommit(fn: () => void): void {
      shared.hooks.push(fn);
      scheduleGroup(shared);
    },
    release() {
      if (released) return;
      released = true;
      shared.users -= 1;
      if (shared.users === 0) {
        // What was handed over before the close is committed, not dropped; closing the connection checkpoints the
        // WAL into the database file and syncs it, so whatever still waits for an fsync is on disk after it.
        commitGroup(shared, true);
        openFiles.delete(key);
        shared.db.close();
        shared.closed = true;
        for (const settle of shared.unsynced.splice(0)) settle();
        closeWal(shared);
      }
    },
  };
}
