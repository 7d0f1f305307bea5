// One better-sqlite3 connection per store file, shared by everything that keeps state in it (the key-value
// store, the outbox) and counted by users: the file is closed when its last user lets go. WAL mode, so
// readers never wait for the writer.
//
// Group commit: the outbox sets synchronous=FULL on the connection (an acknowledged send survives a power cut),
// so every COMMIT is an fsync (1–10 ms here). Writes handed to commit() are run together in one transaction at
// the end of the current turn of the event loop (setImmediate: no timer window), each in its own savepoint, so
// many messages in flight share one fsync while each caller's promise still resolves only once its write is on
// disk, and one failing write rolls back only itself.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
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

interface QueuedWrite {
  write: () => unknown;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

interface OpenFile {
  db: Database.Database;
  users: number;
  queued: QueuedWrite[];
  hooks: Array<() => void>;
  scheduled: NodeJS.Immediate | undefined;
  savepoint: (write: () => unknown) => unknown;
}
const openFiles = new Map<string, OpenFile>();
let memoryFiles = 0;

/** Commits every write queued so far in one transaction (one fsync), then settles their promises. */
function commitGroup(open: OpenFile): void {
  clearImmediate(open.scheduled);
  open.scheduled = undefined;
  for (const hook of open.hooks.splice(0)) hook();
  const group = open.queued.splice(0);
  if (group.length === 0) return;
  const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: Error }> = [];
  try {
    open.db.transaction(() => {
      for (const queued of group) {
        try {
          outcomes.push({ ok: true, value: open.savepoint(queued.write) });
        } catch (err) {
          outcomes.push({ ok: false, error: err as Error });
        }
      }
    })();
  } catch (err) {
    // The COMMIT itself failed (disk full, I/O error): nothing of the group is kept.
    for (const queued of group) queued.reject(err as Error);
    return;
  }
  group.forEach((queued, i) => {
    const outcome = outcomes[i];
    if (outcome.ok) queued.resolve(outcome.value);
    else queued.reject(outcome.error);
  });
}

export function openSharedSqlite(file: string): SharedSqliteFile {
  // Every ':memory:' user gets a database of its own: there is nothing to share.
  const key = file === ':memory:' ? `:memory:${++memoryFiles}` : resolve(file);
  let open = openFiles.get(key);
  if (!open) {
    if (file !== ':memory:') mkdirSync(dirname(key), { recursive: true });
    const db = new Database(file === ':memory:' ? ':memory:' : key);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    open = { db, users: 0, queued: [], hooks: [], scheduled: undefined, savepoint: db.transaction((write: () => unknown) => write()) };
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
        shared.queued.push({ write, resolve: resolve as (value: unknown) => void, reject });
        shared.scheduled ??= setImmediate(() => commitGroup(shared));
      });
    },
    beforeCommit(fn: () => void): void {
      shared.hooks.push(fn);
      shared.scheduled ??= setImmediate(() => commitGroup(shared));
    },
    release() {
      if (released) return;
      released = true;
      shared.users -= 1;
      if (shared.users === 0) {
        // What was handed over before the close is committed, not dropped.
        commitGroup(shared);
        openFiles.delete(key);
        shared.db.close();
      }
    },
  };
}
