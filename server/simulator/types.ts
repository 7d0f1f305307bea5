// Shapes the simulated plant speaks: the product's own production-order (ERP side) and work-order
// (MES side) types, which mirror schemas/; the schemas stay the authority.
import type { ProductionOrder } from '../../nodes/lib/plan-sync/work-order';

export type { BomLine, OrderStatus, ProductionOrder, RoutingOperation, WorkOrder } from '../../nodes/lib/plan-sync/work-order';

/** What a caller hands to upsertOrder: the ERP assigns revision and updatedAt itself when omitted. */
export type ProductionOrderInput = Omit<ProductionOrder, 'revision' | 'updatedAt'> & Partial<Pick<ProductionOrder, 'revision' | 'updatedAt'>>;
