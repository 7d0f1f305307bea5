// Plan sync's one reshaping step: an ERP production order becomes an MES work order.
// Codes stay ERP codes here; code-map turns them into MES codes afterwards.

/**
 * ISA-95 job-order states: created (not released), released, running (in process), held (stopped,
 * resumable), completed, closed (finished, possibly short of plan), cancelled.
 * test/unit/work-order-contract.test.ts checks every type here against schemas/ (the authority).
 */
export type OrderStatus = 'created' | 'released' | 'running' | 'held' | 'completed' | 'closed' | 'cancelled';

/** The statuses a v1 work order may carry. */
export type OrderStatusV1 = 'created' | 'released' | 'completed' | 'closed' | 'cancelled';

/** How two orders are related: one amends (replaces) the other, or part of one was split off into the other. */
export type OrderRelation = 'amendment' | 'split';

/** Another order this one came from or that came from it. */
export interface OrderLink {
  orderNo: string;
  orderKey?: string;
  relation: OrderRelation;
}

/** A plant's own fields, passed on untouched; the schema bounds their number, names and depth. */
export type Extensions = Record<string, unknown>;

/** One routing operation (工序) of a production order; see schemas/production-order.schema.json. */
export interface RoutingOperation {
  opNo: string;
  opCode: string;
  description?: string;
  workCentre: string;
  plannedStart: string;
  plannedEnd: string;
  stdTimePerUnitSec: number;
  qcSpecRef?: string;
}

export interface BomLine {
  materialCode: string;
  materialName?: string;
  qtyPer: number;
  unit: string;
  issueTolerancePct?: number;
  opNo?: string;
}

/** schemas/production-order.schema.json: the order in ERP words, as a preset maps it. */
export interface ProductionOrder {
  orderNo: string;
  orderKey?: string;
  revision: number;
  status: OrderStatus;
  productCode: string;
  productName?: string;
  quantity: number;
  producedQty?: number;
  scrapQty?: number;
  processLossQty?: number;
  unit: string;
  /** A date-time with zone, or a date alone; absent when the ERP has none. */
  dueDate?: string;
  priority: number;
  plant: string;
  predecessor?: OrderLink;
  successors?: OrderLink[];
  operations: RoutingOperation[];
  bom: BomLine[];
  updatedAt: string;
  extensions?: Extensions;
}

export interface WorkOrderSource {
  system: 'erp';
  orderNo: string;
  orderKey?: string;
  revision: number;
  updatedAt: string;
}

export interface WorkOrderOperation {
  sequence: string;
  operationCode: string;
  description?: string;
  equipmentCode: string;
  plannedStart: string;
  plannedEnd: string;
  stdSecondsPerUnit: number;
  qcSpecRef?: string;
}

export interface WorkOrderMaterial {
  materialCode: string;
  materialName?: string;
  qtyPer: number;
  requiredQty: number;
  unit: string;
  issueTolerancePct: number;
  sequence?: string;
}

/**
 * schemas/work-order.schema.json, contract version 2: what the MES receives. contractVersion is
 * optional in the type because a v1 message (without it) is still a valid work order; readWorkOrder
 * (./work-order-contract) turns one into the other.
 */
export interface WorkOrder {
  contractVersion?: 2;
  workOrderNo: string;
  source: WorkOrderSource;
  status: OrderStatus;
  materialCode: string;
  productName?: string;
  plannedQty: number;
  producedQty?: number;
  scrapQty?: number;
  processLossQty?: number;
  unit: string;
  dueDate?: string;
  priority: number;
  site: string;
  predecessor?: OrderLink;
  successors?: OrderLink[];
  operations: WorkOrderOperation[];
  materials: WorkOrderMaterial[];
  extensions?: Extensions;
}

/** Quantities are rounded to 6 decimals so that 0.1 × 3 reads 0.3 on the MES side. */
function roundQty(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** Copies of the optional fields that are present (undefined ones would break schema checks and hashes). */
function present<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (from[key] !== undefined) out[key] = structuredClone(from[key]);
  return out;
}

const PASSED_ON = ['producedQty', 'scrapQty', 'processLossQty', 'predecessor', 'successors', 'extensions'] as const;

/** The v2 work order for a production order. */
export function toWorkOrder(order: ProductionOrder): WorkOrder {
  return {
    contractVersion: 2,
    workOrderNo: order.orderNo,
    source: {
      system: 'erp',
      orderNo: order.orderNo,
      ...(order.orderKey !== undefined && { orderKey: order.orderKey }),
      revision: order.revision,
      updatedAt: order.updatedAt,
    },
    status: order.status,
    materialCode: order.productCode,
    ...(order.productName !== undefined && { productName: order.productName }),
    plannedQty: order.quantity,
    unit: order.unit,
    ...(order.dueDate !== undefined && { dueDate: order.dueDate }),
    priority: order.priority,
    site: order.plant,
    ...present(order, PASSED_ON),
    operations: order.operations.map((op) => ({
      sequence: op.opNo,
      operationCode: op.opCode,
      ...(op.description !== undefined && { description: op.description }),
      equipmentCode: op.workCentre,
      plannedStart: op.plannedStart,
      plannedEnd: op.plannedEnd,
      stdSecondsPerUnit: op.stdTimePerUnitSec,
      ...(op.qcSpecRef !== undefined && { qcSpecRef: op.qcSpecRef }),
    })),
    materials: order.bom.map((line) => ({
      materialCode: line.materialCode,
      ...(line.materialName !== undefined && { materialName: line.materialName }),
      qtyPer: line.qtyPer,
      requiredQty: roundQty(line.qtyPer * order.quantity),
      unit: line.unit,
      issueTolerancePct: line.issueTolerancePct ?? 0,
      ...(line.opNo !== undefined && { sequence: line.opNo }),
    })),
  };
}
