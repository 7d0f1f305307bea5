// The behaviour every outbox store must have, run against each store on real storage (a SQLite file, the
// machine's Redis): outbox-sqlite.test.ts and outbox-redis.test.ts call outboxContract with their fixture.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it, type TestContext } from 'node:test';
import { Outbox, type OutboxOptions } from '../../nodes/lib/outbox/outbox';
import type { OutboxStore } from '../../nodes/lib/outbox/types';
import { CHILD_OUTBOX, type StoreSpec } from './outbox-child';
import { FakeErp, outboxEvents, type ProgressReport } from './outbox-erp';

export interface OutboxFixture {
  /** A store on this test's state; each call is another worker (another process) on the same state. */
  open(): OutboxStore;
  /** The store's process dies: nothing is closed or handed over. */
  crash(store: OutboxStore): Promise<void>;
  /** How a child process opens the same state. */
  spec: StoreSpec;
}

/** Makes the fixture of one test (and registers its cleanup), or skips the test and answers undefined. */
export type FixtureFactory = (t: TestContext) => Promise<OutboxFixture | undefined>;

const ERP = 'erp-sap-prd';
const FAST: OutboxOptions = { pollMs: 20, backoff: { baseMs: 1, maxMs: 4 }, storeBackoff: { baseMs: 20, maxMs: 200 } };
const report = (orderNo: string, seq: number) => ({ partition: orderNo, payload: { orderNo, seq } satisfies ProgressReport });
const retry = (error: string) => ({ outcome: 'retry' as const, error });
const delivered = { outcome: 'delivered' as const };
const everything = { limit: 100, perPartition: 100, busyPartitions: new Set<string>() };

interface Setup {
  fixture: OutboxFixture;
  /** An outbox on the store, closed when the test ends (before the stores are). */
  outbox(store: OutboxStore, options?: OutboxOptions, name?: string): Outbox;
}

async function setup(t: TestContext, factory: FixtureFactory): Promise<Setup | undefined> {
  const outboxes: Outbox[] = [];
  t.after(async () => {
    for (const outbox of outboxes) await outbox.close();
  });
  const fixture = await factory(t);
  if (!fixture) return undefined;
  return {
    fixture,
    outbox(store, options = {}, name = ERP) {
      const outbox = new Outbox(name, store, { ...FAST, ...options });
      outboxes.push(outbox);
      return outbox;
    },
  };
}

