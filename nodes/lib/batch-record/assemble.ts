// Assembles an order's batch record from what the bridge already keeps: the trace store's answer for the order
// (plan, operations with equipment, operators, times, job reports, inspections, material lots), the exceptions
// raised against it, the signed decisions on its requisitions (audit trail) and the requisitions still waiting.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../audit/chain';
import type { AuditEntry } from '../audit/types';
import type { ExceptionRecordState } from '../escalation/types';
import type { TraceAnswer } from '../trace/types';
import type { BatchRecord, BatchRecordException, BatchRecordSignedDecision } from './types';

/** More batch codes than this on one order are unit codes, not batches: the header lists the first ones. */
const MAX_BATCHES = 20;

export interface BatchRecordSources {
  orderNo: string;
  /** The trace store's answer for the order number; undefined when nothing is stored for it. */
  trace?: TraceAnswer;
  exceptions: readonly ExceptionRecordState[];
  /** The audit entries of the order (any subject). */
  audit: readonly AuditEntry[];
  /** Ids of the order's requisitions waiting for an approval. */
  pendingApprovals: readonly string[];
}

function exceptionOf(e: ExceptionRecordState): BatchRecordException {
  return {
    id: e.event.id,
    type: e.event.type,
    severity: e.severity,
    state: e.state,
    ...(e.event.opNo !== undefined && { opNo: e.event.opNo }),
    ...(e.event.equipment !== undefined && { equipment: e.event.equipment }),
    ...(e.event.description !== undefined && { description: e.event.description }),
    raisedAt: e.raisedAt,
    ...(e.acknowledged && { acknowledged: { by: e.acknowledged.by, at: e.acknowledged.at, note: e.acknowledged.note } }),
    ...(e.resolved && { resolved: { by: e.resolved.by, at: e.resolved.at, note: e.resolved.note, downtimeMin: e.resolved.downtimeMin } }),
  };
}

function signedDecisions(audit: readonly AuditEntry[]): BatchRecordSignedDecision[] {
  return audit
    .filter((e) => e.signature && !e.what.startsWith('batch.'))
    .map((e) => ({ subjectId: e.subjectId, what: e.what, signer: e.signature!.signer, signedAt: e.signature!.signedAt, meaning: e.signature!.meaning, reason: e.signature!.reason }));
}

const earliest = (times: Array<string | undefined>): string | undefined => times.filter((t): t is string => !!t).sort((a, b) => Date.parse(a) - Date.parse(b))[0];
const latest = (times: Array<string | undefined>): string | undefined => times.filter((t): t is string => !!t).sort((a, b) => Date.parse(b) - Date.parse(a))[0];

export function assembleBatchRecord(sources: BatchRecordSources): BatchRecord {
  const trace = sources.trace;
  const operations = (trace?.operations ?? []).map((op) => ({
    opNo: op.opNo,
    ...(op.operationCode !== undefined && { operationCode: op.operationCode }),
    ...(op.description !== undefined && { description: op.description }),
    ...(op.plannedEquipment !== undefined && { plannedEquipment: op.plannedEquipment }),
    equipment: [...op.equipment],
    operators: [...op.operators],
    ...(op.startedAt !== undefined && { startedAt: op.startedAt }),
    ...(op.endedAt !== undefined && { endedAt: op.endedAt }),
    ...(op.status !== undefined && { status: op.status }),
    goodQty: op.goodQty,
    scrapQty: op.scrapQty,
    reports: op.reports.length,
    passed: op.passed,
    failed: op.failed,
    gauges: [...op.gauges],
    failedInspections: op.inspections.filter((i) => i.result === 'fail'),
  }));
  const batches = [...new Set((trace?.operations ?? []).flatMap((op) => op.reports.map((r) => r.traceCode)).filter((c): c is string => !!c))].sort();
  const last = operations[operations.length - 1];
  const order = trace?.order;
  return {
    orderNo: sources.orderNo,
    header: {
      planned: order?.planned ?? false,
      ...(order?.materialCode !== undefined && { productCode: order.materialCode }),
      ...(order?.productName !== undefined && { productName: order.productName }),
      batches: batches.slice(0, MAX_BATCHES),
      ...(order?.plannedQty !== undefined && { plannedQty: order.plannedQty }),
      goodQty: last?.goodQty ?? 0,
      scrapQty: operations.reduce((n, op) => n + op.scrapQty, 0),
      ...(order?.unit !== undefined && { unit: order.unit }),
      ...(order?.dueDate !== undefined && { dueDate: order.dueDate }),
      ...(order?.site !== undefined && { site: order.site }),
      ...(order?.status !== undefined && { orderStatus: order.status }),
      ...(order?.revision !== undefined && { revision: order.revision }),
      ...(earliest(operations.map((op) => op.startedAt)) !== undefined && { startedAt: earliest(operations.map((op) => op.startedAt)) }),
      ...(latest(operations.map((op) => op.endedAt)) !== undefined && { endedAt: latest(operations.map((op) => op.endedAt)) }),
    },
    operations,
    materials: (trace?.materials ?? []).map((m) => ({ ...m })),
    exceptions: sources.exceptions.map(exceptionOf).sort((a, b) => Date.parse(a.raisedAt) - Date.parse(b.raisedAt) || a.id.localeCompare(b.id)),
    approvals: signedDecisions(sources.audit),
    pendingApprovals: [...sources.pendingApprovals].sort(),
    truncated: trace?.truncated === true,
  };
}

/** The record's fingerprint: sha256 of its canonical JSON. A signature names it; any change of a fact changes it. */
export function recordHash(record: BatchRecord): string {
  return createHash('sha256').update(canonicalJson(record)).digest('hex');
}
