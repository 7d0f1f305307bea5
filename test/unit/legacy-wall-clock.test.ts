// The fast wall-clock reading of legacy datetimes gives exactly what time-format's parseChangeTime gives, in
// zones with daylight saving (the gap and the repeated hour), half-hour and 45-minute offsets, and odd years.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseChangeTime } from '../../nodes/lib/time-format';
import { plainWallClockToIsoUtc } from '../../nodes/lib/legacy-db/wall-clock';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

describe('wall-clock datetimes to ISO instants', () => {
  it('agree with parseChangeTime around DST changes and in unusual zones', () => {
    const zones = ['Asia/Shanghai', 'Europe/Berlin', 'America/New_York', 'Australia/Adelaide', 'Asia/Kathmandu', 'America/St_Johns', 'UTC', 'Pacific/Chatham'];
    // Days around the 2026 changes in both hemispheres, every 17 minutes (so every quarter hour is met).
    const days = ['2026-03-08', '2026-03-29', '2026-04-05', '2026-10-04', '2026-10-25', '2026-11-01', '1970-01-01', '2099-12-31'];
    let compared = 0;
    for (const zone of zones) {
      for (const day of days) {
        for (let minute = 0; minute < 24 * 60; minute += 17) {
          const text = `${day} ${pad(Math.floor(minute / 60))}:${pad(minute % 60)}:${pad(minute % 60)}`;
          const expected = parseChangeTime(text, zone)!.replace(/\.000Z$/, 'Z');
          assert.equal(plainWallClockToIsoUtc(text, zone), expected, `${text} in ${zone}`);
          compared += 1;
        }
      }
    }
    assert.ok(compared > 5000);
  });

  it('keeps the fraction digit for digit, and leaves other shapes to the general reader', () => {
    assert.equal(plainWallClockToIsoUtc('2026-11-20 08:30:00.123456', 'Asia/Shanghai'), '2026-11-20T00:30:00.123456Z');
    assert.equal(plainWallClockToIsoUtc('2026-11-20T08:30:00.1234567', 'Asia/Shanghai'), '2026-11-20T00:30:00.1234567Z');
    assert.equal(plainWallClockToIsoUtc('2026-11-20 08:30:00+08', 'Asia/Shanghai'), undefined);
    assert.equal(plainWallClockToIsoUtc('20/11/2026', 'Asia/Shanghai'), undefined);
  });
});
