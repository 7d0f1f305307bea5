// The progress book: per production order, the plan from plan sync and the MES's job reports folded into
// per-operation tallies. Reports count once by event id and in any order of arrival; reports for an order
// without a plan are kept (listed as unplanned on the board) and count once the plan arrives. Only an order's
// latest event ids are remembered (settings.eventIdWindow): a repeat from further back would count again.
// The clock is never read here: every figure is computed at the `now` the caller passes.
import type { WorkOrder } from '../plan-sync/work-order';
import { validate } from '../validation';
import { operationLagReason, orderFigures, orderStatus, operationStatus, progressSettings, type OrderFigures } from './figures';
import { isOpen, toPlannedOrder } from './plan';
import { emptyRecord, fromState, stateWithoutIds, toState, type OrderRecord } from './state';
import { addReport, reportMark } from './tally';
import type {
  BoardModel,
  OpenException,
  OperationStatus,
  OrderProgressState,
  OrderProgressStatus,
  PlannedOrder,
  PlanOutcome,
  ProgressBookState,
  ProgressChange,
  ProgressReport,
  ProgressSettings,
  ProgressUpdate,
  ReportOutcome,
  UpdateReason,
} from './types';
import { boardModel, boardRow, progressUpdate, unplannedOrder } from './views';

/** An instant: ms since the epoch, an ISO 8601 text with zone, or a Date. */
export type Instant = number | string | Date;

function toMs(now: Instant): number {
  const ms = now instanceof Date ? now.getTime() : typeof now === 'number' ? now : Date.parse(now);
  if (!Number.isFinite(ms)) throw new Error(`'${String(now)}' is not an instant (give ms since the epoch, an ISO 8601 time with zone or a Date).`);
  return ms;
}

/** The statuses the ERP can see: planned operations only, and the order only once it has a plan. */
interface VisibleStatuses {
  order?: OrderProgressStatus;
  operations: Map<string, OperationStatus>;
}

function visibleStatuses(record: OrderRecord): VisibleStatuses {
  const operations = new Map<string, OperationStatus>();
  for (const op of record.plan?.operations ?? []) operations.set(op.opNo, operationStatus(record.operations[op.opNo]));
  return { ...(record.plan && { order: orderStatus(record) }), operations };
}

/** What became visible counts as a change from 'waiting', so a plan arriving after its reports is pushed. */
function statusChanges(orderNo: string, before: VisibleStatuses, after: VisibleStatuses): ProgressChange[] {
  const changes: ProgressChange[] = [];
  for (const [opNo, to] of after.operations) {
    const from = before.operations.get(opNo) ?? 'waiting';
    if (from !== to) changes.push({ kind: 'operation-status', orderNo, opNo, from, to });
  }
  if (after.order !== undefined) {
    const from = before.order ?? 'waiting';
    if (from !== after.order) changes.push({ kind: 'order-status', orderNo, from, to: after.order });
  }
  return changes;
}

/** The change that calls for an update at once, if any: a status change, else an order or operation turning lagging. */
export function immediateUpdateReason(changes: readonly ProgressChange[]): UpdateReason | undefined {
  if (changes.some((c) => c.kind !== 'lagging')) return 'status-change';
  if (changes.some((c) => c.kind === 'lagging' && c.lagging)) return 'lagging';
  return undefined;
}

export class ProgressBook {
  readonly settings: ProgressSettings;
  private readonly orders = new Map<string, OrderRecord>();

  constructor(settings: Partial<ProgressSettings> = {}) {
    this.settings = progressSettings(settings);
  }

  /** Registers or updates an order's plan from its work order; an older revision than the one held is ignored. */
  plan(workOrder: WorkOrder, now: Instant): PlanOutcome {
    const checked = validate('work-order', workOrder);
    if (!checked.ok) throw new Error(`The work order cannot be planned: ${checked.message}.`);
    return this.adoptPlan(toPlannedOrder(workOrder), now);
  }

  /** plan() for a plan already checked and converted: one another replica registered, read from the store. */
  adoptPlan(planned: PlannedOrder, now: Instant): PlanOutcome {
    const nowMs = toMs(now);
    const record = this.record(planned.orderNo);
    if (record.plan && planned.revision < record.plan.revision) return { applied: false, changes: [] };
    const before = visibleStatuses(record);
    record.plan = planned;
    return { applied: true, changes: [...statusChanges(record.orderNo, before, visibleStatuses(record)), ...this.reviewOrder(record, nowMs)] };
  }

  /** Counts one job report of the MES (schemas/progress-report); a malformed one is refused and changes nothing. */
  report(input: unknown, now: Instant): ReportOutcome {
    const checked = validate('progress-report', input);
    if (!checked.ok) throw new Error(`The progress report was refused: ${checked.message}.`);
    return this.countReport(input as ProgressReport, now);
  }

