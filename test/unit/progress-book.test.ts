// The progress book's bookkeeping: reports counted once and in any order, reports before their plan,
// the changes it reports for immediate pushes, malformed input, the update it gives the ERP, its state.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { immediateUpdateReason, ProgressBook, type ProgressReport } from '../../nodes/lib/progress';
import { validate } from '../../nodes/lib/validation';
import { at, report, workOrder } from './progress-fixture';

const NOW = at('2026-11-25T14:00');

/** Reports of both operations: one late (EV-01 at 08:00 arrives last in the listed order), two sharing 13:30. */
const reports: ProgressReport[] = [
  report('EV-02', '0010', 150, 3, 'running', '2026-11-25T09:00'),
  report('EV-03', '0010', 200.5, 1.25, 'running', '2026-11-25T10:00'),
  report('EV-05', '0020', 0, 0, 'started', '2026-11-25T12:10'),
  report('EV-04', '0010', 249.5, 0.75, 'running', '2026-11-25T11:00'),
  report('EV-06', '0020', 120.1, 0.2, 'running', '2026-11-25T13:00'),
  report('EV-08', '0010', 0, 0, 'paused', '2026-11-25T13:30'),
  report('EV-07', '0010', 100.2, 0, 'running', '2026-11-25T13:30'),
  report('EV-01', '0010', 100, 0, 'started', '2026-11-25T08:00'),
];

/** A fixed permutation, so the test reads the same on every run. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Planned at 07:00, before either operation should have started. */
function plannedBook(): ProgressBook {
  const book = new ProgressBook();
  book.plan(workOrder(), at('2026-11-25T07:00'));
  return book;
}

describe('ProgressBook: counting reports', () => {
  it('gives the same aggregate and the same state whatever order the reports arrive in', () => {
    const orders = [reports, [...reports].reverse(), shuffled(reports, 7)];
    assert.notDeepEqual(orders[2], reports);
    const books = orders.map((list) => {
      const book = plannedBook();
      for (const r of list) book.report(r, NOW);
      return book;
    });
    const [first, ...others] = books.map((book) => book.snapshot('MO-2026-0101', NOW));
    for (const other of others) assert.deepEqual(other, first);
    for (const book of books.slice(1)) assert.equal(JSON.stringify(book.toJSON()), JSON.stringify(books[0].toJSON()));
    const op10 = first.operations[0];
    assert.equal(op10.goodQty, 800.2, '150 + 200.5 + 249.5 + 100.2 + 100, exactly');
    assert.equal(op10.scrapQty, 5);
    assert.equal(op10.status, 'paused', 'EV-08 and EV-07 share 13:30: the larger event id is the latest');
    assert.equal(op10.lastReportAt, '2026-11-25T13:30:00+08:00');
    assert.equal(first.operations[1].goodQty, 120.1);
    assert.equal(first.completedQty, 120.1, 'what the last operation made is what is finished');
    assert.equal(first.scrapQty, 5.2);
  });

  it('counts a report seen again once and says it was a duplicate', () => {
    const book = plannedBook();
    assert.equal(book.report(reports[0], NOW).duplicate, false);
    const before = book.toJSON();
    const again = book.report({ ...reports[0], goodQty: 999 }, NOW);
    assert.deepEqual(again, { duplicate: true, planned: true, changes: [] });
    assert.deepEqual(book.toJSON(), before);
  });

  it('refuses a malformed report with the field named and leaves the aggregate untouched', () => {
    const book = plannedBook();
    book.report(reports[0], NOW);
    const before = book.toJSON();
    assert.throws(() => book.report({ ...reports[1], goodQty: -5 }, NOW), /progress report was refused: payload\.goodQty must be >= 0/);
    assert.throws(() => book.report({ ...reports[1], timestamp: '2026-11-25 10:00' }, NOW), /payload\.timestamp must be a valid date-time/);
    assert.deepEqual(book.toJSON(), before);
    const { status: _status, ...withoutStatus } = reports[1];
    const result = validate('progress-report', withoutStatus);
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.message.includes('payload.status is required'), !result.ok ? result.message : '');
  });
});

