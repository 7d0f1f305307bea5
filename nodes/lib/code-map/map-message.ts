// Maps the codes of a message from one system's vocabulary to the other's. All rules are compiled
// into one tree of path segments, so each container is visited once and copied at most once
// (copy-on-write): the input message is never changed, and untouched branches are shared.
import { formatPath, parsePath, PathSyntaxError, type Segment } from './paths';
import { TABLE_NAMES, isTableName, type CodeTables, type Direction, type TableName } from './tables';

export interface MappingRule {
  /** Field path relative to msg, e.g. payload.operations[*].equipmentCode */
  path: string;
  table: TableName;
}

export type UnmappedReason = 'unknown' | 'ambiguous' | 'empty' | 'not-a-string' | 'not-an-object' | 'not-an-array';

export interface UnmappedCode {
  /** Concrete path, wildcards resolved: payload.operations[2].equipmentCode */
  field: string;
  /** The value found there (a string unless the reason says otherwise). */
  code: unknown;
  table: TableName;
  reason: UnmappedReason;
}

export type MapOutcome<T> = { ok: true; msg: T } | { ok: false; unmapped: UnmappedCode[] };

interface PathNode {
  readonly segments: Segment[];
  readonly wildcards: number;
  /** Index into TABLE_NAMES for a leaf, -1 for a container. */
  table: number;
  rule: string;
  props: Array<PathNode & { key: string }>;
  indexes: Array<PathNode & { index: number }>;
  each: PathNode | undefined;
  /** Tables of the leaves below, for reporting a container of the wrong shape. */
  leafTables: number[];
}

export interface CompiledRules {
  readonly rules: readonly MappingRule[];
  /** Generated once per configuration; see generateMapper. */
  readonly mapper: Mapper;
  /** The path tree's nodes, as the mapper's reports number them. */
  readonly nodes: PathNode[];
}

function newNode(segments: Segment[]): PathNode {
  const wildcards = segments.reduce((n, s) => n + (s.kind === 'each' ? 1 : 0), 0);
  return { segments, wildcards, table: -1, rule: '', props: [], indexes: [], each: undefined, leafTables: [] };
}

/** Parses every rule once; a wrong rule throws an error naming its path (config error). */
export function compileRules(rules: readonly MappingRule[]): CompiledRules {
  const root = newNode([]);
  rules.forEach((rule, i) => {
    const label = `rule ${i + 1}`;
    if (!isTableName(rule?.table)) {
      throw new PathSyntaxError(String(rule?.path ?? ''), `${label} names table '${String(rule?.table)}'; choose one of ${TABLE_NAMES.join(', ')}`);
    }
    const table = TABLE_NAMES.indexOf(rule.table);
    const segments = parsePath(rule.path);
    let node = root;
    for (let s = 0; s < segments.length; s++) {
      const seg = segments[s];
      if (node.table >= 0) throw conflict(rule.path, node.rule);
      if (seg.kind !== 'prop' && node.props.length > 0) throw new PathSyntaxError(rule.path, `${formatPath(segments.slice(0, s))} is used both as an object and as an array by the rules`);
      if (seg.kind === 'prop' && (node.indexes.length > 0 || node.each)) throw new PathSyntaxError(rule.path, `${formatPath(segments.slice(0, s))} is used both as an object and as an array by the rules`);
      if ((seg.kind === 'each' && node.indexes.length > 0) || (seg.kind === 'index' && node.each)) {
        throw new PathSyntaxError(rule.path, `${formatPath(segments.slice(0, s))} is addressed both by [*] and by an index`);
      }
      const here = segments.slice(0, s + 1);
      let next: PathNode | undefined;
      if (seg.kind === 'prop') {
        next = node.props.find((c) => c.key === seg.key);
        if (!next) node.props.push((next = Object.assign(newNode(here), { key: seg.key })));
      } else if (seg.kind === 'index') {
        next = node.indexes.find((c) => c.index === seg.index);
        if (!next) node.indexes.push((next = Object.assign(newNode(here), { index: seg.index })));
      } else {
        next = node.each ??= newNode(here);
      }
      if (!next.leafTables.includes(table)) next.leafTables.push(table);
      node = next;
    }
    if (node.table >= 0) throw conflict(rule.path, node.rule);
    if (node.props.length > 0 || node.indexes.length > 0 || node.each) throw new PathSyntaxError(rule.path, 'another rule maps a field inside it');
    node.table = table;
    node.rule = rule.path;
  });
  const { mapper, nodes } = generateMapper(root);
  return { rules: rules.map((r) => ({ path: r.path, table: r.table })), mapper, nodes };
}

