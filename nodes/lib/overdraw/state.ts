// The requisition book's settings, the checks on what callers hand it, and its state: in memory as maps,
// in bridge-store as one key per order (order:…), stock figure (stock:…) and requisition (requisition:…).
import { validate } from '../validation';
import { DEFAULT_OVERDRAW_SETTINGS, type OrderMaterialsState, type OverdrawSettings, type RequisitionRecordState, type StockState } from './types';

export interface BookState {
  orders: Map<string, OrderMaterialsState>;
  stock: Map<string, StockState>;
  requisitions: Map<string, RequisitionRecordState>;
}

export function overdrawSettings(settings: Partial<OverdrawSettings> = {}): OverdrawSettings {
  const merged = { ...DEFAULT_OVERDRAW_SETTINGS, ...settings };
  if (typeof merged.decisionTimeoutMin !== 'number' || !(merged.decisionTimeoutMin > 0) || !Number.isFinite(merged.decisionTimeoutMin)) {
    throw new Error(`The decision timeout must be a number of minutes above 0, not ${JSON.stringify(merged.decisionTimeoutMin)}.`);
  }
  if (merged.onTimeout !== 'escalate' && merged.onTimeout !== 'reject') throw new Error(`On a decision timeout a requisition is either escalated or rejected, not ${JSON.stringify(merged.onTimeout)}.`);
  if (typeof merged.defaultTolerancePct !== 'number' || !(merged.defaultTolerancePct >= 0) || !Number.isFinite(merged.defaultTolerancePct)) {
    throw new Error(`The default issue tolerance must be a percentage of 0 or more, not ${JSON.stringify(merged.defaultTolerancePct)}.`);
  }
  if (merged.escalationSeverity !== 'urgent' && merged.escalationSeverity !== 'severe') {
    throw new Error(`An undecided overdraw is escalated as urgent or severe, not ${JSON.stringify(merged.escalationSeverity)}.`);
  }
  return merged;
}

export function checkStockFigure(materialCode: unknown, availableQty: unknown, unit: unknown): void {
  if (typeof materialCode !== 'string' || materialCode === '') throw new Error(`A stock figure needs a material code, not ${JSON.stringify(materialCode)}.`);
  if (typeof availableQty !== 'number' || !Number.isFinite(availableQty) || availableQty < 0) {
    throw new Error(`The stock of ${materialCode} must be a quantity of 0 or more, not ${JSON.stringify(availableQty)}.`);
  }
  if (typeof unit !== 'string' || unit === '') throw new Error(`The stock of ${materialCode} needs its unit, not ${JSON.stringify(unit)}.`);
}

/** A signature carries its reason, so a blank one is refused before anything else is looked at. */
export function checkDecision(input: unknown): void {
  const reason = (input as { reason?: unknown } | null)?.reason;
  if (typeof reason === 'string' && reason.trim() === '') {
    const id = (input as { requisitionId?: unknown }).requisitionId;
    throw new Error(`The decision on requisition ${JSON.stringify(id)} was refused: payload.reason is blank, and a signed decision needs its reason.`);
  }
  const checked = validate('approval-decision', input);
  if (!checked.ok) throw new Error(`The decision was refused: ${checked.message}.`);
}

export function restoreEntries(state: BookState, entries: Iterable<[string, unknown]>): void {
  for (const [key, raw] of entries) {
    const colon = key.indexOf(':');
    const kind = key.slice(0, colon);
    const id = key.slice(colon + 1);
    const value = structuredClone(raw) as { version?: unknown } | undefined;
    const refuse = (what: string) => new Error(`The stored ${what} under ${key} is not of version 1 as this bridge writes it.`);
    if (kind === 'order') {
      const order = value as OrderMaterialsState | undefined;
      if (order?.version !== 1 || order.orderNo !== id || !order.materials || typeof order.materials !== 'object') throw refuse('order materials');
      state.orders.set(id, order);
    } else if (kind === 'stock') {
      const stock = value as StockState | undefined;
      if (stock?.version !== 1 || stock.materialCode !== id || typeof stock.availableQty !== 'number') throw refuse('stock figure');
      state.stock.set(id, stock);
    } else if (kind === 'requisition') {
      const record = value as RequisitionRecordState | undefined;
      if (record?.version !== 1 || record.requisition?.requisitionId !== id || !Array.isArray(record.holds) || !record.first) throw refuse('requisition');
      state.requisitions.set(id, record);
    }
  }
}
