// The ERP's standard cost as the book takes it: from a message (schemas/standard-cost) or from a row of the
// ERP's cost table read by legacy-db-poll, and the rates the actuals are valued at (given, or implied by the
// standard per unit and the routing's standard times).
import { validate } from '../validation';
import { divRound, micros, SECONDS_PER_HOUR, type Micros } from './money';
import type { CostElement, OrderPlan, StandardCost } from './types';

/**
 * The columns a cost table (or view) row is read from: product_code, currency, material_cost, labour_cost,
 * machine_cost (per lot_size units, default 1), and optionally order_no, lot_size, labour_rate, machine_rate,
 * machine_rates_json ([{equipment, ratePerHour}]), material_costs_json ([{materialCode, unitCost, unit}]),
 * estimate_id, valid_from. DECIMAL columns may arrive as text (mysql2, pg): they are read as the decimals they are.
 */
export const STANDARD_COST_COLUMNS = ['product_code', 'currency', 'material_cost', 'labour_cost', 'machine_cost'] as const;

export const looksLikeCostRow = (p: unknown): boolean => typeof p === 'object' && p !== null && 'product_code' in p;

function rowNumber(row: Record<string, unknown>, column: string): number | undefined {
  const v = row[column];
  if (v === null || v === undefined || v === '') return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v.trim());
  throw new Error(`Column ${column} of the cost row for ${JSON.stringify(row.product_code)} must be a number, not ${JSON.stringify(v)}.`);
}

function rowJson(row: Record<string, unknown>, column: string): unknown[] | undefined {
  const v = row[column];
  if (v === null || v === undefined || v === '') return undefined;
  if (Array.isArray(v)) return v;
  try {
    const parsed = JSON.parse(String(v)) as unknown;
    if (Array.isArray(parsed)) return parsed;
  } catch {
    // named below
  }
  throw new Error(`Column ${column} of the cost row for ${JSON.stringify(row.product_code)} must hold a JSON array.`);
}

/** A cost table row (columns above) as a standard cost; checked against the schema like a message. */
export function standardCostFromRow(row: Record<string, unknown>): StandardCost {
  const text = (c: string) => (row[c] === null || row[c] === undefined || row[c] === '' ? undefined : String(row[c]));
  const cost: Record<string, unknown> = {
    productCode: text('product_code'),
    currency: text('currency'),
    perUnit: { material: rowNumber(row, 'material_cost'), labour: rowNumber(row, 'labour_cost'), machine: rowNumber(row, 'machine_cost') },
  };
  const optional: Array<[string, unknown]> = [
    ['orderNo', text('order_no')],
    ['lotSize', rowNumber(row, 'lot_size')],
    ['labourRatePerHour', rowNumber(row, 'labour_rate')],
    ['machineRatePerHour', rowNumber(row, 'machine_rate')],
    ['machineRates', rowJson(row, 'machine_rates_json')],
    ['materials', rowJson(row, 'material_costs_json')],
    ['estimateId', text('estimate_id')],
    ['validFrom', text('valid_from')?.slice(0, 10)],
  ];
  for (const [key, value] of optional) if (value !== undefined) cost[key] = value;
  return checkStandardCost(cost);
}

export function checkStandardCost(input: unknown): StandardCost {
  const checked = validate('standard-cost', input);
  if (!checked.ok) throw new Error(`The standard cost was refused: ${checked.message}.`);
  const cost = structuredClone(input) as StandardCost;
  const seen = new Set<string>();
  for (const m of cost.materials ?? []) {
    if (seen.has(m.materialCode)) throw new Error(`The standard cost of ${cost.productCode} lists material ${m.materialCode} twice; one unit cost per material.`);
    seen.add(m.materialCode);
  }
  return cost;
}

export const standardKey = (cost: Pick<StandardCost, 'productCode' | 'orderNo'>): string => (cost.orderNo ? `standard:order:${cost.orderNo}` : `standard:product:${cost.productCode}`);

/** Σ standard seconds per unit of the routing (all operations), in millionths of a second. */
function routingSeconds(plan: OrderPlan | undefined, equipment?: string): Micros {
  let total = 0n;
  for (const op of plan?.operations ?? []) if (equipment === undefined || op.equipment === equipment) total += micros(op.stdSecondsPerUnit, 'stdSecondsPerUnit');
  return total;
}

/** The labour or machine rate per hour the actuals are valued at; undefined with the reason when there is none. */
export function hourlyRate(cost: StandardCost, element: Exclude<CostElement, 'material'>, plan: OrderPlan | undefined, equipment?: string): { rate: Micros } | { missing: string } {
  if (element === 'machine' && equipment !== undefined) {
    const listed = cost.machineRates?.find((r) => r.equipment === equipment);
    if (listed) return { rate: micros(listed.ratePerHour, `machineRates[${equipment}].ratePerHour`) };
  }
  const given = element === 'labour' ? cost.labourRatePerHour : cost.machineRatePerHour;
  if (given !== undefined) return { rate: micros(given, element === 'labour' ? 'labourRatePerHour' : 'machineRatePerHour') };
  // Implied: the standard per unit spread over the routing's standard hours per unit.
  const seconds = routingSeconds(plan);
  const lot = micros(cost.lotSize ?? 1, 'lotSize');
  if (seconds === 0n) return { missing: `a ${element} rate per hour for ${cost.productCode} (the standard cost gives none and no routing with standard times is known to imply one)` };
  // per unit = perUnit / lot; rate = per unit × 3600 s / Σ seconds per unit.
  return { rate: divRound(micros(cost.perUnit[element], `perUnit.${element}`) * SECONDS_PER_HOUR * 1_000_000n, lot * seconds) };
}
