// What material-overdraw and exception-escalation share around their books: the book restored from the bridge
// store, one step at a time, each step's changes written (takeChanges → putMany) and audited and its ERP records
// enqueued durably before the step resolves (so before the node calls done()), and one timer at the book's next
// deadline that re-enters the node's input path.
import type { AuditLog } from '../audit/log';
import type { AuditRecord } from '../audit/types';
import type { Outbox } from '../outbox/outbox';
import type { KeyValueStore } from '../stores/store';
import type { ErpRecord } from './erp-delivery';
import { SerialQueue } from './serial';

export interface WorkflowBook {
  takeChanges(): Array<[key: string, value: unknown]>;
  nextDeadline(): string | undefined;
}

/** A record for the ERP, sent through the outbox: in order per partition (the order no), applied once per key. */
export interface ErpSend {
  partition: string;
  idempotencyKey: string;
  record: ErpRecord;
}

/** What one step hands back besides its result: audit records to append and records for the ERP. */
export interface StepEffects {
  audit?: AuditRecord[];
  erp?: ErpSend[];
}

export interface WorkflowRunnerOptions<B extends WorkflowBook> {
  store: KeyValueStore;
  namespace: string;
  audit: AuditLog;
  outbox?: Outbox;
  /** Builds the book from the namespace's stored entries. */
  restore(entries: Array<[string, unknown]>): B;
  /** Called when the book's next deadline has come (the node emits its timer message). */
  onDeadline(): void;
  now?: () => number;
}

// setTimeout takes at most 2^31−1 ms; a later deadline is re-checked then.
const MAX_TIMER_MS = 2_147_483_647;

export class WorkflowRunner<B extends WorkflowBook> {
  private readonly queue = new SerialQueue();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  readonly now: () => number;

  private constructor(
    readonly book: B,
    private readonly options: WorkflowRunnerOptions<B>,
  ) {
    this.now = options.now ?? Date.now;
  }

  static async open<B extends WorkflowBook>(options: WorkflowRunnerOptions<B>): Promise<WorkflowRunner<B>> {
    const keys = await options.store.keys(options.namespace);
    const entries = [...(await options.store.getMany(options.namespace, keys))];
    const runner = new WorkflowRunner(options.restore(entries), options);
    runner.schedule();
    return runner;
  }

  /**
   * Runs `change` on the book, then writes what changed, appends the audit records in order and enqueues the
   * ERP records. A change that throws leaves the book as it was (the books check before they change).
   */
  step<T>(change: (book: B, now: number) => { result: T } & StepEffects): Promise<T> {
    return this.queue.run(async () => {
      if (this.closed) throw new Error('The node is closing; the message was not applied.');
      const { result, audit = [], erp = [] } = change(this.book, this.now());
      const changes = this.book.takeChanges();
      if (changes.length > 0) await this.options.store.putMany(this.options.namespace, changes);
      for (const record of audit) await this.options.audit.append(record, this.now());
      for (const send of erp) {
        if (!this.options.outbox) throw new Error(`No outbox to send ${send.idempotencyKey} to the ERP.`);
        await this.options.outbox.enqueue({ partition: send.partition, idempotencyKey: send.idempotencyKey, payload: send.record });
      }
      this.schedule();
      return result;
    });
  }

  /** Appends an audit record outside a book step (e.g. a failed signature attempt), in turn with the steps. */
  record(entry: AuditRecord): Promise<void> {
    return this.queue.run(async () => {
      await this.options.audit.append(entry, this.now());
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.queue.idle();
    clearTimeout(this.timer);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed) return;
    const next = this.book.nextDeadline();
    if (next === undefined) return;
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, Date.parse(next) - this.now()));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.closed) this.options.onDeadline();
    }, wait);
  }
}
