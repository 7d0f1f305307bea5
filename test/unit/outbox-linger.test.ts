// The outbox's linger (lingerMs): under a steady flow of appends, batch calls to the ERP start at most once per
// linger, each carrying what came in meanwhile, instead of one call per append; nothing waits longer than that.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Outbox } from '../../nodes/lib/outbox/outbox';
import { SqliteOutboxStore } from '../../nodes/lib/outbox/sqlite-outbox-store';
import type { OutboxItem } from '../../nodes/lib/outbox/types';

/** An outbox on its own in-memory store, recording each deliver() call's idempotency keys. */
function recordingOutbox(lingerMs: number) {
  const store = new SqliteOutboxStore(':memory:');
  const outbox = new Outbox('erp', store, { batchSize: 50, perPartition: 50, maxInFlight: 400, lingerMs });
  const calls: string[][] = [];
  let wake: (() => void) | undefined;
  outbox.start(async (batch: readonly OutboxItem[]) => {
    calls.push(batch.map((i) => i.idempotencyKey));
    wake?.();
    return batch.map(() => ({ outcome: 'delivered' as const }));
  });
  const delivered = (n: number) =>
    new Promise<void>((resolve) => {
      const check = () => (calls.flat().length >= n ? resolve() : undefined);
      wake = check;
      check();
    });
  return { outbox, calls, delivered, close: async () => (await outbox.close(), await store.close()) };
}

/** Ten reports of two orders, each appended in a turn of its own (as posts of a MES arrive). */
async function tenAppends(outbox: Outbox): Promise<void> {
  for (let i = 0; i < 10; i++) await outbox.enqueue({ partition: `MO-${i % 2}`, idempotencyKey: `r${i}`, payload: { i } });
}

describe('the outbox linger', () => {
  it('delivers appends made during the linger in one call, in order per order', async () => {
    const o = recordingOutbox(3000);
    await o.outbox.enqueue({ partition: 'MO-0', idempotencyKey: 'first', payload: {} });
    await o.delivered(1);
    await tenAppends(o.outbox);
    await o.delivered(11);
    assert.deepEqual(o.calls, [['first'], ['r0', 'r2', 'r4', 'r6', 'r8', 'r1', 'r3', 'r5', 'r7', 'r9']]);
    await o.close();
  });

  it('without a linger (the default) starts a call as soon as an append is durable', async () => {
    const o = recordingOutbox(0);
    await tenAppends(o.outbox);
    await o.delivered(10);
    assert.ok(o.calls.length > 1, `several calls: ${JSON.stringify(o.calls)}`);
    assert.deepEqual(o.calls.flat().sort(), ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9']);
    await o.close();
  });
});