  /** report() for a report the caller has already checked against schemas/progress-report (not checked twice). */
  countReport(report: ProgressReport, now: Instant): ReportOutcome {
    reportMark(report);
    const nowMs = toMs(now);
    const record = this.record(report.orderNo);
    const planned = record.plan?.operations.some((op) => op.opNo === report.opNo) === true;
    if (record.eventIds.has(report.eventId)) return { duplicate: true, planned, changes: [] };
    // A report can change the status of its own operation and of the order, nothing else: only those are compared.
    const opBefore = operationStatus(record.operations[report.opNo]);
    const orderBefore = record.plan && orderStatus(record);
    record.operations[report.opNo] = addReport(record.operations[report.opNo], report);
    record.operationsVersion += 1;
    record.eventIds.add(report.eventId);
    const changes: ProgressChange[] = [];
    const opAfter = operationStatus(record.operations[report.opNo]);
    if (planned && opAfter !== opBefore) changes.push({ kind: 'operation-status', orderNo: record.orderNo, opNo: report.opNo, from: opBefore, to: opAfter });
    const orderAfter = record.plan && orderStatus(record);
    if (orderAfter !== undefined && orderAfter !== (orderBefore ?? 'waiting')) changes.push({ kind: 'order-status', orderNo: record.orderNo, from: orderBefore ?? 'waiting', to: orderAfter });
    return { duplicate: false, planned, changes: [...changes, ...this.reviewOrder(record, nowMs)] };
  }

  /** The latest open exception of an order (undefined once none is open): while the order lags, it is the reason. */
  setException(orderNo: string, exception: OpenException | undefined): void {
    if (exception !== undefined) {
      for (const field of ['id', 'type', 'severity', 'description', 'at'] as const) {
        if (typeof exception[field] !== 'string') throw new Error(`The exception for order ${orderNo} has no ${field} text.`);
      }
    }
    const record = this.orders.get(orderNo) ?? (exception ? this.record(orderNo) : undefined);
    if (!record) return;
    if (exception) record.exception = { ...exception };
    else delete record.exception;
  }

  /** Lagging transitions of every open order as time passes (call it on a timer). */
  review(now: Instant): ProgressChange[] {
    const nowMs = toMs(now);
    return [...this.orders.values()].flatMap((record) => this.reviewOrder(record, nowMs));
  }

  /** The progress update the ERP receives for one planned order (schemas/progress-update). */
  snapshot(orderNo: string, now: Instant, reason: UpdateReason = 'snapshot'): ProgressUpdate {
    const nowMs = toMs(now);
    return progressUpdate(this.figures(orderNo, nowMs), new Date(nowMs).toISOString(), reason);
  }

  /** The board: a row per open order, optionally only those with an operation on one work centre. */
  board(now: Instant, filter: { workCentre?: string } = {}): BoardModel {
    const nowMs = toMs(now);
    const rows = [...this.orders.values()].filter((record): record is OrderRecord & { plan: PlannedOrder } => record.plan !== undefined && isOpen(record.plan)).map((record) => boardRow(orderFigures(record, this.settings, nowMs)));
    const unplanned = [...this.orders.values()]
      .filter((record) => !record.plan && Object.keys(record.operations).length > 0)
      .map(unplannedOrder)
      .sort((a, b) => (a.orderNo < b.orderNo ? -1 : 1));
    return boardModel(rows, unplanned, new Date(nowMs).toISOString(), filter.workCentre || undefined);
  }

  /** Order numbers with an open plan: the ones the hourly snapshot covers. */
  openOrders(): string[] {
    return [...this.orders.values()]
      .filter((r) => r.plan && isOpen(r.plan))
      .map((r) => r.orderNo)
      .sort();
  }

  /** Every order the book holds anything for. */
  orderNos(): string[] {
    return [...this.orders.keys()].sort();
  }

  /** One order's state as plain JSON, to persist under its own key. */
  orderState(orderNo: string): OrderProgressState | undefined {
    const record = this.orders.get(orderNo);
    return record && toState(record);
  }

  /**
   * What is saved of one order: its state without the event ids (see stateWithoutIds), the remembered event ids
   * counted from the n-th on, and how many it has counted in all (the n of the next save).
   */
  orderToSave(orderNo: string, idsFrom = 0): { state: Omit<OrderProgressState, 'eventIds'>; eventIds: string[]; eventIdCount: number } | undefined {
    const record = this.orders.get(orderNo);
    return record && { state: stateWithoutIds(record), eventIds: record.eventIds.since(idsFrom), eventIdCount: record.eventIds.counted };
  }

