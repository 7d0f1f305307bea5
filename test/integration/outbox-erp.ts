// A stand-in ERP for outbox tests: it applies each idempotency key once (as a real ERP with idempotency keys
// does), records the order it applied each production order's updates in, and answers as the test says.
import type { Deliver, DeliveryOutcome, Outbox, OutboxEvents } from '../../nodes/lib/outbox/outbox';
import type { OutboxItem } from '../../nodes/lib/outbox/types';

export interface ProgressReport {
  orderNo: string;
  seq: number;
}

/** What the ERP answers to one send: `sends` is how often this key has been sent, this time included. */
export type Answer = (item: OutboxItem & { payload: ProgressReport }, sends: number) => DeliveryOutcome;

export class FakeErp {
  /** Sends per idempotency key. */
  readonly sends = new Map<string, number>();
  /** Per order no, the seqs applied, in the order applied (each key once). */
  readonly applied = new Map<string, number[]>();
  readonly appliedKeys = new Set<string>();
  /** Idempotency keys seen per order no + seq, over every attempt. */
  readonly keysOf = new Map<string, Set<string>>();
  /** Every batch as deliver() got it. */
  readonly batches: OutboxItem[][] = [];
  answer: Answer = () => ({ outcome: 'delivered' });
  private waiters: Array<{ count: number; resolve(): void }> = [];

  readonly deliver: Deliver = async (batch) => {
    const outcomes = this.receive(batch);
    this.settleWaiters();
    return outcomes;
  };

  private receive(batch: readonly OutboxItem[]): DeliveryOutcome[] {
    this.batches.push([...batch]);
    // Like an ERP taking a batch item by item: after a failure, the rest of that order is not processed.
    const failed = new Set<string>();
    return batch.map((item): DeliveryOutcome => {
      const report = item.payload as ProgressReport;
      const sends = (this.sends.get(item.idempotencyKey) ?? 0) + 1;
      this.sends.set(item.idempotencyKey, sends);
      const seqKey = `${report.orderNo}#${report.seq}`;
      this.keysOf.set(seqKey, (this.keysOf.get(seqKey) ?? new Set()).add(item.idempotencyKey));
      if (failed.has(item.partition)) return { outcome: 'retry', error: 'not processed: an earlier update of this order failed' };
      const outcome = this.answer(item as OutboxItem & { payload: ProgressReport }, sends);
      if (outcome.outcome === 'retry') failed.add(item.partition);
      if (outcome.outcome === 'delivered' && !this.appliedKeys.has(item.idempotencyKey)) {
        this.appliedKeys.add(item.idempotencyKey);
        this.applied.set(report.orderNo, [...(this.applied.get(report.orderNo) ?? []), report.seq]);
      }
      return outcome;
    });
  }

  /** Resolves once `count` distinct keys have been applied. */
  appliedCount(count: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ count, resolve });
      this.settleWaiters();
    });
  }

  private settleWaiters(): void {
    this.waiters = this.waiters.filter((w) => (this.appliedKeys.size >= w.count ? (w.resolve(), false) : true));
  }
}

/** Resolves with the events' arguments once the outbox has emitted `event` `count` times ('delivered': items). */
export function outboxEvents<K extends keyof OutboxEvents>(outbox: Outbox, event: K, count: number): Promise<OutboxEvents[K][]> {
  return new Promise((resolve) => {
    const seen: OutboxEvents[K][] = [];
    let n = 0;
    const listener = (...args: OutboxEvents[K]) => {
      seen.push(args);
      n += event === 'delivered' ? (args[0] as unknown[]).length : 1;
      if (n >= count) {
        outbox.off(event, listener as never);
        resolve(seen);
      }
    };
    outbox.on(event, listener as never);
  });
}
