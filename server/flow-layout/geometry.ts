// Where Node-RED's editor draws the nodes and wires of a flow file, computed without a browser: a node is
// max(100, its label's width + 50 (+7 with an input port)) wide, rounded up to 20 px, and 30 px high (15 px per
// output beyond two); link nodes are 30 × 30 with their label hidden. Label widths are estimated per character
// for the editor's 14 px Helvetica (CJK a full em). Wires are Node-RED's curves, sampled.

export interface FlowNode {
  id: string;
  type: string;
  z?: string;
  x?: number;
  y?: number;
  name?: string;
  l?: boolean;
  wires?: string[][];
  [key: string]: unknown;
}

export interface Box {
  node: FlowNode;
  label: string;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

const NO_INPUT = new Set(['inject', 'catch', 'status', 'complete', 'comment', 'http in', 'link in', 'modbus-read', 'mqtt in', 'tcp in', 'udp in', 'websocket in', 'ui-control']);
const HIDDEN_LABEL = new Set(['link in', 'link out']);

// Advance widths of Helvetica/Arial (Liberation Sans in Debian's Chromium), in thousandths of an em.
const LATIN: Record<string, number> = {
  ...Object.fromEntries([...'abdeghnopqu0123456789_?'].map((c) => [c, 556])),
  ...Object.fromEntries([...'cksvxyzJ'].map((c) => [c, 500])),
  ...Object.fromEntries([...'ijl'].map((c) => [c, 222])),
  ...Object.fromEntries([...'ft .,/:I;!'].map((c) => [c, 278])),
  ...Object.fromEntries([...'r-()[]'].map((c) => [c, 333])),
  m: 833,
  w: 722,
  M: 833,
  W: 944,
  '|': 260,
  '+': 584,
  '&': 667,
  '%': 889,
  "'": 191,
  '"': 355,
  '=': 584,
  '<': 584,
  '>': 584,
  ...Object.fromEntries([...'ABEKPSVXY'].map((c) => [c, 667])),
  ...Object.fromEntries([...'CDHNRUw'].map((c) => [c, 722])),
  ...Object.fromEntries([...'GOQ'].map((c) => [c, 778])),
  ...Object.fromEntries([...'FTZ'].map((c) => [c, 611])),
  L: 556,
};

/** The width in px of a text in the editor's node label font (14 px Helvetica); CJK and arrows a full em. */
export function labelWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += ((LATIN[ch] ?? (ch.codePointAt(0)! < 0x2000 ? 556 : 1000)) * 14) / 1000;
  return w;
}

/** The label Node-RED shows for a node: its name, or what the node type shows without one. */
export function nodeLabel(n: FlowNode): string {
  // An inject that repeats shows a ↻ after its name.
  if (n.type === 'inject' && typeof n.name === 'string' && n.name !== '' && (n.repeat || n.crontab)) return `${n.name}\t↻`;
  if (typeof n.name === 'string' && n.name !== '') return n.name;
  if (n.type === 'debug') return 'debug';
  if (n.type === 'inject') return typeof n.topic === 'string' && n.topic !== '' ? n.topic : 'timestamp';
  if (n.type === 'http in') return `[${String(n.method ?? 'get')}] ${String(n.url ?? '')}`;
  if (n.type === 'OpcUa-Item') return String(n.item ?? n.type);
  return n.type;
}

export function nodeBox(n: FlowNode): Box {
  const label = nodeLabel(n);
  const hidden = n.l === false || (n.l === undefined && HIDDEN_LABEL.has(n.type));
  const lines = label.split('\\n');
  const outputs = n.wires?.length ?? 0;
  const width = hidden ? 30 : Math.max(100, 20 * Math.ceil((Math.max(...lines.map(labelWidth)) + 50 + (NO_INPUT.has(n.type) ? 0 : 7)) / 20));
  const height = hidden ? Math.max(30, outputs * 15) : Math.max(6 + 24 * lines.length, outputs * 15, 30);
  const x = n.x ?? 0;
  const y = n.y ?? 0;
  return { node: n, label, left: x - width / 2, right: x + width / 2, top: y - height / 2, bottom: y + height / 2 };
}

export function overlaps(a: Box, b: Box, gap = 0): boolean {
  return a.left < b.right + gap && b.left < a.right + gap && a.top < b.bottom + gap && b.top < a.bottom + gap;
}

type Point = [number, number];

function bezier(p0: Point, p1: Point, p2: Point, p3: Point, steps = 24): Point[] {
  const out: Point[] = [];
  for (let i = 0; i <= steps; i++) {
    const t = i / steps;
    const u = 1 - t;
    out.push([u * u * u * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t * t * t * p3[0], u * u * u * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t * t * t * p3[1]]);
  }
  return out;
}

/** Points along a forward wire (target right of source) from output `port` of `from` to the input of `to`, as the editor draws it. */
export function wirePoints(from: Box, port: number, to: Box): Point[] {
  const outputs = from.node.wires?.length ?? 1;
  const midY = (from.top + from.bottom) / 2;
  const origin: Point = [from.right, midY + (port - (outputs - 1) / 2) * 13];
  const dest: Point = [to.left, (to.top + to.bottom) / 2];
  const delta = Math.hypot(dest[0] - origin[0], dest[1] - origin[1]);
  const scale = delta < 100 ? 0.75 - 0.75 * ((100 - delta) / 100) : 0.75;
  return bezier(origin, [origin[0] + 100 * scale, origin[1]], [dest[0] - 100 * scale, dest[1]], dest);
}

export interface LayoutProblem {
  tab: string;
  text: string;
}

/**
 * Overlapping nodes and wires drawn across other nodes, tab by tab. A wire back to an earlier node (a loop:
 * a refresh, an answer, a retry) is drawn by the editor as a curve around and is not held to this.
 */
export function layoutProblems(flow: FlowNode[], gap = 4): LayoutProblem[] {
  const problems: LayoutProblem[] = [];
  const tabs = new Map(flow.filter((n) => n.type === 'tab').map((t) => [t.id, String(t.label ?? t.id)]));
  for (const [tabId, tab] of tabs) {
    const boxes = flow.filter((n) => n.z === tabId && typeof n.x === 'number').map(nodeBox);
    const byId = new Map(boxes.map((b) => [b.node.id, b]));
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        if (overlaps(boxes[i]!, boxes[j]!, gap)) problems.push({ tab, text: `"${boxes[i]!.label}" overlaps "${boxes[j]!.label}"` });
      }
    }
    for (const from of boxes) {
      (from.node.wires ?? []).forEach((targets, port) => {
        for (const id of targets) {
          const to = byId.get(id);
          if (!to || to.left < from.right) continue;
          const points = wirePoints(from, port, to);
          const crossed = boxes.filter((b) => b !== from && b !== to && points.some(([px, py]) => px > b.left + 2 && px < b.right - 2 && py > b.top + 2 && py < b.bottom - 2));
          for (const b of crossed) problems.push({ tab, text: `the wire "${from.label}" → "${to.label}" crosses "${b.label}"` });
        }
      });
    }
  }
  return problems;
}
