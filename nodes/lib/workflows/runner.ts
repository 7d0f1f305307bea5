// What material-overdraw, exception-escalation and cost-variance share around their books: the book restored from
// the bridge store, one step at a time, each step's changes written (takeChanges → putMany; for a book with takeSave,
// one save shared by the steps of a turn) and audited and its ERP records
// enqueued durably before the step resolves (so before the node calls done()), and one timer at the book's next
// deadline that re-enters the node's input path.
//
// Steps are applied to the in-memory book at once and in call order (the book is the one place decisions are
// made, so "exactly one decision" holds without waiting), and their writes are handed to the store, the audit
// log and the outbox in the same turn: the steps of one turn share one group commit instead of each waiting
// for its own fsyncs (before, one step at a time through the whole pipeline made a node ~40× slower than one
// SQLite write). A step still resolves only when its own writes and those of every step before it are durable.
import type { AuditLog } from '../audit/log';
import type { AuditRecord } from '../audit/types';
import type { Outbox } from '../outbox/outbox';
import type { KeyValueStore } from '../stores/store';
import type { ErpRecord } from './erp-delivery';

export interface WorkflowBook {
  takeChanges(): Array<[key: string, value: unknown]>;
  /** When a book has it, used instead of takeChanges: entries saved incrementally, told whether they were written. */
  takeSave?(): { entries: Array<[key: string, value: unknown]>; settle(written: boolean): void };
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

/** Which replica fires a workflow's deadlines (bridge-store's lease on them), and the claim of each one. */
export interface DeadlineGate {
  holds(): boolean;
  /** Claims the deadline at `dueAt` for this replica: true = fire it now, false = another replica does. */
  claim(dueAt: string): Promise<boolean>;
  /** Tells the holder a deadline it may not know of has come (raised through this replica after the holder read the book). */
  nudge(): Promise<void>;
  /** Gives the lease up (the node closes: a redeployed node's new gate takes it at once). */
  close(): Promise<void>;
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
  /** Several replicas on one store: only the holder of this gate fires deadlines, each deadline claimed once. */
  deadlines?: DeadlineGate;
  now?: () => number;
}

/**
 * `fn` at most once per turn of the event loop, however often the returned function is called in it: the books'
 * next deadline and the nodes' status scan every record, which per message made a node's cost grow with its book.
 */
export function oncePerTurn(fn: () => void): () => void {
  let queued: NodeJS.Immediate | undefined;
  return () => {
    queued ??= setImmediate(() => {
      queued = undefined;
      fn();
    });
  };
}

// setTimeout takes at most 2^31−1 ms; a later deadline is re-checked then.
const MAX_TIMER_MS = 2_147_483_647;

export class WorkflowRunner<B extends WorkflowBook> {
  /** Settles when every step handed over so far is durable (or failed). */
  private durable: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly scheduleSoon = oncePerTurn(() => this.schedule());
  private closed = false;
  /** The save the steps of this turn share (books with takeSave), until it is taken at the end of the turn. */
  private pendingSave: Promise<void> | undefined;
  /** Counts steps, so a reload that overlapped one keeps the book that has it. */
  private steps = 0;
  readonly now: () => number;

  private constructor(
    private current: B,
    private readonly options: WorkflowRunnerOptions<B>,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The book: steps change it; reload() replaces it with what the store holds. */
  get book(): B {
    return this.current;
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
    if (this.closed) return Promise.reject(new Error('The node is closing; the message was not applied.'));
    const now = this.now();
    this.steps += 1;
    let outcome: { result: T } & StepEffects;
    try {
      outcome = change(this.book, now);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const { result, audit = [], erp = [] } = outcome;
    const { outbox, store, namespace } = this.options;
    const missing = erp.find(() => !outbox);
    const writes: Array<Promise<unknown>> = [];
    if (missing) writes.push(Promise.reject(new Error(`No outbox to send ${missing.idempotencyKey} to the ERP.`)));
    // The outbox first: its end-of-turn append is then usually queued ahead of the store's group commit and
    // joins it (else it takes the next one; either way the step waits for it).
    else for (const send of erp) writes.push(outbox!.enqueue({ partition: send.partition, idempotencyKey: send.idempotencyKey, payload: send.record }));
    if (this.book.takeSave) writes.push(this.saveAtEndOfTurn());
    else {
      const changes = this.book.takeChanges();
      if (changes.length > 0) writes.push(store.putMany(namespace, changes));
    }
    for (const record of audit) writes.push(this.options.audit.append(record, now));
    this.scheduleSoon();
    return this.after(writes).then(() => result);
  }

  /**
   * One save for every step of this turn (books with takeSave): an order touched by several messages at once is
   * written once, in its latest state, with the ids of all of them in one chunk. Every step of the turn waits for it.
   */
  private saveAtEndOfTurn(): Promise<void> {
    this.pendingSave ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.pendingSave = undefined;
      const save = this.book.takeSave!();
      if (save.entries.length === 0) return;
      return this.options.store.putMany(this.options.namespace, save.entries).then(
        () => save.settle(true),
        (err: unknown) => {
          save.settle(false);
          throw err;
        },
      );
    });
    return this.pendingSave;
  }

  /**
   * Before the node handles its due deadlines: false when another replica fires them (the gate's lease is not
   * this replica's, or the deadline was claimed by another); else the book is first read again from the store, so
   * it holds what other replicas wrote (an exception raised through another replica's webhook), and the due
   * deadline is claimed. Without a gate (one process) always true.
   */
  async claimDeadlines(): Promise<boolean> {
    const gate = this.options.deadlines;
    if (!gate) return true;
    if (!gate.holds()) {
      const due = this.current.nextDeadline();
      if (due !== undefined && Date.parse(due) <= this.now()) await gate.nudge();
      return false;
    }
    await this.reload();
    const next = this.current.nextDeadline();
    if (next === undefined || Date.parse(next) > this.now()) return true;
    return gate.claim(next);
  }

  /** Replaces the book with what the store holds (after what this runner handed over is durable). */
  async reload(): Promise<void> {
    await this.durable;
    await this.pendingSave?.catch(() => undefined);
    const { store, namespace } = this.options;
    const stepsBefore = this.steps;
    const entries = [...(await store.getMany(namespace, await store.keys(namespace)))];
    // A step applied meanwhile is in this book and not yet in what was read: the next reload picks the rest up.
    if (this.closed || this.steps !== stepsBefore) return;
    this.current = this.options.restore(entries);
    this.scheduleSoon();
  }

  /** Appends an audit record outside a book step (e.g. a failed signature attempt), in turn with the steps. */
  record(entry: AuditRecord): Promise<void> {
    return this.after([this.options.audit.append(entry, this.now())]);
  }

  /** Resolves when `writes` and everything handed over before them are durable; rejects with a write's error. */
  private after(writes: Array<Promise<unknown>>): Promise<void> {
    const done = Promise.all([this.durable, ...writes]).then(() => undefined);
    this.durable = done.catch(() => undefined);
    return done;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.durable;
    clearTimeout(this.timer);
    await this.options.deadlines?.close().catch(() => undefined);
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
