// Deterministic demo orders for the medical-device plant (plant 1010, Suzhou): infusion sets,
// IV catheters and urinary catheters along extrusion → assembly → bonding → leak test → EO
// sterilisation → packing. A seeded PRNG (never Math.random) so every run seeds the same plan.
import type { BomLine, ProductionOrder, RoutingOperation } from './types';
import { DAY, HOUR_MS, plantMidnight, toPlantIso } from './plant-time';

export const PLANT = '1010';
/** The retired leak-test bench still referenced by one old routing; it is not in the code table. */
export const UNMAPPED_WORK_CENTRE = 'WC-OLD09';

export type Prng = () => number;

/** mulberry32: small, fast, good enough to vary a demo plan; same seed → same sequence. */
export function createPrng(seed: number): Prng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomInt(rng: Prng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

interface OperationTemplate {
  opCode: string;
  description: string;
  workCentres: string[];
  stdTimePerUnitSec: number;
  qcSpecRef: string;
  optional?: boolean;
}

interface BomTemplate extends Omit<BomLine, 'opNo'> {
  issuedAt: string; // opCode the material is issued to
  optional?: boolean;
}

interface ProductTemplate {
  productCode: string;
  productName: string;
  quantity: { min: number; max: number; step: number };
  routing: OperationTemplate[];
  bom: BomTemplate[];
}

const STER: OperationTemplate = { opCode: 'STER', description: '环氧乙烷灭菌', workCentres: ['WC-STER'], stdTimePerUnitSec: 0.5, qcSpecRef: 'QS-STER-01' };
const PACK: OperationTemplate = { opCode: 'PACK', description: '初包装及装箱', workCentres: ['WC-PACK'], stdTimePerUnitSec: 0.8, qcSpecRef: 'QS-PACK-01' };
const POUCH: BomTemplate = { materialCode: 'PK-300001', materialName: '初包装袋', qtyPer: 1, unit: 'PCS', issueTolerancePct: 2, issuedAt: 'PACK' };

export const PRODUCTS: ProductTemplate[] = [
  {
    productCode: 'FG-100234',
    productName: '一次性使用输液器',
    quantity: { min: 5000, max: 30000, step: 1000 },
    routing: [
      { opCode: 'EXTR', description: '输液管挤出', workCentres: ['WC-EXT01'], stdTimePerUnitSec: 0.9, qcSpecRef: 'QS-EXTR-01' },
      { opCode: 'ASSY', description: '滴斗及流量调节器组装', workCentres: ['WC-ASM01', 'WC-ASM02'], stdTimePerUnitSec: 2.4, qcSpecRef: 'QS-ASSY-01' },
      { opCode: 'BOND', description: '针座UV粘接', workCentres: ['WC-BOND1'], stdTimePerUnitSec: 1.5, qcSpecRef: 'QS-BOND-01', optional: true },
      { opCode: 'LEAK', description: '密封性测试', workCentres: ['WC-LEAK1'], stdTimePerUnitSec: 2.0, qcSpecRef: 'QS-LEAK-01' },
      STER,
      PACK,
    ],
    bom: [
      { materialCode: 'RM-200101', materialName: '医用PVC粒料', qtyPer: 0.014, unit: 'KG', issueTolerancePct: 3, issuedAt: 'EXTR' },
      { materialCode: 'RM-200130', materialName: '滴斗', qtyPer: 1, unit: 'PCS', issueTolerancePct: 1, issuedAt: 'ASSY' },
      { materialCode: 'RM-200150', materialName: '流量调节器', qtyPer: 1, unit: 'PCS', issueTolerancePct: 1, issuedAt: 'ASSY' },
      { materialCode: 'RM-200115', materialName: '不锈钢针管', qtyPer: 1, unit: 'PCS', issueTolerancePct: 0.5, issuedAt: 'BOND', optional: true },
      POUCH,
      { materialCode: 'PK-300010', materialName: '外箱', qtyPer: 0.02, unit: 'BOX', issueTolerancePct: 0, issuedAt: 'PACK', optional: true },
    ],
  },
  {
    productCode: 'FG-100235',
    productName: '静脉留置针 22G',
    quantity: { min: 2000, max: 12000, step: 500 },
    routing: [
      { opCode: 'EXTR', description: '导管挤出', workCentres: ['WC-EXT01'], stdTimePerUnitSec: 1.1, qcSpecRef: 'QS-EXTR-02', optional: true },
      { opCode: 'ASSY', description: '导管针座组装', workCentres: ['WC-ASM02'], stdTimePerUnitSec: 3.0, qcSpecRef: 'QS-ASSY-02' },
      { opCode: 'BOND', description: '针管UV粘接', workCentres: ['WC-BOND1'], stdTimePerUnitSec: 1.8, qcSpecRef: 'QS-BOND-02' },
      { opCode: 'LEAK', description: '密封性测试', workCentres: ['WC-LEAK1'], stdTimePerUnitSec: 2.5, qcSpecRef: 'QS-LEAK-01' },
      STER,
      PACK,
    ],
    bom: [
      { materialCode: 'RM-200115', materialName: '不锈钢针管', qtyPer: 1, unit: 'PCS', issueTolerancePct: 2, issuedAt: 'BOND' },
      { materialCode: 'RM-200101', materialName: '医用PVC粒料', qtyPer: 0.004, unit: 'KG', issueTolerancePct: 5, issuedAt: 'ASSY' },
      { materialCode: 'RM-200140', materialName: '医用硅胶', qtyPer: 0.001, unit: 'KG', issueTolerancePct: 5, issuedAt: 'BOND', optional: true },
      POUCH,
      { materialCode: 'PK-300010', materialName: '外箱', qtyPer: 0.01, unit: 'BOX', issueTolerancePct: 0, issuedAt: 'PACK', optional: true },
    ],
  },
  {
    productCode: 'FG-100310',
    productName: '导尿管 16Fr',
    quantity: { min: 1000, max: 6000, step: 500 },
    routing: [
      { opCode: 'EXTR', description: '硅胶管挤出', workCentres: ['WC-EXT01'], stdTimePerUnitSec: 1.5, qcSpecRef: 'QS-EXTR-03' },
      { opCode: 'ASSY', description: '球囊及接头组装', workCentres: ['WC-ASM01'], stdTimePerUnitSec: 2.8, qcSpecRef: 'QS-ASSY-03', optional: true },
      { opCode: 'LEAK', description: '球囊密封性测试', workCentres: ['WC-LEAK1'], stdTimePerUnitSec: 3.0, qcSpecRef: 'QS-LEAK-02' },
      STER,
      { ...PACK, stdTimePerUnitSec: 1.0 },
    ],
    bom: [
      { materialCode: 'RM-200140', materialName: '医用硅胶', qtyPer: 0.025, unit: 'KG', issueTolerancePct: 4, issuedAt: 'EXTR' },
      { materialCode: 'RM-200101', materialName: '医用PVC粒料', qtyPer: 0.003, unit: 'KG', issueTolerancePct: 5, issuedAt: 'ASSY', optional: true },
      POUCH,
      { materialCode: 'PK-300010', materialName: '外箱', qtyPer: 0.02, unit: 'BOX', issueTolerancePct: 0, issuedAt: 'PACK' },
    ],
  },
];

export function orderNumber(n: number): string {
  return `MO-2026-${String(n).padStart(4, '0')}`;
}

/** Re-plans the routing back to back from `startMs`: each operation takes std time × quantity. */
export function scheduleOperations(order: ProductionOrder, startMs: number): void {
  let at = startMs;
  for (const op of order.operations) {
    op.plannedStart = toPlantIso(at);
    // Round away float noise (1.1 × 3000 = 3300.0000000000005) before rounding up to whole seconds.
    at += Math.ceil(Math.round(op.stdTimePerUnitSec * order.quantity * 1000) / 1000) * 1000;
    op.plannedEnd = toPlantIso(at);
  }
}

/** Due date: a few plant days after the last operation ends, at 17:00. */
export function dueDateAfter(order: ProductionOrder, extraDays: number): string {
  const lastEnd = Date.parse(order.operations[order.operations.length - 1].plannedEnd);
  return toPlantIso(plantMidnight(new Date(lastEnd)) + extraDays * DAY + 17 * HOUR_MS);
}

/** One order for product template `productIndex`, planned to start at `startMs`. */
export function buildOrder(orderNo: string, productIndex: number, rng: Prng, startMs: number, updatedAt: string): ProductionOrder {
  const product = PRODUCTS[productIndex % PRODUCTS.length];
  const routing = product.routing.filter((op) => !op.optional || rng() < 0.5);
  const operations: RoutingOperation[] = routing.map((op, i) => ({
    opNo: String((i + 1) * 10).padStart(4, '0'),
    opCode: op.opCode,
    description: op.description,
    workCentre: op.workCentres[randomInt(rng, 0, op.workCentres.length - 1)],
    plannedStart: '',
    plannedEnd: '',
    stdTimePerUnitSec: op.stdTimePerUnitSec,
    qcSpecRef: op.qcSpecRef,
  }));
  const chosen = product.bom.filter((line) => !line.optional || rng() < 0.6);
  while (chosen.length > 5) chosen.splice(chosen.map((l) => !!l.optional).lastIndexOf(true), 1);
  const bom: BomLine[] = chosen.map(({ issuedAt, optional: _optional, ...line }) => ({
    ...line,
    opNo: issuingOperation(product, operations, issuedAt).opNo,
  }));
  const { min, max, step } = product.quantity;
  const order: ProductionOrder = {
    orderNo,
    revision: 0,
    status: 'released',
    productCode: product.productCode,
    productName: product.productName,
    quantity: min + randomInt(rng, 0, (max - min) / step) * step,
    unit: 'PCS',
    dueDate: '',
    priority: randomInt(rng, 1, 5),
    plant: PLANT,
    operations,
    bom,
    updatedAt,
  };
  scheduleOperations(order, startMs);
  order.dueDate = dueDateAfter(order, randomInt(rng, 2, 5));
  return order;
}

/** The operation a material is issued to; when that step was left out, the step before it. */
function issuingOperation(product: ProductTemplate, operations: RoutingOperation[], opCode: string): RoutingOperation {
  const planned = product.routing.findIndex((op) => op.opCode === opCode);
  for (let i = planned; i >= 0; i--) {
    const kept = operations.find((op) => op.opCode === product.routing[i].opCode);
    if (kept) return kept;
  }
  return operations[0];
}

/**
 * The seeded plan, anchored at plant midnight of `now` so a given day always seeds the same orders
 * (unless `firstStartMs` moves the first start). Changes were stamped yesterday morning, several orders
 * in the same second (ERP batch release), and not in order-number order; the last order still routes
 * leak test to WC-OLD09.
 */
export function seedProductionOrders(count: number, now: Date, rng: Prng, firstStartMs?: number): ProductionOrder[] {
  const anchor = plantMidnight(now);
  const changedFrom = anchor - 16 * HOUR_MS;
  const slots = Math.max(4, count);
  // Every seeded change lies before plant midnight, so later edits always carry later change times.
  const step = Math.min(7 * 60_000, Math.floor((16 * HOUR_MS - 60_000) / slots));
  const orders: ProductionOrder[] = [];
  for (let i = 0; i < count; i++) {
    const slot = randomInt(rng, 0, slots - 1);
    const updatedAt = i % 5 === 1 ? orders[i - 1].updatedAt : toPlantIso(changedFrom + slot * step + ((slot * 13) % 60) * 1000);
    // Tests plan from tomorrow 08:00, one order every 6 h; the demo from a few hours ago, so the floor is busy now.
    const start = firstStartMs === undefined ? anchor + DAY + 8 * HOUR_MS + i * 6 * HOUR_MS : firstStartMs + i * 3 * HOUR_MS;
    const order = buildOrder(orderNumber(i + 1), randomInt(rng, 0, PRODUCTS.length - 1), rng, start, updatedAt);
    if (i % 8 === 5) order.status = 'created';
    if (rng() < 0.25) order.revision = randomInt(rng, 1, 2);
    orders.push(order);
  }
  const last = orders[count - 1];
  if (last) {
    const leakTest = last.operations.find((op) => op.opCode === 'LEAK') ?? last.operations[0];
    leakTest.workCentre = UNMAPPED_WORK_CENTRE;
  }
  return orders;
}
