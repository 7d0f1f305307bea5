// The cost book: per order the plan's standard times and BOM, the job reports' quantities and statuses, the
// MES's labour and machine hours and the materials issued, each counted once by its id (event id,
// requisition id); the ERP's standard costs; and, when an order completes (every operation of its plan
// reported completed, or a 'complete' message), its variance record, made once. Bad input is refused with a
// sentence before anything changes. The clock is never read here.
import { isoAt, toMs, type Instant } from '../escalation/instant';
import type { WorkOrder } from '../plan-sync/work-order';
import type { ProgressReport } from '../progress/types';
import { validate } from '../validation';
import { micros, restored, stored } from './money';
import { isChunkKey, SavedIds, type PreparedSave, type SavedOrderCostState } from './saved-ids';
import { checkStandardCost, standardKey } from './standard';
import type { CostEvent, CostSettings, CostVariance, IssuedMaterial, OrderCompletion, OrderCostState, StandardCost, StepResult } from './types';
import { costVariance } from './variance';

const orderKey = (orderNo: string) => `order:${orderNo}`;
const roundQty = (v: number) => Math.round(v * 1e6) / 1e6;
const addHours = (record: Record<string, string>, key: string, hours: number, field: string) => {
  record[key] = stored(restored(record[key]) + micros(hours, field));
};

export function costSettings(settings: Partial<CostSettings> = {}): CostSettings {
  const thresholdPct = settings.thresholdPct ?? 5;
  const settleMin = settings.settleMin ?? 0;
  const eventIdWindow = settings.eventIdWindow ?? 2000;
  if (!Number.isInteger(eventIdWindow) || eventIdWindow < 1) throw new Error(`The event id window must be a whole number of at least 1, not ${JSON.stringify(eventIdWindow)}.`);
  if (typeof thresholdPct !== 'number' || !Number.isFinite(thresholdPct) || thresholdPct < 0) throw new Error(`The variance threshold must be a percentage of 0 or more, not ${JSON.stringify(thresholdPct)}.`);
  if (typeof settleMin !== 'number' || !Number.isFinite(settleMin) || settleMin < 0) throw new Error(`The wait for late time logs must be a number of minutes of 0 or more, not ${JSON.stringify(settleMin)}.`);
  return { thresholdPct, settleMin, eventIdWindow };
}

function checkIssue(input: unknown): IssuedMaterial {
  const i = input as Partial<IssuedMaterial> | null;
  const text = (field: keyof IssuedMaterial) => {
    const v = i?.[field];
    if (typeof v !== 'string' || v === '') throw new Error(`The released requisition was refused: payload.${field} must be a non-empty string.`);
    return v;
  };
  if (typeof i !== 'object' || i === null || Array.isArray(i)) throw new Error('The released requisition was refused: payload must be an object (a requisition as material-overdraw releases it).');
  const issue: IssuedMaterial = { requisitionId: text('requisitionId'), orderNo: text('orderNo'), materialCode: text('materialCode'), unit: text('unit'), qty: i.qty as number };
  if (typeof i.qty !== 'number' || !Number.isFinite(i.qty) || i.qty <= 0) throw new Error(`The released requisition was refused: payload.qty must be a number above 0, not ${JSON.stringify(i.qty)}.`);
  if (typeof i.opNo === 'string') issue.opNo = i.opNo;
  return issue;
}

function checkCompletion(input: unknown): OrderCompletion {
  const c = input as Partial<OrderCompletion> | null;
  if (typeof c?.orderNo !== 'string' || c.orderNo === '') throw new Error('The completion was refused: payload.orderNo must be a non-empty string.');
  if (c.goodQty !== undefined && (typeof c.goodQty !== 'number' || !Number.isFinite(c.goodQty) || c.goodQty < 0))
    throw new Error(`The completion was refused: payload.goodQty must be a number of 0 or more, not ${JSON.stringify(c.goodQty)}.`);
  if (c.completedAt !== undefined && (typeof c.completedAt !== 'string' || Number.isNaN(Date.parse(c.completedAt)))) throw new Error('The completion was refused: payload.completedAt must be an ISO 8601 date-time.');
  if (c.productCode !== undefined && (typeof c.productCode !== 'string' || c.productCode === '')) throw new Error('The completion was refused: payload.productCode must be a non-empty string.');
  return structuredClone(c) as OrderCompletion;
}

