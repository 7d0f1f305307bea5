// What erp-order-fetch's orders are refused under, and when that changes: a fingerprint of the fetch node, its
// ERP endpoint (profile, ERP settings) and every code table and mapping, taken again after each deploy; and the
// code tables' own reloads of their files (no deploy). The node retries its parked orders on either.
import { createHash } from 'node:crypto';
import type { NodeAPI } from 'node-red';

/** Editor-only properties: moving a node is not a change of configuration. */
const LAYOUT = new Set(['x', 'y', 'z', 'w', 'h', 'g', 'wires', 'inputLabels', 'outputLabels', 'info']);

export interface ConfigWatch {
  /** The fingerprint as of the last deploy. */
  hash(): string;
  close(): void;
}

export function watchConfiguration(RED: NodeAPI, ids: { node: string; endpoint: string }, on: { deployed(hash: string): void; tablesReloaded(): void }): ConfigWatch {
  const fingerprint = (): string => {
    const parts: Array<Record<string, unknown>> = [];
    RED.nodes.eachNode((n) => {
      const def = n as unknown as Record<string, unknown>;
      if (def.id === ids.node || def.id === ids.endpoint || def.type === 'code-map' || def.type === 'code-map-table') {
        parts.push(Object.fromEntries(Object.entries(def).filter(([k]) => !LAYOUT.has(k))));
      }
    });
    parts.sort((a, b) => String(a.id).localeCompare(String(b.id)));
    return createHash('sha1').update(JSON.stringify(parts)).digest('base64').slice(0, 16);
  };
  let current = fingerprint();

  // Only our own listeners are removed from the shared code-map-table nodes.
  const onTablesChanged = (state: { state?: string }): void => {
    if (state.state !== 'failed') on.tablesReloaded();
  };
  let tables: NodeJS.EventEmitter[] = [];
  const unwatchTables = (): void => {
    for (const table of tables) table.removeListener('tables-changed', onTablesChanged);
    tables = [];
  };
  const onFlowsStarted = (): void => {
    current = fingerprint();
    unwatchTables();
    RED.nodes.eachNode((n) => {
      const table = n.type === 'code-map-table' ? (RED.nodes.getNode(n.id) as unknown as NodeJS.EventEmitter | null) : null;
      if (table) {
        table.on('tables-changed', onTablesChanged);
        tables.push(table);
      }
    });
    on.deployed(current);
  };
  RED.events.on('flows:started', onFlowsStarted);

  return {
    hash: () => current,
    close() {
      RED.events.removeListener('flows:started', onFlowsStarted);
      unwatchTables();
    },
  };
}
