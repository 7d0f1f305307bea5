// Wall-clock datetimes ("2026-11-20 08:30:00.123456" in the legacy database's zone) as ISO instants, fast:
// a million-row poll has millions of them, and each Intl-based answer builds a formatter. Offsets are
// remembered per zone by UTC day, ISO prefixes by UTC minute; the results equal time-format's parseChangeTime.
import { zoneOffsetMinutes } from '../time-format';

const DAY_MS = 86_400_000;
const QUARTER_HOUR_MS = 15 * 60_000;

/**
 * A zone's UTC offset remembered by UTC day (by quarter hour on a day the offset changes): each answer from
 * zoneOffsetMinutes builds an Intl formatter, and three datetime columns of a million rows spent minutes there. A span is
 * remembered when its first and last second have the same offset (offsets change months apart); a quarter
 * hour with a change inside it (some historic zones) is asked exactly each time.
 */
class ZoneOffsets {
  private readonly days = new Map<number, number>();
  private readonly quarters = new Map<number, number>();
  /** The day asked last and its offset: neighbouring rows mostly fall on one day. */
  private lastDay = NaN;
  private lastOffset = 0;

  constructor(private readonly timeZone: string) {}

  /** Minutes east of UTC at that instant, as zoneOffsetMinutes answers. */
  at(ms: number): number {
    const day = Math.floor(ms / DAY_MS);
    if (day === this.lastDay) return this.lastOffset;
    const known = this.days.get(day);
    if (known !== undefined) {
      this.lastDay = day;
      this.lastOffset = known;
      return known;
    }
    const quarter = Math.floor(ms / QUARTER_HOUR_MS);
    const knownQuarter = this.quarters.get(quarter);
    if (knownQuarter !== undefined) return knownQuarter;
    const same = (span: number, index: number) => {
      const first = zoneOffsetMinutes(index * span, this.timeZone);
      return first === zoneOffsetMinutes((index + 1) * span - 1000, this.timeZone) ? first : undefined;
    };
    if (this.days.size + this.quarters.size >= 100_000) {
      this.days.clear();
      this.quarters.clear();
    }
    const dayOffset = same(DAY_MS, day);
    if (dayOffset !== undefined) {
      this.days.set(day, dayOffset);
      this.lastDay = day;
      this.lastOffset = dayOffset;
      return dayOffset;
    }
    const quarterOffset = same(QUARTER_HOUR_MS, quarter);
    if (quarterOffset === undefined) return zoneOffsetMinutes(ms, this.timeZone);
    this.quarters.set(quarter, quarterOffset);
    return quarterOffset;
  }
}

const zoneOffsets = new Map<string, ZoneOffsets>();

function offsetsOf(timeZone: string): ZoneOffsets {
  let offsets = zoneOffsets.get(timeZone);
  if (!offsets) zoneOffsets.set(timeZone, (offsets = new ZoneOffsets(timeZone)));
  return offsets;
}

const twoDigits = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
/** "YYYY-MM-DDTHH:MM:" by UTC minute: a table's datetimes fall in few minutes next to each other, and toISOString per value is slow. */
const utcMinutes = new Map<number, string>();
const YEAR_0_MS = -62_167_219_200_000;
const YEAR_10000_MS = 253_402_300_800_000;

/** A whole-second instant as "YYYY-MM-DDTHH:MM:SS<fraction>Z", the fraction text as the database wrote it. */
function isoUtc(ms: number, fraction: string): string {
  if (ms < YEAR_0_MS || ms >= YEAR_10000_MS) return new Date(ms).toISOString().replace(/\.\d{3}Z$/, `${fraction}Z`);
  const minute = Math.floor(ms / 60_000);
  let prefix = utcMinutes.get(minute);
  if (prefix === undefined) {
    if (utcMinutes.size >= 100_000) utcMinutes.clear();
    prefix = new Date(minute * 60_000).toISOString().slice(0, 17);
    utcMinutes.set(minute, prefix);
  }
  // join() builds one flat string; a + chain leaves string pieces that a page of rows keeps alive.
  return [prefix, twoDigits[Math.floor(ms / 1000) - minute * 60], fraction, 'Z'].join('');
}

/** The number written in text[from, to), digits only (the regex matched them). */
export function digits(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + text.charCodeAt(i) - 48;
  return n;
}

/** parseChangeTime's reading of a wall-clock time (offset at the naive instant, corrected once for DST edges), with remembered offsets. */
export function wallClockToIsoUtc(year: number, month: number, day: number, hour: number, minute: number, second: number, fraction: string, timeZone: string): string {
  const wallAsUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  const offsets = offsetsOf(timeZone);
  let ms = wallAsUtc - offsets.at(wallAsUtc) * 60_000;
  ms = wallAsUtc - offsets.at(ms) * 60_000;
  return isoUtc(ms, fraction);
}

const plainWallClock = /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d{1,9})?$/;

/**
 * Exactly "YYYY-MM-DD HH:MM:SS[.fffffffff]", what MySQL and SQL Server drivers hand back, read by position
 * after a test without captures: a regex match per value would be most of a large poll's garbage.
 * Undefined for any other shape.
 */
export function plainWallClockToIsoUtc(text: string, timeZone: string): string | undefined {
  if (!plainWallClock.test(text)) return undefined;
  const fraction = text.length > 19 ? text.slice(19) : '';
  return wallClockToIsoUtc(digits(text, 0, 4), digits(text, 5, 7), digits(text, 8, 10), digits(text, 11, 13), digits(text, 14, 16), digits(text, 17, 19), fraction, timeZone);
}
