// One machine as the OEE book keeps it: its state changes and counter readings since the oldest period not
// yet reported, the parts already counted out of readings folded away, and how time and parts over a period
// are added up from them. The parts between two readings are shared out by the run time between them, so a
// delta that spans an hour or shift boundary is split across the periods instead of landing whole in the later.
import { countDelta, type Reading } from './counters';
import { currentOperation, type PlannedOperation } from './routing';
import type { ShiftCalendar } from './shifts';
import { splitTime, type StateChange } from './timeline';
import type { EquipmentMasterRow, EquipmentState, PeriodTotals } from './types';

const MINUTE_MS = 60_000;

/** What the book keeps of one machine (store key equipment:<code>). */
export interface MachineRecord {
  version: 1;
  equipment: string;
  states: StateChange[];
  parts: Reading[];
  rejects: Reading[];
  /** Start of the first hour and shift not reported yet. */
  hourFrom: number;
  shiftFrom: number;
  /** The last state told to the ERP. */
  told?: { state: EquipmentState; since: number };
  /** The fault (by its start) an exception was raised for. */
  faultRaisedFor?: number;
  /** Readings refused since the last report because their period was already reported. */
  late: number;
  lastSignalAt?: number;
  /**
   * Parts and rejects already taken out of readings folded away (a long run keeps only its latest readings, so
   * each write stays small), by the start of the piece of hour within a shift they were made in.
   */
  counted?: Record<string, CountedPiece>;
  /** The oldest reading kept after a fold: a reading before it can no longer be placed and counts as late. */
  foldedTo?: { parts?: number; rejects?: number };
  measurements: { at?: number; spindleSpeed?: number; temperature?: number };
}

export interface CountedPiece {
  parts: number;
  rejects: number;
  idealSec: number;
  idealCount: number;
  orders: string[];
}

/** Readings kept per counter before the oldest half is folded into counted pieces. */
export const MAX_READINGS = 256;

/** What counting needs besides the record: the calendar, the machine's master row, the plans, maintenance windows. */
export interface MachineContext {
  calendar: ShiftCalendar;
  row: EquipmentMasterRow | undefined;
  ops: PlannedOperation[];
  windows: Array<[number, number]>;
}

/**
 * How many of `count` parts, made between readings at t0 and t1, were made by instant x: in proportion to the
 * run time (by wall time if the machine never ran between them), rounded, so the shares of adjacent pieces add
 * up to the count exactly. Time before `floor` (the start of the oldest period not reported) has no share: a
 * period already reported cannot take parts any more.
 */
function sharer(machine: MachineRecord, ctx: MachineContext, t0: number, t1: number, count: number, floor: number): (x: number) => number {
  const start = Math.max(t0, floor);
  const runBetween = (a: number, b: number) => splitTime(machine.states, a, b, ctx.windows).runMs;
  const whole = runBetween(start, t1);
  return (x) => {
    if (x <= start) return 0;
    if (x >= t1) return count;
    return Math.round((count * (whole > 0 ? runBetween(start, x) : x - start)) / (whole > 0 ? whole : t1 - start));
  };
}

/** Each counter delta's parts made in [from, to), with the instant at which to ask which operation made them. */
function* partsWithin(machine: MachineRecord, kind: 'parts' | 'rejects', ctx: MachineContext, from: number, to: number, floor: number): Generator<[at: number, count: number]> {
  const readings = machine[kind];
  for (let i = 1; i < readings.length; i += 1) {
    const [t0] = readings[i - 1];
    const [t1] = readings[i];
    if (t1 <= Math.max(from, floor) || t0 >= to) continue;
    const count = countDelta(readings[i - 1], readings[i], ctx.row?.counterMax);
    if (count === 0) continue;
    let made = count;
    if (t0 < Math.max(from, floor) || t1 > to) {
      const madeBy = sharer(machine, ctx, t0, t1, count, floor);
      made = madeBy(Math.min(t1, to)) - madeBy(Math.max(t0, from));
    }
    if (made > 0) yield [Math.min(t1, to - 1), made];
  }
}

/**
 * Time and counts of one machine over [from, to), as far as `now`. `floor` is the start of the oldest period
 * not yet reported (reports of one due() pass all use the floor from before it).
 */
