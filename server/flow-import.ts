// The pure part of the flow-import CLI: checks a plant's flow file, finds node types the server lacks,
// and merges the file into the server's flow configuration tab by tab. No I/O, so it is unit-tested.

/** One entry of a Node-RED flow configuration (tab, subflow, config node or flow node). */
export interface FlowNode {
  id: string;
  type: string;
  z?: string;
  [property: string]: unknown;
}

export type ImportMode = 'merge-by-tab' | 'replace-all';

/** A problem with the flow file itself; the message names the file and the node. */
export class FlowFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlowFileError';
  }
}

/** Types the runtime knows without any node module: containers and editor-only wiring. */
const BUILT_IN_TYPES: ReadonlySet<string> = new Set(['tab', 'subflow', 'group', 'junction']);
const CONTAINER_TYPES: ReadonlySet<string> = new Set(['tab', 'subflow']);
// Node-RED runs at most one global-config node; an imported one replaces the server's whatever its id.
const SINGLETON_TYPES: ReadonlySet<string> = new Set(['global-config']);

/** The tab (or subflow) a node sits on; config nodes and containers have none. Empty z counts as none. */
export function containerOf(node: FlowNode): string | undefined {
  return typeof node.z === 'string' && node.z !== '' ? node.z : undefined;
}

function isContainer(node: FlowNode): boolean {
  return CONTAINER_TYPES.has(node.type);
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Parses and checks a flow file's text: a JSON array of node objects, each with a string id and type,
 * ids unique, every z naming a tab or subflow that is in the same file. `file` is how errors name it.
 */
export function parseFlowFile(text: string, file: string): FlowNode[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new FlowFileError(`${file} is not valid JSON: ${(err as Error).message}.`);
  }
  if (!Array.isArray(parsed)) {
    throw new FlowFileError(`${file} must hold a JSON array of flow nodes (as the editor's Export gives), but it holds ${describeValue(parsed)}.`);
  }
  if (parsed.length === 0) throw new FlowFileError(`${file} holds an empty array: there is no flow to import.`);

  const positionById = new Map<string, number>();
  parsed.forEach((raw: unknown, i) => {
    const where = `${file}: node ${i + 1}`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new FlowFileError(`${where} is ${describeValue(raw)}, not a node object.`);
    const node = raw as Record<string, unknown>;
    if (node.id === undefined || node.id === '') throw new FlowFileError(`${where} has no id.`);
    if (typeof node.id !== 'string') throw new FlowFileError(`${where} has an id that is ${describeValue(node.id)}, not a string.`);
    const named = `${where} (id "${node.id}")`;
    if (node.type === undefined || node.type === '') throw new FlowFileError(`${named} has no type.`);
    if (typeof node.type !== 'string') throw new FlowFileError(`${named} has a type that is ${describeValue(node.type)}, not a string.`);
    if (node.z !== undefined && typeof node.z !== 'string') throw new FlowFileError(`${named} has a z (its tab) that is ${describeValue(node.z)}, not a string.`);
    const first = positionById.get(node.id);
    if (first !== undefined) throw new FlowFileError(`${named} has the same id as node ${first}.`);
    positionById.set(node.id, i + 1);
  });

  const nodes = parsed as FlowNode[];
  const containers = new Set(nodes.filter(isContainer).map((n) => n.id));
  nodes.forEach((node, i) => {
    const z = containerOf(node);
    if (z !== undefined && !containers.has(z)) {
      throw new FlowFileError(`${file}: node ${i + 1} (id "${node.id}", type ${node.type}) is on tab "${z}", which is not in the file; export the whole tab.`);
    }
  });
  return nodes;
}

export interface MissingType {
  type: string;
  /** How many nodes in the file use it. */
  nodes: number;
}

/**
 * The node types the file uses that the server cannot run, in first-use order. `subflow:<id>` instances
 * need that subflow in the file or among `subflowIds` (subflows that stay on the server).
 */
