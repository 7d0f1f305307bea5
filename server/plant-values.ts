// Per-plant values for one flow file that serves every plant. Config nodes sit on no tab, so a tab's env cannot
// reach them, and Node-RED's global env (the global-config node) is one per runtime, so two plants imported
// into one bridge would overwrite each other's. So the import substitutes `${NAME}` in node properties from the
// plant file (JSON or .env), and, when the plant file names the plant, gives every node an id of that plant
// (derived, so a re-import gives the same ids and changes nothing). Pure: the CLI reads the files.
import { createHash } from 'node:crypto';
import type { FlowNode } from './flow-import';

export interface PlantValues {
  /** The plant's name or number; when set, ids are made per plant. */
  plant?: string;
  values: Record<string, string>;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Code and templates: `${…}` there is JavaScript or the template's own, never a plant value.
const NOT_SUBSTITUTED = new Set(['id', 'type', 'z', 'g', 'wires', 'x', 'y', 'func', 'initialize', 'finalize', 'template', 'format']);

function scalar(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`${where} must be a string, number or true/false, not ${value === null ? 'null' : typeof value}.`);
}

/**
 * Reads a plant file: JSON `{"plant": "1010", "values": {"ERP_BASE_URL": "…"}}` (or a flat object of values,
 * with PLANT naming the plant), or .env lines `NAME=value` (# comments, optional quotes, PLANT=1010).
 */
export function parsePlantFile(content: string, file: string): PlantValues {
  const trimmed = content.trim();
  let values: Record<string, string> = {};
  let plant: string | undefined;
  if (trimmed.startsWith('{')) {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(trimmed) as Record<string, unknown>;
    } catch (err) {
      throw new Error(`The plant file ${file} is not valid JSON: ${(err as Error).message}.`, { cause: err });
    }
    const nested = parsed.values;
    const source = nested && typeof nested === 'object' && !Array.isArray(nested) ? (nested as Record<string, unknown>) : parsed;
    if (parsed.plant !== undefined) plant = scalar(parsed.plant, `In ${file}, "plant"`);
    for (const [key, value] of Object.entries(source)) {
      if (source === parsed && (key === 'plant' || key === 'values')) continue;
      if (!NAME.test(key)) throw new Error(`The plant file ${file} has the value name "${key}"; names are letters, digits and _ (not starting with a digit).`);
      values[key] = scalar(value, `In ${file}, "${key}"`);
    }
  } else {
    content.split(/\r?\n/).forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
      if (!m) throw new Error(`The plant file ${file}, line ${i + 1}, is not NAME=value: "${line.slice(0, 60)}".`);
      const value = m[2]!.replace(/^(['"])(.*)\1$/, '$2');
      values[m[1]!] = value;
    });
  }
  if (plant === undefined && values.PLANT !== undefined) plant = values.PLANT;
  if (plant !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/.test(plant)) {
    throw new Error(`The plant file ${file} names the plant "${plant}"; a plant is 1–40 letters, digits, ".", "_" or "-".`);
  }
  values = Object.fromEntries(Object.entries(values).sort(([a], [b]) => a.localeCompare(b)));
  return { ...(plant !== undefined && { plant }), values };
}

export interface Substitution {
  nodes: FlowNode[];
  /** `${NAME}`s the plant file does not give: left for the runtime's environment to fill. */
  leftToEnvironment: string[];
}

/** Replaces `${NAME}` with the plant's value in every property (nested too), except code and wiring. */
export function substitutePlantValues(nodes: readonly FlowNode[], plant: PlantValues): Substitution {
  const unknown = new Set<string>();
  const fill = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => {
        if (Object.hasOwn(plant.values, name)) return plant.values[name]!;
        unknown.add(name);
        return whole;
      });
    }
    if (Array.isArray(value)) return value.map(fill);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v)]));
    return value;
  };
  const out = nodes.map((node) => Object.fromEntries(Object.entries(node).map(([k, v]) => [k, NOT_SUBSTITUTED.has(k) ? v : fill(v)])) as FlowNode);
  return { nodes: out, leftToEnvironment: [...unknown].sort() };
}

// Code, names, positions and the node's own id and type hold no references to other nodes.
const NOT_RE_IDED = new Set(['id', 'type', 'name', 'label', 'info', 'x', 'y', 'func', 'initialize', 'finalize', 'template', 'format']);

/** The id a node gets in one plant: derived from the plant and the file's id, so it is the same at every import. */
export function plantNodeId(plant: string, id: string): string {
  return createHash('sha256').update(`${plant}\u0000${id}`).digest('hex').slice(0, 16);
}

/**
 * Gives every node of the file an id of this plant and rewrites what points at ids: z, g, wires, link and
 * scope lists, group members, subflow instances and any property whose whole value is an id of the file
 * (config references). Two plants imported from one file then share no node.
 */
export function idsForPlant(nodes: readonly FlowNode[], plant: string): FlowNode[] {
  const map = new Map(nodes.map((n) => [n.id, plantNodeId(plant, n.id)]));
  const swap = (value: unknown): unknown => {
    if (typeof value === 'string') return map.get(value) ?? value;
    if (Array.isArray(value)) return value.map(swap);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swap(v)]));
    return value;
  };
  return nodes.map((node) => {
    const out: FlowNode = { ...node, id: map.get(node.id)! };
    for (const [key, value] of Object.entries(node)) {
      if (NOT_RE_IDED.has(key)) continue;
      out[key] = swap(value);
    }
    if (node.type.startsWith('subflow:')) {
      const target = map.get(node.type.slice('subflow:'.length));
      if (target) out.type = `subflow:${target}`;
    }
    return out;
  });
}

export interface ConfigCollision {
  id: string;
  type: string;
  /** Server nodes on tabs the import keeps that use the server's node of that id. */
  users: Array<{ id: string; type: string; tab: string }>;
}

const isContainer = (n: FlowNode): boolean => n.type === 'tab' || n.type === 'subflow';

/**
 * Config nodes of the file whose id the server already uses for a different node that nodes on tabs outside
 * the file rely on: importing would rewire those tabs (another plant's) to this file's settings.
 */
export function configCollisions(serverFlows: readonly FlowNode[], fileNodes: readonly FlowNode[], same: (a: FlowNode, b: FlowNode) => boolean): ConfigCollision[] {
  const fileContainers = new Set(fileNodes.filter(isContainer).map((n) => n.id));
  const serverById = new Map(serverFlows.map((n) => [n.id, n]));
  const collisions: ConfigCollision[] = [];
  for (const node of fileNodes) {
    if (isContainer(node) || (typeof node.z === 'string' && node.z !== '')) continue;
    const existing = serverById.get(node.id);
    if (!existing || same(existing, node)) continue;
    const users = serverFlows
      .filter((n) => typeof n.z === 'string' && n.z !== '' && !fileContainers.has(n.z) && Object.entries(n).some(([k, v]) => k !== 'id' && k !== 'z' && k !== 'wires' && v === node.id))
      .map((n) => ({ id: n.id, type: n.type, tab: n.z as string }));
    if (users.length > 0) collisions.push({ id: node.id, type: node.type, users });
  }
  return collisions;
}
