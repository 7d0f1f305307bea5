// One better-sqlite3 connection per store file, shared by everything that keeps state in it (the key-value
// store, the outbox) and counted by users: the file is closed when its last user lets go. WAL mode, so
// readers never wait for the writer.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface SharedSqliteFile {
  readonly db: Database.Database;
  /** The resolved path (or a unique name for ':memory:'). */
  readonly key: string;
  /** Lets go of this user's share; the last user closes the file. Safe to call twice. */
  release(): void;
}

interface OpenFile {
  db: Database.Database;
  users: number;
}
const openFiles = new Map<string, OpenFile>();
let memoryFiles = 0;

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
    open = { db, users: 0 };
    openFiles.set(key, open);
  }
  open.users += 1;
  const shared = open;
  let released = false;
  return {
    db: shared.db,
    key,
    release() {
      if (released) return;
      released = true;
      shared.users -= 1;
      if (shared.users === 0) {
        openFiles.delete(key);
        shared.db.close();
      }
    },
  };
}