function conflict(path: string, other: string): PathSyntaxError {
  return new PathSyntaxError(path, other === path ? 'it appears in two rules' : `it overlaps the rule for '${other}'`);
}

// The tree is turned into plain JavaScript once per configuration (as ajv does for schemas): on the
// hot path a message then costs what a hand-written mapper costs, property reads and Map.get calls.
type Mapper = (msg: unknown, maps: ReadonlyArray<ReadonlyMap<string, string>>) => unknown;
type Report = (node: number, value: unknown, reason: UnmappedReason, table: number) => void;
type ReportShape = (node: number, value: unknown, reason: UnmappedReason) => void;

function generateMapper(root: PathNode): { mapper: Mapper; nodes: PathNode[] } {
  const nodes: PathNode[] = [];
  const functions: string[] = [];

  // Code that maps value `c` at `node` into `r` (r starts equal to c).
  function mapInto(node: PathNode, c: string, r: string): string {
    if (node.table < 0) return `${r} = f${generate(node)}(${c}, M);`;
    nodes.push(node);
    const k = nodes.length - 1;
    return `if (typeof ${c} === 'string') { const m = M[${node.table}].get(${c}); if (m !== undefined) ${r} = m; else R(${k}, ${c}, ${c}.trim() === '' ? 'empty' : 'unknown', ${node.table}); } else R(${k}, ${c}, 'not-a-string', ${node.table});`;
  }

  function generate(node: PathNode): number {
    nodes.push(node);
    const k = nodes.length - 1;
    const lines: string[] = [];
    if (node.props.length > 0) {
      lines.push(`if (typeof v !== 'object' || Array.isArray(v)) { S(${k}, v, 'not-an-object'); return v; }`);
      node.props.forEach((child, i) => {
        const key = JSON.stringify(child.key);
        lines.push(`const c${i} = v[${key}]; let r${i} = c${i};`);
        lines.push(`if (c${i} !== undefined && c${i} !== null) { ${mapInto(child, `c${i}`, `r${i}`)} }`);
      });
      const all = node.props.map((_, i) => i);
      lines.push(`if (${all.map((i) => `r${i} === c${i}`).join(' && ')}) return v;`);
      // One object literal when every field is there; absent fields must stay absent in the copy.
      lines.push(`if (${all.map((i) => `c${i} !== undefined`).join(' && ')}) return { ...v, ${node.props.map((c, i) => `${JSON.stringify(c.key)}: r${i}`).join(', ')} };`);
      lines.push(`const o = { ...v };`);
      node.props.forEach((c, i) => lines.push(`if (r${i} !== c${i}) o[${JSON.stringify(c.key)}] = r${i};`));
      lines.push('return o;');
    } else {
      lines.push(`if (!Array.isArray(v)) { S(${k}, v, 'not-an-array'); return v; }`);
      lines.push('let o;');
      for (const child of node.indexes) {
        lines.push(`{ const c = v[${child.index}]; if (c !== undefined && c !== null) { let r = c; ${mapInto(child, 'c', 'r')} if (r !== c) (o ??= v.slice())[${child.index}] = r; } }`);
      }
      if (node.each) {
        const depth = node.each.wildcards - 1;
        lines.push(`for (let i = 0; i < v.length; i++) { const c = v[i]; if (c === undefined || c === null) continue; I[${depth}] = i; let r = c; ${mapInto(node.each, 'c', 'r')} if (r !== c) (o ??= v.slice())[i] = r; }`);
        lines.push(`I.length = ${depth};`);
      }
      lines.push('return o ?? v;');
    }
    functions.push(`function f${k}(v, M) {\n  ${lines.join('\n  ')}\n}`);
    return k;
  }

  generate(root);
  const source = `'use strict';\n${functions.join('\n')}\nreturn f0;`;
  const factory = new Function('R', 'S', 'I', source) as (r: Report, s: ReportShape, i: number[]) => Mapper;
  return { mapper: factory(report, reportShape, indices), nodes };
}

