// Maps the codes named by the rules ERP→MES (or MES→ERP) through a shared code-map-table.
// Output 1: the msg with mapped codes. Output 2: the original msg with msg.unmapped and msg.error,
// so an unmapped code never passes silently and a message is never half mapped.
import type { NodeAPI, Node, NodeDef, NodeMessageInFlow } from 'node-red';
import type { EventEmitter } from 'node:events';
import { compileRules, describeAllUnmapped, describeUnmapped, mapMessage, type CompiledRules, type Direction, type MappingRule, type UnmappedCode } from '../lib/code-map';
import type { CodeMapTableNode, LoadMode, TablesStatus } from '../code-map-table/code-map-table-api';
import { statusText } from '../lib/i18n/status-text';

interface CodeMapDef extends NodeDef {
  tables: string;
  direction?: string;
  rules?: MappingRule[];
}

const LOAD_TOPIC = 'code-map/load';
/** Status shows counts at most this often: one status update per message would cost more than the mapping. */
const STATUS_INTERVAL_MS = 1000;
/** Distinct unknown codes warned about per deploy; past this the debug sidebar would only be noise. */
const MAX_WARNED_CODES = 1000;

type LoadRequest = { rows: unknown[]; mode: LoadMode; at: string };

function loadRequest(payload: unknown): LoadRequest {
  if (Array.isArray(payload)) return { rows: payload, mode: 'replace', at: 'msg.payload' };
  if (payload && typeof payload === 'object' && Array.isArray((payload as { entries?: unknown }).entries)) {
    const mode = (payload as { mode?: unknown }).mode ?? 'replace';
    if (mode !== 'replace' && mode !== 'merge') {
      throw new Error(`${LOAD_TOPIC}: msg.payload.mode must be 'replace' or 'merge', not ${JSON.stringify(mode)}`);
    }
    return { rows: (payload as { entries: unknown[] }).entries, mode, at: 'msg.payload.entries' };
  }
  throw new Error(`${LOAD_TOPIC}: msg.payload must be an array of code entries {table, erp, mes, description} or {entries, mode}`);
}

export = function register(RED: NodeAPI): void {
  function CodeMap(this: Node, config: CodeMapDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const direction: Direction = config.direction === 'mes-to-erp' ? 'mes-to-erp' : 'erp-to-mes';
    const tableNode = RED.nodes.getNode(config.tables) as CodeMapTableNode | null;
    let rules: CompiledRules | undefined;
    let configError: Error | undefined;
    try {
      rules = compileRules(config.rules ?? []);
      if (!tableNode) throw new Error(RED._('code-map.errors.noTable'));
    } catch (err) {
      configError = err as Error;
      node.error(configError.message);
      node.status({ fill: 'red', shape: 'ring', text: statusText(tableNode ? 'code-map.status.invalidRule' : 'code-map.status.noTable') });
    }

    let mapped = 0;
    let unmapped = 0;
    let lastStatusAt = 0;
    let statusTimer: NodeJS.Timeout | undefined;
    const warned = new Set<string>();

    const showTables = (s: TablesStatus): void => {
      if (s.state === 'failed') node.status({ fill: 'red', shape: 'ring', text: statusText('code-map.status.tableFailed') });
      else if (s.state === 'stale') node.status({ fill: 'yellow', shape: 'ring', text: statusText('code-map.status.reloadFailed') });
      else node.status({ fill: 'green', shape: 'dot', text: statusText('code-map.status.codes', { count: s.size }) });
    };
    const showCounts = (): void => {
      lastStatusAt = Date.now();
      if (unmapped > 0) node.status({ fill: 'yellow', shape: 'dot', text: statusText('code-map.status.unmapped', { count: unmapped }) });
      else node.status({ fill: 'green', shape: 'dot', text: statusText('code-map.status.mapped', { count: mapped }) });
    };
    const countsChanged = (): void => {
      if (statusTimer) return;
      const wait = lastStatusAt + STATUS_INTERVAL_MS - Date.now();
      if (wait <= 0) showCounts();
      else
        statusTimer = setTimeout(() => {
          statusTimer = undefined;
          showCounts();
        }, wait);
    };
    const onTablesChanged = (s: TablesStatus): void => {
      if (statusTimer) clearTimeout(statusTimer);
      statusTimer = undefined;
      showTables(s);
    };
    if (tableNode && !configError) {
      tableNode.register(node);
      (tableNode as unknown as EventEmitter).on('tables-changed', onTablesChanged);
      showTables(tableNode.tablesStatus());
    }

    const warnOnce = (list: readonly UnmappedCode[]): void => {
      for (const u of list) {
        if (u.reason !== 'unknown' && u.reason !== 'ambiguous') continue;
        const key = `${u.table}\u0000${String(u.code)}`;
        if (warned.has(key) || warned.size > MAX_WARNED_CODES) continue;
        warned.add(key);
        node.warn(warned.size > MAX_WARNED_CODES ? `${RED._('code-map.warnings.tooMany')} (${MAX_WARNED_CODES})` : describeUnmapped(u, direction, tableNode?.tables));
      }
    };

    node.on('input', (msg: NodeMessageInFlow, send, done) => {
      if (configError || !rules || !tableNode) {
        done(configError);
        return;
      }
      if (msg.topic === LOAD_TOPIC) {
        try {
          const request = loadRequest(msg.payload);
          const loaded = tableNode.loadEntries(request.rows, request.mode, (i) => `${request.at}[${i}]`);
          node.status({ fill: 'green', shape: 'dot', text: statusText('code-map.status.loaded', { count: loaded.size() }) });
          done();
        } catch (err) {
          done(err as Error);
        }
        return;
      }
      const failure = tableNode.failure();
      if (failure !== undefined) {
        done(new Error(`${RED._('code-map.errors.tableFailed')} ${failure}`));
        return;
      }
      const outcome = mapMessage(msg, rules, tableNode.tables, direction);
      if (outcome.ok) {
        mapped++;
        countsChanged();
        // A single message goes to output 1; cheaper than [msg, null] on this hot path.
        send(outcome.msg);
        done();
        return;
      }
      unmapped++;
      countsChanged();
      warnOnce(outcome.unmapped);
      const out = msg as NodeMessageInFlow & { unmapped?: unknown; error?: unknown };
      out.unmapped = outcome.unmapped;
      out.error = { message: describeAllUnmapped(outcome.unmapped, direction, tableNode.tables), source: { id: node.id, type: node.type, name: node.name } };
      send([null, out]);
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (statusTimer) clearTimeout(statusTimer);
      statusTimer = undefined;
      if (tableNode && !configError) {
        (tableNode as unknown as EventEmitter).removeListener('tables-changed', onTablesChanged);
        tableNode.deregister(node);
      }
      node.status({});
      done();
    });
  }
  RED.nodes.registerType('code-map', CodeMap as unknown as (this: Node, config: NodeDef) => void);
};
