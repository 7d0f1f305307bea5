// The progress book cannot produce Infinity or NaN: reports are bounded by the schema (1e9 each), an operation's
// tally stops at 1e15 (a report that would pass it is refused and changes nothing), and ratios (completion % over
// a tiny plan, cycle time over a millionth of a unit) stop at the figure limit. A checkpoint puts orders back
// exactly as they were, event ids included.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProgressBook } from '../../nodes/lib/progress';
import { FIGURE_LIMIT } from '../../nodes/lib/progress/figures';
import { validate } from '../../nodes/lib/validation';
import { at, report, workOrder } from './progress-fixture';

const NOW = at('2026-11-25T14:00');

describe('ProgressBook: bounded figures', () => {
  it('refuses a report that would take an operation past 1e15 pieces, leaving the tally as it was', () => {
    const book = new ProgressBook();
    book.plan(workOrder(), NOW);
    // 1e6 reports of 1e9 reach the limit; stand-in: a tally restored at 1e15 − 1e9, then two more reports.
    book.countReport(report('EV-1', '0010', 1e9, 0, 'running', '2026-11-25T09:00'), NOW);
    const state = book.orderState('MO-2026-0101')!;
    state.operations['0010'].goodQty = 1e15 - 1e9;
    book.restoreOrder(state);
    book.countReport(report('EV-2', '0010', 1e9, 0, 'running', '2026-11-25T10:00'), NOW);
    assert.throws(() => book.countReport(report('EV-3', '0010', 1, 0, 'running', '2026-11-25T11:00'), NOW), /The progress report EV-3 was refused: operation 0010 of order MO-2026-0101 would count more than 1000000000000000 pieces/);
    const update = book.snapshot('MO-2026-0101', NOW);
    assert.equal(update.operations.find((o) => o.opNo === '0010')!.goodQty, 1e15);
    assert.equal(validate('progress-update', update).ok, true);
  });

  it('keeps completion % and the observed cycle finite and within the update schema for a tiny plan and a huge pace', () => {
    const book = new ProgressBook();
    book.plan(workOrder({ plannedQty: 1e-9 }), NOW);
    book.countReport(report('EV-1', '0010', 1e9, 0, 'started', '2026-11-25T08:00'), NOW);
    book.countReport(report('EV-2', '0010', 0.000001, 0, 'running', '2026-11-25T13:00'), NOW);
    const update = book.snapshot('MO-2026-0101', NOW);
    for (const figure of [update.completionPct, ...update.operations.flatMap((o) => [o.completionPct, o.observedCycleSec ?? 0])]) {
      assert.ok(Number.isFinite(figure) && figure <= FIGURE_LIMIT, `figure ${figure}`);
    }
    assert.equal(update.operations[0].completionPct, FIGURE_LIMIT);
    assert.equal(validate('progress-update', update).ok, true);
  });

  it('puts orders back exactly as they were at a checkpoint, and forgets orders made since', () => {
    const book = new ProgressBook();
    book.plan(workOrder(), NOW);
    book.countReport(report('EV-1', '0010', 10, 0, 'started', '2026-11-25T08:00'), NOW);
    const before = JSON.stringify(book.toJSON());
    const restore = book.checkpoint(['MO-2026-0101', 'MO-OTHER']);
    book.countReport(report('EV-2', '0010', 5, 0, 'running', '2026-11-25T09:00'), NOW);
    book.countReport(report('EV-9', '0010', 5, 0, 'running', '2026-11-25T09:00', 'MO-OTHER'), NOW);
    book.review(at('2026-11-26T20:00'));
    restore();
    assert.equal(JSON.stringify(book.toJSON()), before);
    assert.equal(book.countReport(report('EV-2', '0010', 5, 0, 'running', '2026-11-25T09:00'), NOW).duplicate, false, 'EV-2 counts again');
  });
});
