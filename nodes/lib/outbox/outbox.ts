// One outbox (one ERP endpoint): enqueue() resolves once the item is durable, so the sending node may call
// done(); a worker delivers what is queued through the caller's deliver() (the HTTP lives elsewhere), in order
// per partition, with exponential backoff and jitter per partition, and dead-letters what the ERP refuses or
// what keeps failing. Enqueues arriving together are written together (group commit).
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { backoffDelay, type BackoffPolicy } from '../backoff';
import { type Deliver, type DeliveryOutcome, packBatches, type Settlement, settle } from './delivery';
import type { DeadLetter, OutboxItem, OutboxStats, OutboxStore } from './types';
import { StoreUnavailableError } from '../stores/store-unavailable';

export type { Deliver, DeliveryOutcome } from './delivery';

export interface OutboxOptions {
  /** Failed attempts after which an item goes to the dead letters (default 10). */
  maxAttempts?: number;
  /** Delay before retry n: base × 2^n capped at max, 50–100 % of it (default 1 s … 5 min). */
  backoff?: BackoffPolicy;
  /** Items being delivered at once, at most (default 16). */
  maxInFlight?: number;
  /** Items per deliver() call (default 1: one message at a time). */
  batchSize?: number;
  /** Consecutive items of one partition in one call (default 1); more only when the ERP takes batches in order. */
  perPartition?: number;
  /** Items per append at most (default 1000). */
  groupCommitSize?: number;
  /** How often the worker looks for work it was not told about (other processes, retries coming due), ms (default 500). */
  pollMs?: number;
  /**
   * Least time between two takes that start deliveries, ms (default 0). Under a steady flow each delivery then
   * carries what came in meanwhile: fewer ERP calls, settlements and commits than one call per append.
   */
  lingerMs?: number;
  /** Waits after a store error: doubles from base to max (default 200 ms … 5 s). */
  storeBackoff?: BackoffPolicy;
  now?: () => number;
  random?: () => number;
}

export interface OutboxEvents {
  /** One append (group commit) stored this many items. */
  appended: [count: number];
  delivered: [items: OutboxItem[]];
  retrying: [item: OutboxItem, retry: { attempt: number; delayMs: number; error: string }];
  'dead-lettered': [item: OutboxItem, reason: string];
  /** The store failed (Redis gone…); the worker keeps trying. */
  'store-error': [error: Error];
  /** The store answers again after a 'store-error'. */
  'store-reconnected': [];
}

interface Pending {
  item: { outbox: string; partition: string; payload: unknown; payloadJson: string; idempotencyKey: string; enqueuedAt: number };
  resolve(item: OutboxItem): void;
  reject(err: Error): void;
}

export class Outbox extends EventEmitter<OutboxEvents> {
  maxAttempts!: number;
  private backoff!: BackoffPolicy;
  private storeBackoff!: BackoffPolicy;
  private maxInFlight!: number;
  private batchSize!: number;
  private perPartition!: number;
  private groupCommitSize!: number;
  private pollMs!: number;
  private lingerMs!: number;
  /** When the last take that started deliveries ran (performance.now(): real time, whatever `now` is). */
  private launchedAt = -Infinity;
  private now!: () => number;
  private random!: () => number;

  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;

  private deliver: Deliver | undefined;
  private running = false;
  /** Which start() a worker loop belongs to: a loop left over from a timed-out stop() must not run on. */
  private generation = 0;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  /** A poke came while the worker was not asleep. */
  private poked = false;
  private readonly busy = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private answered: Array<Settlement & { resolve(): void }> = [];
  private settling: Promise<void> | undefined;
  private inFlightItems = 0;
  private storeFailures = 0;

  constructor(
    readonly name: string,
    readonly store: OutboxStore,
    options: OutboxOptions = {},
  ) {
    super();
    this.configure(options);
  }

