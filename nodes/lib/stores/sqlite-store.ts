// The embedded default store: one SQLite file in WAL mode (better-sqlite3). A write's promise resolves once
// it is committed, which is what "durable before done()" needs. put and delete commit when called; putMany
// (what the workflow steps and the audit log write) goes through sqlite-file.ts's group commit, so the steps
// of many messages in flight share one transaction and one fsync.
// Several bridge-store nodes naming the same file share one connection, counted by users.
import type Database from 'better-sqlite3';
import type { KeyValueStore } from './store';
import { openSharedSqlite, type SharedSqliteFile } from './sqlite-file';

export class SqliteStore implements KeyValueStore {
  private readonly shared: SharedSqliteFile;
  private closed = false;
  private readonly getStmt: Database.Statement<[string, string], { value: string }>;
  private readonly putStmt: Database.Statement<[string, string, string, number]>;
  private readonly deleteStmt: Database.Statement<[string, string]>;
  private readonly keysStmt: Database.Statement<[string], { key: string }>;
  private readonly putAll: (namespace: string, rows: Array<[key: string, json: string]>) => void;

  constructor(readonly file: string) {
    this.shared = openSharedSqlite(file);
    const db = this.shared.db;
    db.exec(`CREATE TABLE IF NOT EXISTS kv (
      namespace TEXT NOT NULL,
      key TEXT NOT NULL,
      value TEXT NOT NULL,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (namespace, key)
    ) WITHOUT ROWID`);
    this.getStmt = db.prepare('SELECT value FROM kv WHERE namespace = ? AND key = ?');
    this.putStmt = db.prepare('INSERT INTO kv (namespace, key, value, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at');
    this.deleteStmt = db.prepare('DELETE FROM kv WHERE namespace = ? AND key = ?');
    this.keysStmt = db.prepare('SELECT key FROM kv WHERE namespace = ? ORDER BY key');
    this.putAll = db.transaction((namespace: string, rows: Array<[string, string]>) => {
      const now = Date.now();
      for (const [key, json] of rows) this.putStmt.run(namespace, key, json, now);
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
    // A single write commits at once, as it always did (watermarks and keys of the other nodes rely on that).
    this.putStmt.run(namespace, key, JSON.stringify(value), Date.now());
  }

  /** Written atomically in the file's next group commit (the end of this turn of the event loop). */
  async putMany(namespace: string, entries: Array<[string, unknown]>): Promise<void> {
    this.check();
    // Serialised now: a caller changing its objects after the call does not change what is stored.
    const rows = entries.map(([key, value]): [string, string] => [key, JSON.stringify(value)]);
    await this.shared.commit(() => this.putAll(namespace, rows));
  }

  beforeCommit(fn: () => void): void {
    this.check();
    this.shared.beforeCommit(fn);
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
    this.shared.release();
  }
}
