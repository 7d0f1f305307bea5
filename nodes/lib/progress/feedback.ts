// Execution feedback (MES → ERP) as one service: job reports and plans go into the progress book, the updates for
// the ERP are written to the outbox and the orders they touched are saved — durable before the promise resolves,
// so the node may acknowledge the MES. Idempotency keys come from the event ids, so a report the MES sends again
// after a crash reaches the ERP once. A call whose outbox write fails is taken back out of the book: the MES is
// told to try again (503), and what it was told that about is never delivered, alone or in a later update's figures.
import type { Outbox } from '../outbox/outbox';
import type { WorkOrder } from '../plan-sync/work-order';
import type { KeyValueStore } from '../stores/store';
import { StoreUnavailableError } from '../stores/store-unavailable';
import { validate } from '../validation';
import { ProgressBook, immediateUpdateReason } from './book';
import { planKey, SavedOrders } from './saved-orders';
import type { BoardModel, OpenException, PlannedOrder, ProgressChange, ProgressReport, ProgressUpdate, UpdateReason } from './types';

export type PushOn = 'report' | 'changes';

export interface ProgressFeedbackOptions {
  book: ProgressBook;
  store: KeyValueStore;
  /** Store namespace of this node's orders (one key per order). */
  namespace: string;
  outbox: Outbox;
  /** 'report': every new report sends its order's update; 'changes': only status changes and lagging (plus snapshots). */
  pushOn: PushOn;
  now?: () => number;
  /**
   * Several replicas share the store (Redis): plans reach the book of the replica whose poller read them, so a
   * report for an order this book has no plan for looks the plan up in the store first.
   */
  sharedStore?: boolean;
}

export interface ReportsOutcome {
  accepted: number;
  duplicates: number;
  /** Reports for orders without a plan yet: kept, pushed once the plan arrives. */
  unplanned: number;
  updates: number;
}

/** Every item of a message checked before any is applied: one bad report refuses the whole message, naming it. */
function checkAll<T>(items: readonly unknown[], schema: string, what: string): T[] {
  items.forEach((item, i) => {
    const check = validate(schema, item, items.length === 1 ? 'payload' : `payload[${i}]`);
    if (!check.ok) throw new Error(`The ${what} was refused: ${check.message}. Nothing of this message was applied.`);
  });
  return items as T[];
}

export class ProgressFeedback {
  readonly book: ProgressBook;
  private readonly now: () => number;
  /** Calls waiting for the next save: the book is changed only there, a group of calls at a time. */
  private saving: PendingCall[] = [];
  private saveRunning: Promise<void> | undefined;
  /** Orders whose save failed after their updates were written: saved with the next call, whatever it touches. */
  private readonly unsaved = new Set<string>();

  private constructor(
    private readonly options: ProgressFeedbackOptions,
    private readonly saved: SavedOrders,
  ) {
    this.book = options.book;
    this.now = options.now ?? Date.now;
  }

  /** Opens the service with the orders saved under the namespace restored into the book. */
  static async open(options: ProgressFeedbackOptions): Promise<ProgressFeedback> {
    const saved = new SavedOrders(options.store, options.namespace);
    for (const state of await saved.load()) options.book.restoreOrder(state);
    return new ProgressFeedback(options, saved);
  }

