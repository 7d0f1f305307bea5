// The progress board (生产进度看板) model: one row per open order, lagging first then by due date, filtered
// by work centre, with the counts per colour and the orders still waiting for their plan.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProgressBook } from '../../nodes/lib/progress';
import { at, report, workOrder } from './progress-fixture';

const NOW = at('2026-11-25T12:00');

function singleOperationOrder(orderNo: string, equipmentCode: string, dueDate: string, status: 'released' | 'closed' = 'released') {
  return workOrder({
    workOrderNo: orderNo,
    source: { system: 'erp', orderNo, revision: 1, updatedAt: '2026-11-20T08:30:00+08:00' },
    status,
    materialCode: 'P-CATH-08',
    productName: undefined,
    plannedQty: 200,
    dueDate,
    operations: [{ sequence: '0010', operationCode: 'OP-MOULD', equipmentCode, plannedStart: '2026-11-25T08:00:00+08:00', plannedEnd: '2026-11-25T16:00:00+08:00', stdSecondsPerUnit: 12 }],
  });
}

/** At 12:00: 0101 lags (39.9 % of 0010 at half its window), 0102 is on plan at 50 %, 0104 is 95 % done, 0103 is closed. */
function plant(): ProgressBook {
  const book = new ProgressBook();
  const plannedAt = at('2026-11-25T07:00');
  book.plan(workOrder(), plannedAt);
  book.plan(singleOperationOrder('MO-2026-0102', 'EQ-MOLD-03', '2026-11-26T12:00:00+08:00'), plannedAt);
  book.plan(singleOperationOrder('MO-2026-0103', 'EQ-PACK-09', '2026-11-25T20:00:00+08:00', 'closed'), plannedAt);
  book.plan(singleOperationOrder('MO-2026-0104', 'EQ-ASSY-02', '2026-11-27T17:00:00+08:00'), plannedAt);
  book.report(report('EV-1', '0010', 399, 0, 'running', '2026-11-25T11:00'), NOW);
  book.report(report('EV-2', '0010', 100, 0, 'running', '2026-11-25T11:00', 'MO-2026-0102'), NOW);
  book.report(report('EV-3', '0010', 190, 0, 'running', '2026-11-25T11:00', 'MO-2026-0104'), NOW);
  book.report(report('EV-4', '0010', 50, 0, 'running', '2026-11-25T11:30', 'MO-2026-0199'), NOW);
  return book;
}

describe('progress board', () => {
  it('shows open orders lagging first, then by due date, with plan against actual and the current operation', () => {
    const board = plant().board(NOW);
    assert.deepEqual(
      board.rows.map((row) => [row.orderNo, row.colour, row.lagging]),
      [
        ['MO-2026-0101', 'red', true],
        ['MO-2026-0102', 'yellow', false],
        ['MO-2026-0104', 'green', false],
      ],
      'the closed order 0103 is not on the board',
    );
    assert.deepEqual(board.rows[0], {
      orderNo: 'MO-2026-0101',
      materialCode: 'P-IVSET-20',
      productName: '一次性使用输液器',
      plannedQty: 1000,
      completedQty: 0,
      scrapQty: 0,
      unit: 'EA',
      completionPct: 0,
      colour: 'red',
      lagging: true,
      lagReason: 'Operation 0010 is 10.1 points behind plan: 39.9 % done, 50 % expected by now.',
      predictedDelayMinutes: 0,
      dueDate: '2026-11-26T17:00:00+08:00',
      status: 'running',
      workCentres: ['EQ-EXTR-01', 'EQ-ASSY-02'],
      currentOp: { opNo: '0010', operationCode: 'OP-EXTRUDE', equipmentCode: 'EQ-EXTR-01', status: 'running', goodQty: 399, completionPct: 39.9 },
    });
    // The order's 0 % counts finished units (its last operation); the lag reason quotes operation 0010's own 39.9 %,
    // which the row shows beside that operation.
    assert.match(board.rows[0].lagReason!, new RegExp(`Operation ${board.rows[0].currentOp!.opNo} .* ${board.rows[0].currentOp!.completionPct} % done`));
    assert.deepEqual(board.workCentres, ['EQ-ASSY-02', 'EQ-EXTR-01', 'EQ-MOLD-03']);
    assert.deepEqual(board.counts, { green: 1, yellow: 1, red: 1, lagging: 1 });
    assert.equal(board.asOf, '2026-11-25T04:00:00.000Z');
  });

  it('filters by work centre, counting only the rows it shows, and keeps every work centre as a choice', () => {
    const board = plant().board(NOW, { workCentre: 'EQ-ASSY-02' });
    assert.deepEqual(
      board.rows.map((row) => row.orderNo),
      ['MO-2026-0101', 'MO-2026-0104'],
    );
    assert.equal(board.workCentre, 'EQ-ASSY-02');
    assert.deepEqual(board.counts, { green: 1, yellow: 0, red: 1, lagging: 1 });
    assert.deepEqual(board.workCentres, ['EQ-ASSY-02', 'EQ-EXTR-01', 'EQ-MOLD-03']);
  });

  it('lists orders reported before their plan apart, and is plain JSON', () => {
    const board = plant().board(NOW);
    assert.deepEqual(board.unplanned, [{ orderNo: 'MO-2026-0199', reports: 1, goodQty: 50, lastReportAt: '2026-11-25T11:30:00+08:00' }]);
    assert.deepEqual(JSON.parse(JSON.stringify(board)), board);
  });

  it('offers the open orders for the hourly snapshot', () => {
    assert.deepEqual(plant().openOrders(), ['MO-2026-0101', 'MO-2026-0102', 'MO-2026-0104']);
  });

  it('shows contract v2 orders too: held and running ones are open, an undated one without operations comes after every dated one', () => {
    const book = plant();
    const plannedAt = at('2026-11-25T07:00');
    book.plan({ ...singleOperationOrder('MO-2026-0105', 'EQ-MOLD-03', '2026-11-25T18:00:00+08:00'), contractVersion: 2, status: 'held' }, plannedAt);
    const { dueDate: _d, ...undated } = singleOperationOrder('MO-2026-0106', 'EQ-MOLD-03', '');
    book.plan({ ...undated, contractVersion: 2, status: 'running', operations: [] }, plannedAt);
    const rows = book.board(NOW).rows;
    assert.deepEqual(
      rows.map((row) => [row.orderNo, row.lagging]),
      [
        ['MO-2026-0105', true],
        ['MO-2026-0101', true],
        ['MO-2026-0102', false],
        ['MO-2026-0104', false],
        ['MO-2026-0106', false],
      ],
      'the held order is on the board (and behind plan: nothing reported at half its window)',
    );
    const lastRow = rows.find((row) => row.orderNo === 'MO-2026-0106')!;
    assert.equal('dueDate' in lastRow, false, 'no due date is shown rather than an invented one');
    assert.equal(lastRow.predictedDelayMinutes, 0, 'an order without a due date cannot be late');
    assert.deepEqual(book.openOrders(), ['MO-2026-0101', 'MO-2026-0102', 'MO-2026-0104', 'MO-2026-0105', 'MO-2026-0106']);
  });
});