export class CostBook {
  readonly settings: CostSettings;
  private readonly orders = new Map<string, OrderCostState>();
  private readonly standards = new Map<string, StandardCost>();
  private readonly changed = new Set<string>();
  /** The ids of each seen list as a set, made when first needed: `includes` on the list made counting linear in it. */
  private readonly seenSets = new WeakMap<string[], Set<string>>();
  /** Ids ever counted into each seen list (the list keeps only a window): where the ids of the next saved chunk start. */
  private readonly counted = new WeakMap<string[], number>();
  private readonly saved = new SavedIds();

  constructor(settings: Partial<CostSettings> = {}) {
    this.settings = costSettings(settings);
  }

  /** The ERP's standard cost of a product (or of one order); orders that waited for it get their variance. */
  standard(input: unknown, now: Instant): StepResult {
    const cost = checkStandardCost(input);
    const key = standardKey(cost);
    this.standards.set(key, cost);
    this.changed.add(key);
    return this.retryWaiting(now, (o) => (cost.orderNo ? o.orderNo === cost.orderNo : this.productOf(o) === cost.productCode));
  }

  /** Plan sync's work order: the routing's standard seconds per unit and the BOM per unit. An older revision is ignored. */
  plan(input: unknown, now: Instant): StepResult {
    const checked = validate('work-order', input);
    if (!checked.ok) throw new Error(`The work order cannot be planned for cost: ${checked.message}.`);
    const w = input as WorkOrder;
    const order = this.order(w.workOrderNo);
    if (order.variance || (order.plan && w.source.revision < order.plan.revision)) return { outcomes: [], variances: [], waiting: [] };
    const bom: Record<string, { qtyPer: number; unit: string }> = {};
    for (const line of w.materials) {
      const known = bom[line.materialCode];
      if (known && known.unit !== line.unit) throw new Error(`The BOM of order ${w.workOrderNo} has material ${line.materialCode} in both ${known.unit} and ${line.unit}; one material needs one unit.`);
      bom[line.materialCode] = { qtyPer: roundQty((known?.qtyPer ?? 0) + line.qtyPer), unit: line.unit };
    }
    order.plan = {
      productCode: w.materialCode,
      revision: w.source.revision,
      plannedQty: w.plannedQty,
      unit: w.unit,
      operations: w.operations.map((op) => ({ opNo: op.sequence, operationCode: op.operationCode, equipment: op.equipmentCode, stdSecondsPerUnit: op.stdSecondsPerUnit })),
      bom,
    };
    this.touch(order);
    return this.settle(order, now);
  }

  /** Job reports (schemas/progress-report), one or an array: quantities and statuses per operation. */
  reports(input: unknown, now: Instant): StepResult {
    const list = Array.isArray(input) ? input : [input];
    list.forEach((r, i) => {
      const checked = validate('progress-report', r, Array.isArray(input) ? `payload[${i}]` : 'payload');
      if (!checked.ok) throw new Error(`The job report was refused: ${checked.message}.`);
    });
    const result: StepResult = { outcomes: [], variances: [], waiting: [] };
    const touched = new Set<OrderCostState>();
    for (const r of list as ProgressReport[]) {
      const order = this.order(r.orderNo);
      const outcome = this.count(order, 'reports', r.eventId);
      result.outcomes.push(outcome);
      if (outcome.kind !== 'counted') continue;
      const op = (order.operations[r.opNo] ??= { goodQty: 0, scrapQty: 0, status: 'started', lastAt: r.timestamp, lastEventId: r.eventId });
      op.goodQty = roundQty(op.goodQty + r.goodQty);
      op.scrapQty = roundQty(op.scrapQty + r.scrapQty);
      const at = toMs(r.timestamp);
      if (at > toMs(op.lastAt) || (at === toMs(op.lastAt) && r.eventId >= op.lastEventId)) Object.assign(op, { status: r.status, lastAt: r.timestamp, lastEventId: r.eventId });
      touched.add(order);
    }
    for (const order of touched) this.merge(result, this.settle(order, now));
    return result;
  }

