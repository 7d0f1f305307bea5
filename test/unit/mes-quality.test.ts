// The simulated MES's inspectors: every 25th unit of an order is inspected at each operation as the floor makes
// it, once, with records the bridge's schema accepts; a unit keeps its serial through the routing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validate } from '../../nodes/lib/validation';
import { MesInspector, SAMPLE_EVERY, unitCode } from '../../server/simulator/mes-quality';
import type { OperationProgress } from '../../server/simulator/mes-progress';

const op = (sequence: string, goodQty: number, scrapQty = 0): OperationProgress => ({
  workOrderNo: 'MO-2026-0007',
  sequence,
  operationCode: sequence === '0010' ? 'OP-EXTRUDE' : 'OP-LEAKTEST',
  equipmentCode: sequence === '0010' ? 'EQ-EXTR-01' : 'EQ-LEAK-01',
  goodQty,
  scrapQty,
  status: 'running',
  reportedAt: '2026-12-01T10:00:00+08:00',
});

describe('simulated MES quality records', () => {
  it('inspects every 25th unit made since the last look, once, at each operation', () => {
    const inspector = new MesInspector();
    const first = inspector.observe([op('0010', 60), op('0020', 10)]);
    assert.deepEqual(
      first.map((q) => [q.opNo, q.traceCode]),
      [
        ['0010', unitCode('MO-2026-0007', 25)],
        ['0010', unitCode('MO-2026-0007', 50)],
      ],
    );
    const second = inspector.observe([op('0010', 74, 2), op('0020', 55)]);
    assert.deepEqual(
      second.map((q) => [q.opNo, q.traceCode]),
      [
        ['0010', 'SN-20260007-0075'],
        ['0020', 'SN-20260007-0025'],
        ['0020', 'SN-20260007-0050'],
      ],
    );
    assert.equal(inspector.observe([op('0010', 76), op('0020', 55)]).length, 0, 'nothing new made, nothing inspected again');
    assert.equal(inspector.pending, 5);
    assert.equal(SAMPLE_EVERY, 25);
  });

  it('makes records the bridge accepts, with a gauge of the station and a defect code when a unit fails', () => {
    const inspector = new MesInspector();
    const records = inspector.observe([op('0010', 5000), op('0020', 5000)]);
    for (const record of records) {
      const result = validate('quality-record', record);
      assert.equal(result.ok ? true : result.message, true);
      assert.match(record.gaugeId!, record.opNo === '0010' ? /^GA-EXTR-01-0[123]$/ : /^GA-LEAK-01-0[123]$/);
    }
    const failed = records.filter((r) => r.result === 'fail');
    assert.ok(failed.length > 0 && failed.length < records.length / 5, `${failed.length} of ${records.length} failed`);
    assert.ok(failed.every((r) => r.defectCode === (r.opNo === '0010' ? 'D-DIMENSION' : 'D-LEAK')));
    assert.equal(new Set(records.map((r) => r.recordId)).size, records.length, 'one record id per unit and operation');
  });
});
