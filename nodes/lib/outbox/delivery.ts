// What a delivery answers, and how the answers for a batch are applied: per partition in order, delivered
// items until the first retry; a refused item is dead-lettered and its partition goes on; after a retry the
// rest of that partition's run stays queued (it is sent again later with the same idempotency key).
import type { OutboxItem } from './types';

/** What happened to one item of a delivered batch. */
export type DeliveryOutcome =
  | { outcome: 'delivered' }
  /** Try again later (ERP down, 5xx, 408, 429, timeout); retryAfterMs when the ERP said how long to wait. */
  | { outcome: 'retry'; error: string; retryAfterMs?: number }
  /** The ERP refused the item for good (a 4xx other than 408/429): dead letter at once, with the reason. */
  | { outcome: 'reject'; reason: string };

export type RetryOutcome = Extract<DeliveryOutcome, { outcome: 'retry' }>;

/**
 * Sends a batch (at most batchSize items; runs of one partition in order) and answers one outcome per item, in
 * the same order. A throw counts as 'retry' for every item. Every item carries its idempotencyKey.
 */
export type Deliver = (batch: readonly OutboxItem[]) => Promise<DeliveryOutcome[]>;

export interface Settlement {
  delivered: OutboxItem[];
  rejected: Array<[item: OutboxItem, reason: string]>;
  /** At most one per partition: the item its partition now waits on. */
  retried: Array<[item: OutboxItem, outcome: RetryOutcome]>;
}

/** Sorts a batch's answers into what to mark delivered, dead-letter, and retry; a missing answer is a retry. */
export function settle(batch: readonly OutboxItem[], outcomes: readonly DeliveryOutcome[]): Settlement {
  const result: Settlement = { delivered: [], rejected: [], retried: [] };
  const waiting = new Set<string>();
  batch.forEach((item, i) => {
    if (waiting.has(item.partition)) return;
    const o = outcomes[i] ?? { outcome: 'retry', error: `deliver() answered no outcome for item ${i + 1} of ${batch.length}` };
    if (o.outcome === 'delivered') result.delivered.push(item);
    else if (o.outcome === 'reject') result.rejected.push([item, o.reason]);
    else {
      result.retried.push([item, o]);
      waiting.add(item.partition);
    }
  });
  return result;
}

/**
 * Packs taken items (runs of consecutive items per partition) into batches of at most batchSize, never
 * splitting a run, so one take fills every free delivery slot.
 */
export function packBatches(items: readonly OutboxItem[], batchSize: number): OutboxItem[][] {
  const runs: OutboxItem[][] = [];
  for (const item of items) {
    const run = runs[runs.length - 1];
    if (run && run[0].partition === item.partition) run.push(item);
    else runs.push([item]);
  }
  const batches: OutboxItem[][] = [];
  for (const run of runs) {
    const batch = batches[batches.length - 1];
    if (batch && batch.length + run.length <= batchSize) batch.push(...run);
    else batches.push([...run]);
  }
  return batches;
}
