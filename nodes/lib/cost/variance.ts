// The variance of one completed order: the standard for the good quantity produced (standard per unit ×
// good qty; scrap is not in the standard, so what scrapped units used shows as variance — the standard cost
// of a unit is the cost of a good unit, 单位产品成本), the actuals valued at the standard's unit costs and
// rates, actual − standard and its %, and for an element over the threshold its likely cause: the
// operations, materials or equipment above their standard quantity for that output.
import { micros, percentOf, restored, SECONDS_PER_HOUR, sum, times, timesOver, toCents, toNumber, type Micros } from './money';
import { hourlyRate } from './standard';
import type { CostElement, CostSettings, CostVariance, ElementVariance, OrderCostState, StandardCost, VarianceDetail } from './types';

interface Line {
  code: string;
  label?: string;
  standardQty: Micros;
  actualQty: Micros;
  unit: string;
  /** Value of one unit of excess (unit cost or rate). */
  rate: Micros;
  note?: string;
}

interface Priced {
  actual: Micros;
  lines: Line[];
}

export type VarianceAttempt = { variance: CostVariance } | { missing: string };

const hoursOf = (record: Record<string, string> | undefined): Micros => sum(Object.values(record ?? {}).map(restored));
const fmt = (a: Micros) => toNumber(a).toLocaleString('en-US', { maximumFractionDigits: 6 });

function materialActual(order: OrderCostState, cost: StandardCost, good: Micros): Priced | { missing: string } {
  const lines: Line[] = [];
  const codes = new Set([...Object.keys(order.plan?.bom ?? {}), ...Object.keys(order.materials)]);
  let actual = 0n;
  for (const code of [...codes].sort()) {
    const issued = order.materials[code];
    const bom = order.plan?.bom[code];
    const price = cost.materials?.find((m) => m.materialCode === code);
    const unit = issued?.unit ?? bom?.unit ?? price?.unit ?? '';
    if (issued && !price) return { missing: `a unit cost of material ${code} in the standard cost of ${cost.productCode} (${fmt(restored(issued.qty))} ${issued.unit} were issued to order ${order.orderNo})` };
    if (issued && price && price.unit !== issued.unit) return { missing: `a unit cost of material ${code} per ${issued.unit} (the standard cost of ${cost.productCode} prices it per ${price.unit})` };
    const rate = price ? micros(price.unitCost, `materials[${code}].unitCost`) : 0n;
    const qty = restored(issued?.qty);
    actual += times(qty, rate);
    lines.push({ code, standardQty: bom ? times(micros(bom.qtyPer, `bom[${code}].qtyPer`), good) : 0n, actualQty: qty, unit, rate });
  }
  return { actual, lines };
}

function labourActual(order: OrderCostState, cost: StandardCost, good: Micros): Priced | { missing: string } {
  const total = sum(Object.values(order.labour).map(hoursOf));
  const rate = hourlyRate(cost, 'labour', order.plan, undefined);
  if ('missing' in rate) return total === 0n ? { actual: 0n, lines: [] } : rate;
  const ops = new Set([...(order.plan?.operations ?? []).map((o) => o.opNo), ...Object.keys(order.labour)]);
  const lines = [...ops].sort().map((opNo): Line => {
    const op = order.plan?.operations.find((o) => o.opNo === opNo);
    const std = op ? timesOver(micros(op.stdSecondsPerUnit, 'stdSecondsPerUnit'), good, SECONDS_PER_HOUR) : 0n;
    const byOperator = Object.entries(order.labour[opNo] ?? {}).sort(([, a], [, b]) => (BigInt(b) > BigInt(a) ? 1 : -1));
    const note = byOperator.map(([who, h]) => `${who} ${fmt(restored(h))} h`).join(', ');
    return { code: opNo, ...(op && { label: op.operationCode }), standardQty: std, actualQty: hoursOf(order.labour[opNo]), unit: 'h', rate: rate.rate, ...(note && { note }) };
  });
  return { actual: times(total, rate.rate), lines };
}

function machineActual(order: OrderCostState, cost: StandardCost, good: Micros): Priced | { missing: string } {
  const equipment = new Set([...(order.plan?.operations ?? []).map((o) => o.equipment), ...Object.keys(order.machine)]);
  const lines: Line[] = [];
  let actual = 0n;
  for (const eq of [...equipment].sort()) {
    const hours = hoursOf(order.machine[eq]);
    const rate = hourlyRate(cost, 'machine', order.plan, eq);
    if ('missing' in rate) {
      if (hours > 0n) return { missing: `${rate.missing.replace(/^a machine rate/, `a machine rate of ${eq}`)}` };
      continue;
    }
    actual += times(hours, rate.rate);
    const stdSeconds = sum((order.plan?.operations ?? []).filter((o) => o.equipment === eq).map((o) => micros(o.stdSecondsPerUnit, 'stdSecondsPerUnit')));
    lines.push({ code: eq, standardQty: timesOver(stdSeconds, good, SECONDS_PER_HOUR), actualQty: hours, unit: 'h', rate: rate.rate });
  }
  return { actual, lines };
}