describe('ProgressBook: reports before the plan', () => {
  it('keeps them, lists the order as unplanned, and counts them once the plan arrives', () => {
    const book = new ProgressBook();
    const outcome = book.report(reports[0], NOW);
    assert.deepEqual(outcome, { duplicate: false, planned: false, changes: [] });
    book.report(reports[1], NOW);
    const board = book.board(NOW);
    assert.deepEqual(board.rows, []);
    assert.deepEqual(board.unplanned, [{ orderNo: 'MO-2026-0101', reports: 2, goodQty: 350.5, lastReportAt: '2026-11-25T10:00:00+08:00' }]);
    assert.throws(() => book.snapshot('MO-2026-0101', NOW), /Order MO-2026-0101 has reports but no plan yet/);

    const planned = book.plan(workOrder(), NOW);
    assert.equal(planned.applied, true);
    assert.deepEqual(
      planned.changes.filter((c) => c.kind !== 'lagging'),
      [
        { kind: 'operation-status', orderNo: 'MO-2026-0101', opNo: '0010', from: 'waiting', to: 'running' },
        { kind: 'order-status', orderNo: 'MO-2026-0101', from: 'waiting', to: 'running' },
      ],
    );
    assert.equal(book.snapshot('MO-2026-0101', NOW).operations[0].goodQty, 350.5);
    assert.deepEqual(book.board(NOW).unplanned, []);
  });

  it('ignores a work order older than the plan it holds', () => {
    const book = new ProgressBook();
    book.plan(workOrder({ source: { system: 'erp', orderNo: 'MO-2026-0101', revision: 3, updatedAt: '2026-11-21T08:00:00+08:00' }, plannedQty: 1200 }), NOW);
    assert.equal(book.plan(workOrder(), NOW).applied, false);
    assert.equal(book.snapshot('MO-2026-0101', NOW).plannedQty, 1200);
  });
});

describe('ProgressBook: changes that call for an immediate push', () => {
  it('reports operation and order status changes, and not a late report that is older than the latest', () => {
    const book = plannedBook();
    const started = book.report(report('E1', '0010', 0, 0, 'started', '2026-11-25T08:00'), at('2026-11-25T08:00'));
    assert.deepEqual(started.changes, [
      { kind: 'operation-status', orderNo: 'MO-2026-0101', opNo: '0010', from: 'waiting', to: 'started' },
      { kind: 'order-status', orderNo: 'MO-2026-0101', from: 'waiting', to: 'running' },
    ]);
    assert.equal(immediateUpdateReason(started.changes), 'status-change');
    const running = book.report(report('E2', '0010', 100, 0, 'running', '2026-11-25T09:00'), at('2026-11-25T09:00'));
    assert.deepEqual(running.changes, [{ kind: 'operation-status', orderNo: 'MO-2026-0101', opNo: '0010', from: 'started', to: 'running' }]);
    const late = book.report(report('E0', '0010', 10, 0, 'paused', '2026-11-25T08:30'), at('2026-11-25T09:00'));
    assert.deepEqual(late.changes, [], 'the 08:30 pause is older than the 09:00 report');
    assert.equal(immediateUpdateReason(late.changes), undefined);

    book.report(report('E3', '0010', 890, 0, 'completed', '2026-11-25T15:00'), at('2026-11-25T15:00'));
    const done = book.report(report('E4', '0020', 1000, 0, 'completed', '2026-11-26T10:00'), at('2026-11-26T10:00'));
    assert.deepEqual(
      done.changes.filter((c) => c.kind !== 'lagging'),
      [
        { kind: 'operation-status', orderNo: 'MO-2026-0101', opNo: '0020', from: 'waiting', to: 'completed' },
        { kind: 'order-status', orderNo: 'MO-2026-0101', from: 'running', to: 'completed' },
      ],
    );
  });

  it('reports an order turning lagging once, as time passes and when it catches up', () => {
    const book = plannedBook();
    book.report(report('E1', '0010', 400, 0, 'running', '2026-11-25T11:00'), at('2026-11-25T11:00'));
    assert.deepEqual(book.review(at('2026-11-25T12:00')), [], '10 points behind is within the threshold');
    const turned = book.review(at('2026-11-25T12:30'));
    assert.deepEqual(turned, [
      { kind: 'lagging', orderNo: 'MO-2026-0101', opNo: '0010', lagging: true, reason: 'Operation 0010 is 16.3 points behind plan: 40 % done, 56.3 % expected by now.' },
      { kind: 'lagging', orderNo: 'MO-2026-0101', lagging: true, reason: 'Operation 0010 is 16.3 points behind plan: 40 % done, 56.3 % expected by now.' },
    ]);
    assert.equal(immediateUpdateReason(turned), 'lagging');
    assert.deepEqual(book.review(at('2026-11-25T12:35')), [], 'still lagging: nothing new to push');
    const caughtUp = book.report(report('E2', '0010', 200, 0, 'running', '2026-11-25T12:40'), at('2026-11-25T12:40'));
    assert.deepEqual(
      caughtUp.changes.map((c) => c.kind === 'lagging' && [c.opNo, c.lagging]),
      [
        ['0010', false],
        [undefined, false],
      ],
    );
    assert.equal(immediateUpdateReason(caughtUp.changes), undefined, 'no longer lagging waits for the next snapshot');
  });
});