  /** Applies job reports (one or many); durable (outbox and state) when it resolves. */
  async reports(input: unknown): Promise<ReportsOutcome> {
    const reports = checkAll<ProgressReport>(Array.isArray(input) ? input : [input], 'progress-report', Array.isArray(input) && input.length > 1 ? 'batch of progress reports' : 'progress report');
    const now = this.now();
    const stored = this.options.sharedStore ? await this.storedPlans(reports.map((r) => r.orderNo)) : [];
    return this.run(
      () => reports.map((r) => r.orderNo),
      () => {
        for (const plan of stored) this.book.adoptPlan(plan, now);
        const touched = new Set<string>();
        const pushes: Push[] = [];
        const outcome: ReportsOutcome = { accepted: 0, duplicates: 0, unplanned: 0, updates: 0 };
        for (const report of reports) {
          const result = this.book.countReport(report, now);
          if (result.duplicate) {
            outcome.duplicates += 1;
            continue;
          }
          outcome.accepted += 1;
          touched.add(report.orderNo);
          if (!result.planned) {
            outcome.unplanned += 1;
            continue;
          }
          const reason = immediateUpdateReason(result.changes) ?? (this.options.pushOn === 'report' ? 'report' : undefined);
          if (reason) pushes.push({ orderNo: report.orderNo, key: `progress:${report.orderNo}:${report.eventId}`, reason });
        }
        outcome.updates = pushes.length;
        return { touched, updates: this.updates(pushes, now), result: outcome };
      },
    );
  }

  /** The plans the store holds for orders this book has none for (registered through another replica). */
  private async storedPlans(orderNos: string[]): Promise<PlannedOrder[]> {
    const missing = [...new Set(orderNos)].filter((o) => !this.book.orderState(o)?.plan);
    if (missing.length === 0) return [];
    const found = await this.options.store.getMany<PlannedOrder>(this.options.namespace, missing.map(planKey));
    return [...found.values()].filter((p) => p && typeof p === 'object');
  }

  /** Registers plans (work orders from plan sync); an order whose statuses became visible is pushed. */
  async plans(input: unknown): Promise<number> {
    const orders = checkAll<WorkOrder>(Array.isArray(input) ? input : [input], 'work-order', 'work order');
    const now = this.now();
    return this.run(
      () => orders.map((o) => o.workOrderNo),
      () => {
        const touched = new Set<string>();
        const pushes: Push[] = [];
        for (const order of orders) {
          const result = this.book.plan(order, now);
          if (!result.applied) continue;
          touched.add(order.workOrderNo);
          const reason = immediateUpdateReason(result.changes);
          if (reason) pushes.push({ orderNo: order.workOrderNo, key: `plan:${order.workOrderNo}:${order.source.revision}`, reason });
        }
        return { touched, updates: this.updates(pushes, now), result: touched.size };
      },
    );
  }

  /** The latest open exception of an order becomes its lag reason (undefined clears it). */
  async exception(orderNo: string, exception: OpenException | undefined): Promise<void> {
    return this.run(
      () => [orderNo],
      () => {
        this.book.setException(orderNo, exception);
        return { touched: new Set([orderNo]), updates: [], result: undefined };
      },
    );
  }

  /** The periodic snapshot of every open order; keyed by its time slot, so a restart inside the slot sends none twice. */
  async snapshots(slotMs: number): Promise<number> {
    const now = this.now();
    const slot = Math.floor(now / slotMs) * slotMs;
    return this.run(
      () => [],
      () => {
        const pushes = this.book.openOrders().map((orderNo) => ({ orderNo, key: `snapshot:${orderNo}:${slot}`, reason: 'snapshot' as const }));
        return { touched: new Set<string>(), updates: this.updates(pushes, now), result: pushes.length };
      },
    );
  }

  /** As time passes orders fall behind (or catch up): those turning lagging are pushed at once. */
  async review(): Promise<ProgressChange[]> {
    const now = this.now();
    // Every order's lagging flags may change: all are put back if the lagging updates cannot be written.
    return this.run(
      () => this.book.orderNos(),
      () => {
        const changes = this.book.review(now);
        const minute = Math.floor(now / 60_000);
        const touched = new Set(changes.map((c) => c.orderNo));
        const pushes = [...touched].filter((orderNo) => changes.some((c) => c.orderNo === orderNo && c.kind === 'lagging' && c.lagging)).map((orderNo) => ({ orderNo, key: `lagging:${orderNo}:${minute}`, reason: 'lagging' as const }));
        return { touched, updates: this.updates(pushes, now), result: changes };
      },
    );
  }

