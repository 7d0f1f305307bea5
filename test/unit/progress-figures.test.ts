// Hand-worked figures of the progress book: colour at the thresholds, lag against the planned window,
// observed cycle time and predicted delay. The order and its plan are in progress-fixture.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { colourFor, DEFAULT_PROGRESS_SETTINGS, ProgressBook, type ProgressReport, type ProgressSettings } from '../../nodes/lib/progress';
import { at, report, workOrder } from './progress-fixture';

function bookWith(reports: ProgressReport[], settings: Partial<ProgressSettings> = {}): ProgressBook {
  const book = new ProgressBook(settings);
  book.plan(workOrder(), at('2026-11-25T07:00'));
  for (const r of reports) book.report(r, at('2026-11-25T07:00'));
  return book;
}

const operation = (book: ProgressBook, opNo: string, now: number) => book.snapshot('MO-2026-0101', now).operations.find((op) => op.opNo === opNo)!;

describe('progress colours', () => {
  for (const [goodQty, pct, colour] of [
    [899, 89.9, 'yellow'],
    [900, 90, 'green'],
    [500, 50, 'yellow'],
    [499, 49.9, 'red'],
  ] as const) {
    it(`an order with ${goodQty} of 1000 done at its last operation is ${pct} % and ${colour}`, () => {
      const update = bookWith([report('EV-1', '0020', goodQty, 0, 'running', '2026-11-25T13:00')]).snapshot('MO-2026-0101', at('2026-11-25T13:00'));
      assert.equal(update.completedQty, goodQty);
      assert.equal(update.completionPct, pct);
      assert.equal(update.colour, colour);
    });
  }

  it('follows thresholds the plant configured', () => {
    const update = bookWith([report('EV-1', '0020', 900, 0, 'running', '2026-11-25T13:00')], { greenPct: 95, yellowPct: 60 }).snapshot('MO-2026-0101', at('2026-11-25T13:00'));
    assert.equal(update.colour, 'yellow');
    assert.equal(colourFor(59.99, { ...DEFAULT_PROGRESS_SETTINGS, greenPct: 95, yellowPct: 60 }), 'red');
  });

  it('refuses thresholds that cannot make sense, naming the setting', () => {
    assert.throws(() => new ProgressBook({ yellowPct: 95 }), /yellowPct \(95\) must not be above greenPct \(90\)/);
    assert.throws(() => new ProgressBook({ lagThresholdPct: -1 }), /lagThresholdPct must be a number from 0 to 100, not -1/);
  });
});

describe('lagging against the planned window', () => {
  // 0010 is planned 08:00–16:00, so at 12:00 the plan expects it 50 % done.
  it('an operation exactly the threshold (10 points) behind is not lagging', () => {
    const op = operation(bookWith([report('EV-1', '0010', 400, 0, 'running', '2026-11-25T11:00')]), '0010', at('2026-11-25T12:00'));
    assert.equal(op.completionPct, 40);
    assert.equal(op.lagging, false);
  });

  it('an operation more than the threshold behind lags, and the order says which and how far', () => {
    const update = bookWith([report('EV-1', '0010', 399, 0, 'running', '2026-11-25T11:00')]).snapshot('MO-2026-0101', at('2026-11-25T12:00'));
    assert.deepEqual(
      update.operations.map((op) => [op.opNo, op.lagging]),
      [
        ['0010', true],
        ['0020', false],
      ],
      '0020 starts at 12:00: the plan expects 0 % of it yet',
    );
    assert.equal(update.lagging, true);
    assert.equal(update.lagReason, 'Operation 0010 is 10.1 points behind plan: 39.9 % done, 50 % expected by now.');
  });

  it('an operation that should not have started yet never lags', () => {
    assert.equal(bookWith([]).snapshot('MO-2026-0101', at('2026-11-25T07:59')).lagging, false);
  });

  it('past its planned end an operation is expected complete; the next one is expected along its own window', () => {
    // 18:00: 0010 expected 100 %, 0020 (25th 12:00 → 26th 12:00) expected 6/24 = 25 %.
    const update = bookWith([report('EV-1', '0010', 950, 0, 'running', '2026-11-25T15:00')]).snapshot('MO-2026-0101', at('2026-11-25T18:00'));
    assert.deepEqual(
      update.operations.map((op) => [op.opNo, op.lagging]),
      [
        ['0010', false],
        ['0020', true],
      ],
    );
    assert.equal(update.lagReason, 'Operation 0020 is 25 points behind plan: 0 % done, 25 % expected by now.');
  });

  it('a completed operation does not lag whatever its quantity', () => {
    const op = operation(bookWith([report('EV-1', '0010', 399, 0, 'completed', '2026-11-25T11:00')]), '0010', at('2026-11-25T12:00'));
    assert.equal(op.lagging, false);
  });

  it('a stricter threshold makes 10 points behind lagging', () => {
    const op = operation(bookWith([report('EV-1', '0010', 400, 0, 'running', '2026-11-25T11:00')], { lagThresholdPct: 5 }), '0010', at('2026-11-25T12:00'));
    assert.equal(op.lagging, true);
  });

  it('an open exception of the order becomes the lag reason', () => {
    const book = bookWith([report('EV-1', '0010', 300, 0, 'paused', '2026-11-25T11:00')]);
    book.setException('MO-2026-0101', { id: 'EX-7', type: 'equipment-fault', severity: 'urgent', description: 'Extruder EQ-EXTR-01 heater zone 3 failed', at: '2026-11-25T11:05:00+08:00' });
    assert.equal(book.snapshot('MO-2026-0101', at('2026-11-25T12:00')).lagReason, 'equipment-fault, urgent: Extruder EQ-EXTR-01 heater zone 3 failed');
    book.setException('MO-2026-0101', undefined);
    assert.match(book.snapshot('MO-2026-0101', at('2026-11-25T12:00')).lagReason ?? '', /^Operation 0010 is 20 points behind plan/);
  });
});

