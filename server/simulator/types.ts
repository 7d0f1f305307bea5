// Shapes the simulated plant speaks. They mirror schemas/production-order.schema.json (ERP side)
// and schemas/work-order.schema.json (MES side); the schemas stay the authority.

export type OrderStatus = 'created' | 'released' | 'completed' | 'closed' | 'cancelled';

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

/** What a caller hands to upsertOrder: the ERP assigns revision and updatedAt itself when omitted. */
export type ProductionOrderInput = Omit<ProductionOrder, 'revision' | 'updatedAt'> & Partial<Pick<ProductionOrder, 'revision' | 'updatedAt'>>;

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
  operations: Array<Record<string, unknown>>;
  materials: Array<Record<string, unknown>>;
}
