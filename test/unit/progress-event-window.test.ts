// The progress book remembers only an order's latest event ids (settings.eventIdWindow): however many distinct
// reports an order gets, what it keeps of their ids stays the window's size, a repeat within the window is still a
// duplicate, and one from further back counts again (the documented bound).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProgressBook } from '../../nodes/lib/progress';
import { EventIds } from '../../nodes/lib/progress/state';
import { at, report, workOrder } from './progress-fixture';

const NOW = at('2026-11-25T14:00');
const ORDER = 'MO-2026-0101';
const id = (n: number) => `EV-${String(n).padStart(6, '0')}`;

function bookWithWindow(window: number): ProgressBook {
  const book = new ProgressBook({ eventIdWindow: window });
  book.plan(workOrder(), at('2026-11-25T07:00'));
  return book;
}

function count(book: ProgressBook, from: number, n: number) {
  let last;
  for (let i = from; i < from + n; i++) last = book.report(report(id(i), '0010', 1, 0, 'running', '2026-11-25T10:00'), NOW);
  return last;
}

/** The arrays an EventIds holds (its set and its arrival list), by their sizes. */
function held(ids: EventIds): { set: number; arrival: number } {
  const inside = ids as unknown as { ids: Set<string>; arrival: string[] };
  return { set: inside.ids.size, arrival: inside.arrival.length };
}

describe('ProgressBook: the window of remembered event ids', () => {
  it('keeps no more ids than the window for an order however many distinct reports it counts', () => {
    const book = bookWithWindow(100);
    count(book, 0, 1000);
    assert.equal(book.orderState(ORDER)?.eventIds.length, 100);
    assert.equal(book.orderToSave(ORDER)?.eventIds.length, 100, 'a whole save writes the window, not every id ever counted');
    assert.equal(book.orderToSave(ORDER)?.eventIdCount, 1000, 'the count of ids runs on, so a save can ask for the new ones');
    assert.deepEqual(book.orderToSave(ORDER, 995)?.eventIds, [id(995), id(996), id(997), id(998), id(999)]);
    assert.equal(book.orderState(ORDER)?.operations['0010'].goodQty, 1000, 'every distinct report counted');
  });

  it('still recognises a repeat within the window, and counts one from further back again', () => {
    const book = bookWithWindow(100);
    count(book, 0, 1000);
    const recent = book.report(report(id(900), '0010', 1, 0, 'running', '2026-11-25T10:00'), NOW);
    assert.equal(recent.duplicate, true);
    assert.equal(book.orderState(ORDER)?.operations['0010'].goodQty, 1000);
    const old = book.report(report(id(0), '0010', 1, 0, 'running', '2026-11-25T10:00'), NOW);
    assert.equal(old.duplicate, false, 'beyond the window a repeat cannot be told from a new report');
    assert.equal(book.orderState(ORDER)?.operations['0010'].goodQty, 1001);
  });

  it('holds memory of the window size, not of the number of events, in EventIds itself', () => {
    const ids = new EventIds([], 1000);
    for (let i = 0; i < 10_000; i++) ids.add(id(i));
    const after10k = held(ids);
    for (let i = 10_000; i < 200_000; i++) ids.add(id(i));
    const after200k = held(ids);
    assert.equal(after200k.set, 1000);
    // The arrival list drops what left the window in steps, never holding more than about twice the window.
    assert.ok(after200k.arrival <= 2 * 1000 + 1024, `the arrival list holds ${after200k.arrival} ids`);
    assert.ok(after200k.arrival <= after10k.arrival + 1024, 'no growth from 10,000 to 200,000 events');
    assert.equal(ids.has(id(199_999)), true);
    assert.equal(ids.has(id(199_000)), true);
    assert.equal(ids.has(id(198_999)), false);
    assert.equal(ids.counted, 200_000);
  });

  it('takes back ids counted after a checkpoint, and those they had pushed out of the window come back', () => {
    const ids = new EventIds([], 10);
    for (let i = 0; i < 30; i++) ids.add(id(i));
    const mark = ids.counted;
    for (let i = 30; i < 35; i++) ids.add(id(i));
    assert.equal(ids.has(id(20)), false, 'pushed out by the five new ones');
    ids.truncate(mark);
    assert.equal(ids.counted, 30);
    assert.deepEqual(
      ids.since(0),
      Array.from({ length: 10 }, (_, i) => id(20 + i)),
    );
    assert.equal(ids.has(id(30)), false);
    ids.add(id(30));
    assert.equal(ids.has(id(30)), true);
    assert.equal(ids.size, 10);
  });

  it('keeps the window through its state: restored, the order remembers its latest ids and no more', () => {
    const book = bookWithWindow(50);
    count(book, 0, 500);
    const restored = new ProgressBook({ eventIdWindow: 50 });
    restored.restoreOrder(book.orderState(ORDER)!);
    assert.equal(restored.orderState(ORDER)?.eventIds.length, 50);
    assert.equal(restored.report(report(id(499), '0010', 1, 0, 'running', '2026-11-25T10:00'), NOW).duplicate, true);
    // A state saved with more ids than this book's window is cut to it.
    const narrower = new ProgressBook({ eventIdWindow: 10 });
    narrower.restoreOrder(book.orderState(ORDER)!);
    assert.equal(narrower.orderState(ORDER)?.eventIds.length, 10);
  });

  it('refuses a window that is not a whole number of at least 1, naming the setting', () => {
    assert.throws(() => new ProgressBook({ eventIdWindow: 0 }), /Progress setting eventIdWindow must be a whole number of at least 1, not 0/);
  });
});
