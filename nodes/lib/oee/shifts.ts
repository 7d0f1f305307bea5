// The plant's calendar for OEE: shifts from a table of local wall-clock times in the plant's zone, and hours
// of that zone. The table must cover the whole day without overlaps, so every instant is in exactly one shift.
import { checkTimeZone, zoneOffsetMinutes } from '../time-format';
import type { ShiftRow } from './types';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export interface Period {
  from: number;
  to: number;
  /** The shift's name (for an hour: the shift it starts in). */
  shift: string;
}

function minutesOf(text: unknown, where: string): number {
  const m = typeof text === 'string' ? /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text.trim()) : null;
  if (!m) throw new Error(`${where} must be a time of day "HH:MM" (e.g. "08:00"), not ${JSON.stringify(text)}.`);
  return Number(m[1]) * 60 + Number(m[2]);
}

const QUARTER_MS = 15 * MINUTE_MS;

export class ShiftCalendar {
  private readonly rows: Array<{ name: string; start: number; length: number }>;
  /** Offsets by UTC quarter hour: each Intl answer costs a formatter, and every counted part asks. Zones change offset on quarter hours. */
  private readonly offsets = new Map<number, number>();

  constructor(
    shifts: readonly ShiftRow[],
    readonly timeZone: string,
  ) {
    checkTimeZone(timeZone);
    if (!Array.isArray(shifts) || shifts.length === 0) throw new Error('The shift table needs at least one shift.');
    const rows = shifts.map((s, i) => {
      if (typeof s?.name !== 'string' || s.name.trim() === '') throw new Error(`shifts[${i}].name must be a non-blank text.`);
      const start = minutesOf(s.start, `shifts[${i}].start`);
      const end = minutesOf(s.end, `shifts[${i}].end`);
      return { name: s.name.trim(), start, length: end > start ? end - start : end + 1440 - start };
    });
    rows.sort((a, b) => a.start - b.start);
    for (let i = 0; i < rows.length; i += 1) {
      const next = rows[(i + 1) % rows.length];
      if ((rows[i].start + rows[i].length) % 1440 !== next.start || (rows.length === 1 && rows[0].length !== 1440)) {
        throw new Error(`The shift table must cover the whole day without gaps or overlaps: shift "${rows[i].name}" ends at ${hhmm(rows[i].start + rows[i].length)} but the next one ("${next.name}") starts at ${hhmm(next.start)}.`);
      }
    }
    this.rows = rows;
  }

  /** The shift that instant falls in. */
  shiftAt(ms: number): Period {
    const localDay = Math.floor((ms + this.offsetMinutes(ms) * MINUTE_MS) / DAY_MS) * DAY_MS;
    for (const day of [localDay, localDay - DAY_MS]) {
      for (const row of this.rows) {
        const from = this.toInstant(day + row.start * MINUTE_MS);
        const to = this.toInstant(day + (row.start + row.length) * MINUTE_MS);
        if (ms >= from && ms < to) return { from, to, shift: row.name };
      }
    }
    // Only reachable across a zone's clock change inside a shift; the hour keeps the report going.
    const hour = this.hourAt(ms);
    return { ...hour };
  }

  /** The zone's clock hour that instant falls in. */
  hourAt(ms: number): Period {
    const offset = this.offsetMinutes(ms) * MINUTE_MS;
    const from = Math.floor((ms + offset) / HOUR_MS) * HOUR_MS - offset;
    return { from, to: from + HOUR_MS, shift: '' };
  }

  /** The hour with the shift it starts in. */
  hourWithShift(ms: number): Period {
    const hour = this.hourAt(ms);
    return { ...hour, shift: this.shiftAt(hour.from).shift };
  }

  private offsetMinutes(ms: number): number {
    const quarter = Math.floor(ms / QUARTER_MS);
    let offset = this.offsets.get(quarter);
    if (offset === undefined) {
      if (this.offsets.size >= 10_000) this.offsets.clear();
      offset = zoneOffsetMinutes(quarter * QUARTER_MS, this.timeZone);
      this.offsets.set(quarter, offset);
    }
    return offset;
  }

  /** Local wall-clock ms (as if UTC) → the instant. */
  private toInstant(localMs: number): number {
    const guess = localMs - this.offsetMinutes(localMs) * MINUTE_MS;
    return localMs - this.offsetMinutes(guess) * MINUTE_MS;
  }
}

function hhmm(minutes: number): string {
  const m = ((minutes % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}