  /** The MES's labour and machine hours (schemas/cost-event), one or an array. */
  costEvents(input: unknown, now: Instant): StepResult {
    const list = Array.isArray(input) ? input : [input];
    list.forEach((e, i) => {
      const checked = validate('cost-event', e, Array.isArray(input) ? `payload[${i}]` : 'payload');
      if (!checked.ok) throw new Error(`The cost event was refused: ${checked.message}.`);
    });
    const result: StepResult = { outcomes: [], variances: [], waiting: [] };
    for (const e of list as CostEvent[]) {
      const order = this.order(e.orderNo);
      const outcome = this.count(order, 'costEvents', e.eventId);
      result.outcomes.push(outcome);
      if (outcome.kind !== 'counted') continue;
      if (e.labourHours !== undefined) addHours((order.labour[e.opNo] ??= {}), e.operator!, e.labourHours, 'labourHours');
      if (e.machineHours !== undefined) addHours((order.machine[e.equipment!] ??= {}), e.opNo, e.machineHours, 'machineHours');
    }
    void now;
    return result;
  }

  /** Requisitions material-overdraw released (one or an array): the quantities handed to the line, counted once per requisition id. */
  issues(input: unknown): StepResult {
    const list = (Array.isArray(input) ? input : [input]).map(checkIssue);
    const units = new Map<string, string>();
    for (const issue of list) {
      const key = `${issue.orderNo}|${issue.materialCode}`;
      const unit = units.get(key) ?? this.orders.get(issue.orderNo)?.materials[issue.materialCode]?.unit ?? issue.unit;
      if (unit !== issue.unit) throw new Error(`Requisition ${issue.requisitionId} issued ${issue.materialCode} in ${issue.unit}, but order ${issue.orderNo} had it issued in ${unit}; one material needs one unit.`);
      units.set(key, unit);
    }
    const outcomes = list.map((issue) => {
      const order = this.order(issue.orderNo);
      const outcome = this.count(order, 'requisitions', issue.requisitionId);
      const known = order.materials[issue.materialCode];
      if (outcome.kind === 'counted') order.materials[issue.materialCode] = { qty: stored(restored(known?.qty) + micros(issue.qty, 'qty')), unit: issue.unit };
      return outcome;
    });
    return { outcomes, variances: [], waiting: [] };
  }

  /** An explicit completion: the variance is made now (or as soon as what it needs arrives). */
  complete(input: unknown, now: Instant): StepResult {
    const c = checkCompletion(input);
    const order = this.order(c.orderNo);
    if (order.variance) return { outcomes: [{ kind: 'late', orderNo: c.orderNo, id: 'complete' }], variances: [], waiting: [] };
    order.completion = { at: c.completedAt ?? isoAt(toMs(now)), by: 'message', ...(c.goodQty !== undefined && { goodQty: c.goodQty }), ...(c.productCode && { productCode: c.productCode }) };
    this.touch(order);
    return this.settle(order, now);
  }

  /** Variances stored but perhaps not yet in the outbox (a crash in between): to enqueue again at start. */
  unsent(): CostVariance[] {
    return [...this.orders.values()].filter((o) => o.variance && o.varianceState === 'computed').map((o) => structuredClone(o.variance!));
  }

  /** Completed orders waiting for what their variance needs, and orders costed so far. */
  counts(): { waiting: number; costed: number } {
    let waiting = 0;
    let costed = 0;
    for (const o of this.orders.values()) {
      if (o.variance) costed += 1;
      else if (o.waitingFor) waiting += 1;
    }
    return { waiting, costed };
  }

  markEnqueued(orderNos: string[]): void {
    for (const no of orderNos) {
      const order = this.orders.get(no);
      if (order?.variance && order.varianceState !== 'enqueued') {
        order.varianceState = 'enqueued';
        this.touch(order);
      }
    }
  }

