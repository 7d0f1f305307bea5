// The rolling defect rate of each operation (不合格率): the last N inspection records of an order's operation,
// optionally only those of the last M minutes. When the rate rises above the limit (5 % by default) an
// urgent quality exception and a pause command for that operation come out, once per crossing: the alarm
// re-arms only after the rate has fallen back to the limit or below.
import { validate } from '../validation';
import { isoAt, MINUTE_MS, toMs, type Instant } from './instant';
import type { ExceptionEvent } from './types';

/** schemas/quality-record.schema.json */
export interface QualityRecord {
  recordId?: string;
  orderNo: string;
  opNo: string;
  traceCode: string;
  result: 'pass' | 'fail';
  defectCode?: string;
  inspector: string;
  gaugeId?: string;
  timestamp: string;
}

export interface DefectRateSettings {
  /** How many of the latest records the rate covers (default 50). */
  windowRecords: number;
  /** When set, only records inspected in the last windowMin minutes count. */
  windowMin?: number;
  /** The rate must rise above this percentage to alarm (default 5). */
  thresholdPct: number;
  /** No alarm on fewer records than this (default 20): one bad unit out of three is not a rate. */
  minRecords: number;
}

export const DEFAULT_DEFECT_RATE_SETTINGS: Readonly<DefectRateSettings> = { windowRecords: 50, thresholdPct: 5, minRecords: 20 };

/** What the MES is told: stop this operation until the quality exception is dealt with (MES 暂停该工序生产). */
export interface PauseCommand {
  command: 'pause-operation';
  orderNo: string;
  opNo: string;
  exceptionId: string;
  reason: string;
  defectRatePct: number;
  failed: number;
  inspected: number;
  at: string;
}

export interface QualityOutcome {
  /** The record was counted before (same record id, or same order, op, trace code and time): nothing changed. */
  duplicate: boolean;
  orderNo: string;
  opNo: string;
  inspected: number;
  failed: number;
  defectRatePct: number;
  /** Present when this record took the rate above the limit. */
  alarm?: { exception: ExceptionEvent; pause: PauseCommand };
  /** True when this record brought an alarmed operation back to the limit or below (the alarm re-arms). */
  cleared: boolean;
}

interface InspectionMark {
  key: string;
  failed: boolean;
  defectCode?: string;
  atMs: number;
}

/** One operation's window as plain JSON, one store key per order and operation. */
export interface OperationQualityState {
  version: 1;
  orderNo: string;
  opNo: string;
  /** Oldest first. */
  marks: InspectionMark[];
  alarmed: boolean;
  /** Alarms raised so far: the next quality exception's id counts on from it. */
  alarms: number;
}

const KEY_PREFIX = 'quality:';
const keyOf = (orderNo: string, opNo: string): string => `${KEY_PREFIX}${orderNo}/${opNo}`;
const roundPct = (value: number): number => Math.round(value * 100) / 100;

export function defectRateSettings(settings: Partial<DefectRateSettings> = {}): DefectRateSettings {
  const merged = { ...DEFAULT_DEFECT_RATE_SETTINGS, ...settings };
  const positiveWhole = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n > 0;
  if (!positiveWhole(merged.windowRecords)) throw new Error(`The defect-rate window must be a whole number of records above 0, not ${JSON.stringify(merged.windowRecords)}.`);
  if (!positiveWhole(merged.minRecords) || merged.minRecords > merged.windowRecords) {
    throw new Error(`The minimum records for a defect rate must be a whole number from 1 to the window (${merged.windowRecords}), not ${JSON.stringify(merged.minRecords)}.`);
  }
  if (typeof merged.thresholdPct !== 'number' || !(merged.thresholdPct >= 0 && merged.thresholdPct < 100)) {
    throw new Error(`The defect-rate limit must be a percentage from 0 to below 100, not ${JSON.stringify(merged.thresholdPct)}.`);
  }
  if (merged.windowMin !== undefined && !(typeof merged.windowMin === 'number' && merged.windowMin > 0)) {
    throw new Error(`The defect-rate time window must be a number of minutes above 0 (or left out), not ${JSON.stringify(merged.windowMin)}.`);
  }
  return merged;
}

export class DefectRates {
  readonly settings: DefectRateSettings;
  private readonly operations = new Map<string, OperationQualityState>();
  private readonly changed = new Set<string>();

  constructor(settings: Partial<DefectRateSettings> = {}) {
    this.settings = defectRateSettings(settings);
  }

  /** Counts one inspection record (schemas/quality-record); a malformed one is refused and changes nothing. */
  record(input: unknown, now: Instant): QualityOutcome {
    const checked = validate('quality-record', input);
    if (!checked.ok) throw new Error(`The quality record was refused: ${checked.message}.`);
    const record = input as QualityRecord;
    const nowMs = toMs(now);
    const key = keyOf(record.orderNo, record.opNo);
    const op = this.operations.get(key) ?? { version: 1, orderNo: record.orderNo, opNo: record.opNo, marks: [], alarmed: false, alarms: 0 };
    const markKey = record.recordId ?? `${record.traceCode}@${toMs(record.timestamp)}`;
    if (op.marks.some((m) => m.key === markKey)) return { duplicate: true, ...this.figures(op), cleared: false };

