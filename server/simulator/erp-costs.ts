// The simulated ERP's cost module: standard unit costs of the demo's materials, labour and work-centre rates,
// and a standard cost estimate per production order (SAP's preliminary cost estimate of an order, Odoo's MO
// cost) made from its BOM and routing: per lot of 1000 units, material Σ qtyPer × unit cost, labour Σ std
// seconds × labour rate, machine Σ std seconds × the work centre's rate, rounded to cents as the ERP stores them.
// Served at GET /api/v1/standard-costs (behind the ERP's auth) in the shape of schemas/standard-cost.
import express, { type Request, type Response, type Router } from 'express';
import type { ProductionOrder } from './types';

export const COST_CURRENCY = 'CNY';
export const COST_LOT_SIZE = 1000;
/** 直接人工 per hour, all operations. */
export const LABOUR_RATE_PER_HOUR = 42;

/** Standard unit cost of each material the demo's BOMs use (ERP codes, ERP units). */
export const MATERIAL_UNIT_COSTS: Record<string, { unitCost: number; unit: string }> = {
  'RM-200101': { unitCost: 18.5, unit: 'KG' }, // 医用PVC粒料
  'RM-200115': { unitCost: 0.42, unit: 'PCS' }, // 不锈钢针管
  'RM-200130': { unitCost: 0.35, unit: 'PCS' }, // 滴斗
  'RM-200140': { unitCost: 96, unit: 'KG' }, // 医用硅胶
  'RM-200150': { unitCost: 0.28, unit: 'PCS' }, // 流量调节器
  'PK-300001': { unitCost: 0.06, unit: 'PCS' }, // 初包装袋
  'PK-300010': { unitCost: 2.8, unit: 'BOX' }, // 外箱
};

/** Machine (work centre) rate per hour: depreciation, energy, upkeep (设备折旧). */
export const WORK_CENTRE_RATES: Record<string, number> = {
  'WC-EXT01': 85,
  'WC-ASM01': 60,
  'WC-ASM02': 60,
  'WC-BOND1': 48,
  'WC-LEAK1': 36,
  'WC-STER': 30,
  'WC-PACK': 40,
  'WC-OLD09': 36,
};
const DEFAULT_MACHINE_RATE = 40;

const cents = (v: number) => Math.round(v * 100) / 100;

/** The standard cost estimate of one order, per lot of COST_LOT_SIZE units. */
export function orderStandardCost(order: ProductionOrder) {
  const material = order.bom.reduce((sum, line) => sum + line.qtyPer * (MATERIAL_UNIT_COSTS[line.materialCode]?.unitCost ?? 0), 0);
  const labour = order.operations.reduce((sum, op) => sum + (op.stdTimePerUnitSec * LABOUR_RATE_PER_HOUR) / 3600, 0);
  const machine = order.operations.reduce((sum, op) => sum + (op.stdTimePerUnitSec * (WORK_CENTRE_RATES[op.workCentre] ?? DEFAULT_MACHINE_RATE)) / 3600, 0);
  const workCentres = [...new Set(order.operations.map((op) => op.workCentre))].sort();
  return {
    productCode: order.productCode,
    orderNo: order.orderNo,
    currency: COST_CURRENCY,
    lotSize: COST_LOT_SIZE,
    perUnit: { material: cents(material * COST_LOT_SIZE), labour: cents(labour * COST_LOT_SIZE), machine: cents(machine * COST_LOT_SIZE) },
    labourRatePerHour: LABOUR_RATE_PER_HOUR,
    machineRatePerHour: DEFAULT_MACHINE_RATE,
    machineRates: workCentres.map((equipment) => ({ equipment, ratePerHour: WORK_CENTRE_RATES[equipment] ?? DEFAULT_MACHINE_RATE })),
    materials: [...new Set(order.bom.map((l) => l.materialCode))]
      .sort()
      .map((materialCode) => ({ materialCode, ...(MATERIAL_UNIT_COSTS[materialCode] ?? { unitCost: 0, unit: order.bom.find((l) => l.materialCode === materialCode)!.unit }) })),
    estimateId: `CE-${order.orderNo}-R${order.revision}`,
  };
}

/** GET /api/v1/standard-costs[?orderNo=]: the estimates of every order the ERP holds. */
export function erpCostsRouter(orders: () => ProductionOrder[], guard: (req: Request, res: Response) => boolean): Router {
  const router = express.Router();
  router.get('/api/v1/standard-costs', (req, res) => {
    if (!guard(req, res)) return;
    const one = typeof req.query.orderNo === 'string' && req.query.orderNo !== '' ? req.query.orderNo : undefined;
    // A raw order a test stored unchecked has no routing or BOM to cost: it is left out.
    const costable = orders().filter((o) => Array.isArray(o.bom) && Array.isArray(o.operations) && o.status !== 'cancelled');
    res.json({ items: costable.filter((o) => one === undefined || o.orderNo === one).map(orderStandardCost) });
  });
  return router;
}
