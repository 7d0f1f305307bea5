// The words of actual-vs-standard cost (标准成本 vs 实际成本): the ERP's standard cost in, the MES's time logs
// in, the released requisitions and job reports the bridge already sees, and the variance record out.

import type { MaterialIssue } from '../overdraw/types';

export type CostElement = 'material' | 'labour' | 'machine';
export const COST_ELEMENTS: readonly CostElement[] = ['material', 'labour', 'machine'];

/** schemas/standard-cost.schema.json */
export interface StandardCost {
  productCode: string;
  orderNo?: string;
  currency: string;
  lotSize?: number;
  perUnit: Record<CostElement, number>;
  labourRatePerHour?: number;
  machineRatePerHour?: number;
  machineRates?: Array<{ equipment: string; ratePerHour: number }>;
  materials?: Array<{ materialCode: string; unitCost: number; unit: string }>;
  estimateId?: string;
  validFrom?: string;
}

/** schemas/cost-event.schema.json */
export interface CostEvent {
  eventId: string;
  orderNo: string;
  opNo: string;
  operator?: string;
  equipment?: string;
  labourHours?: number;
  machineHours?: number;
  from?: string;
  to?: string;
  timestamp: string;
}

/** A released requisition as material-overdraw sends it (its MaterialIssue): what was handed to the line. */
export type IssuedMaterial = Pick<MaterialIssue, 'requisitionId' | 'orderNo' | 'materialCode' | 'qty' | 'unit'> & Partial<Pick<MaterialIssue, 'opNo'>>;

/** An explicit completion (topic 'complete'): the MES or a person says the order is done. */
export interface OrderCompletion {
  orderNo: string;
  /** Good units; default: the good quantity the job reports give for the last operation. */
  goodQty?: number;
  completedAt?: string;
  /** The product, when no plan of the order reached the bridge. */
  productCode?: string;
}

/** What the plan (plan sync's work order) tells cost: the routing's standard times and the BOM per unit. */
export interface OrderPlan {
  productCode: string;
  revision: number;
  plannedQty: number;
  unit: string;
  operations: Array<{ opNo: string; operationCode: string; equipment: string; stdSecondsPerUnit: number }>;
  /** qtyPer per material (Σ over its BOM lines) and its unit. */
  bom: Record<string, { qtyPer: number; unit: string }>;
}

export interface OperationTally {
  goodQty: number;
  scrapQty: number;
  status: string;
  /** The latest report by timestamp, then event id, sets the status. */
  lastAt: string;
  lastEventId: string;
}

/** Everything kept of one order, plain JSON (hours and quantities as text of millionths), one store key. */
export interface OrderCostState {
  version: 1;
  orderNo: string;
  plan?: OrderPlan;
  operations: Record<string, OperationTally>;
  /** Ids already counted: job report event ids, cost event ids, requisition ids. */
  seen: { reports: string[]; costEvents: string[]; requisitions: string[] };
  /** Labour hours per operation and operator (millionths of an hour). */
  labour: Record<string, Record<string, string>>;
  /** Machine hours per equipment and operation. */
  machine: Record<string, Record<string, string>>;
  /** Issued quantity per material (millionths) and its unit. */
  materials: Record<string, { qty: string; unit: string }>;
  completion?: { at: string; goodQty?: number; productCode?: string; by: 'reports' | 'message'; settleDue?: string };
  /** Set while a completed order waits for what its variance needs (a standard cost, a unit cost, a rate). */
  waitingFor?: string;
  variance?: CostVariance;
  /** computed: stored, maybe not yet in the outbox; enqueued: in the outbox (the ERP gets it from there). */
  varianceState?: 'computed' | 'enqueued';
}

export interface VarianceDetail {
  code: string;
  label?: string;
  standardQty: number;
  actualQty: number;
  unit: string;
  excessQty: number;
  excessCost: number;
}

export interface ElementVariance {
  element: CostElement;
  standard: number;
  actual: number;
  variance: number;
  variancePct: number | null;
  flagged: boolean;
  likelyCause?: string;
  details?: VarianceDetail[];
}

/** schemas/cost-variance.schema.json */
export interface CostVariance {
  orderNo: string;
  productCode: string;
  currency: string;
  goodQty: number;
  scrapQty: number;
  completedAt: string;
  thresholdPct: number;
  standard: { source: 'order' | 'product'; estimateId?: string; lotSize: number };
  elements: ElementVariance[];
  total: { standard: number; actual: number; variance: number; variancePct: number | null; flagged: boolean };
  actualHours: { labour: number; machine: number };
  reportedAt: string;
}

export interface CostSettings {
  /** An element whose actual is more than this % over its standard is flagged (default 5). */
  thresholdPct: number;
  /** Minutes a completed order waits for late time logs and issues before its variance is made (default 0). */
  settleMin: number;
  /**
   * How many of an order's latest job-report ids, and as many time-log ids, are remembered to tell a repeat from a
   * new one (default 2,000; requisition ids are all kept, they are few). A repeat from further back counts again.
   */
  eventIdWindow: number;
}

export type ApplyOutcome = { kind: 'counted'; orderNo: string; id: string } | { kind: 'duplicate'; orderNo: string; id: string } | { kind: 'late'; orderNo: string; id: string };

/** What one message did: counted, duplicates, late arrivals, and the variances it completed. */
export interface StepResult {
  outcomes: ApplyOutcome[];
  variances: CostVariance[];
  /** Orders that completed but wait for something (named) before their variance can be made. */
  waiting: Array<{ orderNo: string; waitingFor: string }>;
}
