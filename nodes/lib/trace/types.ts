// The words of quality traceability (质量追溯): what the bridge keeps per order (job reports, inspections,
// material issues, the plan) and the one answer a trace code gets. Shapes of schemas/trace-answer.schema.json.
import type { ReportedStatus } from '../progress/types';

/** One job report as the trace keeps it. */
export interface TracedReport {
  eventId: string;
  traceCode?: string;
  equipment: string;
  operator: string;
  status: ReportedStatus;
  goodQty: number;
  scrapQty: number;
  at: string;
  match?: true;
}

/** One inspection result as the trace keeps it. */
export interface TracedInspection {
  recordId: string;
  traceCode: string;
  result: 'pass' | 'fail';
  defectCode?: string;
  inspector: string;
  gaugeId?: string;
  at: string;
  match?: true;
}

/** One material issue (lot) to the order. */
export interface TracedMaterial {
  requisitionId: string;
  opNo?: string;
  materialCode: string;
  lot?: string;
  qty: number;
  unit: string;
  issuedAt: string;
}

/**
 * One record for the store: an id unique per kind (the same id again is stored once), the order it belongs to,
 * its operation, the trace code it carries, its time in ms (for ordering) and what the answer shows of it.
 */
export type TraceRecord =
  | { kind: 'report'; id: string; orderNo: string; opNo: string; traceCode?: string; atMs: number; body: TracedReport }
  | { kind: 'inspection'; id: string; orderNo: string; opNo: string; traceCode: string; atMs: number; body: TracedInspection }
  | { kind: 'issue'; id: string; orderNo: string; opNo?: string; traceCode?: undefined; atMs: number; body: TracedMaterial };

export type TraceRecordKind = TraceRecord['kind'];

/** What the trace keeps of a work order: the header and the routing. */
export interface OrderPlan {
  orderNo: string;
  revision: number;
  status: string;
  materialCode: string;
  productName?: string;
  plannedQty: number;
  unit: string;
  /** Absent when the ERP gave the order none (contract v2). */
  dueDate?: string;
  site: string;
  operations: Array<{ opNo: string; operationCode: string; description?: string; equipmentCode: string }>;
}

export interface TracedOperation {
  opNo: string;
  operationCode?: string;
  description?: string;
  plannedEquipment?: string;
  equipment: string[];
  operators: string[];
  startedAt?: string;
  endedAt?: string;
  status?: ReportedStatus;
  goodQty: number;
  scrapQty: number;
  passed: number;
  failed: number;
  gauges: string[];
  reports: TracedReport[];
  inspections: TracedInspection[];
}

export interface TraceAnswer {
  code: string;
  matches: { reports: number; inspections: number };
  alsoInOrders?: string[];
  order: {
    orderNo: string;
    planned: boolean;
    revision?: number;
    status?: string;
    materialCode?: string;
    productName?: string;
    plannedQty?: number;
    unit?: string;
    dueDate?: string;
    site?: string;
  };
  operations: TracedOperation[];
  materials: TracedMaterial[];
  truncated?: boolean;
}

/** What one write did: records new to the store, and those it already had (ignored). */
export interface RecordOutcome {
  stored: number;
  duplicates: number;
}

/**
 * Where the trace lives (the bridge store's SQLite file, or its Redis). Every write is durable when its promise
 * resolves; nothing is kept in memory between calls.
 */
export interface TraceStore {
  readonly kind: 'sqlite' | 'redis';
  /** Stores the records; a record whose kind and id are already stored is ignored (counted as a duplicate). */
  record(records: readonly TraceRecord[]): Promise<RecordOutcome>;
  /** Stores a work order's plan; false (nothing changed) when the same or a newer revision is already there. */
  plan(plan: OrderPlan): Promise<boolean>;
  /** The answer for a trace code (or an order number), or undefined when nothing carries it. */
  trace(code: string): Promise<TraceAnswer | undefined>;
  close(): Promise<void>;
}

/** The most records one answer carries (the oldest first); beyond it the answer says truncated. */
export const DEFAULT_MAX_RECORDS = 20_000;
