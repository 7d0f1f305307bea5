// Cumulative PLC counters (parts, rejects) as readings in time order, and the parts counted between them.
// Readings arrive late, out of order or twice; the counter wraps at its maximum or starts again from any value
// when the PLC (or the bridge) restarts. Deltas are always taken between neighbours in time order, so a late
// reading slots in. A part counted twice would make OEE lie upwards, so where continuity is not proven the
// series starts again (a baseline) and the parts in the gap are not counted at all.

/**
 * [instant ms, counter value, baseline], sorted by instant. A reading marked as a baseline (1) starts the
 * series again: nothing is counted between it and the reading before it (the first reading after the bridge
 * restarted whose continuity with the stored readings was not proven).
 */
export type Reading = [at: number, value: number, baseline?: 1];

/** Counter widths a PLC commonly has (16-bit register, signed and unsigned 32-bit) when the master names none. */
const COMMON_MAXIMA = [65_535, 2_147_483_647, 4_294_967_295];

/**
 * Parts between two readings. A fall is a wrap when the previous value was near the counter's maximum (the
 * configured one, else a common register width) and the new one near 0 (within a tenth of the range
 * together); any other fall is a reset: the counter starts again from the new value, and nothing is counted
 * across it. A PLC need not restart from 0 (a preset or retained value), so `value` cannot be taken as the
 * parts made since: counting it would add a whole run's parts a second time.
 */
export function countBetween(previous: number, value: number, counterMax?: number): number {
  if (value >= previous) return value - previous;
  const wrapped = wrapBetween(previous, value, counterMax);
  return wrapped ?? 0;
}

function wrapBetween(previous: number, value: number, counterMax?: number): number | undefined {
  const maxima = counterMax !== undefined ? [counterMax] : COMMON_MAXIMA;
  const max = maxima.find((m) => previous <= m);
  if (max === undefined) return undefined;
  const wrapped = max - previous + 1 + value;
  return wrapped <= (max + 1) / 10 ? wrapped : undefined;
}

/** The parts a delta may hold at most: this many times the ideal rate over the time between the readings, plus one. */
export const MAX_RATE_OVER_IDEAL = 3;

/**
 * Whether a reading continues the series of the one before it, when continuity must be proven (the first
 * reading after the bridge restarted): the counter rose (or wrapped near its maximum) by no more parts than
 * the machine can make in the time between, at MAX_RATE_OVER_IDEAL times its ideal rate. Without an ideal
 * cycle time the rate cannot be judged, and continuity is not proven.
 */
export function continues(previous: Reading, at: number, value: number, idealCycleSec: number | undefined, counterMax?: number): boolean {
  const rise = value >= previous[1] ? value - previous[1] : wrapBetween(previous[1], value, counterMax);
  if (rise === undefined) return false;
  if (rise === 0) return true;
  if (idealCycleSec === undefined || !(idealCycleSec > 0)) return false;
  return rise <= ((at - previous[0]) / 1000 / idealCycleSec) * MAX_RATE_OVER_IDEAL + 1;
}

/** The parts between two neighbouring readings: none across a baseline. */
export function countDelta(previous: Reading, next: Reading, counterMax?: number): number {
  return next[2] === 1 ? 0 : countBetween(previous[1], next[1], counterMax);
}

export type InsertOutcome = 'added' | 'duplicate' | 'conflict';

/**
 * Puts a reading in its place. The same instant with the same value is a duplicate; the same instant with
 * another value is a conflict (the first one stands). A reading equal to the one before it adds no part and
 * is not kept, so a counter polled every second while the machine waits costs nothing.
 */
export function insertReading(readings: Reading[], at: number, value: number, baseline = false): InsertOutcome {
  let i = readings.length;
  while (i > 0 && readings[i - 1][0] > at) i -= 1;
  const before = readings[i - 1];
  if (before && before[0] === at) return before[1] === value ? 'duplicate' : 'conflict';
  if (before && before[1] === value) return 'duplicate';
  readings.splice(i, 0, baseline ? [at, value, 1] : [at, value]);
  // The one after may now repeat this value: it adds nothing any more.
  const after = readings[i + 1];
  if (after && after[1] === value && after[2] !== 1) readings.splice(i + 1, 1);
  return 'added';
}

/** Drops readings before `from` except the last one, which stays as the base of the next delta. */
export function pruneReadings(readings: Reading[], from: number): void {
  let keepFrom = 0;
  while (keepFrom + 1 < readings.length && readings[keepFrom + 1][0] < from) keepFrom += 1;
  if (keepFrom > 0) readings.splice(0, keepFrom);
}
