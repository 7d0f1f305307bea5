// The cases real plants have, seeded into the simulated ERP so each dialect serves them in its own way: a
// cancelled and amended order (ERPNext: docstatus 2, then NAME-1 with amended_from), an order split in two
// (Odoo: renamed NAME-001 and a backorder NAME-002 with backorder_sequence), orders without a due date or a
// routing, and bills not audited yet (Kingdee FDocumentStatus A/B/D). Drafts are in every seed already.
import type { SimulatedErp } from './erp';
import type { ProductionOrder } from './types';

export interface PlantCases {
  /** Cancelled before the MES had it, and its amendment (released). */
  cancelled: string;
  amendment: string;
  /** The order split in two, and the backorder split off it (both released). */
  splitOrigin: string;
  backorder: string;
  /** Released orders whose ERP has no due date for them (ERPNext, Odoo only: SAP and Kingdee require one). */
  withoutDueDate: string[];
  /** A released order without operations (ERPNext BOM with_operations=0, Odoo MO without work orders). */
  withoutOperations: string;
}

export interface PlantCaseOptions {
  /** Seed orders without a due date (an ERP that requires one, SAP or Kingdee, never has them). */
  withoutDueDate: boolean;
}

function released(erp: SimulatedErp, orderNo: string): ProductionOrder {
  const order = erp.order(orderNo);
  if (!order || order.status !== 'released') throw new Error(`the plant case needs ${orderNo} released; it is ${order ? order.status : 'missing'}.`);
  return order;
}

export function seedPlantCases(erp: SimulatedErp, options: PlantCaseOptions): PlantCases {
  // Cancelled, then amended: ERPNext names the amendment NAME-1 and links it by amended_from.
  const cancelled = released(erp, 'MO-2026-0010');
  erp.upsertOrder({ ...cancelled, status: 'cancelled' });
  const amendment = `${cancelled.orderNo}-1`;
  erp.upsertOrder({ ...cancelled, orderNo: amendment, revision: 0, quantity: cancelled.quantity + 100, predecessor: { orderNo: cancelled.orderNo, relation: 'amendment' } });

  // Split: part of the quantity stays, the rest goes to a backorder.
  const origin = released(erp, 'MO-2026-0012');
  const kept = Math.max(1, Math.floor(origin.quantity / 2));
  erp.upsertOrder({ ...origin, quantity: kept });
  const backorder = `${origin.orderNo}-002`;
  erp.upsertOrder({ ...origin, orderNo: backorder, revision: 0, quantity: origin.quantity - kept, predecessor: { orderNo: origin.orderNo, relation: 'split' } });

  // No routing: nothing to dispatch per operation, the BOM issued to the order as a whole.
  const template = released(erp, 'MO-2026-0004');
  const withoutOperations = 'MO-2026-0904';
  erp.upsertOrder({ ...template, orderNo: withoutOperations, revision: 0, operations: [], bom: template.bom.map(({ opNo: _op, ...line }) => line) });

  const withoutDueDate: string[] = [];
  if (options.withoutDueDate) {
    // Stored raw: the simulator's own order type always has a due date; these ERPs leave it empty.
    const { dueDate: _none, ...rest } = released(erp, 'MO-2026-0003');
    erp.addRawOrder({ ...rest, orderNo: 'MO-2026-0903', revision: 0 });
    withoutDueDate.push('MO-2026-0903');
  }
  return { cancelled: cancelled.orderNo, amendment, splitOrigin: origin.orderNo, backorder, withoutDueDate, withoutOperations };
}
