// How the progress of each order is kept in a real bridge store (a SQLite file): its state under one key and
// its event ids in chunks beside it, written a chunk per save and whole again every so often, and its plan under
// a key of its own, written when it changes; what an older bridge saved (all ids inline) is read and then
// written the new way; a save that failed is followed by a whole one; a chunk gone missing is refused with a
// sentence naming the order.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { ProgressBook } from '../../nodes/lib/progress/book';
import { SavedOrders } from '../../nodes/lib/progress/saved-orders';
import { SqliteStore } from '../../nodes/lib/stores/sqlite-store';
import { tempDir } from '../support/temp';
import { at, report, workOrder } from '../unit/progress-fixture';

const NS = 'progress/push-1';
const ORDER = 'MO-2026-0101';
const NOW = at('2026-11-25T14:00');
const isChunk = ([key]: [string, unknown]) => key.includes('event-ids');
const isPlan = ([key]: [string, unknown]) => key.endsWith('plan');

function store(t: TestContext): SqliteStore {
  const dir = tempDir('erp-mes-saved-orders-');
  const kv = new SqliteStore(join(dir.path, 'bridge.sqlite'));
  t.after(async () => {
    await kv.close();
    dir.remove();
  });
  return kv;
}

function plannedBook(): ProgressBook {
  const book = new ProgressBook();
  book.plan(workOrder(), at('2026-11-25T07:00'));
  return book;
}

/** Counts `n` more reports of operation 0010, EV-<from>… */
function count(book: ProgressBook, from: number, n: number): void {
  for (let i = from; i < from + n; i++) book.report(report(`EV-${String(i).padStart(4, '0')}`, '0010', 1, 0, 'running', '2026-11-25T10:00'), NOW);
}

async function save(kv: SqliteStore, saved: SavedOrders, book: ProgressBook): Promise<void> {
  const prepared = saved.prepare(book, [ORDER]);
  await kv.putMany(NS, prepared.entries);
  prepared.settle(true);
}

async function reload(kv: SqliteStore): Promise<ProgressBook> {
  const book = new ProgressBook();
  for (const state of await new SavedOrders(kv, NS).load()) book.restoreOrder(state);
  return book;
}

describe('saved progress of an order', () => {
  it('comes back whole after a hundred saves, each writing only the ids counted since the one before, with at most 32 id chunks in the store', async (t) => {
    const kv = store(t);
    const book = plannedBook();
    const saved = new SavedOrders(kv, NS);
    for (let n = 0; n < 100; n++) {
      count(book, n * 3, 3);
      const prepared = saved.prepare(book, [ORDER]);
      const ids = prepared.entries.filter(isChunk).map(([, value]) => (value as string[]).length);
      assert.deepEqual(ids, [n === 0 || n % 32 === 0 ? (n + 1) * 3 : 3], `save ${n + 1} writes its 3 new ids, or all of them every 32nd save`);
      assert.equal(prepared.entries.filter(isPlan).length, n === 0 ? 1 : 0, `save ${n + 1} writes the plan only the first time`);
      await kv.putMany(NS, prepared.entries);
      prepared.settle(true);
    }
    assert.deepEqual((await reload(kv)).orderState(ORDER), book.orderState(ORDER));
    assert.ok((await kv.keys(NS)).length <= 34, 'the state, the plan and at most 32 chunks');
    // A new revision of the plan is written with the next save.
    book.plan({ ...workOrder(), source: { ...workOrder().source, revision: 2 } }, NOW);
    assert.equal(saved.prepare(book, [ORDER]).entries.filter(isPlan).length, 1);
  });

  it("stores at most twice the book's event-id window of an order however many reports it counts, and still knows a recent repeat after a reload", async (t) => {
    const kv = store(t);
    const book = new ProgressBook({ eventIdWindow: 40 });
    book.plan(workOrder(), at('2026-11-25T07:00'));
    const saved = new SavedOrders(kv, NS);
    for (let n = 0; n < 200; n++) {
      count(book, n * 7, 7);
      await save(kv, saved, book);
      const state = (await kv.get(NS, ORDER)) as { eventIdChunks: number };
      const chunks = await kv.getMany<string[]>(
        NS,
        Array.from({ length: state.eventIdChunks }, (_, i) => `${ORDER}\u001fevent-ids\u001f${i}`),
      );
      const stored = [...chunks.values()].reduce((sum, ids) => sum + ids.length, 0);
      assert.ok(stored <= 2 * 40, `save ${n + 1}: ${stored} ids stored`);
    }
    const reloaded = new ProgressBook({ eventIdWindow: 40 });
    for (const state of await new SavedOrders(kv, NS).load()) reloaded.restoreOrder(state);
    assert.equal(reloaded.orderState(ORDER)?.eventIds.length, 40);
    assert.equal(reloaded.report(report('EV-1399', '0010', 1, 0, 'running', '2026-11-25T10:00'), NOW).duplicate, true);
    assert.equal(reloaded.orderState(ORDER)?.operations['0010'].goodQty, 1400);
  });

  it('reads an order an older bridge saved with its ids inline, and writes it as chunks on its next save', async (t) => {
    const kv = store(t);
    const old = plannedBook();
    count(old, 0, 5);
    await kv.put(NS, ORDER, old.orderState(ORDER));
    const saved = new SavedOrders(kv, NS);
    const book = new ProgressBook();
    for (const state of await saved.load()) book.restoreOrder(state);
    assert.deepEqual(book.orderState(ORDER), old.orderState(ORDER));
    count(book, 5, 1);
    await save(kv, saved, book);
    assert.equal(((await kv.get(NS, ORDER)) as { version: number }).version, 3);
    assert.deepEqual((await reload(kv)).orderState(ORDER)?.eventIds.length, 6);
  });

  it('writes all ids of an order again after a save that failed, so nothing the failed one carried is missing', async (t) => {
    const kv = store(t);
    const book = plannedBook();
    const saved = new SavedOrders(kv, NS);
    count(book, 0, 4);
    await save(kv, saved, book);
    count(book, 4, 2);
    saved.prepare(book, [ORDER]).settle(false);
    count(book, 6, 1);
    const next = saved.prepare(book, [ORDER]);
    assert.deepEqual(
      next.entries.filter(isChunk).map(([, ids]) => (ids as string[]).length),
      [7],
    );
    assert.equal(next.entries.filter(isPlan).length, 1, 'the plan written again too');
    await kv.putMany(NS, next.entries);
    next.settle(true);
    assert.deepEqual((await reload(kv)).orderState(ORDER), book.orderState(ORDER));
  });

  it('refuses saved progress whose id chunk is missing, naming the order', async (t) => {
    const kv = store(t);
    const book = plannedBook();
    const saved = new SavedOrders(kv, NS);
    count(book, 0, 2);
    await save(kv, saved, book);
    count(book, 2, 2);
    await save(kv, saved, book);
    const chunk = (await kv.keys(NS)).find((key) => key.includes('event-ids') && key.endsWith('1'))!;
    await kv.delete(NS, chunk);
    await assert.rejects(reload(kv), /The saved progress of order MO-2026-0101 lacks event id chunk 2 of 2/);
  });
});