const CAUSE_HEAD: Record<CostElement, string> = {
  material: 'Materials issued above the BOM need',
  labour: 'Operations with labour hours above standard',
  machine: 'Equipment with machine hours above standard',
};
const NONE_ABOVE: Record<CostElement, string> = {
  material: 'no material was issued above its BOM need',
  labour: 'no operation took more labour hours than its standard',
  machine: 'no equipment ran longer than its standard',
};

function likelyCause(element: CostElement, over: Line[], currency: string, goodQty: number, scrapQty: number): string {
  const scrap = scrapQty > 0 ? ` ${scrapQty} units were scrapped: what they used is in the actual, not in the standard for ${goodQty} good units.` : '';
  if (over.length === 0) return `The actual is above standard but ${NONE_ABOVE[element]} for ${goodQty} good units: the difference comes from the rates or unit costs against the standard per unit (check the cost estimate).${scrap}`;
  const parts = over.map((l) => {
    const excess = l.actualQty - l.standardQty;
    const name = l.label ? `${l.code} ${l.label}` : l.code;
    const what = element === 'material' ? `issued ${fmt(l.actualQty)} ${l.unit} against a need of ${fmt(l.standardQty)}` : `${fmt(l.actualQty)} h against ${fmt(l.standardQty)} h`;
    return `${name} ${what} (+${fmt(excess)} ${l.unit}, +${toNumber(toCents(times(excess, l.rate))).toFixed(2)} ${currency}${l.note ? `; ${l.note}` : ''})`;
  });
  return `${CAUSE_HEAD[element]} for ${goodQty} good units: ${parts.join('; ')}.${scrap}`;
}

function detail(l: Line): VarianceDetail {
  const excess = l.actualQty - l.standardQty;
  return { code: l.code, ...(l.label && { label: l.label }), standardQty: toNumber(l.standardQty), actualQty: toNumber(l.actualQty), unit: l.unit, excessQty: toNumber(excess), excessCost: toNumber(toCents(times(excess, l.rate))) };
}

/** The variance record, or what is missing to make it (the order then waits for it). */
export function costVariance(order: OrderCostState, cost: StandardCost, settings: CostSettings, goodQty: number, scrapQty: number, completedAt: string, reportedAt: string): VarianceAttempt {
  const good = micros(goodQty, 'goodQty');
  const lot = micros(cost.lotSize ?? 1, 'lotSize');
  const threshold = micros(settings.thresholdPct, 'thresholdPct');
  const priced: Record<CostElement, Priced | { missing: string }> = {
    material: materialActual(order, cost, good),
    labour: labourActual(order, cost, good),
    machine: machineActual(order, cost, good),
  };
  const elements: ElementVariance[] = [];
  for (const element of ['material', 'labour', 'machine'] as const) {
    const p = priced[element];
    if ('missing' in p) return p;
    const standard = toCents(timesOver(micros(cost.perUnit[element], `perUnit.${element}`), good, lot));
    const actual = toCents(p.actual);
    const variance = actual - standard;
    const pct = percentOf(variance, standard);
    const flagged = pct === null ? actual > 0n : micros(pct, 'variancePct') > threshold;
    const over = p.lines.filter((l) => l.actualQty > l.standardQty).sort((a, b) => (times(b.actualQty - b.standardQty, b.rate) > times(a.actualQty - a.standardQty, a.rate) ? 1 : -1));
    elements.push({
      element,
      standard: toNumber(standard),
      actual: toNumber(actual),
      variance: toNumber(variance),
      variancePct: pct,
      flagged,
      ...(flagged && { likelyCause: likelyCause(element, over, cost.currency, goodQty, scrapQty) }),
      details: p.lines.map(detail),
    });
  }
  const standard = sum(elements.map((e) => micros(e.standard, 'standard')));
  const actual = sum(elements.map((e) => micros(e.actual, 'actual')));
  const totalPct = percentOf(actual - standard, standard);
  return {
    variance: {
      orderNo: order.orderNo,
      productCode: cost.productCode,
      currency: cost.currency,
      goodQty,
      scrapQty,
      completedAt,
      thresholdPct: settings.thresholdPct,
      standard: { source: cost.orderNo ? 'order' : 'product', ...(cost.estimateId && { estimateId: cost.estimateId }), lotSize: cost.lotSize ?? 1 },
      elements,
      total: { standard: toNumber(standard), actual: toNumber(actual), variance: toNumber(actual - standard), variancePct: totalPct, flagged: totalPct === null ? actual > 0n : micros(totalPct, 'variancePct') > threshold },
      actualHours: { labour: toNumber(sum(Object.values(order.labour).map(hoursOf))), machine: toNumber(sum(Object.values(order.machine).map(hoursOf))) },
      reportedAt,
    },
  };
}
