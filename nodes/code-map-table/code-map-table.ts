// Config node holding the master-data code tables (主数据编码映射) that code-map nodes share:
// inline rows from the editor, an optional CSV/JSON file watched for edits, and rows loaded at
// runtime by message. Effective tables = inline ⊕ file (file wins for the same table + ERP code),
// then the runtime loads on top.
import type { NodeAPI, Node, NodeDef } from 'node-red';
import { isAbsolute, resolve } from 'node:path';
import { CodeTables, isTableName, loadCodeFile, loadCodeFileSync, watchCodeFile, type FileWatch, type TableName } from '../lib/code-map';
import { CODE_TABLE_CHANGED_EVENT, type CodeTableChange } from '../lib/code-map/change-event';
import type { CodeMapTableNode, TablesState, TablesStatus } from './code-map-table-api';

interface CodeMapTableDef extends NodeDef {
  entries?: unknown[];
  file?: string;
  /** '' = the file has a table column; otherwise the one table the file holds. */
  fileTable?: string;
}

/** Settings key (in settings.js) for the wait after a file change before it is read again. */
const DEBOUNCE_SETTING = 'codeMapTableReloadDebounce';

export = function register(RED: NodeAPI): void {
  function CodeMapTable(this: CodeMapTableNode, config: CodeMapTableDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    node.setMaxListeners(0); // one listener per code-map node using this table
    const users = new Set<string>();
    let inline = CodeTables.empty();
    let fromFile = CodeTables.empty();
    let overlay = CodeTables.empty();
    const replaced = new Set<TableName>();
    let inlineError: string | undefined;
    let fileError: string | undefined;
    let fileLoaded = false;
    let watcher: FileWatch | undefined;
    let reloads = 0;
    let closed = false;

    const source = (config.file ?? '').trim();
    const absolute = source && (isAbsolute(source) ? source : resolve(String(RED.settings.userDir ?? process.cwd()), source));
    const fileTable: TableName | undefined = isTableName(config.fileTable) ? config.fileTable : undefined;

    const recompute = (): void => {
      node.tables = CodeTables.combine(CodeTables.combine(inline, fromFile), overlay, replaced);
    };
    // Failed = a source never loaded (mapping with half the codes would flood output 2);
    // stale = the file's last reload failed and the tables read before are still in force.
    const status = (): TablesStatus => {
      const state: TablesState = inlineError || (fileError && !fileLoaded) ? 'failed' : fileError ? 'stale' : 'ok';
      const error = inlineError ?? fileError;
      return error === undefined ? { state, size: node.tables.size() } : { state, size: node.tables.size(), error };
    };
    // Messages are a localised lead-in followed by the core's English detail (file, row, code),
    // so the detail survives whatever the catalogue holds.
    const changed = (): void => {
      node.emit('tables-changed', status());
    };
    // Heard by change control (server/change-control.ts): a code table changed without a deploy.
    const announce = (change: Omit<CodeTableChange, 'id' | 'name'>): void => {
      RED.events.emit(CODE_TABLE_CHANGED_EVENT, { id: node.id, name: config.name || node.id, ...change } satisfies CodeTableChange);
    };

    try {
      // The editor leaves an empty description when none was typed.
      const rows = (config.entries ?? []).map((row) => {
        if (!row || typeof row !== 'object' || (row as { description?: unknown }).description !== '') return row;
        const { description: _unused, ...rest } = row as Record<string, unknown>;
        return rest;
      });
      inline = CodeTables.fromEntries(rows, (i) => `${RED._('code-map-table.errors.inlineRow')} ${i + 1}`);
    } catch (err) {
      inlineError = (err as Error).message;
      node.error(`${RED._('code-map-table.errors.loadFailed')} ${inlineError}`);
    }
    if (absolute) {
      try {
        fromFile = loadCodeFileSync(absolute, source, fileTable);
        fileLoaded = true;
      } catch (err) {
        fileError = (err as Error).message;
        node.error(`${RED._('code-map-table.errors.loadFailed')} ${fileError}`);
      }
    }
    recompute();

    node.reloadFile = async (): Promise<void> => {
      if (!absolute || closed) return;
      const seq = ++reloads;
      try {
        const tables = await loadCodeFile(absolute, source, fileTable);
        if (seq !== reloads || closed) return;
        fromFile = tables;
        fileLoaded = true;
        fileError = undefined;
        recompute();
        node.log(`${RED._('code-map-table.log.reloaded')} ${source} (${tables.size()})`);
        announce({ how: 'file', file: source, codes: node.tables.size() });
      } catch (err) {
        if (seq !== reloads || closed) return;
        fileError = (err as Error).message;
        node.error(`${RED._('code-map-table.errors.reloadFailed')} ${fileError}`);
      }
      changed();
    };
    if (absolute) {
      const debounce = Number((RED.settings as unknown as Record<string, unknown>)[DEBOUNCE_SETTING] ?? 200);
      watcher = watchCodeFile(absolute, () => void node.reloadFile(), Number.isFinite(debounce) && debounce >= 0 ? debounce : 200);
    }

    node.tablesStatus = status;
    node.failure = () => (inlineError || (fileError && !fileLoaded) ? (inlineError ?? fileError ?? 'failed') : undefined);
    node.register = (user: Node): void => {
      users.add(user.id);
    };
    node.deregister = (user: Node): void => {
      users.delete(user.id);
    };
    node.loadEntries = (rows, mode, rowLabel): CodeTables => {
      const loaded = CodeTables.fromEntries(rows, rowLabel);
      if (mode === 'replace') {
        const tables = new Set(loaded.tablesWithRows());
        overlay = CodeTables.combine(overlay, loaded, tables);
        for (const t of tables) replaced.add(t);
      } else {
        overlay = CodeTables.combine(overlay, loaded);
      }
      recompute();
      changed();
      announce({ how: 'message', mode: mode === 'replace' ? 'replace' : 'merge', codes: loaded.size() });
      return loaded;
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      watcher?.close();
      watcher = undefined;
      users.clear();
      done();
    });
  }
  RED.nodes.registerType('code-map-table', CodeMapTable as unknown as (this: Node, config: NodeDef) => void);
};
