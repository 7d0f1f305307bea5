// Odoo's backorder naming, after odoo/odoo addons/mrp/models/mrp_production.py (_split_productions,
// _get_name_backorder, SIZE_BACK_ORDER_NUMERING = 3): splitting an MO renames it NAME-001 with
// backorder_sequence 1, and each backorder of the same procurement group is NAME-002, NAME-003… with the next
// sequence. The simulated ERP says an order was split off another with `predecessor.relation = "split"`.
import type { SimulatedErp } from '../erp';
import type { ProductionOrder } from '../types';

export interface Backorder {
  /** The MO's name as Odoo shows it after the split. */
  name: string;
  backorderSequence: number;
  /** How many MOs the split family holds (mrp_production_backorder_count). */
  familySize: number;
}

const suffix = (sequence: number) => `-${String(sequence).padStart(3, '0')}`;

/** Odoo names of the orders that take part in a split, by the simulated ERP's order no; others keep theirs. */
export function backorderNames(orders: ProductionOrder[]): Map<string, Backorder> {
  const families = new Map<string, string[]>();
  for (const o of orders) {
    if (o.predecessor?.relation !== 'split') continue;
    const origin = o.predecessor.orderNo;
    if (!families.has(origin)) families.set(origin, []);
    families.get(origin)!.push(o.orderNo);
  }
  const names = new Map<string, Backorder>();
  const known = new Set(orders.map((o) => o.orderNo));
  for (const [origin, splits] of families) {
    if (!known.has(origin)) continue;
    const size = splits.length + 1;
    names.set(origin, { name: origin + suffix(1), backorderSequence: 1, familySize: size });
    splits.sort().forEach((no, i) => names.set(no, { name: origin + suffix(i + 2), backorderSequence: i + 2, familySize: size }));
  }
  return names;
}

/** The split itself, in the simulated ERP: the MO keeps what it produced (done), a backorder NAME-00n takes the rest. */
export function splitProduction(erp: SimulatedErp, orders: ProductionOrder[], origin: ProductionOrder, produced: number): void {
  const root = origin.predecessor?.relation === 'split' ? origin.predecessor.orderNo : origin.orderNo;
  const family = orders.filter((o) => o.orderNo === root || (o.predecessor?.relation === 'split' && o.predecessor.orderNo === root)).length;
  erp.upsertOrder({ ...origin, quantity: produced, status: 'closed' });
  erp.upsertOrder({
    ...origin,
    orderNo: `${root}${suffix(family + 1)}`,
    revision: 0,
    status: 'released',
    quantity: origin.quantity - produced,
    producedQty: 0,
    predecessor: { orderNo: root, relation: 'split' },
  });
}
