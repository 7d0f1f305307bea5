// Lays a flow file's tabs out so that nothing overlaps and no wire runs across a node, keeping the author's
// intent: a wire drawn left to right in the source flow keeps its direction (the node it feeds moves to a
// later column), the order of nodes from top to bottom is kept, and a comment heads the nodes below it.
// Only x and y change. Used by the flow generators (scripts/make-demo-flow.mjs).
import { type Box, type FlowNode, nodeBox, wirePoints } from './geometry';

const LEFT = 40;
const COLUMN_GAP = 60;
/** Room under a node for its status line. */
const ROW_GAP = 25;
const BAND_GAP = 40;

interface Placed {
  node: FlowNode;
  width: number;
  height: number;
  /** Where the author wanted it vertically: the packing never puts it higher. */
  wantY: number;
  column: number;
}

/** Columns by the longest chain of left-to-right wires; a node fed by nothing sits just before what it feeds. */
function columns(nodes: FlowNode[]): Map<string, number> {
  const byX = [...nodes].sort((a, b) => (a.x ?? 0) - (b.x ?? 0));
  const ids = new Set(nodes.map((n) => n.id));
  const forward = (n: FlowNode) => (n.wires ?? []).flat().filter((id) => ids.has(id) && (nodes.find((m) => m.id === id)!.x ?? 0) > (n.x ?? 0));
  const rank = new Map(nodes.map((n) => [n.id, 0]));
  const fed = new Set<string>();
  for (const n of byX)
    for (const id of forward(n)) {
      rank.set(id, Math.max(rank.get(id)!, rank.get(n.id)! + 1));
      fed.add(id);
    }
  for (const n of [...byX].reverse()) {
    const next = forward(n).map((id) => rank.get(id)!);
    if (!fed.has(n.id) && next.length > 0) rank.set(n.id, Math.max(0, Math.min(...next) - 1));
  }
  // A node the author put straight under (or left of) the one feeding it, and that feeds nothing further on,
  // stays in its feeder's column: a short loop, not a wire back across the tab.
  for (const n of byX) {
    if (fed.has(n.id) || forward(n).length > 0) continue;
    const feeder = byX.find((m) => (m.wires ?? []).flat().includes(n.id));
    if (feeder) rank.set(n.id, rank.get(feeder.id)!);
  }
  return rank;
}

function pack(placed: Placed[], top: number): void {
  const byColumn = new Map<number, Placed[]>();
  for (const p of placed) byColumn.set(p.column, [...(byColumn.get(p.column) ?? []), p]);
  for (const list of byColumn.values()) {
    list.sort((a, b) => a.wantY - b.wantY || (a.node.x ?? 0) - (b.node.x ?? 0));
    let bottom = top - ROW_GAP;
    for (const p of list) {
      const y = Math.max(p.wantY, bottom + ROW_GAP + p.height / 2);
      p.node.y = Math.round(y);
      bottom = p.node.y + p.height / 2;
    }
  }
}

/** The first node a forward wire of this band runs across (loops back are drawn around), with the wire's lowest point over it. */
function firstCrossing(placed: Placed[]): { blocked: Placed; wireBottom: number } | undefined {
  const boxes = new Map(placed.map((p) => [p.node.id, nodeBox(p.node)]));
  for (const p of placed) {
    const from = boxes.get(p.node.id)!;
    for (const [port, targets] of (p.node.wires ?? []).entries()) {
      for (const id of targets) {
        const to = boxes.get(id);
        if (!to || to.left < from.right) continue;
        const points = wirePoints(from, port, to);
        for (const q of placed) {
          const b: Box = boxes.get(q.node.id)!;
          if (b === from || b === to) continue;
          const inside = points.filter(([x, y]) => x > b.left - 2 && x < b.right + 2 && y > b.top - 4 && y < b.bottom + 4);
          if (inside.length > 0) {
            const over = points.filter(([x]) => x > b.left - 2 && x < b.right + 2);
            return { blocked: q, wireBottom: Math.max(...over.map(([, y]) => y)) };
          }
        }
      }
    }
  }
  return undefined;
}

/** Lays out one band (a comment and the nodes under it); returns the band's bottom edge. */
function arrangeBand(comment: FlowNode | undefined, nodes: FlowNode[], top: number): number {
  let contentTop = top;
  if (comment) {
    const box = nodeBox(comment);
    comment.x = Math.round(LEFT + (box.right - box.left) / 2);
    comment.y = Math.round(top + 15);
    contentTop = top + 30 + BAND_GAP;
  }
  if (nodes.length === 0) return contentTop;
  const column = columns(nodes);
  const originalTop = Math.min(...nodes.map((n) => n.y ?? 0));
  const placed: Placed[] = nodes.map((n) => {
    const box = nodeBox(n);
    return { node: n, width: box.right - box.left, height: box.bottom - box.top, wantY: contentTop + ((n.y ?? 0) - originalTop), column: column.get(n.id)! };
  });
  const widths: number[] = [];
  for (const p of placed) widths[p.column] = Math.max(widths[p.column] ?? 0, p.width);
  const lefts: number[] = [];
  let left = LEFT;
  for (let c = 0; c < widths.length; c++) {
    lefts[c] = left;
    left += (widths[c] ?? 0) + COLUMN_GAP;
  }
  for (const p of placed) p.node.x = Math.round(lefts[p.column]! + p.width / 2);
  pack(placed, contentTop);
  // A node a wire runs across moves below that wire; bounded, as moving one node can put it under another wire.
  for (let i = 0; i < 400; i++) {
    const crossing = firstCrossing(placed);
    if (!crossing) break;
    crossing.blocked.wantY = Math.ceil(crossing.wireBottom + 6 + crossing.blocked.height / 2);
    pack(placed, contentTop);
  }
  return Math.max(...placed.map((p) => (p.node.y ?? 0) + p.height / 2));
}

/** A copy of the flow with every tab laid out; config nodes and tabs are untouched. */
export function arrangeFlow(flow: FlowNode[]): FlowNode[] {
  const copy = flow.map((n) => ({ ...n }));
  for (const tab of copy.filter((n) => n.type === 'tab')) {
    const onTab = copy.filter((n) => n.z === tab.id && typeof n.x === 'number' && typeof n.y === 'number');
    const comments = onTab.filter((n) => n.type === 'comment').sort((a, b) => a.y! - b.y!);
    const others = onTab.filter((n) => n.type !== 'comment');
    // Each comment heads the nodes the author placed below it (and the first one those above it too).
    const bands =
      comments.length === 0
        ? [{ comment: undefined as FlowNode | undefined, nodes: others }]
        : comments.map((c, i) => ({ comment: c as FlowNode | undefined, nodes: others.filter((n) => (i === 0 || n.y! > c.y!) && (i === comments.length - 1 || n.y! <= comments[i + 1]!.y!)) }));
    let top = 20;
    for (const band of bands) top = arrangeBand(band.comment, band.nodes, top) + BAND_GAP + 20;
  }
  return copy;
}