describe('observed cycle time', () => {
  it('is the time between the first and latest report over the units made after the first', () => {
    // 08:30 +100 (made from an unknown start), 09:30 +190 good +10 scrap: 3600 s / 200 units.
    const book = bookWith([report('EV-1', '0010', 100, 0, 'running', '2026-11-25T08:30'), report('EV-2', '0010', 190, 10, 'running', '2026-11-25T09:30')]);
    assert.equal(operation(book, '0010', at('2026-11-25T10:00')).observedCycleSec, 18);
  });

  it('moves its start back when an earlier report arrives late', () => {
    // + 07:30 +50: 7200 s over the 300 units made after it (the 08:30 report's now count too).
    const book = bookWith([report('EV-1', '0010', 100, 0, 'running', '2026-11-25T08:30'), report('EV-2', '0010', 190, 10, 'running', '2026-11-25T09:30'), report('EV-0', '0010', 50, 0, 'started', '2026-11-25T07:30')]);
    assert.equal(operation(book, '0010', at('2026-11-25T10:00')).observedCycleSec, 24);
  });

  it('is absent after one report, or while all reports share one time', () => {
    assert.equal(operation(bookWith([report('EV-1', '0010', 100, 0, 'running', '2026-11-25T08:30')]), '0010', at('2026-11-25T10:00')).observedCycleSec, undefined);
    const sameTime = bookWith([report('EV-1', '0010', 100, 0, 'running', '2026-11-25T08:30'), report('EV-2', '0010', 100, 0, 'running', '2026-11-25T08:30')]);
    assert.equal(operation(sameTime, '0010', at('2026-11-25T10:00')).observedCycleSec, undefined);
  });
});

describe('predicted delay', () => {
  // Due 26th 17:00. 0010 is done; 0020 made 100 by 08:00 and 120 more by 10:00: 7200 s / 120 = 60 s per unit.
  const done0010 = report('EV-1', '0010', 1000, 0, 'completed', '2026-11-25T15:00');

  it('is the remaining quantity at the observed cycle minus the time left to the due date', () => {
    const book = bookWith([done0010, report('EV-2', '0020', 100, 0, 'running', '2026-11-26T08:00'), report('EV-3', '0020', 120, 0, 'running', '2026-11-26T10:00')]);
    // At 12:00: 780 left × 60 s = 46 800 s, 18 000 s to the due date → 28 800 s = 480 min late.
    assert.equal(book.snapshot('MO-2026-0101', at('2026-11-26T12:00')).predictedDelayMinutes, 480);
  });

  it("falls back to the plan's standard time while no unfinished operation has an observed cycle", () => {
    const book = bookWith([done0010, report('EV-2', '0020', 220, 0, 'running', '2026-11-26T08:00')]);
    // 780 × 30 s = 23 400 s; at 12:00 18 000 s are left → 90 min; at 10:30 23 400 s are left → on time.
    assert.equal(book.snapshot('MO-2026-0101', at('2026-11-26T12:00')).predictedDelayMinutes, 90);
    assert.equal(book.snapshot('MO-2026-0101', at('2026-11-26T10:30')).predictedDelayMinutes, 0);
  });

  it('takes the slowest observed cycle among the unfinished operations (the bottleneck)', () => {
    // 0010 runs at 18 s per unit, 0020 at 60 s (13:00 +50, 14:00 +60): 890 left × 60 s − 18 000 s = 590 min.
    const book = bookWith([
      report('EV-1', '0010', 100, 0, 'running', '2026-11-25T08:30'),
      report('EV-2', '0010', 190, 10, 'running', '2026-11-25T09:30'),
      report('EV-3', '0020', 50, 0, 'running', '2026-11-25T13:00'),
      report('EV-4', '0020', 60, 0, 'running', '2026-11-25T14:00'),
    ]);
    assert.equal(book.snapshot('MO-2026-0101', at('2026-11-26T12:00')).predictedDelayMinutes, 590);
  });

  it('is 0 once the order is completed', () => {
    const book = bookWith([done0010, report('EV-2', '0020', 990, 10, 'completed', '2026-11-27T10:00')]);
    const update = book.snapshot('MO-2026-0101', at('2026-11-27T12:00'));
    assert.equal(update.status, 'completed');
    assert.equal(update.predictedDelayMinutes, 0);
  });
});