  get(orderNo: string): OrderCostState | undefined {
    const order = this.orders.get(orderNo);
    return order && structuredClone(order);
  }

  /** The earliest time a completed order's wait for late time logs ends (for the node's timer). */
  nextDeadline(): string | undefined {
    // An order whose wait ended but that waits for its standard cost has no deadline: its standard settles it.
    const dues = [...this.orders.values()].filter((o) => !o.variance && !o.waitingFor && o.completion?.settleDue).map((o) => o.completion!.settleDue!);
    return dues.length === 0 ? undefined : dues.reduce((a, b) => (toMs(b) < toMs(a) ? b : a));
  }

  /** Makes the variances of the completed orders whose wait for late time logs has ended. */
  due(now: Instant): StepResult {
    return this.retryWaiting(now, (o) => o.completion?.settleDue !== undefined && toMs(o.completion.settleDue) <= toMs(now));
  }

  /**
   * The changed orders and standards as they are now, not copies: the runner hands them straight to the store's
   * putMany, which serialises them during the call (a copy of an order with its ids per message cost more than
   * counting the report).
   */
  takeChanges(): Array<[key: string, value: unknown]> {
    const entries = [...this.changed].sort().map((key): [string, unknown] => [key, key.startsWith('order:') ? this.orders.get(key.slice(6)) : this.standards.get(key)]);
    this.changed.clear();
    this.saved.forget(entries.map(([key]) => key).filter((key) => key.startsWith('order:')));
    return entries;
  }

  /**
   * As takeChanges, but an order's ids go in chunks (lib/cost/saved-ids): only those counted since its last save
   * is written, not its whole window. What the workflow runner writes; settle tells it whether the write held.
   */
  takeSave(): PreparedSave {
    const keys = [...this.changed].sort();
    this.changed.clear();
    const standards: Array<[string, unknown]> = keys.filter((key) => !key.startsWith('order:')).map((key) => [key, this.standards.get(key)]);
    const orders = keys.filter((key) => key.startsWith('order:')).map((key): [string, OrderCostState] => [key, this.orders.get(key.slice(6))!]);
    const save = this.saved.prepare(
      orders,
      this.settings.eventIdWindow,
      (list) => this.countOf(list),
      (list, from) => {
        const fresh = this.countOf(list) - from;
        return fresh < 0 || fresh > list.length ? undefined : list.slice(list.length - fresh);
      },
    );
    return { entries: [...standards, ...save.entries], settle: save.settle };
  }

  static restore(entries: Iterable<[string, unknown]>, settings: Partial<CostSettings> = {}): CostBook {
    const book = new CostBook(settings);
    const values = new Map(entries);
    for (const [key, raw] of values) {
      if (isChunkKey(key)) continue;
      const value = structuredClone(raw) as Record<string, unknown> | undefined;
      if (key.startsWith('order:')) {
        const order = value && book.saved.restoreOrder(key, value as unknown as OrderCostState | SavedOrderCostState, values);
        if (order?.version !== 1 || order.orderNo !== key.slice(6) || !order.seen) throw new Error(`The stored order costs under ${key} are not of version 1 or 2 as this bridge writes them.`);
        book.orders.set(order.orderNo, order);
      } else if (key.startsWith('standard:')) {
        book.standards.set(key, checkStandardCost(value));
      }
    }
    return book;
  }

  private order(orderNo: string): OrderCostState {
    let order = this.orders.get(orderNo);
    if (!order) {
      order = { version: 1, orderNo, operations: {}, seen: { reports: [], costEvents: [], requisitions: [] }, labour: {}, machine: {}, materials: {} };
      this.orders.set(orderNo, order);
    }
    return order;
  }

  private touch(order: OrderCostState): void {
    this.changed.add(orderKey(order.orderNo));
  }

  private countOf(list: string[]): number {
    return this.counted.get(list) ?? list.length;
  }

