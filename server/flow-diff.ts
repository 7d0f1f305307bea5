// What a deploy changes, field by field: nodes added and removed, and for each node kept the properties whose
// value changed (old → new). The import CLI prints it in --dry-run and compares snapshots with it; the change
// log keeps its summary with every deploy, sorted into the kinds of change a plant controls (code tables, ERP
// profiles, policies). Pure.
import type { FlowNode } from './flow-import';

export interface FieldChange {
  id: string;
  type: string;
  name: string;
  property: string;
  /** Absent when the property is new / removed. */
  old?: unknown;
  new?: unknown;
}

export interface FlowDiff {
  added: Array<{ id: string; type: string; name: string }>;
  removed: Array<{ id: string; type: string; name: string }>;
  changed: FieldChange[];
}

/** The kinds of change that change control names on their own (issue 18): by the node type changed. */
export type ChangeKind = 'code-table' | 'erp-profile' | 'policy' | 'flow';

const KIND_BY_TYPE: Record<string, ChangeKind> = {
  'code-map-table': 'code-table',
  'erp-endpoint': 'erp-profile',
  // The nodes whose settings are the plant's rules: tolerances, escalation levels, thresholds, alarms.
  'material-overdraw': 'policy',
  'exception-escalation': 'policy',
  'progress-push': 'policy',
  'cost-variance': 'policy',
  oee: 'policy',
};

export function changeKind(type: string): ChangeKind {
  return KIND_BY_TYPE[type] ?? 'flow';
}

const nameOf = (n: FlowNode): string => {
  const v = n.type === 'tab' ? n.label : n.name;
  return typeof v === 'string' && v !== '' ? v : n.id;
};
const brief = (n: FlowNode) => ({ id: n.id, type: n.type, name: nameOf(n) });

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sorted((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

export function diffFlows(before: readonly FlowNode[], after: readonly FlowNode[]): FlowDiff {
  const beforeById = new Map(before.map((n) => [n.id, n]));
  const afterIds = new Set(after.map((n) => n.id));
  const diff: FlowDiff = { added: [], removed: before.filter((n) => !afterIds.has(n.id)).map(brief), changed: [] };
  for (const node of after) {
    const old = beforeById.get(node.id);
    if (!old) {
      diff.added.push(brief(node));
      continue;
    }
    const keys = [...new Set([...Object.keys(old), ...Object.keys(node)])].sort();
    for (const property of keys) {
      if (property === 'id' || same(old[property], node[property])) continue;
      diff.changed.push({
        ...brief(node),
        property,
        ...(property in old && { old: old[property] }),
        ...(property in node && { new: node[property] }),
      });
    }
  }
  return diff;
}

/** A value as one short line. */
export function showValue(value: unknown, max = 60): string {
  if (value === undefined) return '(none)';
  const s = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** The diff as lines for a person: `+`/`-` for nodes, `~ id property: old → new` for fields. */
export function describeDiff(diff: FlowDiff): string[] {
  const lines: string[] = [];
  for (const n of diff.added) lines.push(`  + ${n.type} "${n.name}" (${n.id})`);
  for (const n of diff.removed) lines.push(`  - ${n.type} "${n.name}" (${n.id})`);
  for (const c of diff.changed) lines.push(`  ~ ${c.type} "${c.name}" (${c.id}) ${c.property}: ${showValue(c.old)} → ${showValue(c.new)}`);
  if (lines.length === 0) lines.push('  (no field differs)');
  return lines;
}

export interface DiffSummary {
  added: number;
  removed: number;
  /** Nodes with at least one changed field. */
  changedNodes: number;
  fields: number;
  /** Nodes touched per kind of change (added, removed or changed). */
  kinds: Partial<Record<ChangeKind, Array<{ id: string; type: string; name: string }>>>;
}

export function summarizeDiff(diff: FlowDiff): DiffSummary {
  const touched = new Map<string, { id: string; type: string; name: string }>();
  for (const n of [...diff.added, ...diff.removed, ...diff.changed]) touched.set(n.id, { id: n.id, type: n.type, name: n.name });
  const kinds: DiffSummary['kinds'] = {};
  for (const n of touched.values()) (kinds[changeKind(n.type)] ??= []).push(n);
  return {
    added: diff.added.length,
    removed: diff.removed.length,
    changedNodes: new Set(diff.changed.map((c) => c.id)).size,
    fields: diff.changed.length,
    kinds,
  };
}