export function machineTotals(machine: MachineRecord, ctx: MachineContext, from: number, to: number, now: number, floor = Math.min(machine.hourFrom, machine.shiftFrom)): PeriodTotals {
  const split = splitTime(machine.states, from, Math.min(to, now), ctx.windows);
  const { row, ops } = ctx;
  const totals: PeriodTotals = {
    plannedMin: (split.runMs + split.faultMs + split.idleMs) / MINUTE_MS,
    runMin: split.runMs / MINUTE_MS,
    faultMin: split.faultMs / MINUTE_MS,
    idleMin: split.idleMs / MINUTE_MS,
    plannedDowntimeMin: split.plannedDowntimeMs / MINUTE_MS,
    totalCount: 0,
    rejectCount: 0,
    idealSec: 0,
    idealCount: 0,
    orders: [],
  };
  const orders = new Set<string>();
  for (const [at, count] of partsWithin(machine, 'parts', ctx, from, to, floor)) {
    totals.totalCount += count;
    const op = currentOperation(ops, row, machine.equipment, at);
    if (op.orderNo !== undefined) orders.add(op.orderNo);
    if (op.idealCycleSec !== undefined) {
      totals.idealSec += count * op.idealCycleSec;
      totals.idealCount += count;
    }
  }
  for (const [, count] of partsWithin(machine, 'rejects', ctx, from, to, floor)) totals.rejectCount += count;
  for (const [start, piece] of Object.entries(machine.counted ?? {})) {
    if (Number(start) < from || Number(start) >= to) continue;
    totals.totalCount += piece.parts;
    totals.rejectCount += piece.rejects;
    totals.idealSec += piece.idealSec;
    totals.idealCount += piece.idealCount;
    for (const o of piece.orders) orders.add(o);
  }
  totals.orders = [...orders].sort();
  return totals;
}

/**
 * Counts the delta between a counter's two oldest readings into pieces of hour within shift, shared out by
 * run time, and drops the oldest reading.
 */
function foldOldestPair(machine: MachineRecord, kind: 'parts' | 'rejects', ctx: MachineContext, floor: number): void {
  const readings = machine[kind];
  const [first, second] = readings;
  const [t0] = first;
  const [t1] = second;
  readings.shift();
  const count = countDelta(first, second, ctx.row?.counterMax);
  if (count === 0 || t1 <= floor) return;
  const madeBy = sharer(machine, ctx, t0, t1, count, floor);
  machine.counted ??= {};
  for (let x = Math.max(t0, floor); x < t1;) {
    const hour = ctx.calendar.hourAt(x);
    const shift = ctx.calendar.shiftAt(x);
    const end = Math.min(hour.to, shift.to, t1);
    const made = madeBy(end) - madeBy(x);
    const at = Math.min(t1, end - 1);
    x = end;
    if (made === 0) continue;
    const piece = (machine.counted[String(Math.max(hour.from, shift.from))] ??= { parts: 0, rejects: 0, idealSec: 0, idealCount: 0, orders: [] });
    if (kind === 'rejects') {
      piece.rejects += made;
      continue;
    }
    piece.parts += made;
    const op = currentOperation(ctx.ops, ctx.row, machine.equipment, at);
    if (op.orderNo !== undefined && !piece.orders.includes(op.orderNo)) piece.orders.push(op.orderNo);
    if (op.idealCycleSec !== undefined) {
      piece.idealSec += made * op.idealCycleSec;
      piece.idealCount += made;
    }
  }
}

/** Keeps a counter's readings few: the oldest half is counted into pieces of hour within shift and dropped. */
export function foldReadings(machine: MachineRecord, kind: 'parts' | 'rejects', ctx: MachineContext): void {
  const readings = machine[kind];
  if (readings.length <= MAX_READINGS) return;
  const floor = Math.min(machine.hourFrom, machine.shiftFrom);
  while (readings.length > MAX_READINGS / 2) foldOldestPair(machine, kind, ctx, floor);
  machine.foldedTo = { ...machine.foldedTo, [kind]: readings[0][0] };
}

/**
 * After periods up to `closedTo` were reported (with `floor` as it was before): the delta across `closedTo`
 * is counted into its pieces now, so a reading or state change arriving later inside it cannot move parts
 * into or out of a period already reported. Readings wholly before `closedTo` are dropped.
 */
export function foldAcross(machine: MachineRecord, kind: 'parts' | 'rejects', ctx: MachineContext, floor: number, closedTo: number): void {
  const readings = machine[kind];
  while (readings.length >= 2 && readings[1][0] <= closedTo) readings.shift();
  if (readings.length < 2 || readings[0][0] >= closedTo) return;
  foldOldestPair(machine, kind, ctx, floor);
  machine.foldedTo = { ...machine.foldedTo, [kind]: readings[0][0] };
}