  private count(order: OrderCostState, kind: keyof OrderCostState['seen'], id: string): StepResult['outcomes'][number] {
    const list = order.seen[kind];
    let ids = this.seenSets.get(list);
    if (!ids) this.seenSets.set(list, (ids = new Set(list)));
    if (ids.has(id)) return { kind: 'duplicate', orderNo: order.orderNo, id };
    if (order.variance) return { kind: 'late', orderNo: order.orderNo, id };
    this.counted.set(list, this.countOf(list) + 1);
    list.push(id);
    ids.add(id);
    // Reports and time logs: only the latest window of ids (cut in steps of 10 %, not per id), so an order's saved
    // state does not grow with every report it gets.
    const window = this.settings.eventIdWindow;
    if (kind !== 'requisitions' && list.length > window + Math.ceil(window / 10)) {
      for (const dropped of list.splice(0, list.length - window)) ids.delete(dropped);
    }
    this.touch(order);
    return { kind: 'counted', orderNo: order.orderNo, id };
  }

  private productOf(order: OrderCostState): string | undefined {
    return order.plan?.productCode ?? order.completion?.productCode;
  }

  private merge(into: StepResult, from: StepResult): void {
    into.variances.push(...from.variances);
    into.waiting.push(...from.waiting);
  }

  /** Completion by the job reports: every operation of the plan's routing reported completed. */
  private completedByReports(order: OrderCostState): boolean {
    const ops = order.plan?.operations ?? [];
    return ops.length > 0 && ops.every((op) => order.operations[op.opNo]?.status === 'completed');
  }

  /** Makes the variance of a completed order when it can; otherwise the order waits, naming for what. */
  private settle(order: OrderCostState, now: Instant): StepResult {
    const none: StepResult = { outcomes: [], variances: [], waiting: [] };
    if (order.variance) return none;
    if (!order.completion && this.completedByReports(order)) {
      const at = Object.values(order.operations).reduce((a, op) => (toMs(op.lastAt) > toMs(a) ? op.lastAt : a), Object.values(order.operations)[0].lastAt);
      order.completion = { at: isoAt(toMs(at)), by: 'reports' };
      this.touch(order);
    }
    if (!order.completion) return none;
    if (this.settings.settleMin > 0) {
      // Time logs and issues may trail the last job report: they are counted until the wait ends.
      if (!order.completion.settleDue) {
        order.completion.settleDue = isoAt(toMs(now) + this.settings.settleMin * 60_000);
        this.touch(order);
      }
      if (toMs(now) < toMs(order.completion.settleDue)) return none;
    }
    const product = this.productOf(order);
    const cost = this.standards.get(`standard:order:${order.orderNo}`) ?? (product ? this.standards.get(`standard:product:${product}`) : undefined);
    const wait = (what: string): StepResult => {
      if (order.waitingFor !== what) {
        order.waitingFor = what;
        this.touch(order);
      }
      return { outcomes: [], variances: [], waiting: [{ orderNo: order.orderNo, waitingFor: what }] };
    };
    if (!product && !cost) return wait('the plan (work order) of the order, to know its product and standard cost');
    if (!cost) return wait(`the standard cost of product ${product}`);
    const ops = order.plan?.operations ?? [];
    const lastOp = ops.length > 0 ? ops[ops.length - 1].opNo : Object.keys(order.operations).sort().pop();
    const goodQty = order.completion.goodQty ?? (lastOp ? (order.operations[lastOp]?.goodQty ?? 0) : 0);
    const scrapQty = roundQty(Object.values(order.operations).reduce((n, op) => n + op.scrapQty, 0));
    const attempt = costVariance(order, cost, this.settings, goodQty, scrapQty, order.completion.at, isoAt(toMs(now)));
    if ('missing' in attempt) return wait(attempt.missing);
    delete order.waitingFor;
    order.variance = attempt.variance;
    order.varianceState = 'computed';
    this.touch(order);
    return { outcomes: [], variances: [structuredClone(attempt.variance)], waiting: [] };
  }

  private retryWaiting(now: Instant, which: (o: OrderCostState) => boolean): StepResult {
    const result: StepResult = { outcomes: [], variances: [], waiting: [] };
    for (const order of this.orders.values()) if (order.completion && !order.variance && which(order)) this.merge(result, this.settle(order, now));
    return result;
  }
}
