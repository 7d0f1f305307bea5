// The outbox contract on the machine's Redis (a key prefix per test), and what only Redis does: several
// workers sharing one outbox, claiming the entries of a worker that died, and durability checks.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { Outbox } from '../../nodes/lib/outbox/outbox';
import { RedisOutboxStore } from '../../nodes/lib/outbox/redis-outbox-store';
import type { OutboxStore } from '../../nodes/lib/outbox/types';
import Redis from 'ioredis';
import type { RedisConnection } from '../../nodes/lib/stores/redis-connection';
import { outboxContract } from './outbox-contract';
import { openStore } from './outbox-child';
import { FakeErp, outboxEvents } from './outbox-erp';
import { connect, dropKeys, redisAvailable, redisUrl, testPrefix } from './redis-fixture';

/** Workers on one prefix; each open() is another consumer with its own connection. */
async function workers(t: TestContext, claimIdleMs = 300) {
  if (!(await redisAvailable(t))) return undefined;
  const prefix = testPrefix('outbox');
  const opened: Array<{ store: OutboxStore; connection?: RedisConnection }> = [];
  t.after(async () => {
    for (const { store, connection } of opened) {
      await store.close();
      await connection?.close();
    }
    await dropKeys(prefix);
  });
  const spec = { kind: 'redis' as const, url: redisUrl(), prefix };
  return {
    spec,
    open(options: { readAhead?: number; claimIdleMs?: number } = {}) {
      const worker = openStore(spec, { claimIdleMs, ...options });
      opened.push(worker);
      return worker.store;
    },
    /** Who holds the outbox's entries now (the consumer group's pending list): consumer name → count. */
    async pending(outbox = 'erp'): Promise<Map<string, number>> {
      const admin = new Redis(redisUrl());
      try {
        const [, , , consumers] = (await admin.xpending(`${prefix}outbox:${outbox}:stream`, 'delivery')) as [number, string, string, Array<[string, string]> | null];
        return new Map((consumers ?? []).map(([name, count]) => [name, Number(count)]));
      } catch (err) {
        // No worker has made the consumer group yet: nobody holds anything.
        if (/NOGROUP/.test((err as Error).message)) return new Map();
        throw err;
      } finally {
        admin.disconnect();
      }
    },
    /** The worker's process dies: its connection is gone, nothing is handed over. */
    async crash(store: OutboxStore) {
      const { connection } = opened.find((o) => o.store === store)!;
      await new Promise((resolve) => {
        connection!.client.once('end', resolve);
        connection!.client.disconnect();
      });
      await store.close();
    },
  };
}

outboxContract('Redis', (t) => workers(t));

const report = (orderNo: string, seq: number) => ({ partition: orderNo, payload: { orderNo, seq } });

