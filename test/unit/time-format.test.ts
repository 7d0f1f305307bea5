// Zone offsets are cached per day (and per quarter hour on a day the offset changes): the wall clock must
// still turn exactly at a DST change, in both directions, and in zones with quarter-hour offsets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatChangeTime, parseChangeTime } from '../../nodes/lib/time-format';

describe('ERP times across daylight-saving changes', () => {
  it('turns the wall clock at the very second of the change, spring and autumn (Europe/Berlin)', () => {
    // The day first, so the day's cache entry exists before the instants around the change are asked.
    assert.equal(formatChangeTime('2026-03-29T12:00:00Z', 'sql', 'Europe/Berlin'), '2026-03-29 14:00:00');
    assert.equal(formatChangeTime('2026-03-29T00:59:59Z', 'sql', 'Europe/Berlin'), '2026-03-29 01:59:59');
    assert.equal(formatChangeTime('2026-03-29T01:00:00Z', 'sql', 'Europe/Berlin'), '2026-03-29 03:00:00');
    assert.equal(formatChangeTime('2026-10-25T00:59:59Z', 'iso', 'Europe/Berlin'), '2026-10-25T02:59:59+02:00');
    assert.equal(formatChangeTime('2026-10-25T01:00:00Z', 'iso', 'Europe/Berlin'), '2026-10-25T02:00:00+01:00');
    assert.equal(parseChangeTime('2026-03-29 03:30:00', 'Europe/Berlin'), '2026-03-29T01:30:00.000Z');
    assert.equal(parseChangeTime('2026-03-28 03:30:00', 'Europe/Berlin'), '2026-03-28T02:30:00.000Z');
  });

  it('keeps quarter-hour offsets and zones without DST exact (Asia/Kathmandu, Asia/Shanghai)', () => {
    assert.equal(formatChangeTime('2026-11-20T00:00:00Z', 'iso', 'Asia/Kathmandu'), '2026-11-20T05:45:00+05:45');
    assert.equal(formatChangeTime('2026-11-20T16:00:00Z', 'sql', 'Asia/Shanghai'), '2026-11-21 00:00:00');
    assert.equal(parseChangeTime('20261121000000', 'Asia/Shanghai'), '2026-11-20T16:00:00.000Z');
  });
});