  /** Puts back one order's persisted state (replacing what the book had for it). */
  restoreOrder(state: OrderProgressState): void {
    const record = fromState(state, this.settings.eventIdWindow);
    this.orders.set(record.orderNo, record);
  }

  /**
   * Remembers the orders as they are now; the function returned puts them back exactly so (orders made since are
   * dropped). For a caller whose durable write of what it counted failed: what was refused must not stay counted.
   */
  checkpoint(orderNos: Iterable<string>): () => void {
    const kept: Array<[orderNo: string, record: OrderRecord | undefined, eventIdCount: number]> = [];
    for (const orderNo of new Set(orderNos)) {
      const record = this.orders.get(orderNo);
      // A shallow copy is enough: tallies, plans and exceptions are replaced, never changed in place.
      kept.push([orderNo, record && { ...record, operations: { ...record.operations }, lagging: { order: record.lagging.order, operations: new Set(record.lagging.operations) } }, record?.eventIds.counted ?? 0]);
    }
    return () => {
      for (const [orderNo, copy, eventIdCount] of kept) {
        if (!copy) {
          this.orders.delete(orderNo);
          continue;
        }
        copy.eventIds.truncate(eventIdCount);
        this.orders.set(orderNo, { ...copy, figures: undefined });
      }
    };
  }

  /** Drops an order and the event ids remembered for it (once it is closed and off the board). */
  forget(orderNo: string): boolean {
    return this.orders.delete(orderNo);
  }

  toJSON(): ProgressBookState {
    return { version: 1, orders: this.orderNos().map((orderNo) => toState(this.orders.get(orderNo)!)) };
  }

  static fromJSON(state: ProgressBookState, settings: Partial<ProgressSettings> = {}): ProgressBook {
    if (!state || state.version !== 1 || !Array.isArray(state.orders)) {
      throw new Error(`The progress book state must be {version: 1, orders: [...]}, not version ${JSON.stringify(state?.version)}.`);
    }
    const book = new ProgressBook(settings);
    for (const order of state.orders) book.restoreOrder(order);
    return book;
  }

  private record(orderNo: string): OrderRecord {
    let record = this.orders.get(orderNo);
    if (!record) {
      record = emptyRecord(orderNo, this.settings.eventIdWindow);
      this.orders.set(orderNo, record);
    }
    return record;
  }

  private figures(orderNo: string, nowMs: number): OrderFigures {
    const record = this.orders.get(orderNo);
    if (!record) throw new Error(`No progress is known for order ${orderNo}.`);
    if (!record.plan) throw new Error(`Order ${orderNo} has reports but no plan yet: its progress is known once plan sync delivers the work order.`);
    return this.figuresOf(record as OrderRecord & { plan: PlannedOrder }, nowMs);
  }

  /**
   * The figures of a planned order at nowMs, kept until the order changes: a report's review and the update
   * pushed for it right after ask for the same figures at the same instant.
   */
  private figuresOf(record: OrderRecord & { plan: PlannedOrder }, nowMs: number): OrderFigures {
    const kept = record.figures;
    if (kept && kept.nowMs === nowMs && kept.plan === record.plan && kept.operations === record.operationsVersion && kept.exception === record.exception) return kept.value;
    const value = orderFigures(record, this.settings, nowMs);
    record.figures = { nowMs, plan: record.plan, operations: record.operationsVersion, exception: record.exception, value };
    return value;
  }

  /** Compares lagging at now with the flags last seen; orders not open (or not planned) lose their flags silently. */
  private reviewOrder(record: OrderRecord, nowMs: number): ProgressChange[] {
    if (!record.plan || !isOpen(record.plan)) {
      record.lagging = { order: false, operations: new Set() };
      return [];
    }
    const figures = this.figuresOf(record as OrderRecord & { plan: PlannedOrder }, nowMs);
    const changes: ProgressChange[] = [];
    const lagging = new Set<string>();
    for (const op of figures.operations) {
      if (op.lagging) lagging.add(op.planned.opNo);
      if (op.lagging !== record.lagging.operations.has(op.planned.opNo)) {
        changes.push({ kind: 'lagging', orderNo: record.orderNo, opNo: op.planned.opNo, lagging: op.lagging, ...(op.lagging && { reason: operationLagReason(op) }) });
      }
    }
    if (figures.lagging !== record.lagging.order) {
      changes.push({ kind: 'lagging', orderNo: record.orderNo, lagging: figures.lagging, ...(figures.lagReason !== undefined && { reason: figures.lagReason }) });
    }
    record.lagging = { order: figures.lagging, operations: lagging };
    return changes;
  }
}