  /** Sets the options (a node redeployed with new settings); only while the worker is not delivering. */
  configure(options: OutboxOptions): void {
    if (this.running) throw new Error(`outbox '${this.name}' is delivering; stop it before changing its settings.`);
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 10);
    this.backoff = options.backoff ?? { baseMs: 1000, maxMs: 300_000 };
    this.storeBackoff = options.storeBackoff ?? { baseMs: 200, maxMs: 5000 };
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 16);
    this.batchSize = Math.max(1, options.batchSize ?? 1);
    this.perPartition = Math.max(1, options.perPartition ?? 1);
    this.groupCommitSize = Math.max(1, options.groupCommitSize ?? 1000);
    this.pollMs = options.pollMs ?? 500;
    this.lingerMs = Math.max(0, options.lingerMs ?? 0);
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** Queues one item for the ERP; resolves once it is durable in the store (then the node may call done()). */
  enqueue(entry: { partition: string; payload: unknown; idempotencyKey?: string }): Promise<OutboxItem> {
    if (this.closed) return Promise.reject(new Error(`outbox '${this.name}' is closed; the item for '${entry.partition}' was not queued.`));
    if (typeof entry.partition !== 'string' || entry.partition === '') return Promise.reject(new Error(`outbox '${this.name}': the partition (order no) must be a non-empty string.`));
    let payloadJson: string | undefined;
    try {
      payloadJson = JSON.stringify(entry.payload);
      if (payloadJson === undefined) throw new Error('it is undefined');
    } catch (err) {
      return Promise.reject(new Error(`outbox '${this.name}': the payload for '${entry.partition}' cannot be stored as JSON: ${(err as Error).message}.`));
    }
    return new Promise((resolve, reject) => {
      const idempotencyKey = entry.idempotencyKey || randomUUID();
      // The text checked here is the text stored: not serialised twice, and not changed by later edits of the object.
      this.pending.push({ item: { outbox: this.name, partition: entry.partition, payload: entry.payload, payloadJson, idempotencyKey, enqueuedAt: this.now() }, resolve, reject });
      // Whatever arrives in this turn of the event loop (or while an append is under way) goes in one append.
      this.flushing ??= new Promise((r) => setImmediate(r)).then(() => this.flush());
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.groupCommitSize);
      try {
        const stored = await this.store.append(batch.map((p) => p.item));
        this.emit('appended', stored.length);
        batch.forEach((p, i) => p.resolve(stored[i]));
        this.storeAnswered();
        this.poke();
      } catch (err) {
        this.storeFailed(err as Error);
        // A failed append is the store's state, never the items': the sender answers "try again" (503), not "refused".
        const error = new StoreUnavailableError(`outbox '${this.name}' could not store ${batch.length} item(s): ${(err as Error).message.replace(/\.$/, '')}.`, { cause: err });
        for (const p of batch) p.reject(error);
      }
    }
    this.flushing = undefined;
  }

  /** Statistics of this outbox (for /metrics). */
  stats(): Promise<OutboxStats> {
    return this.store.stats(this.name);
  }

  /** Dead letters in their original order. */
  deadLetters(options?: { partition?: string; limit?: number }): Promise<DeadLetter[]> {
    return this.store.listDeadLetters(this.name, options);
  }

  /** Puts dead letters (all, or those ids) back in the queue, in order, attempts reset, keys kept; wakes the worker. */
  async replay(ids?: readonly string[]): Promise<OutboxItem[]> {
    const items = await this.store.replayDeadLetters(this.name, ids);
    this.poke();
    return items;
  }

  /** Starts the worker; deliver() is called with batches of due items. */
  start(deliver: Deliver): void {
    if (this.closed) throw new Error(`outbox '${this.name}' is closed and cannot start delivering.`);
    if (this.running) throw new Error(`outbox '${this.name}' is already delivering; start it once.`);
    this.deliver = deliver;
    this.running = true;
    this.loop = this.work(++this.generation);
  }

  get delivering(): boolean {
    return this.running;
  }

  /**
   * Stops taking work and waits for the deliveries in flight to be settled, at most timeoutMs: a store that is
   * down may hold a call until its client gives up, and a flow being stopped cannot wait that long. Whatever is
   * not settled by then stays queued and is delivered again later, with the same idempotency key.
   */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.running = false;
    this.poke();
    const settled = (async () => {
      await this.loop;
      while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    })();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([settled, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** stop(), then waits (as long) for enqueues still being written; later enqueues are refused. */
  async close(timeoutMs = 10_000): Promise<void> {
    this.closed = true;
    const started = Date.now();
    await this.stop(timeoutMs);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.flushing, new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, timeoutMs - (Date.now() - started)))))]);
    clearTimeout(timer);
  }

  /** Wakes the worker now (new items, a settled delivery); if it is not asleep, its next sleep is skipped. */
  private poke(): void {
    const wake = this.wake;
    this.wake = undefined;
    clearTimeout(this.wakeTimer);
    if (wake) wake();
    else this.poked = true;
  }

  private sleep(ms: number): Promise<void> {
    // Poked while it was looking (a take of the Redis store spans round trips): what came meanwhile was not seen.
    if (this.poked) {
      this.poked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.wake = resolve;
      this.wakeTimer = setTimeout(() => this.poke(), Math.max(0, ms));
    });
  }

  private async work(generation: number): Promise<void> {
    const mine = () => this.running && generation === this.generation;
    while (mine()) {
      let wait = this.pollMs;
      const lingering = this.lingerMs - (performance.now() - this.launchedAt);
      if (lingering > 0) wait = lingering;
      else if (this.inFlightItems < this.maxInFlight) {
        try {
          const now = this.now();
          // Pokes from here on are for what this take may miss.
          this.poked = false;
          // Enough for every free slot at once; packed into batches below.
          const taken = await this.store.take(this.name, {
            limit: this.maxInFlight - this.inFlightItems,
            perPartition: Math.min(this.perPartition, this.batchSize),
            busyPartitions: this.busy,
            now,
          });
          this.storeAnswered();
          if (taken.items.length > 0 && mine()) {
            this.launchedAt = performance.now();
            for (const batch of packBatches(taken.items, this.batchSize)) this.launch(batch);
            continue;
          }
          if (taken.nextDueAt !== undefined) wait = Math.min(wait, taken.nextDueAt - now);
        } catch (err) {
          wait = this.storeFailed(err as Error);
        }
      }
      if (mine()) await this.sleep(wait);
    }
  }

  private launch(items: OutboxItem[]): void {
    for (const item of items) this.busy.add(item.partition);
    this.inFlightItems += items.length;
    const delivery = this.deliverAndSettle(items).finally(() => {
      for (const item of items) this.busy.delete(item.partition);
      this.inFlightItems -= items.length;
      this.inFlight.delete(delivery);
      this.poke();
    });
    this.inFlight.add(delivery);
  }

  private async deliverAndSettle(items: OutboxItem[]): Promise<void> {
    let outcomes: DeliveryOutcome[];
    try {
      outcomes = await this.deliver!(items);
    } catch (err) {
      const error = (err as Error)?.message ?? String(err);
      outcomes = items.map(() => ({ outcome: 'retry', error }));
    }
    // Deliveries answered in the same turn of the event loop are marked together (one store write).
    await new Promise<void>((resolve) => {
      this.answered.push({ ...settle(items, outcomes), resolve });
      this.settling ??= new Promise((r) => setImmediate(r)).then(() => this.settleAnswered());
    });
  }

  private async settleAnswered(): Promise<void> {
    while (this.answered.length > 0) {
      const answered = this.answered.splice(0);
      try {
        const delivered = answered.flatMap((a) => a.delivered);
        if (delivered.length > 0) {
          await this.store.markDelivered(delivered);
          this.emit('delivered', delivered);
        }
        for (const [item, reason] of answered.flatMap((a) => a.rejected)) await this.bury({ ...item, attempts: item.attempts + 1, lastError: reason }, reason);
        for (const [item, o] of answered.flatMap((a) => a.retried)) await this.retryLater(item, o.error, o.retryAfterMs);
        this.storeAnswered();
      } catch (err) {
        // Unsettled items stay queued and are delivered again, with the same idempotency keys.
        this.storeFailed(err as Error);
      }
      for (const a of answered) a.resolve();
    }
    this.settling = undefined;
  }

  private async retryLater(item: OutboxItem, error: string, retryAfterMs?: number): Promise<void> {
    const attempt = item.attempts + 1;
    if (attempt >= this.maxAttempts) {
      await this.bury({ ...item, attempts: attempt, lastError: error }, `gave up after ${attempt} attempt(s); last error: ${error}`);
      return;
    }
    const backoff = backoffDelay(item.attempts, this.backoff, this.random);
    // The ERP's Retry-After wins, within the longest backoff.
    const delayMs = retryAfterMs === undefined ? backoff : Math.min(Math.max(0, retryAfterMs), this.backoff.maxMs);
    await this.store.markFailed(item, { nextAttemptAt: this.now() + delayMs, error });
    this.emit('retrying', { ...item, attempts: attempt, lastError: error }, { attempt, delayMs, error });
  }

  private async bury(item: OutboxItem, reason: string): Promise<void> {
    await this.store.deadLetter(item, reason);
    this.emit('dead-lettered', item, reason);
  }

  private storeAnswered(): void {
    if (this.storeFailures === 0) return;
    this.storeFailures = 0;
    this.emit('store-reconnected');
  }

  /** Reports the error (once per outage) and answers how long to wait before trying the store again. */
  private storeFailed(err: Error): number {
    if (this.storeFailures === 0) this.emit('store-error', new Error(`outbox '${this.name}': the store failed: ${err.message}`));
    this.storeFailures += 1;
    return backoffDelay(this.storeFailures - 1, this.storeBackoff, this.random);
  }
}
