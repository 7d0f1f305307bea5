// The SQLite outbox hands out from memory the runs this process appended, and reads the file for the rest: a
// partition with items queued before the process started, past the memory limit, or replayed from the dead
// letters must still come out whole and in order, and a failed attempt must show on the next take.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { SqliteOutboxStore } from '../../nodes/lib/outbox/sqlite-outbox-store';
import { payloadJson } from '../../nodes/lib/outbox/stored-payload';
import type { OutboxItem } from '../../nodes/lib/outbox/types';
import { tempDir } from '../support/temp';

const OUTBOX = 'progress@erp';
const everything = (limit = 100_000) => ({ limit, perPartition: limit, busyPartitions: new Set<string>(), now: Date.now() });
const item = (partition: string, seq: number) => ({ outbox: OUTBOX, partition, payload: { partition, seq }, idempotencyKey: `${partition}:${seq}` });

function storeFile(t: TestContext): string {
  const dir = tempDir('outbox-sqlite-runs-');
  t.after(() => dir.remove());
  return join(dir.path, 'bridge.sqlite');
}

/** Takes and delivers everything until the queue is empty; answers the sequence numbers per partition, in delivery order. */
async function drain(store: SqliteOutboxStore, limit?: number): Promise<Map<string, number[]>> {
  const seen = new Map<string, number[]>();
  for (;;) {
    const { items } = await store.take(OUTBOX, everything(limit));
    if (items.length === 0) return seen;
    for (const it of items) {
      const { seq } = JSON.parse(payloadJson(it)) as { seq: number };
      seen.set(it.partition, [...(seen.get(it.partition) ?? []), seq]);
    }
    await store.markDelivered(items);
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('the SQLite outbox, runs from memory and from the file', () => {
  it('delivers in order a partition whose first items were queued before the process started', async (t) => {
    const file = storeFile(t);
    const before = new SqliteOutboxStore(file);
    await before.append(range(1, 5).map((n) => item('MO-1', n)));
    await before.close();
    const store = new SqliteOutboxStore(file);
    t.after(() => store.close());
    await store.append([...range(6, 10).map((n) => item('MO-1', n)), ...range(1, 3).map((n) => item('MO-2', n))]);
    const seen = await drain(store, 4);
    assert.deepEqual(seen.get('MO-1'), range(1, 10));
    assert.deepEqual(seen.get('MO-2'), range(1, 3));
    // Emptied, MO-1 is all this process's from now on: taken from memory, and still in order.
    await store.append(range(11, 14).map((n) => item('MO-1', n)));
    assert.deepEqual((await drain(store, 3)).get('MO-1'), range(11, 14));
  });

  it('keeps the order past the memory limit (10,000 items), reading the rest from the file', async (t) => {
    const store = new SqliteOutboxStore(storeFile(t));
    t.after(() => store.close());
    const append = async (from: number, to: number) => {
      for (let n = from; n <= to; n += 1000) await store.append(range(n, Math.min(to, n + 999)).map((k) => item(`MO-${k % 3}`, k)));
    };
    await append(1, 12_000);
    // Some delivered, so there is room in memory again, and more appended while the older ones still wait.
    const { items } = await store.take(OUTBOX, everything(3000));
    await store.markDelivered(items);
    await append(12_001, 15_000);
    const later = await drain(store, 700);
    const seen = new Map<string, number[]>();
    for (const it of items) seen.set(it.partition, [...(seen.get(it.partition) ?? []), (JSON.parse(payloadJson(it)) as { seq: number }).seq]);
    for (const [partition, seqs] of later) seen.set(partition, [...(seen.get(partition) ?? []), ...seqs]);
    for (const [partition, seqs] of seen) {
      assert.equal(seqs.length, 5000, partition);
      assert.deepEqual(
        seqs,
        [...seqs].sort((a, b) => a - b),
        `${partition} in order`,
      );
    }
    assert.equal((await store.stats(OUTBOX)).depth, 0);
  });

  it('shows a failed attempt on the next take, and puts replayed dead letters back in order', async (t) => {
    const store = new SqliteOutboxStore(storeFile(t));
    t.after(() => store.close());
    await store.append(range(1, 3).map((n) => item('MO-1', n)));
    const [head] = (await store.take(OUTBOX, everything())).items;
    await store.markFailed(head, { nextAttemptAt: Date.now() - 1, error: 'HTTP 503 Service Unavailable' });
    const again = (await store.take(OUTBOX, everything())).items;
    assert.deepEqual(
      again.map((i) => [i.idempotencyKey, i.attempts, i.lastError]),
      [
        ['MO-1:1', 1, 'HTTP 503 Service Unavailable'],
        ['MO-1:2', 0, undefined],
        ['MO-1:3', 0, undefined],
      ],
    );
    // The ERP refuses the first for good; it comes back by replay, after the two still queued and one new.
    await store.deadLetter({ ...again[0], attempts: 2 } as OutboxItem, 'HTTP 422: unknown order');
    await store.append([item('MO-1', 4)]);
    await store.replayDeadLetters(OUTBOX);
    assert.deepEqual((await drain(store, 2)).get('MO-1'), [2, 3, 4, 1]);
  });
});
