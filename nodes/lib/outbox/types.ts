// The durable outbox: everything the bridge sends to an ERP is written here before the sending node calls
// done(), then a worker delivers it in order per partition (the production order no). Two stores keep it:
// SQLite (embedded default) and Redis (several Node-RED instances sharing one queue).

/** What a caller hands to the outbox. */
export interface NewOutboxItem {
  /** Which outbox: one per ERP endpoint (its id). */
  outbox: string;
  /** Items of one partition (e.g. one production order no) are delivered in the order they were appended. */
  partition: string;
  /** Any JSON value; it comes back parsed. */
  payload: unknown;
  /** The payload as JSON text, when the caller has it already (the outbox checks every payload that way). */
  payloadJson?: string;
  /** Sent with every attempt (Idempotency-Key header) so the ERP applies the item once; a UUID when absent. */
  idempotencyKey?: string;
  /** When the item was produced, ms since the epoch; now when absent. */
  enqueuedAt?: number;
}

export interface OutboxItem {
  /** Store-assigned, increasing in append order (SQLite row id, or Redis stream entry id). */
  id: string;
  outbox: string;
  partition: string;
  idempotencyKey: string;
  /** Items read back from a store parse it when it is first read (see stored-payload.ts: payloadJson()). */
  payload: unknown;
  enqueuedAt: number;
  /** Failed deliveries so far. */
  attempts: number;
  /** Not delivered before this time (ms since the epoch); 0 for an item never tried. */
  nextAttemptAt: number;
  lastError?: string;
}

/** An item the outbox gave up on: the ERP refused it, or it failed maxAttempts times. */
export interface DeadLetter extends OutboxItem {
  reason: string;
  deadLetteredAt: number;
}

export interface TakeRequest {
  /** Items at most. */
  limit: number;
  /** Consecutive items of one partition at most (batch delivery); 1 = heads only. */
  perPartition: number;
  /** Partitions that have a delivery in flight: skipped, so no partition is delivered twice at once. */
  busyPartitions: ReadonlySet<string>;
  now: number;
}

export interface TakeResult {
  /** Runs of consecutive items, each starting at its partition's head, in order within each partition. */
  items: OutboxItem[];
  /** The earliest time a head now waiting for its retry becomes due, when the store saw one. */
  nextDueAt?: number;
}

export interface DeliveryFailure {
  /** Not retried before this time (ms since the epoch). */
  nextAttemptAt: number;
  error: string;
}

export interface OutboxStats {
  outbox: string;
  /** Items waiting for delivery (retrying ones included, dead letters not). */
  depth: number;
  /** enqueuedAt of the first item waiting in the queue, if any. */
  oldestEnqueuedAt?: number;
  /** Counters kept in the store itself: durable, shared by every process using it, never reset. */
  delivered: number;
  retries: number;
  deadLettered: number;
  /** Dead letters now waiting to be replayed or dropped. */
  deadLetters: number;
}

/** Whether an acknowledged write survives a crash of the store's host. */
export interface StoreDurability {
  /** undefined while not known yet (Redis before the first connection, or CONFIG not allowed). */
  durable: boolean | undefined;
  /** One sentence: how the store writes, or why it is not durable. */
  detail: string;
}

export interface OutboxStore {
  readonly kind: 'sqlite' | 'redis';
  /**
   * Appends a batch in one transaction (SQLite) or one round trip (Redis); durable when it resolves. Items come
   * back in the same order with their ids. An idempotency key the outbox still holds (queued or dead-lettered)
   * is not appended twice: its entry comes back with the id of the item already held.
   */
  append(items: readonly NewOutboxItem[]): Promise<OutboxItem[]>;
  /** The next deliverable items: heads of partitions whose nextAttemptAt has come, oldest first. */
  take(outbox: string, request: TakeRequest): Promise<TakeResult>;
  /** Removes delivered items (counted once each, even when another worker also settled them). */
  markDelivered(items: readonly OutboxItem[]): Promise<void>;
  /** One more failed attempt: attempts + 1, the error, and when to try again. The item stays its partition's head. */
  markFailed(item: OutboxItem, failure: DeliveryFailure): Promise<void>;
  /** Moves the item, with the attempts and lastError given, to the dead letters; its partition moves on. */
  deadLetter(item: OutboxItem, reason: string): Promise<void>;
  /** Dead letters in their original order (by item id). */
  listDeadLetters(outbox: string, options?: { partition?: string; limit?: number }): Promise<DeadLetter[]>;
  /**
   * Puts dead letters (all of the outbox, or those ids) back at the end of their partitions' queues, in their
   * original order, attempts reset, same idempotency keys. Resolves with the re-queued items (new ids).
   */
  replayDeadLetters(outbox: string, ids?: readonly string[]): Promise<OutboxItem[]>;
  stats(outbox: string): Promise<OutboxStats>;
  /** Every outbox name the store has seen (for /metrics). */
  outboxes(): Promise<string[]>;
  durability(): StoreDurability;
  /** Lets go of the store (and hands undelivered work over to other workers, for Redis). */
  close(): Promise<void>;
}