// One mapping pass runs at a time (JavaScript runs it to completion), so what it collects lives here
// rather than in an object allocated per message.
let unmapped: UnmappedCode[] | undefined;
let pass: PathNode[] = [];
const indices: number[] = [];

function report(k: number, value: unknown, reason: UnmappedReason, table: number): void {
  (unmapped ??= []).push({ field: formatPath(pass[k].segments, indices), code: value, table: TABLE_NAMES[table], reason });
}

function reportShape(k: number, value: unknown, reason: UnmappedReason): void {
  for (const t of pass[k].leafTables) report(k, value, reason, t);
}

/**
 * Maps every code the rules name. Either all of them map and a new message comes back (the input is
 * untouched; only touched branches are copied), or none is applied and every unmapped code is listed.
 * Absent fields (undefined or null) are nothing to map.
 */
export function mapMessage<T extends object>(msg: T, rules: CompiledRules, tables: CodeTables, direction: Direction): MapOutcome<T> {
  unmapped = undefined;
  pass = rules.nodes;
  const out = rules.mapper(msg, tables.mapsFor(direction)) as T;
  if (unmapped === undefined) return { ok: true, msg: out };
  const found: UnmappedCode[] = unmapped;
  unmapped = undefined;
  indices.length = 0;
  if (direction === 'mes-to-erp') {
    for (const u of found) if (u.reason === 'unknown' && tables.erpCodesSharing(u.table, u.code as string).length > 0) u.reason = 'ambiguous';
  }
  return { ok: false, unmapped: found };
}

function kind(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  const t = typeof value;
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text !== undefined && text.length > 40 ? `${text.slice(0, 37)}...` : String(text);
}

/** One sentence per unmapped code, naming the code, where it was and the table. */
export function describeUnmapped(u: UnmappedCode, direction: Direction, tables?: CodeTables): string {
  const [from, to] = direction === 'mes-to-erp' ? ['MES', 'ERP'] : ['ERP', 'MES'];
  switch (u.reason) {
    case 'unknown':
      return `${from} ${u.table} code '${String(u.code)}' at ${u.field} has no ${to} code in table '${u.table}'`;
    case 'ambiguous': {
      const erp = tables?.erpCodesSharing(u.table, String(u.code)) ?? [];
      return `MES ${u.table} code '${String(u.code)}' at ${u.field} stands for several ERP codes in table '${u.table}'${erp.length ? ` (${erp.join(', ')})` : ''}, so it cannot be mapped back`;
    }
    case 'empty':
      return `${from} ${u.table} code at ${u.field} is empty`;
    case 'not-a-string':
      return `${from} ${u.table} code at ${u.field} is ${kind(u.code)} (${shown(u.code)}), not a string`;
    case 'not-an-object':
      return `${u.field} is ${kind(u.code)}, not an object, so its ${u.table} codes cannot be mapped`;
    case 'not-an-array':
      return `${u.field} is ${kind(u.code)}, not an array, so its ${u.table} codes cannot be mapped`;
  }
}

/** All unmapped codes of a message as one message for msg.error. */
export function describeAllUnmapped(list: readonly UnmappedCode[], direction: Direction, tables?: CodeTables): string {
  return list.map((u) => describeUnmapped(u, direction, tables)).join('; ');
}

/** The codes of an MES work order (schemas/work-order.schema.json): the rules plan sync maps ERP→MES. */
export const WORK_ORDER_RULES: readonly MappingRule[] = [
  { path: 'payload.materialCode', table: 'material' },
  { path: 'payload.unit', table: 'unit' },
  { path: 'payload.site', table: 'plant' },
  { path: 'payload.operations[*].operationCode', table: 'operation' },
  { path: 'payload.operations[*].equipmentCode', table: 'equipment' },
  { path: 'payload.materials[*].materialCode', table: 'material' },
  { path: 'payload.materials[*].unit', table: 'unit' },
];
