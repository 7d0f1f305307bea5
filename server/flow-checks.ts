// The checks a plant's flow file passes before the import CLI deploys it: every node type installed, the
// required settings of our config nodes (an ERP URL, a legacy-db client we support, a store we can open), and
// every config reference pointing at a node of the right type that will be there. All problems are listed, each
// as a sentence naming the node, so plant IT fixes the file once. Pure: the CLI gives it the server's state.
import { presetIds } from '../nodes/lib/erp/profile';
import { legacyDbClients } from '../nodes/lib/legacy-db/connection';
import { missingNodeTypes, type FlowNode } from './flow-import';

/**
 * Which property of which of our node types names which config node. Kept in step with the editor's
 * `defaults` (`type: '<config type>'`) by test/unit/flow-checks.test.ts.
 */
export const CONFIG_REFERENCES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'batch-record': { endpoint: 'erp-endpoint', store: 'bridge-store' },
  'code-map': { tables: 'code-map-table' },
  'cost-variance': { endpoint: 'erp-endpoint', store: 'bridge-store' },
  'erp-confirm': { endpoint: 'erp-endpoint', store: 'bridge-store' },
  'erp-order-fetch': { endpoint: 'erp-endpoint', store: 'bridge-store' },
  'exception-escalation': { endpoint: 'erp-endpoint', store: 'bridge-store' },
  'legacy-db-poll': { db: 'legacy-db', store: 'bridge-store' },
  'legacy-db-write': { db: 'legacy-db' },
  'material-overdraw': { endpoint: 'erp-endpoint', store: 'bridge-store' },
  'mes-order-ledger': { store: 'bridge-store' },
  oee: { endpoint: 'erp-endpoint', store: 'bridge-store' },
  'progress-push': { endpoint: 'erp-endpoint', store: 'bridge-store' },
  'trace-record': { store: 'bridge-store' },
};

export interface CheckContext {
  /** Node types the target Node-RED has installed. */
  installedTypes: ReadonlySet<string>;
  /** Server nodes that stay after the import (config nodes of other plants, kept tabs). */
  keptNodes: readonly FlowNode[];
  /** How problems name the file and the target. */
  file: string;
  target: string;
}

const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : v === undefined || v === null ? '' : String(v));
/** A value the runtime fills in from its environment: it cannot be checked here. */
const fromEnvironment = (v: string): boolean => /\$\{\w+\}/.test(v);

function nodeName(node: FlowNode): string {
  const name = text(node.name);
  return `${node.type} "${name || node.id}"${name && name !== node.id ? ` (id ${node.id})` : ''}`;
}

/** The settings a config node of ours cannot start without, each missing one as a sentence. */
export function settingProblems(node: FlowNode): string[] {
  const problems: string[] = [];
  const who = nodeName(node);
  if (node.type === 'erp-endpoint') {
    const url = text(node.baseUrl);
    if (url === '') problems.push(`${who} has no ERP URL (baseUrl is empty); set it, or write \${ERP_BASE_URL} and give the value in the plant file.`);
    else if ((node.baseUrlType ?? 'str') === 'str' && !fromEnvironment(url) && !/^https?:\/\/[^\s/]+/.test(url)) {
      problems.push(`${who} has an ERP URL "${url}" that is not an http(s) URL.`);
    }
    const profile = text(node.profile) || 'generic-rest';
    if (!fromEnvironment(profile) && profile !== 'custom' && !presetIds().includes(profile)) {
      problems.push(`${who} uses the ERP profile "${profile}", which is not a preset (${presetIds().join(', ')}) nor custom.`);
    }
  } else if (node.type === 'legacy-db') {
    const client = text(node.client);
    if (client === '') problems.push(`${who} has no database client; choose one of ${legacyDbClients.join(', ')}.`);
    else if (!fromEnvironment(client) && !legacyDbClients.includes(client as never)) {
      problems.push(`${who} uses the database client "${client}", which the bridge does not support; use one of ${legacyDbClients.join(', ')}.`);
    }
    if (client === 'sqlite' && text(node.database) === '') problems.push(`${who} is a sqlite database without a database file.`);
  } else if (node.type === 'bridge-store') {
    const storeType = text(node.storeType) || 'sqlite';
    if (storeType !== 'sqlite' && storeType !== 'redis') problems.push(`${who} has the store type "${storeType}"; it must be sqlite or redis.`);
    if (storeType === 'sqlite' && text(node.file) === '') problems.push(`${who} is a sqlite store without a file name.`);
    if (storeType === 'redis' && text(node.url) === '' && text(node.host) === '') problems.push(`${who} is a redis store without a URL or host.`);
  }
  return problems;
}

/** References from our nodes to config nodes: required ones set, none dangling, each of the right type. */
export function referenceProblems(fileNodes: readonly FlowNode[], keptNodes: readonly FlowNode[]): string[] {
  const available = new Map<string, FlowNode>();
  for (const n of keptNodes) available.set(n.id, n);
  for (const n of fileNodes) available.set(n.id, n);
  const problems: string[] = [];
  for (const node of fileNodes) {
    const refs = CONFIG_REFERENCES[node.type];
    if (!refs) continue;
    for (const [property, configType] of Object.entries(refs)) {
      const id = text(node[property]);
      if (id === '' || id === '_ADD_') {
        problems.push(`${nodeName(node)} has no ${configType} chosen (property ${property}).`);
        continue;
      }
      const target = available.get(id);
      if (!target) problems.push(`${nodeName(node)} refers to ${configType} "${id}" (property ${property}), which is neither in the file nor on the server.`);
      else if (target.type !== configType) problems.push(`${nodeName(node)} refers to "${id}" as its ${configType} (property ${property}), but that node is a ${target.type}.`);
    }
  }
  return problems;
}

/** Wires to nodes that are not there: Node-RED drops them without a word, so the flow would silently stop short. */
export function wireProblems(fileNodes: readonly FlowNode[], keptNodes: readonly FlowNode[]): string[] {
  const ids = new Set([...keptNodes, ...fileNodes].map((n) => n.id));
  const problems: string[] = [];
  for (const node of fileNodes) {
    if (!Array.isArray(node.wires)) continue;
    const missing = new Set((node.wires as unknown[]).flat().filter((w): w is string => typeof w === 'string' && !ids.has(w)));
    if (missing.size > 0) problems.push(`${nodeName(node)} is wired to ${[...missing].map((w) => `"${w}"`).join(', ')}, which ${missing.size === 1 ? 'is' : 'are'} not in the file.`);
  }
  return problems;
}

/** Every problem of the file as a sentence; empty when it may be deployed. */
export function checkFlowFile(fileNodes: readonly FlowNode[], ctx: CheckContext): string[] {
  const subflows = new Set(ctx.keptNodes.filter((n) => n.type === 'subflow').map((n) => n.id));
  const problems = missingNodeTypes(fileNodes, ctx.installedTypes, subflows).map(
    (m) => `${ctx.file} uses the node type ${m.type} (${m.nodes} node${m.nodes === 1 ? '' : 's'}), which is not installed on ${ctx.target}; install it there first.`,
  );
  for (const node of fileNodes) problems.push(...settingProblems(node));
  problems.push(...referenceProblems(fileNodes, ctx.keptNodes), ...wireProblems(fileNodes, ctx.keptNodes));
  return problems;
}
