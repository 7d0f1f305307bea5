// A machine's states over time: the state changes in time order, integrated over a period into run time,
// fault, idle and planned downtime (the maintenance state and the master's maintenance windows).
import type { EquipmentState } from './types';

export type StateChange = [at: number, state: EquipmentState];

export interface TimeSplit {
  runMs: number;
  faultMs: number;
  idleMs: number;
  plannedDowntimeMs: number;
}

/**
 * Puts a state reading in its place. A reading that repeats the state before it changes nothing (duplicate);
 * one at the same instant with another state is a conflict (the first one stands).
 */
export function insertState(states: StateChange[], at: number, state: EquipmentState): 'added' | 'duplicate' | 'conflict' {
  let i = states.length;
  while (i > 0 && states[i - 1][0] > at) i -= 1;
  const before = states[i - 1];
  if (before && before[0] === at) return before[1] === state ? 'duplicate' : 'conflict';
  if (before && before[1] === state) return 'duplicate';
  states.splice(i, 0, [at, state]);
  const after = states[i + 1];
  if (after && after[1] === state) states.splice(i + 1, 1);
  return 'added';
}

/** The state at that instant and since when it has held (undefined before the first reading). */
export function stateAt(states: readonly StateChange[], at: number): StateChange | undefined {
  let found: StateChange | undefined;
  for (const change of states) {
    if (change[0] > at) break;
    found = change;
  }
  return found;
}

function overlap(a: number, b: number, c: number, d: number): number {
  return Math.max(0, Math.min(b, d) - Math.max(a, c));
}

/** Merged, sorted windows so that an overlap of two windows is not subtracted twice. */
export function mergeWindows(windows: ReadonlyArray<[number, number]>): Array<[number, number]> {
  const sorted = windows.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const merged: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const last = merged.at(-1);
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  return merged;
}

/**
 * Time in [from, until) by state. Time before the first reading is unknown and not counted; the last state
 * holds until `until`. Inside a maintenance window everything is planned downtime.
 */
export function splitTime(states: readonly StateChange[], from: number, until: number, windows: ReadonlyArray<[number, number]>): TimeSplit {
  const split: TimeSplit = { runMs: 0, faultMs: 0, idleMs: 0, plannedDowntimeMs: 0 };
  for (let i = 0; i < states.length; i += 1) {
    const a = Math.max(from, states[i][0]);
    const b = Math.min(until, i + 1 < states.length ? states[i + 1][0] : until);
    if (b <= a) continue;
    const state = states[i][1];
    const inWindows = windows.reduce((sum, [c, d]) => sum + overlap(a, b, c, d), 0);
    if (state === 'maintenance') {
      split.plannedDowntimeMs += b - a;
      continue;
    }
    split.plannedDowntimeMs += inWindows;
    const rest = b - a - inWindows;
    if (state === 'running') split.runMs += rest;
    else if (state === 'fault') split.faultMs += rest;
    else split.idleMs += rest;
  }
  return split;
}

/** Drops changes before `from` except the last one, which says the state at `from`. */
export function pruneStates(states: StateChange[], from: number): void {
  let keepFrom = 0;
  while (keepFrom + 1 < states.length && states[keepFrom + 1][0] <= from) keepFrom += 1;
  if (keepFrom > 0) states.splice(0, keepFrom);
}
