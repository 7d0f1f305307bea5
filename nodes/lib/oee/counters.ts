// Cumulative PLC counters (parts, rejects) as readings in time order, and the parts counted between them.
// Readings arrive late, out of order or twice; the counter wraps at its maximum or falls back to 0 when the
// PLC restarts. Deltas are always taken between neighbours in time order, so a late reading slots in.

/** [instant ms, counter value], sorted by instant. */
export type Reading = [at: number, value: number];

/** Counter widths a PLC commonly has (16-bit register, signed and unsigned 32-bit) when the master names none. */
const COMMON_MAXIMA = [65_535, 2_147_483_647, 4_294_967_295];

/**
 * Parts between two readings. A fall is a wrap when the previous value was near the counter's maximum and
 * the new one near 0 (within a tenth of the range together); any other fall is a reset: the PLC restarted
 * and counted `value` parts since.
 */
export function countBetween(previous: number, value: number, counterMax?: number): number {
  if (value >= previous) return value - previous;
  const maxima = counterMax !== undefined ? [counterMax] : COMMON_MAXIMA;
  const max = maxima.find((m) => previous <= m);
  if (max !== undefined) {
    const wrapped = max - previous + 1 + value;
    if (wrapped <= (max + 1) / 10) return wrapped;
  }
  return value;
}

export type InsertOutcome = 'added' | 'duplicate' | 'conflict';

/**
 * Puts a reading in its place. The same instant with the same value is a duplicate; the same instant with
 * another value is a conflict (the first one stands). A reading equal to the one before it adds no part and
 * is not kept, so a counter polled every second while the machine waits costs nothing.
 */
export function insertReading(readings: Reading[], at: number, value: number): InsertOutcome {
  let i = readings.length;
  while (i > 0 && readings[i - 1][0] > at) i -= 1;
  const before = readings[i - 1];
  if (before && before[0] === at) return before[1] === value ? 'duplicate' : 'conflict';
  if (before && before[1] === value) return 'duplicate';
  readings.splice(i, 0, [at, value]);
  // The one after may now repeat this value: it adds nothing any more.
  const after = readings[i + 1];
  if (after && after[1] === value) readings.splice(i + 1, 1);
  return 'added';
}

/** Drops readings before `from` except the last one, which stays as the base of the next delta. */
export function pruneReadings(readings: Reading[], from: number): void {
  let keepFrom = 0;
  while (keepFrom + 1 < readings.length && readings[keepFrom + 1][0] < from) keepFrom += 1;
  if (keepFrom > 0) readings.splice(0, keepFrom);
}
