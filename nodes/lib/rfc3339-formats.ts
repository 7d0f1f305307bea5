// The two string formats our schemas use (RFC 3339 full-date and date-time with a required offset), added to
// Ajv by hand: the pack's runtime dependencies stay few (a palette install brings only what the nodes need).
import type Ajv from 'ajv/dist/core';

const FULL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_WITH_OFFSET = /^(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:z|[+-](\d{2})(?::?(\d{2}))?)$/i;
const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const leapYear = (year: number): boolean => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);

export function isFullDate(text: string): boolean {
  const m = FULL_DATE.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return month >= 1 && month <= 12 && day >= 1 && day <= (month === 2 && leapYear(year) ? 29 : DAYS_IN_MONTH[month]);
}

function isTimeWithOffset(text: string): boolean {
  const m = TIME_WITH_OFFSET.exec(text);
  if (!m) return false;
  const [hour, minute, second] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (Number(m[4] ?? 0) > 23 || Number(m[5] ?? 0) > 59) return false;
  // A leap second (:60) is let through at the end of a minute; the offset decides which, so it is not checked further.
  return hour <= 23 && minute <= 59 && (second < 60 || (second === 60 && minute === 59));
}

export function isDateTime(text: string): boolean {
  const parts = text.split(/t|\s/i);
  return parts.length === 2 && isFullDate(parts[0]) && isTimeWithOffset(parts[1]);
}

export function addRfc3339Formats(ajv: Pick<Ajv, 'addFormat'>): void {
  ajv.addFormat('date', { type: 'string', validate: isFullDate });
  ajv.addFormat('date-time', { type: 'string', validate: isDateTime });
}