describe('outbox on Redis, several workers', () => {
  const fast = { pollMs: 20, backoff: { baseMs: 1, maxMs: 4 } };

  it('two workers share one outbox and apply every report once, in order per order', async (t) => {
    const w = await workers(t);
    if (!w) return;
    const a = new Outbox('erp', w.open(), { ...fast, maxInFlight: 4 });
    const b = new Outbox('erp', w.open(), { ...fast, maxInFlight: 4 });
    t.after(() => Promise.all([a.close(), b.close()]));
    const erp = new FakeErp();
    erp.answer = (item, sends) => (item.payload.seq % 5 === 0 && sends === 1 ? { outcome: 'retry', error: 'ERP answered 503' } : { outcome: 'delivered' });
    // Queue order is append order: one producer, so that it is also seq order.
    await Promise.all(Array.from({ length: 40 }, (_, seq) => ['MO-1', 'MO-2', 'MO-3'].map((o) => a.enqueue(report(o, seq)))).flat());
    a.start(erp.deliver);
    b.start(erp.deliver);
    await erp.appliedCount(120);
    for (const orderNo of ['MO-1', 'MO-2', 'MO-3'])
      assert.deepEqual(
        erp.applied.get(orderNo),
        Array.from({ length: 40 }, (_, i) => i),
      );
    assert.ok(erp.batches.length > 0);
  });

  it("a worker never delivers past another worker's head; when that worker dies its head is claimed and order holds", async (t) => {
    const w = await workers(t);
    if (!w) return;
    const first = w.open({ readAhead: 2 });
    const producer = new Outbox('erp', first);
    t.after(() => producer.close());
    await Promise.all([1, 2, 3, 4, 5, 6].map((seq) => producer.enqueue(report('MO-1', seq))));
    const now = Date.now();
    const busy = new Set<string>();
    assert.deepEqual(
      (await first.take('erp', { limit: 10, perPartition: 10, busyPartitions: busy, now })).items.map((i) => i.payload),
      [1, 2].map((seq) => ({ orderNo: 'MO-1', seq })),
    );
    const second = w.open();
    assert.deepEqual((await second.take('erp', { limit: 10, perPartition: 10, busyPartitions: busy, now })).items, [], 'items 3–6 wait behind the head the first worker holds');
    await w.crash(first);
    const erp = new FakeErp();
    const worker = new Outbox('erp', second, fast);
    t.after(() => worker.close());
    worker.start(erp.deliver);
    await erp.appliedCount(6);
    assert.deepEqual(erp.applied.get('MO-1'), [1, 2, 3, 4, 5, 6]);
  });

  it('a worker that stops hands what it holds to the others at once, without the claim timeout', async (t) => {
    const w = await workers(t, 60_000);
    if (!w) return;
    const leaving = w.open();
    const producer = new Outbox('erp', leaving);
    t.after(() => producer.close());
    await Promise.all([1, 2, 3].map((seq) => producer.enqueue(report('MO-2', seq))));
    assert.equal((await leaving.take('erp', { limit: 10, perPartition: 10, busyPartitions: new Set(), now: Date.now() })).items.length, 3);
    await leaving.close();
    const staying = w.open();
    const taken = await staying.take('erp', { limit: 10, perPartition: 10, busyPartitions: new Set(), now: Date.now() });
    assert.deepEqual(
      taken.items.map((i) => (i.payload as { seq: number }).seq),
      [1, 2, 3],
    );
  });
});

