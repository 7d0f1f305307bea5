// The words of OEE (设备综合效率): machine signals in, reports per hour and shift, equipment status for the
// ERP, and the settings a plant gives (shifts, equipment master, thresholds).
import type { ExceptionEvent } from '../escalation/types';

export type EquipmentState = 'running' | 'idle' | 'fault' | 'maintenance';
export const EQUIPMENT_STATES: readonly EquipmentState[] = ['running', 'idle', 'fault', 'maintenance'];

/** schemas/equipment-signal.schema.json */
export interface EquipmentSignal {
  equipment: string;
  at: string;
  state?: EquipmentState;
  partCounter?: number;
  rejectCounter?: number;
  spindleSpeed?: number;
  temperature?: number;
  source?: 'opcua' | 'modbus' | 'mes' | 'other';
}

/** One row of the shift table: local wall-clock times "HH:MM"; an end at or before the start runs past midnight. */
export interface ShiftRow {
  name: string;
  start: string;
  end: string;
}

export interface MaintenanceWindow {
  from: string;
  to: string;
  reason?: string;
}

/** One row of the equipment master (resource sync): defaults and the backup machine. */
export interface EquipmentMasterRow {
  equipment: string;
  name?: string;
  /** Ideal seconds per part when no routing operation of a work order says otherwise. */
  idealCycleSec?: number;
  backupEquipment?: string;
  maintenanceWindows?: MaintenanceWindow[];
  /** The largest value the PLC's part/reject counters reach before they wrap to 0 (e.g. 65535). */
  counterMax?: number;
}

export interface OeeSettings {
  shifts: readonly ShiftRow[];
  timeZone: string;
  /** Alarm when a period's OEE is below this, percent. */
  thresholdPct: number;
  /** A fault lasting this long raises one urgent equipment exception, minutes. */
  faultAfterMin: number;
  /** A period is reported this long after it ended, so readings still on their way count, seconds. */
  graceSec: number;
  master: readonly EquipmentMasterRow[];
}

export const DEFAULT_SHIFTS: readonly ShiftRow[] = [
  { name: '白班 Day', start: '08:00', end: '20:00' },
  { name: '夜班 Night', start: '20:00', end: '08:00' },
];

export const DEFAULT_OEE_SETTINGS: OeeSettings = { shifts: DEFAULT_SHIFTS, timeZone: 'Asia/Shanghai', thresholdPct: 80, faultAfterMin: 10, graceSec: 60, master: [] };

/** Time and counts of one machine over one period, before they become ratios. */
export interface PeriodTotals {
  plannedMin: number;
  runMin: number;
  faultMin: number;
  idleMin: number;
  plannedDowntimeMin: number;
  totalCount: number;
  rejectCount: number;
  /** Σ parts × their ideal cycle time, seconds; parts made with no known ideal cycle time are not in it. */
  idealSec: number;
  /** Parts made while the ideal cycle time was known. */
  idealCount: number;
  orders: string[];
}

export type Loss = 'downtime' | 'speed' | 'quality';

/**
 * The ideal cycle time is wrong: the machine made parts faster than it (performance would be above 100 %).
 * Performance is then capped at 100 % and OEE is the most the machine can have achieved.
 */
export interface IdealCycleCheck {
  /** The ideal seconds per part the routing or master gives (weighted by the parts made under each). */
  idealCycleSec: number;
  /** The machine's own seconds per part: run time / parts. */
  measuredCycleSec: number;
  /** Performance as the wrong ideal would have it (above 1), for whoever corrects the master. */
  measuredPerformance: number;
}

export interface OeeFigures {
  availability: number | null;
  /** At most 1: above it, the ideal cycle is wrong (idealCycleCheck says by how much). */
  performance: number | null;
  quality: number | null;
  oee: number | null;
  /** Present when the ideal cycle time is slower than the machine. */
  idealCycleCheck?: IdealCycleCheck;
}

/** schemas/oee-report.schema.json */
export interface OeeReport extends OeeFigures {
  reportId: string;
  equipment: string;
  period: 'hour' | 'shift';
  shift?: string;
  from: string;
  to: string;
  plannedTimeMin: number;
  runTimeMin: number;
  downtimeMin: number;
  faultMin: number;
  idleMin: number;
  plannedDowntimeMin: number;
  idealCycleTimeSec: number | null;
  totalCount: number;
  goodCount: number;
  losses: { downtimeMin: number; speedMin: number; qualityMin: number };
  largestLoss: Loss | null;
  alarm: boolean;
  thresholdPct: number;
  orders: string[];
  lateSignals: number;
  reportedAt: string;
}

/** schemas/equipment-status.schema.json */
export interface EquipmentStatus {
  equipment: string;
  state: EquipmentState;
  since: string;
  previousState?: EquipmentState;
  orderNo?: string;
  opNo?: string;
  backupEquipment?: string;
  shift: { name: string; from: string; to: string };
  oee: OeeFigures;
}

export interface SignalOutcome {
  /** The same reading was seen before: nothing changed. */
  duplicate: boolean;
  /** Older than the last reported period: not counted. */
  late: boolean;
  /** The machine's current state changed: this goes to the ERP. */
  status?: EquipmentStatus;
}

export interface DueOutcome {
  reports: OeeReport[];
  exceptions: ExceptionEvent[];
}

/** One machine on the dashboard. */
export interface EquipmentTile {
  equipment: string;
  name?: string;
  state: EquipmentState | 'unknown';
  since?: string;
  orderNo?: string;
  opNo?: string;
  backupEquipment?: string;
  shift: { name: string; from: string; to: string };
  figures: OeeFigures & { plannedTimeMin: number; runTimeMin: number; downtimeMin: number; totalCount: number; goodCount: number; largestLoss: Loss | null };
  alarm: boolean;
  spindleSpeed?: number;
  temperature?: number;
  lastSignalAt?: string;
}

export interface EquipmentBoard {
  asOf: string;
  thresholdPct: number;
  equipment: EquipmentTile[];
}
