// ERPs and legacy databases write times in their own formats and zones: SAP's 14-digit
// yyyyMMddHHmmss (UTC) or datetimeoffset, ERPNext's naive site time with microseconds, Odoo's naive
// UTC, Kingdee's server-local time. These turn an instant into the ERP's text and back.

export type ChangeTimeFormat =
  | 'iso' // 2026-11-20T08:30:00+08:00
  | 'iso-utc' // 2026-11-20T00:30:00Z
  | 'compact' // 20261120003000 (yyyyMMddHHmmss)
  | 'sql' // 2026-11-20 00:30:00
  | 'sql-micro' // 2026-11-20 00:30:00.000000
  | 'local-t' // 2026-11-20T08:30:00 (no zone)
  | 'epoch-ms'; // 1795134600000

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

// Building an Intl.DateTimeFormat costs ~50 µs and each formatToParts ~5 µs; a page of orders asks for
// hundreds of wall clocks in one or two zones. Zone offsets change only at whole quarter hours (DST and
// zone changes happen at :00 or :30 UTC), so the offset is asked of Intl once per zone and quarter hour.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, format);
  }
  return format;
}

const QUARTER_HOUR = 900_000;
const offsets = new Map<string, number>();

/** The zone's offset asked of Intl: the wall clock read as if it were UTC, minus the instant. */
function intlOffsetMinutes(ms: number, timeZone: string): number {
  const w = { y: 0, mo: 0, d: 0, h: 0, mi: 0, s: 0 };
  for (const p of formatterOf(timeZone).formatToParts(new Date(ms))) {
    if (p.type === 'year') w.y = Number(p.value);
    else if (p.type === 'month') w.mo = Number(p.value);
    else if (p.type === 'day') w.d = Number(p.value);
    else if (p.type === 'hour') w.h = Number(p.value) % 24;
    else if (p.type === 'minute') w.mi = Number(p.value);
    else if (p.type === 'second') w.s = Number(p.value);
  }
  return Math.round((Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s) - Math.floor(ms / 1000) * 1000) / 60000);
}

const DAY = 86_400_000;

/** Offset of the zone from UTC at that instant, minutes. */
export function zoneOffsetMinutes(ms: number, timeZone: string): number {
  // Most UTC days have one offset all day: asked at both ends once, kept per day; a day with a change in it is
  // kept per quarter hour.
  const day = Math.floor(ms / DAY);
  const dayKey = `${timeZone}|d${day}`;
  let offset = offsets.get(dayKey);
  if (offset === undefined) {
    const start = cachedOffset(`${timeZone}|${day * 96}`, day * DAY, timeZone);
    const end = cachedOffset(`${timeZone}|${day * 96 + 95}`, day * DAY + DAY - 1, timeZone);
    offset = start === end ? start : Number.NaN;
    offsets.set(dayKey, offset);
  }
  return Number.isNaN(offset) ? cachedOffset(`${timeZone}|${Math.floor(ms / QUARTER_HOUR)}`, ms, timeZone) : offset;
}

function cachedOffset(key: string, ms: number, timeZone: string): number {
  let offset = offsets.get(key);
  if (offset === undefined) {
    offset = intlOffsetMinutes(ms, timeZone);
    if (offsets.size > 50_000) offsets.clear();
    offsets.set(key, offset);
  }
  return offset;
}

/** Wall-clock fields of an instant in an IANA time zone. */
function wallClock(ms: number, timeZone: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const d = new Date(ms + zoneOffsetMinutes(ms, timeZone) * 60000);
  return { y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds() };
}

export function checkTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new Error(`'${timeZone}' is not a time zone (use an IANA name such as Asia/Shanghai or UTC).`);
  }
}

/** The instant (an ISO string with zone, or ms) written the way the ERP writes it in `timeZone`. */
export function formatChangeTime(instant: string | number, format: ChangeTimeFormat, timeZone = 'UTC'): string {
  const ms = typeof instant === 'number' ? instant : Date.parse(instant);
  if (Number.isNaN(ms)) throw new Error(`'${String(instant)}' is not a date and time.`);
  if (format === 'epoch-ms') return String(ms);
  if (format === 'iso-utc') return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const w = wallClock(ms, timeZone);
  const date = `${w.y}-${pad(w.mo)}-${pad(w.d)}`;
  const time = `${pad(w.h)}:${pad(w.mi)}:${pad(w.s)}`;
  switch (format) {
    case 'compact':
      return `${w.y}${pad(w.mo)}${pad(w.d)}${pad(w.h)}${pad(w.mi)}${pad(w.s)}`;
    case 'sql':
      return `${date} ${time}`;
    case 'sql-micro':
      return `${date} ${time}.${pad((ms % 1000) * 1000, 6)}`;
    case 'local-t':
      return `${date}T${time}`;
    case 'iso': {
      const off = zoneOffsetMinutes(ms, timeZone);
      const sign = off < 0 ? '-' : '+';
      return `${date}T${time}${sign}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
    }
  }
}

/**
 * Reads an ERP time into an ISO string with zone. Text without a zone is wall-clock time in `timeZone`.
 * Accepts every ChangeTimeFormat plus SAP's /Date(ms)/ and /Date(ms+0000)/.
 */
export function parseChangeTime(text: unknown, timeZone = 'UTC'): string | undefined {
  if (typeof text === 'number') return Number.isFinite(text) ? new Date(text).toISOString() : undefined;
  if (typeof text !== 'string' || text.trim() === '') return undefined;
  const value = text.trim();
  const sapDate = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/.exec(value);
  if (sapDate) return new Date(Number(sapDate[1])).toISOString();
  if (/^\d{13}$/.test(value)) return new Date(Number(value)).toISOString();
  const compact = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value);
  const naive = compact ?? /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/.exec(value);
  if (naive) {
    const [, y, mo, d, h, mi, s = '0', frac = '0'] = naive;
    const wallAsUtc = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, Math.floor(Number(`0.${frac}`) * 1000));
    // The zone's offset at that wall time: take it at the naive instant, then correct once for DST edges.
    let ms = wallAsUtc - zoneOffsetMinutes(wallAsUtc, timeZone) * 60000;
    ms = wallAsUtc - zoneOffsetMinutes(ms, timeZone) * 60000;
    return new Date(ms).toISOString();
  }
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
