// The rolling defect rate per operation: an urgent quality exception and a pause command once per crossing of
// the limit, re-armed when the rate falls back; the window in records and in time; duplicates; bad records.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DefectRates, ExceptionBook, type QualityRecord } from '../../nodes/lib/escalation';
import { validate } from '../../nodes/lib/validation';
import { at, iso } from './overdraw-fixture';

const NOW = at('2026-11-25T11:00');
let unit = 0;

function inspection(result: 'pass' | 'fail', overrides: Partial<QualityRecord> = {}): QualityRecord {
  unit += 1;
  return {
    recordId: `QC-${unit}`,
    orderNo: 'MO-2026-0101',
    opNo: '0020',
    traceCode: `SZ01-IV20-${String(unit).padStart(6, '0')}`,
    result,
    ...(result === 'fail' && { defectCode: unit % 3 === 0 ? 'D-LEAK' : 'D-APPEARANCE' }),
    inspector: 'QC-007',
    timestamp: '2026-11-25T10:30:00+08:00',
    ...overrides,
  };
}

/** Feeds records and returns the alarms they raised and how many times the alarm was cleared. */
function feed(rates: DefectRates, records: QualityRecord[], now = NOW) {
  const outcomes = records.map((r) => rates.record(r, now));
  return { alarms: outcomes.flatMap((o) => (o.alarm ? [o.alarm] : [])), cleared: outcomes.filter((o) => o.cleared).length, last: outcomes[outcomes.length - 1] };
}

const passes = (n: number) => Array.from({ length: n }, () => inspection('pass'));

describe('DefectRates', () => {
  it('above 5 % of the last 50 it raises one urgent quality exception and a pause command for that operation', () => {
    const rates = new DefectRates();
    const { alarms, last } = feed(rates, [...passes(46), inspection('fail'), inspection('fail'), inspection('fail')]);
    assert.deepEqual([last.inspected, last.failed, last.defectRatePct], [49, 3, 6.12]);
    assert.equal(alarms.length, 1);
    const [{ exception, pause }] = alarms;
    assert.deepEqual(validate('exception-event', exception), { ok: true });
    assert.deepEqual([exception.id, exception.type, exception.severity, exception.orderNo, exception.opNo], ['QA-MO-2026-0101-0020-1', 'quality-defect', 'urgent', 'MO-2026-0101', '0020']);
    assert.match(exception.description, /^Defect rate of operation 0020 of order MO-2026-0101 is 6\.12 % \(3 of the last 49 inspected\), above the 5 % limit; defects: D-APPEARANCE × 2, D-LEAK × 1\.$/);
    assert.deepEqual(pause, { command: 'pause-operation', orderNo: 'MO-2026-0101', opNo: '0020', exceptionId: exception.id, reason: exception.description, defectRatePct: 6.12, failed: 3, inspected: 49, at: iso('2026-11-25T11:00') });
    assert.equal(new ExceptionBook().raise(exception, NOW).notifications[0].role, 'quality-supervisor', 'the policy calls the quality supervisor');
  });

  it('raises once per crossing: not again while above, again after falling back to the limit', () => {
    const rates = new DefectRates({ windowRecords: 20, minRecords: 20 });
    const first = feed(rates, [...passes(18), inspection('fail'), inspection('fail'), inspection('fail'), inspection('fail')]);
    assert.deepEqual([first.alarms.length, first.last.defectRatePct], [1, 20]);
    const falling = feed(rates, passes(19));
    assert.deepEqual([falling.alarms.length, falling.cleared, falling.last.defectRatePct], [0, 1, 5], 'cleared once the rate is back at 5 %');
    assert.equal(feed(rates, [inspection('fail')]).alarms.length, 0, 'one fail in 20 is 5 %: not above the limit');
    const again = feed(rates, [inspection('fail')]);
    assert.equal(again.alarms.length, 1);
    assert.equal(again.alarms[0].exception.id, 'QA-MO-2026-0101-0020-2');
  });

  it('does not alarm on fewer records than the minimum', () => {
    const rates = new DefectRates();
    const { alarms, last } = feed(rates, [inspection('fail'), inspection('fail'), ...passes(10)]);
    assert.deepEqual([alarms.length, last.defectRatePct, rates.rate('MO-2026-0101', '0020', NOW).alarmed], [0, 16.67, false]);
  });

  it('keeps each operation of each order apart', () => {
    const rates = new DefectRates({ minRecords: 1 });
    assert.ok(rates.record(inspection('fail', { opNo: '0010' }), NOW).alarm);
    assert.deepEqual(rates.rate('MO-2026-0101', '0020', NOW), { inspected: 0, failed: 0, defectRatePct: 0, alarmed: false });
    assert.ok(rates.record(inspection('fail', { orderNo: 'MO-2026-0102', opNo: '0010' }), NOW).alarm);
  });

  it('with a time window, records older than it stop counting', () => {
    const rates = new DefectRates({ windowMin: 60, minRecords: 5 });
    feed(rates, [inspection('fail', { timestamp: '2026-11-25T09:00:00+08:00' }), ...passes(3)], at('2026-11-25T09:30'));
    assert.equal(rates.rate('MO-2026-0101', '0020', at('2026-11-25T09:30')).failed, 1);
    assert.deepEqual(rates.rate('MO-2026-0101', '0020', at('2026-11-25T10:01')), { inspected: 3, failed: 0, defectRatePct: 0, alarmed: false });
  });

  it('counts a record seen again once, by record id or else by trace code and time', () => {
    const rates = new DefectRates({ minRecords: 1 });
    const withId = inspection('pass');
    rates.record(withId, NOW);
    assert.equal(rates.record({ ...withId, result: 'fail', defectCode: 'D-LEAK' }, NOW).duplicate, true);
    const { recordId: _id, ...withoutId } = inspection('pass');
    rates.record(withoutId, NOW);
    const again = rates.record(withoutId, NOW);
    assert.deepEqual([again.duplicate, again.inspected, again.failed, again.alarm], [true, 2, 0, undefined]);
  });

  it('refuses a malformed record and counts nothing', () => {
    const rates = new DefectRates();
    assert.throws(() => rates.record({ ...inspection('fail'), defectCode: undefined }, NOW), { message: 'The quality record was refused: payload.defectCode is required.' });
    assert.throws(() => rates.record({ ...inspection('pass'), opNo: 'ASSEMBLY' }, NOW), /payload\.opNo must match pattern/);
    assert.deepEqual(rates.entries(), []);
  });

  it('refuses settings that make no rate', () => {
    assert.throws(() => new DefectRates({ windowRecords: 0 }), /The defect-rate window must be a whole number of records above 0, not 0\./);
    assert.throws(() => new DefectRates({ windowRecords: 10, minRecords: 20 }), /from 1 to the window \(10\), not 20/);
    assert.throws(() => new DefectRates({ thresholdPct: 100 }), /a percentage from 0 to below 100, not 100/);
  });

  it('goes through JSON and back, alarm state included', () => {
    const rates = new DefectRates({ minRecords: 2 });
    feed(rates, [inspection('fail'), inspection('pass')]);
    const copy = DefectRates.restore(JSON.parse(JSON.stringify(rates.entries())), { minRecords: 2 });
    assert.deepEqual(copy.entries(), rates.entries());
    assert.equal(copy.record(inspection('fail'), NOW).alarm, undefined, 'already alarmed before the restart');
    assert.throws(() => DefectRates.restore([['quality:MO-1/0010', { version: 1, orderNo: 'MO-2', opNo: '0010', marks: [] }]]), /The stored defect rate under quality:MO-1\/0010 is not an operation quality state/);
  });
});
