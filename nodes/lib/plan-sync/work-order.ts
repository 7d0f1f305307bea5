// Plan sync's one reshaping step: an ERP production order becomes an MES work order.
// Codes stay ERP codes here; code-map turns them into MES codes afterwards.

export type OrderStatus = 'created' | 'released' | 'completed' | 'closed' | 'cancelled';

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

export interface ProductionOrder {
  orderNo: string;
  revision: number;
  status: OrderStatus;
  productCode: string;
  productName?: string;
  quantity: number;
  unit: string;
  dueDate: string;
  priority: number;
  plant: string;
  operations: RoutingOperation[];
  bom: BomLine[];
  updatedAt: string;
}

export interface WorkOrder {
  workOrderNo: string;
  source: { system: 'erp'; orderNo: string; revision: number; updatedAt: string };
  status: OrderStatus;
  materialCode: string;
  productName?: string;
  plannedQty: number;
  unit: string;
  dueDate: string;
  priority: number;
  site: string;
  operations: Array<{
    sequence: string;
    operationCode: string;
    description?: string;
    equipmentCode: string;
    plannedStart: string;
    plannedEnd: string;
    stdSecondsPerUnit: number;
    qcSpecRef?: string;
  }>;
  materials: Array<{
    materialCode: string;
    materialName?: string;
    qtyPer: number;
    requiredQty: number;
    unit: string;
    issueTolerancePct: number;
    sequence?: string;
  }>;
}

/** Quantities are rounded to 6 decimals so that 0.1 × 3 reads 0.3 on the MES side. */
function roundQty(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

export function toWorkOrder(order: ProductionOrder): WorkOrder {
  return {
    workOrderNo: order.orderNo,
    source: { system: 'erp', orderNo: order.orderNo, revision: order.revision, updatedAt: order.updatedAt },
    status: order.status,
    materialCode: order.productCode,
    ...(order.productName !== undefined && { productName: order.productName }),
    plannedQty: order.quantity,
    unit: order.unit,
    dueDate: order.dueDate,
    priority: order.priority,
    site: order.plant,
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