    op.marks.push({ key: markKey, failed: record.result === 'fail', ...(record.defectCode !== undefined && { defectCode: record.defectCode }), atMs: toMs(record.timestamp) });
    op.marks = this.inWindow(op.marks, nowMs);
    const figures = this.figures(op);
    let alarm: QualityOutcome['alarm'];
    let cleared = false;
    const above = figures.inspected > 0 && figures.defectRatePct > this.settings.thresholdPct;
    if (!op.alarmed && above && figures.inspected >= this.settings.minRecords) {
      op.alarmed = true;
      op.alarms += 1;
      alarm = this.alarm(op, figures, nowMs);
    } else if (op.alarmed && !above && figures.inspected > 0) {
      op.alarmed = false;
      cleared = true;
    }
    this.operations.set(key, op);
    this.changed.add(key);
    return { duplicate: false, ...figures, ...(alarm && { alarm }), cleared };
  }

  /** The operation's current figures (records outside the time window no longer count). */
  rate(orderNo: string, opNo: string, now: Instant): { inspected: number; failed: number; defectRatePct: number; alarmed: boolean } {
    const op = this.operations.get(keyOf(orderNo, opNo));
    if (!op) return { inspected: 0, failed: 0, defectRatePct: 0, alarmed: false };
    const { inspected, failed, defectRatePct } = this.figures({ ...op, marks: this.inWindow(op.marks, toMs(now)) });
    return { inspected, failed, defectRatePct, alarmed: op.alarmed };
  }

  takeChanges(): Array<[key: string, value: OperationQualityState]> {
    const entries = [...this.changed].sort().map((key): [string, OperationQualityState] => [key, structuredClone(this.operations.get(key)!)]);
    this.changed.clear();
    return entries;
  }

  entries(): Array<[key: string, value: OperationQualityState]> {
    return [...this.operations.keys()].sort().map((key) => [key, structuredClone(this.operations.get(key)!)]);
  }

  static restore(entries: Iterable<[string, unknown]>, settings: Partial<DefectRateSettings> = {}): DefectRates {
    const rates = new DefectRates(settings);
    for (const [key, value] of entries) {
      if (!key.startsWith(KEY_PREFIX)) continue;
      const state = value as OperationQualityState | undefined;
      if (!state || state.version !== 1 || keyOf(state.orderNo, state.opNo) !== key || !Array.isArray(state.marks)) {
        throw new Error(`The stored defect rate under ${key} is not an operation quality state of version 1 written by this bridge.`);
      }
      rates.operations.set(key, structuredClone(state));
    }
    return rates;
  }

  private inWindow(marks: InspectionMark[], nowMs: number): InspectionMark[] {
    const { windowMin, windowRecords } = this.settings;
    const recent = windowMin === undefined ? marks : marks.filter((m) => m.atMs >= nowMs - windowMin * MINUTE_MS);
    return recent.slice(-windowRecords);
  }

  private figures(op: OperationQualityState) {
    const inspected = op.marks.length;
    const failed = op.marks.filter((m) => m.failed).length;
    return { orderNo: op.orderNo, opNo: op.opNo, inspected, failed, defectRatePct: inspected === 0 ? 0 : roundPct((failed / inspected) * 100) };
  }

  private alarm(op: OperationQualityState, figures: { inspected: number; failed: number; defectRatePct: number }, nowMs: number): { exception: ExceptionEvent; pause: PauseCommand } {
    const id = `QA-${op.orderNo}-${op.opNo}-${op.alarms}`;
    const codes = new Map<string, number>();
    for (const m of op.marks) if (m.failed && m.defectCode) codes.set(m.defectCode, (codes.get(m.defectCode) ?? 0) + 1);
    const top = [...codes]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 3)
      .map(([code, n]) => `${code} × ${n}`);
    const reason = `Defect rate of operation ${op.opNo} of order ${op.orderNo} is ${figures.defectRatePct} % (${figures.failed} of the last ${figures.inspected} inspected), above the ${this.settings.thresholdPct} % limit${top.length ? `; defects: ${top.join(', ')}` : ''}.`;
    const at = isoAt(nowMs);
    return {
      exception: { id, type: 'quality-defect', severity: 'urgent', orderNo: op.orderNo, opNo: op.opNo, description: reason, timestamp: at, reportedBy: 'defect-rate' },
      pause: { command: 'pause-operation', orderNo: op.orderNo, opNo: op.opNo, exceptionId: id, reason, defectRatePct: figures.defectRatePct, failed: figures.failed, inspected: figures.inspected, at },
    };
  }
}
