// Execution feedback (MES → ERP) as one service: job reports and plans go into the progress book, the orders
// they touched are saved, and the updates for the ERP are written to the outbox — all durable before the
// promise resolves, so the node may acknowledge the MES. Idempotency keys come from the event ids, so a report
// the MES sends again after a crash reaches the ERP once.
import type { Outbox } from '../outbox/outbox';
import type { WorkOrder } from '../plan-sync/work-order';
import type { KeyValueStore } from '../stores/store';
import { validate } from '../validation';
import { ProgressBook, immediateUpdateReason } from './book';
import { SavedOrders } from './saved-orders';
import type { BoardModel, OpenException, ProgressChange, ProgressReport, ProgressUpdate, UpdateReason } from './types';

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
  /** Calls whose updates are being written, waiting for the save of the orders they touched. */
  private saving: PendingSave[] = [];
  private saveRunning: Promise<void> | undefined;
  /**
   * Updates whose outbox write failed, by idempotency key. The book had already counted their reports (or taken
   * their plan), so the MES's repeat is a duplicate to it and would push nothing: instead every later save writes
   * them again first, with the figures of that moment and the same keys, and saves no state until they are durable.
   */
  private readonly owed = new Map<string, { orderNo: string; reason: UpdateReason }>();
  /** Orders whose save failed: saved with the next call, whatever it touches. */
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

  /** Applies job reports (one or many); durable (state and outbox) when it resolves. */
  async reports(input: unknown): Promise<ReportsOutcome> {
    const reports = checkAll<ProgressReport>(Array.isArray(input) ? input : [input], 'progress-report', Array.isArray(input) && input.length > 1 ? 'batch of progress reports' : 'progress report');
    const now = this.now();
    const touched = new Set<string>();
    const pushes: Array<{ orderNo: string; key: string; reason: UpdateReason }> = [];
    const outcome: ReportsOutcome = { accepted: 0, duplicates: 0, unplanned: 0, updates: 0 };
    for (const report of reports) {
      const result = this.book.countReport(report, now);
      if (result.duplicate) {
        // Counted by a call that failed: its update is owed and goes out with this call, so for the MES it is new.
        const key = `progress:${report.orderNo}:${report.eventId}`;
        const owed = this.owed.get(key);
        if (owed) {
          this.owed.delete(key);
          outcome.accepted += 1;
          touched.add(report.orderNo);
          pushes.push({ orderNo: report.orderNo, key, reason: owed.reason });
        } else outcome.duplicates += 1;
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
    outcome.updates = await this.commit(touched, pushes, now);
    return outcome;
  }

  /** Registers plans (work orders from plan sync); an order whose statuses became visible is pushed. */
  async plans(input: unknown): Promise<number> {
    const orders = checkAll<WorkOrder>(Array.isArray(input) ? input : [input], 'work-order', 'work order');
    const now = this.now();
    const touched = new Set<string>();
    const pushes: Array<{ orderNo: string; key: string; reason: UpdateReason }> = [];
    for (const order of orders) {
      const result = this.book.plan(order, now);
      if (!result.applied) continue;
      touched.add(order.workOrderNo);
      const key = `plan:${order.workOrderNo}:${order.source.revision}`;
      // The same plan sent again after a failed call finds nothing changed in the book: its owed update goes now.
      const reason = immediateUpdateReason(result.changes) ?? this.owed.get(key)?.reason;
      if (reason) {
        this.owed.delete(key);
        pushes.push({ orderNo: order.workOrderNo, key, reason });
      }
    }
    await this.commit(touched, pushes, now);
    return touched.size;
  }

  /** The latest open exception of an order becomes its lag reason (undefined clears it). */
  async exception(orderNo: string, exception: OpenException | undefined): Promise<void> {
    this.book.setException(orderNo, exception);
    await this.commit(new Set([orderNo]), [], this.now());
  }

  /** The periodic snapshot of every open order; keyed by its time slot, so a restart inside the slot sends none twice. */
  async snapshots(slotMs: number): Promise<number> {
    const now = this.now();
    const slot = Math.floor(now / slotMs) * slotMs;
    const pushes = this.book.openOrders().map((orderNo) => ({ orderNo, key: `snapshot:${orderNo}:${slot}`, reason: 'snapshot' as const }));
    return this.commit(new Set(), pushes, now);
  }

  /** As time passes orders fall behind (or catch up): those turning lagging are pushed at once. */
  async review(): Promise<ProgressChange[]> {
    const now = this.now();
    const changes = this.book.review(now);
    const minute = Math.floor(now / 60_000);
    const touched = new Set(changes.map((c) => c.orderNo));
    const pushes = [...touched]
      .filter((orderNo) => changes.some((c) => c.orderNo === orderNo && c.kind === 'lagging' && c.lagging))
      .map((orderNo) => ({ orderNo, key: `lagging:${orderNo}:${minute}`, reason: 'lagging' as const }));
    await this.commit(touched, pushes, now);
    return changes;
  }

  board(filter?: { workCentre?: string }): BoardModel {
    return this.book.board(this.now(), filter);
  }

  /** Updates owed by earlier failed calls (see `owed`), waiting to be written again. */
  get owedUpdates(): number {
    return this.owed.size;
  }

  /**
   * Writes this call's updates to the outbox and saves the orders it touched. Calls arriving together (or while a
   * save is under way) share one save, each order once in its latest state: with many messages in flight, saving
   * every touched order after every message cost more than counting the reports.
   */
  private commit(touched: ReadonlySet<string>, pushes: ReadonlyArray<{ orderNo: string; key: string; reason: UpdateReason }>, now: number): Promise<number> {
    // This call's figures, once per order and reason (several reports of one order in a message share them).
    const figures = new Map<string, ProgressUpdate>();
    const written = pushes.map((p): WrittenPush => {
      let update = figures.get(`${p.reason}\n${p.orderNo}`);
      if (!update) figures.set(`${p.reason}\n${p.orderNo}`, (update = this.book.snapshot(p.orderNo, now, p.reason)));
      return { ...p, written: this.write(p.orderNo, p.key, update) };
    });
    return new Promise((resolve, reject) => {
      this.saving.push({ touched, pushes: written, resolve: () => resolve(written.length), reject });
      this.saveRunning ??= new Promise((r) => setImmediate(r)).then(() => this.save());
    });
  }

  private write(orderNo: string, key: string, update: ProgressUpdate): Promise<unknown> {
    const written = this.options.outbox.enqueue({ partition: orderNo, payload: update, idempotencyKey: key });
    // Awaited by the save; this only keeps a failure from counting as unhandled meanwhile.
    written.catch(() => undefined);
    return written;
  }

  /** The owed updates written again now, with the figures of now (an order no longer planned owes nothing). */
  private writeOwed(): WrittenPush[] {
    const now = this.now();
    const again: WrittenPush[] = [];
    for (const [key, { orderNo, reason }] of this.owed) {
      let update: ProgressUpdate;
      try {
        update = this.book.snapshot(orderNo, now, reason);
      } catch {
        this.owed.delete(key);
        continue;
      }
      again.push({ orderNo, key, reason, written: this.write(orderNo, key, update) });
    }
    return again;
  }

  private async save(): Promise<void> {
    while (this.saving.length > 0) {
      const group = this.saving.splice(0);
      const pushes = [...this.writeOwed(), ...group.flatMap((call) => call.pushes)];
      // Each call counts its reports and queues its save in one synchronous step, so the book holds now exactly
      // the reports of the calls queued so far: the states taken here are theirs, no later report's.
      const touched = new Set([...this.unsaved, ...group.flatMap((call) => [...call.touched])]);
      const save = this.saved.prepare(this.book, touched);
      // The updates first: if the process dies before the state is saved, the MES's repeat finds no duplicate and
      // enqueues again under the same keys, which the outbox and the ERP take once.
      const outcomes = await Promise.allSettled(pushes.map((p) => p.written));
      let failure: Error | undefined;
      outcomes.forEach((o, i) => {
        if (o.status === 'fulfilled') this.owed.delete(pushes[i].key);
        else {
          failure ??= o.reason as Error;
          this.owed.set(pushes[i].key, { orderNo: pushes[i].orderNo, reason: pushes[i].reason });
        }
      });
      try {
        // No state is saved while an update it counts is not durable: after a restart the repeat must count again.
        if (failure) throw failure;
        if (save.entries.length > 0) await this.options.store.putMany(this.options.namespace, save.entries);
        save.settle(true);
        for (const orderNo of touched) this.unsaved.delete(orderNo);
        for (const call of group) call.resolve();
      } catch (err) {
        save.settle(false);
        for (const orderNo of touched) this.unsaved.add(orderNo);
        for (const call of group) call.reject(err as Error);
      }
    }
    this.saveRunning = undefined;
  }
}

interface WrittenPush {
  orderNo: string;
  key: string;
  reason: UpdateReason;
  /** Durable in the outbox once it resolves. */
  written: Promise<unknown>;
}

interface PendingSave {
  touched: ReadonlySet<string>;
  /** This call's updates, being written to the outbox. */
  pushes: WrittenPush[];
  resolve(): void;
  reject(err: Error): void;
}