const seqs = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export function outboxContract(storeName: string, factory: FixtureFactory): void {
  describe(`outbox on ${storeName}`, () => {
    it('an enqueue that resolved is in the store when it is opened again', async (t) => {
      const s = await setup(t, factory);
      if (!s) return;
      const store = s.fixture.open();
      const outbox = s.outbox(store);
      const first = await outbox.enqueue(report('MO-1', 1));
      const second = await outbox.enqueue({ ...report('MO-1', 2), idempotencyKey: 'MO-1/0010/2' });
      const other = await outbox.enqueue(report('MO-2', 1));
      await s.fixture.crash(store);
      const taken = await s.fixture.open().take(ERP, { ...everything, now: Date.now() });
      assert.deepEqual(
        taken.items.map((i) => [i.id, i.partition, i.idempotencyKey, i.payload, i.attempts]),
        [first, second, other].map((i) => [i.id, i.partition, i.idempotencyKey, i.payload, 0]),
      );
      assert.equal(second.idempotencyKey, 'MO-1/0010/2');
    });

    it('every report acknowledged before the process was killed (SIGKILL) is delivered after the restart, in order', async (t) => {
      const s = await setup(t, factory);
      if (!s) return;
      const child = spawn(process.execPath, [join(__dirname, 'outbox-child.js'), JSON.stringify(s.fixture.spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
      t.after(() => void child.kill('SIGKILL'));
      let stderr = '';
      child.stderr!.on('data', (chunk) => (stderr += chunk));
      const acked = new Set<number>();
      await new Promise<void>((resolve, reject) => {
        createInterface({ input: child.stdout! }).on('line', (line) => {
          const m = /^acked (\d+)$/.exec(line);
          if (m) acked.add(Number(m[1]));
          if (acked.size >= 300) resolve();
        });
        child.once('exit', (code) => reject(new Error(`the child process exited (${code}) after ${acked.size} acks: ${stderr}`)));
      });
      child.kill('SIGKILL');
      await once(child, 'exit');

      const store = s.fixture.open();
      const { depth } = await store.stats(CHILD_OUTBOX);
      assert.ok(depth >= acked.size, `${depth} items stored, ${acked.size} acknowledged`);
      const erp = new FakeErp();
      s.outbox(store, { batchSize: 50, perPartition: 10 }, CHILD_OUTBOX).start(erp.deliver);
      await erp.appliedCount(depth);
      assert.deepEqual(
        [...acked].filter((seq) => !erp.appliedKeys.has(`child-${seq}`)),
        [],
        'acknowledged reports not delivered',
      );
      for (const [orderNo, applied] of erp.applied)
        assert.deepEqual(
          applied,
          [...applied].sort((a, b) => a - b),
          `${orderNo} out of order`,
        );
    });

    it("keeps each order's reports in order while the ERP answers 503 and times out now and then", async (t) => {
      const s = await setup(t, factory);
      if (!s) return;
      const outbox = s.outbox(s.fixture.open(), { maxAttempts: 5, batchSize: 6, perPartition: 3, maxInFlight: 6 });
      const erp = new FakeErp();
      erp.answer = (item, sends) => (item.payload.seq % 3 === 0 && sends <= 2 ? retry(sends === 1 ? 'ERP answered 503' : 'no answer within 30 s') : delivered);
      const orders = ['MO-1', 'MO-2', 'MO-3', 'MO-4'];
      await Promise.all(seqs(1, 30).flatMap((seq) => orders.map((orderNo) => outbox.enqueue(report(orderNo, seq)))));
      const settled = outboxEvents(outbox, 'delivered', 120);
      outbox.start(erp.deliver);
      await settled;
      for (const orderNo of orders) assert.deepEqual(erp.applied.get(orderNo), seqs(1, 30), `${orderNo} applied in this order`);
      const stats = await outbox.stats();
      assert.equal(stats.depth, 0);
      assert.equal(stats.delivered, 120);
      assert.ok(stats.retries >= 40, `${stats.retries} retries counted`);
    });

    it('an order whose head keeps failing does not hold up the other orders', async (t) => {
      const s = await setup(t, factory);
      if (!s) return;
      const outbox = s.outbox(s.fixture.open(), { backoff: { baseMs: 60_000, maxMs: 60_000 }, maxInFlight: 2 });
      const erp = new FakeErp();
      erp.answer = (item) => (item.partition === 'MO-STUCK' ? retry('ERP answered 503') : delivered);
      const stuck = await Promise.all(seqs(1, 3).map((seq) => outbox.enqueue(report('MO-STUCK', seq))));
      await Promise.all(seqs(1, 5).flatMap((seq) => [outbox.enqueue(report('MO-A', seq)), outbox.enqueue(report('MO-B', seq))]));
      const retried = outboxEvents(outbox, 'retrying', 1);
      const others = outboxEvents(outbox, 'delivered', 10);
      outbox.start(erp.deliver);
      await Promise.all([retried, others]);
      assert.deepEqual(erp.applied.get('MO-A'), seqs(1, 5));
      assert.deepEqual(erp.applied.get('MO-B'), seqs(1, 5));
      assert.deepEqual(
        stuck.map((i) => erp.sends.get(i.idempotencyKey) ?? 0),
        [1, 0, 0],
        'the stuck head was sent once; the items behind it never',
      );
      const stats = await outbox.stats();
      assert.equal(stats.depth, 3);
      assert.equal(stats.retries, 1);
    });

    it('the wait before each retry doubles, and the ERP’s Retry-After is honoured', async (t) => {
      const s = await setup(t, factory);
      if (!s) return;
      const outbox = s.outbox(s.fixture.open(), { maxAttempts: 10, backoff: { baseMs: 2, maxMs: 1000 }, random: () => 1 });
      const erp = new FakeErp();
      erp.answer = (item, sends) => (item.partition === 'MO-1' ? (sends <= 5 ? retry('ERP answered 503') : delivered) : sends === 1 ? { outcome: 'retry', error: 'ERP answered 429', retryAfterMs: 7 } : delivered);
      await outbox.enqueue(report('MO-1', 1));
      await outbox.enqueue(report('MO-2', 1));
      const retries = outboxEvents(outbox, 'retrying', 6);
      const done = outboxEvents(outbox, 'delivered', 2);
      outbox.start(erp.deliver);
      const events = await retries;
      await done;
      const waits = (orderNo: string) => events.filter(([item]) => item.partition === orderNo).map(([, r]) => [r.attempt, r.delayMs]);
      assert.deepEqual(waits('MO-1'), [
        [1, 2],
        [2, 4],
        [3, 8],
        [4, 16],
        [5, 32],
      ]);
      assert.deepEqual(waits('MO-2'), [[1, 7]]);
    });

    it('after maxAttempts failures the item becomes a dead letter with the last error, and its order moves on', async (t) => {
      const s = await setup(t, factory);
      if (!s) return;
      const outbox = s.outbox(s.fixture.open(), { maxAttempts: 3 });
      const erp = new FakeErp();
      erp.answer = (item, sends) => (item.payload.seq === 1 ? retry(`ERP answered 503 (send ${sends})`) : delivered);
      const failing = await outbox.enqueue(report('MO-9', 1));
      await outbox.enqueue(report('MO-9', 2));
      const dead = outboxEvents(outbox, 'dead-lettered', 1);
      const next = outboxEvents(outbox, 'delivered', 1);
      outbox.start(erp.deliver);
      const [[, reason]] = await dead;
      await next;
      assert.equal(reason, 'gave up after 3 attempt(s); last error: ERP answered 503 (send 3)');
      const letters = await outbox.deadLetters();
      assert.equal(letters.length, 1);
      assert.deepEqual(
        { id: letters[0].id, key: letters[0].idempotencyKey, attempts: letters[0].attempts, lastError: letters[0].lastError, reason: letters[0].reason, payload: letters[0].payload },
        { id: failing.id, key: failing.idempotencyKey, attempts: 3, lastError: 'ERP answered 503 (send 3)', reason, payload: { orderNo: 'MO-9', seq: 1 } },
      );
      assert.deepEqual(erp.applied.get('MO-9'), [2]);
      const stats = await outbox.stats();
      assert.deepEqual([stats.retries, stats.deadLettered, stats.deadLetters, stats.depth], [2, 1, 1, 0]);
    });

    it('an item the ERP refuses (4xx) becomes a dead letter at once, with the reason', async (t) => {
      const s = await setup(t, factory);
      if (!s) return;
      const outbox = s.outbox(s.fixture.open());
      const erp = new FakeErp();
      erp.answer = (item) => (item.payload.seq === 1 ? { outcome: 'reject', reason: 'ERP answered 400: material 100-2001 is unknown' } : delivered);
      const refused = await outbox.enqueue(report('MO-3', 1));
      await outbox.enqueue(report('MO-3', 2));
      const dead = outboxEvents(outbox, 'dead-lettered', 1);
      const next = outboxEvents(outbox, 'delivered', 1);
      outbox.start(erp.deliver);
      await Promise.all([dead, next]);
      const [letter] = await outbox.deadLetters();
      assert.deepEqual([letter.id, letter.attempts, letter.reason], [refused.id, 1, 'ERP answered 400: material 100-2001 is unknown']);
      assert.equal(erp.sends.get(refused.idempotencyKey), 1);
      assert.deepEqual(erp.applied.get('MO-3'), [2]);
      assert.equal((await outbox.stats()).retries, 0);
    });

    it('dead letters are listed in order and replayed in their original order with the same keys', async (t) => {
      const s = await setup(t, factory);
      if (!s) return;
      const outbox = s.outbox(s.fixture.open());
      const erp = new FakeErp();
      let refusing = true;
      erp.answer = (item) => (refusing && item.partition === 'MO-7' ? { outcome: 'reject', reason: 'ERP answered 422: operation 0020 is closed' } : delivered);
      const refused = await Promise.all(seqs(1, 3).map((seq) => outbox.enqueue(report('MO-7', seq))));
      await outbox.enqueue(report('MO-8', 1));
      const dead = outboxEvents(outbox, 'dead-lettered', 3);
      const other = outboxEvents(outbox, 'delivered', 1);
      outbox.start(erp.deliver);
      await Promise.all([dead, other]);

      const letters = await outbox.deadLetters({ partition: 'MO-7' });
      assert.deepEqual(
        letters.map((l) => l.idempotencyKey),
        refused.map((i) => i.idempotencyKey),
      );
      assert.equal((await outbox.deadLetters({ limit: 2 })).length, 2);
      assert.deepEqual(await outbox.deadLetters({ partition: 'MO-8' }), []);

      refusing = false;
      const replayedDelivered = outboxEvents(outbox, 'delivered', 3);
      const replayed = await outbox.replay(letters.map((l) => l.id));
      assert.deepEqual(
        replayed.map((i) => [i.idempotencyKey, i.attempts]),
        refused.map((i) => [i.idempotencyKey, 0]),
      );
      await replayedDelivered;
      assert.deepEqual(erp.applied.get('MO-7'), [1, 2, 3]);
      const resent = erp.batches
        .flat()
        .filter((i) => i.partition === 'MO-7')
        .slice(3);
      assert.deepEqual(
        resent.map((i) => [i.idempotencyKey, i.attempts]),
        refused.map((i) => [i.idempotencyKey, 0]),
      );
      assert.deepEqual(await outbox.deadLetters(), []);
      const stats = await outbox.stats();
      assert.deepEqual([stats.deadLetters, stats.deadLettered, stats.delivered], [0, 3, 4]);
    });

    it('every item has its own idempotency key, the same on every attempt', async (t) => {
      const s = await setup(t, factory);
      if (!s) return;
      const outbox = s.outbox(s.fixture.open(), { maxAttempts: 5 });
      const erp = new FakeErp();
      erp.answer = (_item, sends) => (sends <= 2 ? retry('ERP answered 503') : delivered);
      await Promise.all(seqs(0, 9).map((seq) => outbox.enqueue({ ...report('MO-4', seq), ...(seq === 5 ? { idempotencyKey: 'MO-4/0020/report-5' } : {}) })));
      outbox.start(erp.deliver);
      await erp.appliedCount(10);
      const keys = seqs(0, 9).map((seq) => [...erp.keysOf.get(`MO-4#${seq}`)!]);
      assert.ok(
        keys.every((k) => k.length === 1),
        'one key per item over all attempts',
      );
      assert.equal(new Set(keys.flat()).size, 10, 'no two items share a key');
      assert.deepEqual(keys[5], ['MO-4/0020/report-5']);
      assert.ok(keys.every(([k]) => erp.sends.get(k) === 3));
    });

    it('an idempotency key the outbox still holds is not queued a second time', async (t) => {
      const s = await setup(t, factory);
      if (!s) return;
      const outbox = s.outbox(s.fixture.open());
      const first = await outbox.enqueue({ ...report('MO-5', 1), idempotencyKey: 'MO-5/report-1' });
      const again = await outbox.enqueue({ ...report('MO-5', 1), idempotencyKey: 'MO-5/report-1' });
      assert.equal(again.id, first.id);
      assert.equal((await outbox.stats()).depth, 1);
    });

    it('concurrent enqueues are written in a few appends (group commit)', async (t) => {
      const s = await setup(t, factory);
      if (!s) return;
      const outbox = s.outbox(s.fixture.open(), { groupCommitSize: 200 });
      const appends: number[] = [];
      outbox.on('appended', (count) => appends.push(count));
      const items = await Promise.all(seqs(1, 500).map((seq) => outbox.enqueue(report(`MO-${seq % 7}`, seq))));
      assert.deepEqual(appends, [200, 200, 100]);
      assert.equal(new Set(items.map((i) => i.id)).size, 500);
      assert.equal((await outbox.stats()).depth, 500);
    });

    it('statistics count the depth, the oldest item, deliveries, retries and dead letters', async (t) => {
      const s = await setup(t, factory);
      if (!s) return;
      const outbox = s.outbox(s.fixture.open());
      const first = await outbox.enqueue(report('MO-1', 1));
      await Promise.all([outbox.enqueue(report('MO-1', 2)), outbox.enqueue(report('MO-1', 3)), outbox.enqueue(report('MO-2', 1)), outbox.enqueue(report('MO-2', 2))]);
      assert.deepEqual(await outbox.stats(), { outbox: ERP, depth: 5, oldestEnqueuedAt: first.enqueuedAt, delivered: 0, retries: 0, deadLettered: 0, deadLetters: 0 });
      assert.ok((await outbox.store.outboxes()).includes(ERP));
      const erp = new FakeErp();
      erp.answer = (item, sends) =>
        item.partition === 'MO-1' && item.payload.seq === 1 && sends === 1 ? retry('ERP answered 503') : item.partition === 'MO-2' && item.payload.seq === 1 ? { outcome: 'reject', reason: 'ERP answered 404: no such order' } : delivered;
      const settled = Promise.all([outboxEvents(outbox, 'delivered', 4), outboxEvents(outbox, 'dead-lettered', 1)]);
      outbox.start(erp.deliver);
      await settled;
      assert.deepEqual(await outbox.stats(), { outbox: ERP, depth: 0, delivered: 4, retries: 1, deadLettered: 1, deadLetters: 1 });
    });

    it('items a worker had taken when it died are delivered by the next worker, in order', async (t) => {
      const s = await setup(t, factory);
      if (!s) return;
      const dying = s.fixture.open();
      const producer = s.outbox(dying);
      await Promise.all([...seqs(1, 3).map((seq) => producer.enqueue(report('MO-1', seq))), ...seqs(1, 2).map((seq) => producer.enqueue(report('MO-2', seq)))]);
      assert.equal((await dying.take(ERP, { ...everything, now: Date.now() })).items.length, 5);
      await s.fixture.crash(dying);
      const erp = new FakeErp();
      s.outbox(s.fixture.open()).start(erp.deliver);
      await erp.appliedCount(5);
      assert.deepEqual(erp.applied.get('MO-1'), [1, 2, 3]);
      assert.deepEqual(erp.applied.get('MO-2'), [1, 2]);
    });
  });
}
