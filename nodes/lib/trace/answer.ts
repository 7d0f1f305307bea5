// The one answer of a trace code: the order's header from its plan, every operation (planned ones in routing
// order, then any only the reports name) with what its reports and inspections say, and the lots issued.
// Both stores read the order's records oldest first and hand them here, so both answer alike.
import type { OrderPlan, TraceAnswer, TracedInspection, TracedMaterial, TracedOperation, TracedReport, TraceRecordKind } from './types';

export type StoredBody = { kind: 'report'; opNo: string; body: TracedReport } | { kind: 'inspection'; opNo: string; body: TracedInspection } | { kind: 'issue'; opNo?: string; body: TracedMaterial };

export interface AnswerParts {
  code: string;
  orderNo: string;
  plan: OrderPlan | undefined;
  /** The order's records, oldest first. */
  records: Iterable<StoredBody>;
  /** Other orders with records carrying the code. */
  alsoInOrders?: string[];
  truncated?: boolean;
}

/** A store row back into its record: the kind and operation columns and the JSON body. */
export function storedBody(kind: string, opNo: string | null, body: string): StoredBody {
  return { kind: kind as TraceRecordKind, opNo: opNo ?? undefined, body: JSON.parse(body) } as StoredBody;
}

const bySequence = (a: string, b: string) => a.padStart(4, '0').localeCompare(b.padStart(4, '0'));

function newOperation(opNo: string): TracedOperation {
  return { opNo, equipment: [], operators: [], goodQty: 0, scrapQty: 0, passed: 0, failed: 0, gauges: [], reports: [], inspections: [] };
}

const addOnce = (list: string[], value: string | undefined) => {
  if (value !== undefined && !list.includes(value)) list.push(value);
};
const round = (n: number) => Math.round(n * 1e6) / 1e6;

export function buildTraceAnswer(parts: AnswerParts): TraceAnswer {
  const { code, orderNo, plan } = parts;
  const operations = new Map<string, TracedOperation>();
  for (const op of plan?.operations ?? []) {
    operations.set(op.opNo, {
      ...newOperation(op.opNo),
      operationCode: op.operationCode,
      ...(op.description !== undefined && { description: op.description }),
      plannedEquipment: op.equipmentCode,
    });
  }
  const operation = (opNo: string) => {
    let op = operations.get(opNo);
    if (!op) operations.set(opNo, (op = newOperation(opNo)));
    return op;
  };
  const materials: TracedMaterial[] = [];
  const matches = { reports: 0, inspections: 0 };
  // The latest report sets the status (by time, then event id, as progress-push has it).
  const latest = new Map<string, { atMs: number; eventId: string; report: TracedReport }>();

  for (const record of parts.records) {
    if (record.kind === 'issue') {
      materials.push(record.body);
      continue;
    }
    const body = record.body;
    if (body.traceCode === code) {
      body.match = true;
      if (record.kind === 'report') matches.reports += 1;
      else matches.inspections += 1;
    }
    if (record.kind === 'report') {
      const r = record.body;
      const op = operation(record.opNo);
      op.reports.push(r);
      addOnce(op.equipment, r.equipment);
      addOnce(op.operators, r.operator);
      op.goodQty = round(op.goodQty + r.goodQty);
      op.scrapQty = round(op.scrapQty + r.scrapQty);
      const atMs = Date.parse(r.at);
      if (op.startedAt === undefined || atMs < Date.parse(op.startedAt)) op.startedAt = r.at;
      const last = latest.get(op.opNo);
      if (!last || atMs > last.atMs || (atMs === last.atMs && r.eventId > last.eventId)) latest.set(op.opNo, { atMs, eventId: r.eventId, report: r });
    } else {
      const q = record.body;
      const op = operation(record.opNo);
      op.inspections.push(q);
      if (q.result === 'pass') op.passed += 1;
      else op.failed += 1;
      addOnce(op.gauges, q.gaugeId);
    }
  }
  for (const [opNo, { report }] of latest) {
    const op = operations.get(opNo)!;
    op.status = report.status;
    if (report.status === 'completed') op.endedAt = report.at;
  }
  const planned = plan ? plan.operations.map((o) => operations.get(o.opNo)!) : [];
  const unplanned = [...operations.values()].filter((op) => !planned.includes(op)).sort((a, b) => bySequence(a.opNo, b.opNo));
  return {
    code,
    matches,
    ...(parts.alsoInOrders && parts.alsoInOrders.length > 0 && { alsoInOrders: parts.alsoInOrders }),
    order: plan
      ? {
          orderNo,
          planned: true,
          revision: plan.revision,
          status: plan.status,
          materialCode: plan.materialCode,
          ...(plan.productName !== undefined && { productName: plan.productName }),
          plannedQty: plan.plannedQty,
          unit: plan.unit,
          ...(plan.dueDate !== undefined && { dueDate: plan.dueDate }),
          site: plan.site,
        }
      : { orderNo, planned: false },
    operations: [...planned, ...unplanned],
    materials,
    ...(parts.truncated && { truncated: true }),
  };
}
