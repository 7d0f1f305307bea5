// One machine as the OEE book keeps it: its state changes and counter readings since the oldest period not
// yet reported, the parts already counted out of readings folded away, and how time and parts over a period
// are added up from them.
import { countBetween, deltas, type Reading } from './counters';
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

/** Time and counts of one machine over [from, to), as far as `now`. */
export function machineTotals(machine: MachineRecord, ctx: MachineContext, from: number, to: number, now: number): PeriodTotals {
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
  for (const [at, count] of deltas(machine.parts, row?.counterMax)) {
    if (at < from || at >= to) continue;
    totals.totalCount += count;
    const op = currentOperation(ops, row, machine.equipment, at);
    if (op.orderNo !== undefined) orders.add(op.orderNo);
    if (op.idealCycleSec !== undefined) {
      totals.idealSec += count * op.idealCycleSec;
      totals.idealCount += count;
    }
  }
  for (const [at, count] of deltas(machine.rejects, row?.counterMax)) if (at >= from && at < to) totals.rejectCount += count;
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

/** Keeps a counter's readings few: the oldest half is counted into pieces of hour within shift and dropped. */
export function foldReadings(machine: MachineRecord, kind: 'parts' | 'rejects', ctx: MachineContext): void {
  const readings = machine[kind];
  if (readings.length <= MAX_READINGS) return;
  const { row, ops } = ctx;
  machine.counted ??= {};
  while (readings.length > MAX_READINGS / 2) {
    const at = readings[1][0];
    const count = countBetween(readings[0][1], readings[1][1], row?.counterMax);
    readings.shift();
    if (count === 0) continue;
    const start = String(Math.max(ctx.calendar.hourAt(at).from, ctx.calendar.shiftAt(at).from));
    const piece = (machine.counted[start] ??= { parts: 0, rejects: 0, idealSec: 0, idealCount: 0, orders: [] });
    if (kind === 'rejects') {
      piece.rejects += count;
      continue;
    }
    piece.parts += count;
    const op = currentOperation(ops, row, machine.equipment, at);
    if (op.orderNo !== undefined && !piece.orders.includes(op.orderNo)) piece.orders.push(op.orderNo);
    if (op.idealCycleSec !== undefined) {
      piece.idealSec += count * op.idealCycleSec;
      piece.idealCount += count;
    }
  }
  machine.foldedTo = { ...machine.foldedTo, [kind]: readings[0][0] };
}