export function missingNodeTypes(fileNodes: readonly FlowNode[], installedTypes: ReadonlySet<string>, subflowIds: ReadonlySet<string> = new Set()): MissingType[] {
  const fileSubflows = new Set(fileNodes.filter((n) => n.type === 'subflow').map((n) => n.id));
  const missing = new Map<string, number>();
  for (const node of fileNodes) {
    if (BUILT_IN_TYPES.has(node.type) || installedTypes.has(node.type)) continue;
    if (node.type.startsWith('subflow:')) {
      const subflow = node.type.slice('subflow:'.length);
      if (fileSubflows.has(subflow) || subflowIds.has(subflow)) continue;
    }
    missing.set(node.type, (missing.get(node.type) ?? 0) + 1);
  }
  return [...missing].map(([type, nodes]) => ({ type, nodes }));
}

/**
 * The installed node types from GET /nodes (node sets, each with `types`). Disabled sets do not count, nor
 * does "unknown": the editor's stand-in for a missing type, which runs nothing.
 */
export function installedNodeTypes(nodeSets: unknown): Set<string> {
  const types = new Set<string>();
  if (!Array.isArray(nodeSets)) return types;
  for (const set of nodeSets as Array<{ types?: unknown; enabled?: unknown }>) {
    if (set?.enabled === false || !Array.isArray(set?.types)) continue;
    for (const type of set.types) if (typeof type === 'string' && type !== 'unknown') types.add(type);
  }
  return types;
}

export type ContainerChange = 'added' | 'replaced' | 'kept' | 'removed';

export interface ContainerPlan {
  id: string;
  kind: 'tab' | 'subflow';
  label: string;
  change: ContainerChange;
  nodesBefore: number;
  nodesAfter: number;
}

export interface ImportPlan {
  mode: ImportMode;
  /** The complete flow configuration to deploy. */
  flows: FlowNode[];
  containers: ContainerPlan[];
  /** The file's config nodes (no z): new ones, and ones replacing a server node with the same id. */
  configNodes: { added: number; replaced: number };
  /** Server nodes on tabs that stay, removed because a file node has the same id. */
  takenFromOtherTabs: Array<{ id: string; type: string; tab: string }>;
  nodesBefore: number;
  nodesAfter: number;
  /** True when the result is what the server already runs (same nodes, same tab order). */
  unchanged: boolean;
}

function label(node: FlowNode): string {
  const text = node.type === 'tab' ? node.label : node.name;
  return typeof text === 'string' && text.trim() !== '' ? text : node.id;
}

function countOn(nodes: readonly FlowNode[], containerId: string): number {
  return nodes.filter((n) => containerOf(n) === containerId).length;
}

/** JSON with sorted keys, so two nodes compare equal whatever order their properties came in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v));
}

/** Two nodes with the same properties and values, in whatever order. */
export function sameNode(a: FlowNode, b: FlowNode): boolean {
  return canonical(a) === canonical(b);
}

function sameConfiguration(before: readonly FlowNode[], after: readonly FlowNode[]): boolean {
  if (before.length !== after.length) return false;
  const tabOrder = (nodes: readonly FlowNode[]) =>
    nodes
      .filter(isContainer)
      .map((n) => n.id)
      .join('\n');
  if (tabOrder(before) !== tabOrder(after)) return false;
  const byId = new Map(before.map((n) => [n.id, canonical(n)]));
  return after.every((n) => byId.get(n.id) === canonical(n));
}

/**
 * Works out the new flow configuration. merge-by-tab: the file's tabs/subflows with everything on them,
 * and its config nodes, replace server nodes with the same ids and every node on those tabs; other tabs
 * stay, and a replaced tab keeps its place in the tab order. replace-all: the file becomes the configuration.
 */