describe("a worker's own appends", () => {
  const fast = { pollMs: 20, backoff: { baseMs: 1, maxMs: 4 } };
  const everything = () => ({ limit: 100, perPartition: 100, busyPartitions: new Set<string>(), now: Date.now() });

  it('a delivering worker holds what it appends in the same step, and hands it out with its payload without reading it back', async (t) => {
    const w = await workers(t);
    if (!w) return;
    const store = w.open() as RedisOutboxStore;
    assert.deepEqual((await store.take('erp', everything())).items, [], 'the worker has started on the outbox');
    const producer = new Outbox('erp', store);
    t.after(() => producer.close());
    // In one append: the same key twice is stored once, and both callers get its id.
    const [a, b, c, again] = await Promise.all([
      producer.enqueue(report('MO-1', 1)),
      producer.enqueue(report('MO-1', 2)),
      producer.enqueue({ ...report('MO-2', 1), idempotencyKey: 'MO-2/1' }),
      producer.enqueue({ ...report('MO-2', 1), idempotencyKey: 'MO-2/1' }),
    ]);
    assert.equal(again.id, c.id);
    assert.deepEqual(await w.pending(), new Map([[store.consumerName, 3]]), 'held by the appending worker before any take');
    const taken = (await store.take('erp', everything())).items;
    assert.deepEqual(taken.map((i) => i.id).sort(), [a.id, b.id, c.id].sort());
    assert.deepEqual(
      taken.filter((i) => i.partition === 'MO-1').map((i) => i.payload),
      [
        { orderNo: 'MO-1', seq: 1 },
        { orderNo: 'MO-1', seq: 2 },
      ],
    );
  });

  it('a process that only appends leaves its entries to the workers that deliver', async (t) => {
    const w = await workers(t);
    if (!w) return;
    const producer = new Outbox('erp', w.open());
    t.after(() => producer.close());
    await Promise.all([1, 2, 3].map((seq) => producer.enqueue(report('MO-3', seq))));
    assert.deepEqual(await w.pending(), new Map(), 'nobody holds them yet');
    const worker = w.open() as RedisOutboxStore;
    assert.deepEqual(
      (await worker.take('erp', everything())).items.map((i) => (i.payload as { seq: number }).seq),
      [1, 2, 3],
    );
    assert.deepEqual(await w.pending(), new Map([[worker.consumerName, 3]]));
  });

  it('past its read-ahead a worker holds only part of an append; the rest is read from the stream and delivered in order', async (t) => {
    const w = await workers(t);
    if (!w) return;
    const store = w.open({ readAhead: 3 }) as RedisOutboxStore;
    await store.take('erp', everything());
    const outbox = new Outbox('erp', store, { ...fast, maxInFlight: 2 });
    t.after(() => outbox.close());
    await Promise.all(Array.from({ length: 10 }, (_, seq) => outbox.enqueue(report('MO-4', seq))));
    assert.deepEqual(await w.pending(), new Map([[store.consumerName, 3]]));
    const erp = new FakeErp();
    const settled = outboxEvents(outbox, 'delivered', 10);
    outbox.start(erp.deliver);
    await settled;
    assert.deepEqual(
      erp.applied.get('MO-4'),
      Array.from({ length: 10 }, (_, i) => i),
    );
    assert.deepEqual(await outbox.stats(), { outbox: 'erp', depth: 0, delivered: 10, retries: 0, deadLettered: 0, deadLetters: 0 });
  });

  it('an item marked delivered twice (settled meanwhile by another worker) leaves its queue once and is counted once', async (t) => {
    const w = await workers(t);
    if (!w) return;
    const store = w.open();
    const producer = new Outbox('erp', store);
    t.after(() => producer.close());
    await Promise.all([1, 2, 3].map((seq) => producer.enqueue(report('MO-5', seq))));
    const [first] = (await store.take('erp', everything())).items;
    await store.markDelivered([first]);
    await store.markDelivered([first]);
    assert.deepEqual({ ...(await store.stats('erp')), oldestEnqueuedAt: undefined }, { outbox: 'erp', depth: 2, oldestEnqueuedAt: undefined, delivered: 1, retries: 0, deadLettered: 0, deadLetters: 0 });
    assert.deepEqual(
      (await store.take('erp', everything())).items.map((i) => (i.payload as { seq: number }).seq),
      [2, 3],
    );
  });
});

describe('Redis durability', () => {
  it('a Redis that does not write durably is reported, and with "require durable writes" nothing is written', async (t) => {
    if (!(await redisAvailable(t))) return;
    const prefix = testPrefix('durable');
    t.after(() => dropKeys(prefix));
    const connection = connect(t, prefix, { requireDurable: true });
    const durability = await new Promise<{ durable: boolean | undefined; detail: string }>((resolve) => connection.once('durability', resolve));
    if (durability.durable) return t.skip(`the Redis at ${redisUrl()} writes durably; this test needs one that does not`);
    assert.match(durability.detail, /^Redis at redis:\/\/127\.0\.0\.1:6379(\/0)? does not write durably \(appendonly no, appendfsync \w+\)/);
    const store = new RedisOutboxStore(connection);
    t.after(() => store.close());
    const outbox = new Outbox('erp', store);
    await assert.rejects(outbox.enqueue(report('MO-1', 1)), /does not write durably .*"require durable writes" is on, so nothing is written\.$/);
    assert.equal((await store.stats('erp')).depth, 0);
  });
});
