// The embedded default store: one SQLite file in WAL mode (better-sqlite3). Writes are synchronous
// and committed when the call returns, which is what "durable before done()" needs.
// Several bridge-store nodes naming the same file share one connection, counted by users.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { KeyValueStore } from './store';

interface SharedDatabase {
  key: string;
  db: Database.Database;
  users: number;
}
const openFiles = new Map<string, SharedDatabase>();

function openShared(file: string): SharedDatabase {
  const key = file === ':memory:' ? `:memory:${openFiles.size}:${Math.random()}` : resolve(file);
  let shared = openFiles.get(key);
  if (!shared) {
    if (file !== ':memory:') mkdirSync(dirname(key), { recursive: true });
    const db = new Database(file === ':memory:' ? ':memory:' : key);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.exec(`CREATE TABLE IF NOT EXISTS kv (
      namespace TEXT NOT NULL,
      key TEXT NOT NULL,
      value TEXT NOT NULL,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (namespace, key)
    ) WITHOUT ROWID`);
    shared = { key, db, users: 0 };
    openFiles.set(key, shared);
  }
  shared.users += 1;
  return shared;
}

export class SqliteStore implements KeyValueStore {
  private readonly shared: SharedDatabase;
  private closed = false;
  private readonly getStmt: Database.Statement<[string, string], { value: string }>;
  private readonly putStmt: Database.Statement<[string, string, string, number]>;
  private readonly deleteStmt: Database.Statement<[string, string]>;
  private readonly keysStmt: Database.Statement<[string], { key: string }>;
  private readonly putAll: (namespace: string, entries: Array<[string, unknown]>) => void;

  constructor(readonly file: string) {
    this.shared = openShared(file);
    const db = this.shared.db;
    this.getStmt = db.prepare('SELECT value FROM kv WHERE namespace = ? AND key = ?');
    this.putStmt = db.prepare(
      'INSERT INTO kv (namespace, key, value, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
    );
    this.deleteStmt = db.prepare('DELETE FROM kv WHERE namespace = ? AND key = ?');
    this.keysStmt = db.prepare('SELECT key FROM kv WHERE namespace = ? ORDER BY key');
    this.putAll = db.transaction((namespace: string, entries: Array<[string, unknown]>) => {
      const now = Date.now();
      for (const [key, value] of entries) this.putStmt.run(namespace, key, JSON.stringify(value), now);
    });
  }

  private check(): void {
    if (this.closed) throw new Error(`bridge store ${this.file} is closed`);
  }

  async get<T>(namespace: string, key: string): Promise<T | undefined> {
    this.check();
    const row = this.getStmt.get(namespace, key);
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  async getMany<T>(namespace: string, keys: string[]): Promise<Map<string, T>> {
    this.check();
    const found = new Map<string, T>();
    for (const key of keys) {
      const row = this.getStmt.get(namespace, key);
      if (row) found.set(key, JSON.parse(row.value) as T);
    }
    return found;
  }

  async put(namespace: string, key: string, value: unknown): Promise<void> {
    this.check();
    this.putStmt.run(namespace, key, JSON.stringify(value), Date.now());
  }

  async putMany(namespace: string, entries: Array<[string, unknown]>): Promise<void> {
    this.check();
    this.putAll(namespace, entries);
  }

  async delete(namespace: string, key: string): Promise<void> {
    this.check();
    this.deleteStmt.run(namespace, key);
  }

  async keys(namespace: string): Promise<string[]> {
    this.check();
    return this.keysStmt.all(namespace).map((r) => r.key);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.shared.users -= 1;
    if (this.shared.users === 0) {
      openFiles.delete(this.shared.key);
      this.shared.db.close();
    }
  }
}