export function planImport(serverFlows: readonly FlowNode[], fileNodes: readonly FlowNode[], mode: ImportMode): ImportPlan {
  const fileIds = new Set(fileNodes.map((n) => n.id));
  const fileById = new Map(fileNodes.map((n) => [n.id, n]));
  const fileSingletons = new Set(fileNodes.filter((n) => SINGLETON_TYPES.has(n.type)).map((n) => n.type));

  const removedDirectly = (n: FlowNode): boolean => mode === 'replace-all' || fileIds.has(n.id) || fileSingletons.has(n.type);
  // A server tab that goes takes its nodes with it, so nothing is left pointing at a missing tab.
  const removedContainers = new Set(serverFlows.filter((n) => isContainer(n) && removedDirectly(n)).map((n) => n.id));
  for (const node of fileNodes) if (isContainer(node)) removedContainers.add(node.id);
  const removed = (n: FlowNode): boolean => removedDirectly(n) || removedContainers.has(containerOf(n) ?? '');

  const flows: FlowNode[] = [];
  const placed = new Set<string>();
  const place = (node: FlowNode): void => {
    flows.push(node);
    placed.add(node.id);
  };
  for (const node of serverFlows) {
    if (!removed(node)) {
      flows.push(node);
      continue;
    }
    const replacement = fileById.get(node.id);
    if (replacement && !placed.has(replacement.id)) {
      place(replacement);
      if (isContainer(replacement)) for (const child of fileNodes) if (containerOf(child) === replacement.id && !placed.has(child.id)) place(child);
    }
  }
  for (const node of fileNodes) if (!placed.has(node.id)) place(node);

  const serverIds = new Set(serverFlows.map((n) => n.id));
  const containers: ContainerPlan[] = [];
  for (const node of serverFlows.filter(isContainer)) {
    const replacement = fileById.get(node.id);
    const change: ContainerChange = replacement && isContainer(replacement) ? 'replaced' : removedContainers.has(node.id) ? 'removed' : 'kept';
    containers.push({
      id: node.id,
      kind: (replacement && isContainer(replacement) ? replacement : node).type as 'tab' | 'subflow',
      label: label(replacement && isContainer(replacement) ? replacement : node),
      change,
      nodesBefore: countOn(serverFlows, node.id),
      nodesAfter: change === 'removed' ? 0 : countOn(flows, node.id),
    });
  }
  for (const node of fileNodes.filter(isContainer)) {
    if (serverIds.has(node.id)) continue;
    containers.push({ id: node.id, kind: node.type as 'tab' | 'subflow', label: label(node), change: 'added', nodesBefore: 0, nodesAfter: countOn(flows, node.id) });
  }

  const fileConfig = fileNodes.filter((n) => !isContainer(n) && containerOf(n) === undefined);
  const replacedConfig = fileConfig.filter((n) => serverIds.has(n.id)).length;
  const takenFromOtherTabs =
    mode === 'replace-all' ? [] : serverFlows.filter((n) => fileIds.has(n.id) && !isContainer(n) && containerOf(n) !== undefined && !removedContainers.has(containerOf(n)!)).map((n) => ({ id: n.id, type: n.type, tab: containerOf(n)! }));

  return {
    mode,
    flows,
    containers,
    configNodes: { added: fileConfig.length - replacedConfig, replaced: replacedConfig },
    takenFromOtherTabs,
    nodesBefore: serverFlows.length,
    nodesAfter: flows.length,
    unchanged: sameConfiguration(serverFlows, flows),
  };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The plan as lines for a person: what each tab becomes, config nodes, and totals. */
export function describePlan(plan: ImportPlan): string[] {
  const lines: string[] = [];
  for (const c of plan.containers) {
    const name = `${c.kind} "${c.label}"${c.label === c.id ? '' : ` (${c.id})`}`;
    if (c.change === 'added') lines.push(`  + ${name}: added, ${plural(c.nodesAfter, 'node')}`);
    else if (c.change === 'replaced') lines.push(`  ~ ${name}: replaced, ${c.nodesBefore} → ${plural(c.nodesAfter, 'node')}`);
    else if (c.change === 'removed') lines.push(`  - ${name}: removed with its ${plural(c.nodesBefore, 'node')}`);
    else lines.push(`  = ${name}: kept as it is, ${plural(c.nodesBefore, 'node')}`);
  }
  const { added, replaced } = plan.configNodes;
  if (added + replaced > 0) lines.push(`  config nodes from the file: ${added} added, ${replaced} replaced`);
  for (const t of plan.takenFromOtherTabs) {
    lines.push(`  ! node "${t.id}" (${t.type}) on kept tab "${t.tab}" is replaced by the file's node with the same id`);
  }
  lines.push(`  nodes on the server: ${plan.nodesBefore} before, ${plan.nodesAfter} after`);
  return lines;
}