describe('ProgressBook: what it gives out', () => {
  it('gives snapshots that pass the progress-update schema: nothing reported at 14:00 (lagging), lagging with an exception, completed', () => {
    const book = plannedBook();
    const updates = [book.snapshot('MO-2026-0101', NOW)];
    for (const r of reports) book.report(r, NOW);
    book.setException('MO-2026-0101', { id: 'EX-1', type: 'material-shortage', severity: 'severe', description: 'PVC compound M-PVC-MED short by 40 kg', at: '2026-11-25T13:00:00+08:00' });
    updates.push(book.snapshot('MO-2026-0101', at('2026-11-25T18:00'), 'lagging'));
    book.report(report('E-END', '0020', 900, 0, 'completed', '2026-11-26T11:00'), NOW);
    updates.push(book.snapshot('MO-2026-0101', at('2026-11-26T12:00'), 'status-change'));
    assert.deepEqual(
      updates.map((u) => [u.status, u.lagging, u.reason]),
      [
        ['waiting', true, 'snapshot'],
        ['running', true, 'lagging'],
        ['completed', false, 'status-change'],
      ],
    );
    assert.deepEqual(
      updates[2].operations.map((op) => [op.status, op.lagging]),
      [
        ['paused', false],
        ['completed', false],
      ],
      'a finished order has nothing behind',
    );
    for (const update of updates) assert.deepEqual(validate('progress-update', update), { ok: true });
    assert.equal(updates[1].asOf, '2026-11-25T10:00:00.000Z');
  });

  it('round-trips its state through JSON, whole or one order at a time, and still knows the events it counted', () => {
    const book = plannedBook();
    for (const r of reports.slice(0, 5)) book.report(r, NOW);
    const restored = ProgressBook.fromJSON(JSON.parse(JSON.stringify(book.toJSON())));
    assert.deepEqual(restored.snapshot('MO-2026-0101', NOW), book.snapshot('MO-2026-0101', NOW));
    assert.equal(restored.report(reports[0], NOW).duplicate, true);

    const one = new ProgressBook();
    one.restoreOrder(JSON.parse(JSON.stringify(book.orderState('MO-2026-0101'))));
    assert.deepEqual(one.orderState('MO-2026-0101'), book.orderState('MO-2026-0101'));
    assert.throws(() => one.restoreOrder({ ...book.orderState('MO-2026-0101')!, version: 2 as 1 }), /has version 2; this bridge reads version 1/);
  });

  it('forgets an order and the event ids it remembered for it', () => {
    const book = plannedBook();
    book.report(reports[0], NOW);
    assert.equal(book.forget('MO-2026-0101'), true);
    assert.deepEqual(book.orderNos(), []);
    assert.equal(book.orderState('MO-2026-0101'), undefined);
  });
});
