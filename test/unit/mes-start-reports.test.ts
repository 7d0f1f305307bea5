// The simulated MES reports when an operation began: the first sight of an operation under way or done starts with
// a "started" report at the time work began (its planned start), so the trace shows start before end — it showed
// start = end for operations the MES first reported completed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validate } from '../../nodes/lib/validation';
import { MesReporter } from '../../server/simulator/mes-reports';
import type { OperationProgress } from '../../server/simulator/mes-progress';

const op = (sequence: string, status: OperationProgress['status'], goodQty: number, reportedAt: string, startedAt?: string): OperationProgress => ({
  workOrderNo: 'MO-2026-0007',
  sequence,
  operationCode: 'OP-EXTRUDE',
  equipmentCode: 'EQ-EXTR-01',
  goodQty,
  scrapQty: 0,
  status,
  reportedAt,
  ...(startedAt && { startedAt }),
});

describe('simulated MES start reports', () => {
  it('reports an operation first seen completed as started at its start, then completed at its end', () => {
    const reporter = new MesReporter();
    const reports = reporter.observe([op('0010', 'completed', 500, '2026-12-01T12:00:00+08:00', '2026-12-01T08:00:00+08:00')]);
    assert.deepEqual(
      reports.map((r) => [r.status, r.goodQty, r.timestamp]),
      [
        ['started', 0, '2026-12-01T08:00:00+08:00'],
        ['completed', 500, '2026-12-01T12:00:00+08:00'],
      ],
    );
    for (const r of reports) assert.equal(validate('progress-report', r).ok, true, JSON.stringify(r));
  });

  it('reports an operation first seen running as started at its start, then running now; later sights add no start', () => {
    const reporter = new MesReporter();
    const first = reporter.observe([op('0020', 'running', 40, '2026-12-01T10:00:00+08:00', '2026-12-01T09:00:00+08:00')]);
    assert.deepEqual(
      first.map((r) => [r.status, r.goodQty, r.timestamp]),
      [
        ['started', 0, '2026-12-01T09:00:00+08:00'],
        ['running', 40, '2026-12-01T10:00:00+08:00'],
      ],
    );
    const later = reporter.observe([op('0020', 'running', 90, '2026-12-01T10:30:00+08:00', '2026-12-01T09:00:00+08:00')]);
    assert.deepEqual(
      later.map((r) => [r.status, r.goodQty]),
      [['running', 50]],
    );
  });
});
