// What a code-map-table config node offers the code-map nodes that use it.
import type { Node } from 'node-red';
import type { CodeTables, RowLabel } from '../lib/code-map';

export type TablesState = 'ok' | 'stale' | 'failed';

/** What users show as status: ok, stale (a reload failed, the previous tables are in use) or failed. */
export interface TablesStatus {
  state: TablesState;
  size: number;
  error?: string;
}

export type LoadMode = 'replace' | 'merge';

export interface CodeMapTableNode extends Node {
  /** The tables in force now; replaced (never mutated) on every change. */
  tables: CodeTables;
  tablesStatus(): TablesStatus;
  /** Why the tables cannot be used (they never loaded), or undefined; cheap enough for every message. */
  failure(): string | undefined;
  register(user: Node): void;
  deregister(user: Node): void;
  /** Loads rows at runtime; `replace` replaces each table the rows name, `merge` overrides row by row. Throws naming the row. */
  loadEntries(rows: readonly unknown[], mode: LoadMode, rowLabel: RowLabel): CodeTables;
  /** Resolves when the file has been read again (for a manual reload and for tests). */
  reloadFile(): Promise<void>;
}
