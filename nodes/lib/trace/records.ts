// From the messages the trace takes (validated against their schemas before) to the records it stores.
// Record ids: the report's event id, the inspection's record id (or order/op/code@time, as the MES gives no
// other), the issue's requisition id: the same message twice is the same record, stored once.
import type { QualityRecord } from '../escalation/defect-rate';
import type { MaterialIssue } from '../overdraw/types';
import type { WorkOrder } from '../plan-sync/work-order';
import type { ProgressReport } from '../progress/types';
import type { OrderPlan, TraceRecord } from './types';

/** What the trace reads of a material issue as material-overdraw releases it (schemas/material-issue.schema.json). */
export type MaterialIssueMessage = Pick<MaterialIssue, 'requisitionId' | 'orderNo' | 'materialCode' | 'qty' | 'unit' | 'lot' | 'issuedAt'> & Partial<Pick<MaterialIssue, 'opNo'>>;

export function reportRecord(r: ProgressReport): TraceRecord {
  return {
    kind: 'report',
    id: r.eventId,
    orderNo: r.orderNo,
    opNo: r.opNo,
    ...(r.traceCode !== undefined && { traceCode: r.traceCode }),
    atMs: Date.parse(r.timestamp),
    body: {
      eventId: r.eventId,
      ...(r.traceCode !== undefined && { traceCode: r.traceCode }),
      equipment: r.equipment,
      operator: r.operator,
      status: r.status,
      goodQty: r.goodQty,
      scrapQty: r.scrapQty,
      at: r.timestamp,
    },
  };
}

export function inspectionRecord(q: QualityRecord): TraceRecord {
  const atMs = Date.parse(q.timestamp);
  const id = q.recordId ?? `${q.orderNo}/${q.opNo}/${q.traceCode}@${atMs}`;
  return {
    kind: 'inspection',
    id,
    orderNo: q.orderNo,
    opNo: q.opNo,
    traceCode: q.traceCode,
    atMs,
    body: {
      recordId: id,
      traceCode: q.traceCode,
      result: q.result,
      ...(q.defectCode !== undefined && { defectCode: q.defectCode }),
      inspector: q.inspector,
      ...(q.gaugeId !== undefined && { gaugeId: q.gaugeId }),
      at: q.timestamp,
    },
  };
}

export function issueRecord(i: MaterialIssueMessage): TraceRecord {
  return {
    kind: 'issue',
    id: i.requisitionId,
    orderNo: i.orderNo,
    ...(i.opNo !== undefined && { opNo: i.opNo }),
    atMs: Date.parse(i.issuedAt),
    body: {
      requisitionId: i.requisitionId,
      ...(i.opNo !== undefined && { opNo: i.opNo }),
      materialCode: i.materialCode,
      ...(i.lot !== undefined && { lot: i.lot }),
      qty: i.qty,
      unit: i.unit,
      issuedAt: i.issuedAt,
    },
  };
}

export function orderPlan(w: WorkOrder): OrderPlan {
  return {
    orderNo: w.workOrderNo,
    revision: w.source.revision,
    status: w.status,
    materialCode: w.materialCode,
    ...(w.productName !== undefined && { productName: w.productName }),
    plannedQty: w.plannedQty,
    unit: w.unit,
    ...(w.dueDate !== undefined && { dueDate: w.dueDate }),
    site: w.site,
    operations: w.operations.map((op) => ({
      opNo: op.sequence,
      operationCode: op.operationCode,
      ...(op.description !== undefined && { description: op.description }),
      equipmentCode: op.equipmentCode,
    })),
  };
}