  board(filter?: { workCentre?: string }): BoardModel {
    return this.book.board(this.now(), filter);
  }

  /** The updates of one call, with its figures: once per order and reason (several reports of one order share them). */
  private updates(pushes: readonly Push[], now: number): Update[] {
    const figures = new Map<string, ProgressUpdate>();
    return pushes.map((p) => {
      let update = figures.get(`${p.reason}\n${p.orderNo}`);
      if (!update) figures.set(`${p.reason}\n${p.orderNo}`, (update = this.book.snapshot(p.orderNo, now, p.reason)));
      return { ...p, update };
    });
  }

  /**
   * Queues a call for the next save. Calls arriving together (or while a save is under way) share one save, each
   * order saved once in its latest state: with many messages in flight, saving every touched order after every
   * message cost more than counting the reports.
   */
  private run<T>(orders: () => Iterable<string>, apply: () => Applied<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.saving.push({ orders, apply, resolve: resolve as (value: unknown) => void, reject });
      this.saveRunning ??= new Promise((r) => setImmediate(r)).then(() => this.save());
    });
  }

  private async save(): Promise<void> {
    while (this.saving.length > 0) {
      const group = this.saving.splice(0);
      // Only here is the book changed, one group at a time: what the checkpoint holds is exactly what the group found.
      const restore = this.book.checkpoint(group.flatMap((call) => [...call.orders()]));
      const applied = group.map((call): Applied<unknown> | Error => {
        // A call refused half-way (a report that would overflow its tally) leaves nothing of itself behind.
        const undo = this.book.checkpoint(call.orders());
        try {
          return call.apply();
        } catch (err) {
          undo();
          return err as Error;
        }
      });
      const updates = applied.flatMap((a) => (a instanceof Error ? [] : a.updates));
      // Enqueued in one turn, so the outbox writes them in one append: all of the group's updates, or none.
      const outcomes = await Promise.allSettled(updates.map((u) => this.options.outbox.enqueue({ partition: u.orderNo, payload: u.update, idempotencyKey: u.key })));
      const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (failed) {
        // Nothing of the group stays counted: the MES posts it again, and only then is it counted and delivered.
        restore();
        const cause = failed.reason as Error;
        const error = new StoreUnavailableError(`The progress could not be stored, so nothing of this message was applied; post it again: ${cause.message.replace(/\.$/, '')}.`, { cause });
        group.forEach((call, i) => call.reject(applied[i] instanceof Error ? (applied[i] as Error) : error));
        continue;
      }
      const touched = new Set([...this.unsaved, ...applied.flatMap((a) => (a instanceof Error ? [] : [...a.touched]))]);
      const save = this.saved.prepare(this.book, touched);
      try {
        if (save.entries.length > 0) await this.options.store.putMany(this.options.namespace, save.entries);
        save.settle(true);
        for (const orderNo of touched) this.unsaved.delete(orderNo);
      } catch {
        // The updates are in the outbox and will be delivered: the calls stand (answered accepted), and the orders
        // are saved with the next call. Taking them back now would refuse what the ERP is going to receive.
        save.settle(false);
        for (const orderNo of touched) this.unsaved.add(orderNo);
      }
      group.forEach((call, i) => {
        const a = applied[i];
        if (a instanceof Error) call.reject(a);
        else call.resolve(a.result);
      });
    }
    this.saveRunning = undefined;
  }
}

interface Push {
  orderNo: string;
  key: string;
  reason: UpdateReason;
}

interface Update extends Push {
  update: ProgressUpdate;
}

interface Applied<T> {
  touched: ReadonlySet<string>;
  updates: Update[];
  result: T;
}

interface PendingCall {
  /** The orders the call may change (put back if its group's updates cannot be written). */
  orders(): Iterable<string>;
  /** Changes the book; run by the save, in call order. */
  apply(): Applied<unknown>;
  resolve(value: unknown): void;
  reject(err: Error): void;
}
