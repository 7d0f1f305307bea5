// The MES side of the progress-push fault tests and benchmark: a stream of job reports (报工) over the demo
// plant's work orders, posted in messages the way an MES posts them, and the checks of what the ERP's inbox
// received against what was sent: each key once, in order per order, the last update carrying the totals.
import type { ReceivedProgressUpdate } from '../../server/simulator/erp-progress';
import { toWorkOrder, type ProductionOrder, type WorkOrder } from '../../nodes/lib/plan-sync/work-order';
import type { ProgressReport } from '../../nodes/lib/progress/types';

export interface MesStream {
  workOrders: WorkOrder[];
  /** Every report in the order the MES sends them. */
  reports: ProgressReport[];
  /** The reports as the MES posts them: consecutive slices of `reports`. */
  messages: ProgressReport[][];
}

/**
 * `perOrder` reports for each order, interleaved across orders (report i is for order i mod n), so a message of
 * up to n reports names each order once and a few messages in flight never hold two reports of one order.
 * Each order's reports walk its routing: started, running…, completed per operation, timestamps increasing.
 */
export function mesStream(orders: readonly ProductionOrder[], options: { perOrder: number; messageSize: number; run: string }): MesStream {
  const workOrders = orders.map(toWorkOrder);
  const reports: ProgressReport[] = [];
  const start = Date.parse('2026-11-23T08:00:00+08:00');
  for (let k = 0; k < options.perOrder; k++) {
    workOrders.forEach((order, j) => {
      const ops = order.operations;
      const opIndex = Math.floor((k * ops.length) / options.perOrder);
      const op = ops[opIndex];
      const first = Math.ceil((opIndex * options.perOrder) / ops.length);
      const last = Math.ceil(((opIndex + 1) * options.perOrder) / ops.length) - 1;
      reports.push({
        eventId: `${options.run}-${j}-${k}`,
        orderNo: order.workOrderNo,
        opNo: op.sequence,
        goodQty: 1 + ((k + j) % 7),
        scrapQty: (k + j) % 5 === 0 ? 1 : 0,
        status: k === first ? 'started' : k === last ? 'completed' : 'running',
        operator: `OP-${100 + (j % 40)}`,
        equipment: op.equipmentCode,
        timestamp: new Date(start + k * 60_000 + j * 1000).toISOString(),
      });
    });
  }
  const messages: ProgressReport[][] = [];
  for (let i = 0; i < reports.length; i += options.messageSize) messages.push(reports.slice(i, i + options.messageSize));
  return { workOrders, reports, messages };
}

export const progressKey = (report: ProgressReport) => `progress:${report.orderNo}:${report.eventId}`;

/** What the ERP got wrong compared with the reports sent; every list empty when all is well. */
export interface InboxFindings {
  missing: string[];
  unexpected: string[];
  /** Keys the inbox logged more than once (it should never). */
  repeated: string[];
  /** Orders whose keys arrived in another order than their reports were sent. */
  outOfOrder: string[];
  /** Orders whose last update does not carry the totals of all their reports. */
  wrongTotals: Array<{ orderNo: string; expected: unknown; got: unknown }>;
}

type OperationFigures = { opNo: string; goodQty: number; scrapQty: number };

/** Compares the inbox with the reports (in send order); each key once, per-order order, final totals. */
export function inboxFindings(received: readonly ReceivedProgressUpdate[], reports: readonly ProgressReport[], workOrders: readonly WorkOrder[]): InboxFindings {
  const expectedKeys = new Set(reports.map(progressKey));
  const seen = new Set<string>();
  const findings: InboxFindings = { missing: [], unexpected: [], repeated: [], outOfOrder: [], wrongTotals: [] };
  const arrivedByOrder = new Map<string, string[]>();
  for (const r of received) {
    if (seen.has(r.key)) findings.repeated.push(r.key);
    seen.add(r.key);
    if (!expectedKeys.has(r.key)) findings.unexpected.push(r.key);
    else arrivedByOrder.set(r.orderNo, [...(arrivedByOrder.get(r.orderNo) ?? []), r.key]);
  }
  for (const key of expectedKeys) if (!seen.has(key)) findings.missing.push(key);

  const sentByOrder = new Map<string, ProgressReport[]>();
  for (const report of reports) sentByOrder.set(report.orderNo, [...(sentByOrder.get(report.orderNo) ?? []), report]);
  const lastUpdate = new Map<string, ReceivedProgressUpdate>();
  for (const r of received) if (expectedKeys.has(r.key)) lastUpdate.set(r.orderNo, r);
  for (const order of workOrders) {
    const sent = sentByOrder.get(order.workOrderNo) ?? [];
    const arrived = arrivedByOrder.get(order.workOrderNo) ?? [];
    if (arrived.join('\n') !== sent.map(progressKey).join('\n')) findings.outOfOrder.push(order.workOrderNo);
    const totals = new Map<string, OperationFigures>();
    for (const report of sent) {
      const t = totals.get(report.opNo) ?? { opNo: report.opNo, goodQty: 0, scrapQty: 0 };
      totals.set(report.opNo, { opNo: report.opNo, goodQty: t.goodQty + report.goodQty, scrapQty: t.scrapQty + report.scrapQty });
    }
    const expected = order.operations.map((op) => totals.get(op.sequence) ?? { opNo: op.sequence, goodQty: 0, scrapQty: 0 });
    const update = lastUpdate.get(order.workOrderNo)?.update as { completedQty?: number; operations?: OperationFigures[] } | undefined;
    const got = update?.operations?.map((op) => ({ opNo: op.opNo, goodQty: op.goodQty, scrapQty: op.scrapQty }));
    const completedOk = update?.completedQty === expected.at(-1)?.goodQty;
    if (JSON.stringify(got) !== JSON.stringify(expected) || !completedOk) {
      findings.wrongTotals.push({ orderNo: order.workOrderNo, expected: { operations: expected, completedQty: expected.at(-1)?.goodQty }, got: { operations: got, completedQty: update?.completedQty } });
    }
  }
  return findings;
}

/** Short text of the findings for an assertion message (the first few of each). */
export function describeFindings(f: InboxFindings): string {
  const few = (list: unknown[]) => `${list.length}${list.length ? ` (${JSON.stringify(list.slice(0, 3))}…)` : ''}`;
  return `missing ${few(f.missing)}, unexpected ${few(f.unexpected)}, repeated ${few(f.repeated)}, out of order ${few(f.outOfOrder)}, wrong totals ${few(f.wrongTotals)}`;
}

/** Resolves once the inbox holds `count` updates (counted from when this is called, via onReceive). */
export function inboxReaches(inbox: { onReceive(listener: () => void): () => void; received(): unknown[] }, count: number): Promise<void> {
  return new Promise((resolve) => {
    let n = inbox.received().length;
    if (n >= count) return resolve();
    const off = inbox.onReceive(() => {
      n += 1;
      if (n >= count) {
        off();
        resolve();
      }
    });
  });
}
