// Shapes the simulated plant speaks: the product's own production-order (ERP side) and work-order
// (MES side) types, which mirror schemas/; the schemas stay the authority.
import type { OrderStatusV1, ProductionOrder as ContractOrder } from '../../nodes/lib/plan-sync/work-order';

export type { BomLine, RoutingOperation, WorkOrder } from '../../nodes/lib/plan-sync/work-order';

/**
 * The orders the simulated ERP seeds: contract v2 production orders that still always carry a due
 * date and one of v1's statuses, which is what the dialects are written against. Widen these (to
 * the contract's own types) when the dialects seed orders without a due date, running or held.
 */
export type OrderStatus = OrderStatusV1;
export type ProductionOrder = Omit<ContractOrder, 'status' | 'dueDate'> & { status: OrderStatus; dueDate: string };

/** What a caller hands to upsertOrder: the ERP assigns revision and updatedAt itself when omitted. */
export type ProductionOrderInput = Omit<ProductionOrder, 'revision' | 'updatedAt'> & Partial<Pick<ProductionOrder, 'revision' | 'updatedAt'>>;
