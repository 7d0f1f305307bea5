// The exception book: every exception the MES (or the bridge's own checks) raised, its state
// (open → acknowledged → resolved → closed), its level in the escalation policy and its acknowledgement
// deadline. Deadlines are plain times in the state, so after a restart the first due() call fires every
// deadline that passed while the process was down. The clock is never read here.
import { canonicalJson } from '../audit/chain';
import type { AuditRecord } from '../audit/types';
import { validate } from '../validation';
import { isoAt, MINUTE_MS, toMs, type Instant } from './instant';
import { DEFAULT_ESCALATION_POLICY, EscalationPolicy } from './policy';
import {
  SEVERITIES,
  type DueOutcome,
  type ErpRequest,
  type ExceptionEvent,
  type ExceptionRecordState,
  type ExceptionResolution,
  type ExceptionState,
  type Notification,
  type OpenExceptionSummary,
  type PolicyRow,
  type RaiseOutcome,
  type ResolveOutcome,
  type Severity,
  type StepOutcome,
} from './types';

const KEY_PREFIX = 'exception:';

function requireText(value: unknown, what: string, id: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new Error(`The ${what} for exception ${id} must be a non-blank text, not ${JSON.stringify(value)}.`);
  return value.trim();
}

export class ExceptionBook {
  readonly policy: EscalationPolicy;
  private readonly records = new Map<string, ExceptionRecordState>();
  private readonly changed = new Set<string>();

  constructor(policy: EscalationPolicy | readonly PolicyRow[] = DEFAULT_ESCALATION_POLICY) {
    this.policy = policy instanceof EscalationPolicy ? policy : EscalationPolicy.from(policy);
  }

  /** Takes in one exception (schemas/exception-event); the same id again changes nothing and notifies no one. */
  raise(input: unknown, now: Instant): RaiseOutcome {
    const checked = validate('exception-event', input);
    if (!checked.ok) throw new Error(`The exception event was refused: ${checked.message}.`);
    const event = structuredClone(input) as ExceptionEvent;
    const known = this.records.get(event.id);
    if (known) return { duplicate: true, exception: structuredClone(known), notifications: [], conflicting: canonicalJson(known.event) !== canonicalJson(event) };
    const nowMs = toMs(now);
    const row = this.policy.rowFor(event.severity, event.type);
    const record: ExceptionRecordState = {
      version: 1,
      event,
      raisedAt: isoAt(nowMs),
      state: 'open',
      level: event.severity,
      severity: event.severity,
      ...(row.ackWithinMin !== undefined && { deadline: isoAt(nowMs + row.ackWithinMin * MINUTE_MS) }),
      escalations: [],
      erpRequested: false,
    };
    const erpRequest = this.erpRequest(record, row, nowMs);
    this.store(record);
    return {
      duplicate: false,
      exception: structuredClone(record),
      notifications: this.notifications(record, row, 'raised', nowMs),
      notice: { exceptionId: event.id, event: structuredClone(event), level: record.level, handledIn: event.severity === 'general' ? 'mes' : 'erp', raisedAt: record.raisedAt },
      ...(record.deadline !== undefined && { deadline: record.deadline }),
      ...(erpRequest && { erpRequest }),
    };
  }

  /** Someone took charge: the acknowledgement deadline stops. */
  ack(id: string, user: string, note: string, now: Instant): StepOutcome {
    const record = this.find(id);
    const by = requireText(user, 'user acknowledging', id);
    if (record.state !== 'open') throw new Error(this.stateError(record, 'acknowledged'));
    const at = isoAt(toMs(now));
    const text = typeof note === 'string' ? note.trim() : '';
    const late = record.deadline !== undefined && record.deadline < at;
    record.state = 'acknowledged';
    record.acknowledged = { by, note: text, at };
    delete record.deadline;
    this.store(record);
    return {
      exception: structuredClone(record),
      audit: [this.audit(record, by, 'exception.acknowledged', text || 'Acknowledged without a note.', 'acknowledged', { level: record.level, late })],
    };
  }

  /** The cause is removed; the resolution (with the downtime) goes to the ERP so that it can re-plan. */
  resolve(id: string, user: string, note: string, downtimeMin: number, now: Instant): ResolveOutcome {
    const record = this.find(id);
    const by = requireText(user, 'user resolving', id);
    const text = requireText(note, 'resolution note', id);
    if (typeof downtimeMin !== 'number' || !Number.isFinite(downtimeMin) || downtimeMin < 0) {
      throw new Error(`The downtime of exception ${id} must be a number of minutes, 0 or more, not ${JSON.stringify(downtimeMin)}.`);
    }
    if (record.state !== 'open' && record.state !== 'acknowledged') throw new Error(this.stateError(record, 'resolved'));
    const at = isoAt(toMs(now));
    record.state = 'resolved';
    record.resolved = { by, note: text, downtimeMin, at };
    delete record.deadline;
    this.store(record);
    const { event } = record;
    const resolution: ExceptionResolution = {
      exceptionId: id,
      type: event.type,
      severity: record.severity,
      level: record.level,
      ...(event.orderNo !== undefined && { orderNo: event.orderNo }),
      ...(event.opNo !== undefined && { opNo: event.opNo }),
      ...(event.equipment !== undefined && { equipment: event.equipment }),
      description: event.description,
      raisedAt: record.raisedAt,
      ...(record.acknowledged && { acknowledgedAt: record.acknowledged.at, acknowledgedBy: record.acknowledged.by }),
      resolvedAt: at,
      resolvedBy: by,
      note: text,
      downtimeMin,
      escalations: record.escalations.length,
    };
    return { exception: structuredClone(record), resolution, audit: [this.audit(record, by, 'exception.resolved', text, 'resolved', { level: record.level, downtimeMin })] };
  }

  /** Closes a resolved exception (the resolution was checked); nothing happens to it afterwards. */
  close(id: string, user: string, note: string, now: Instant): StepOutcome {
    const record = this.find(id);
    const by = requireText(user, 'user closing', id);
    if (record.state !== 'resolved') throw new Error(this.stateError(record, 'closed'));
    const at = isoAt(toMs(now));
    const text = typeof note === 'string' ? note.trim() : '';
    record.state = 'closed';
    record.closed = { by, note: text, at };
    this.store(record);
    return { exception: structuredClone(record), audit: [this.audit(record, by, 'exception.closed', text || 'Closed after resolution.', 'closed', { level: record.level })] };
  }

  /**
   * Every open exception whose deadline has passed at `now` moves one level up (the new level's deadline runs
   * from now, when its people are told) or, at a level with no next one, is reported overdue once.
   */
  due(now: Instant): DueOutcome[] {
    const nowMs = toMs(now);
    const passed = [...this.records.values()]
      .filter((r) => r.state === 'open' && r.deadline !== undefined && toMs(r.deadline) <= nowMs)
      .sort((a, b) => (a.deadline! < b.deadline! ? -1 : a.deadline! > b.deadline! ? 1 : a.event.id < b.event.id ? -1 : 1));
    return passed.map((record) => this.passDeadline(record, nowMs));
  }

  /** The earliest deadline still running, for the node's timer. */
  nextDeadline(): string | undefined {
    let next: string | undefined;
    let nextMs = Infinity;
    for (const r of this.records.values()) {
      if (r.state !== 'open' || r.deadline === undefined) continue;
      const ms = toMs(r.deadline);
      if (ms < nextMs) [next, nextMs] = [r.deadline, ms];
    }
    return next;
  }

  get(id: string): ExceptionRecordState | undefined {
    const record = this.records.get(id);
    return record && structuredClone(record);
  }

  /** Exceptions by raise time, optionally only some states or one order. */
  list(filter: { states?: ExceptionState[]; orderNo?: string } = {}): ExceptionRecordState[] {
    return [...this.records.values()]
      .filter((r) => (!filter.states || filter.states.includes(r.state)) && (filter.orderNo === undefined || r.event.orderNo === filter.orderNo))
      .sort((a, b) => (a.raisedAt < b.raisedAt ? -1 : a.raisedAt > b.raisedAt ? 1 : a.event.id < b.event.id ? -1 : 1))
      .map((r) => structuredClone(r));
  }

  /** How many exceptions are in one of these states (the node's status), without copying or sorting them. */
  count(states: readonly ExceptionState[]): number {
    let n = 0;
    for (const r of this.records.values()) if (states.includes(r.state)) n += 1;
    return n;
  }

  /** The order's latest exception not yet resolved (by detection time): progress-push shows it as the lag reason. */
  latestOpenFor(orderNo: string): OpenExceptionSummary | undefined {
    let latest: ExceptionRecordState | undefined;
    for (const r of this.records.values()) {
      if (r.event.orderNo !== orderNo || (r.state !== 'open' && r.state !== 'acknowledged')) continue;
      if (!latest || compareDetection(r, latest) > 0) latest = r;
    }
    return latest && { id: latest.event.id, type: latest.event.type, severity: latest.severity, description: latest.event.description, at: latest.event.timestamp };
  }

  /** The store entries changed since the last call: write them with putMany in one step. */
  takeChanges(): Array<[key: string, value: ExceptionRecordState]> {
    const entries = [...this.changed].sort().map((id): [string, ExceptionRecordState] => [KEY_PREFIX + id, structuredClone(this.records.get(id)!)]);
    this.changed.clear();
    return entries;
  }

  /** Every exception as store entries (key → plain JSON). */
  entries(): Array<[key: string, value: ExceptionRecordState]> {
    return [...this.records.keys()].sort().map((id) => [KEY_PREFIX + id, structuredClone(this.records.get(id)!)]);
  }

  /** A book from stored entries (other keys of the namespace are ignored); a malformed entry is refused. */
  static restore(entries: Iterable<[string, unknown]>, policy: EscalationPolicy | readonly PolicyRow[] = DEFAULT_ESCALATION_POLICY): ExceptionBook {
    const book = new ExceptionBook(policy);
    for (const [key, value] of entries) {
      if (!key.startsWith(KEY_PREFIX)) continue;
      const state = value as ExceptionRecordState | undefined;
      const id = key.slice(KEY_PREFIX.length);
      if (!state || state.version !== 1 || state.event?.id !== id || typeof state.state !== 'string' || typeof state.level !== 'string' || !Array.isArray(state.escalations)) {
        throw new Error(`The stored exception under ${key} is not an exception state of version 1 written by this bridge.`);
      }
      book.records.set(id, structuredClone(state));
    }
    return book;
  }

  private passDeadline(record: ExceptionRecordState, nowMs: number): DueOutcome {
    const from = record.level;
    const row = this.policy.hasLevel(from) ? this.policy.rowFor(from, record.event.type) : undefined;
    const passedDeadline = record.deadline!;
    const waited = row?.ackWithinMin !== undefined ? `${row.ackWithinMin} min` : `the deadline ${passedDeadline}`;
    if (!row?.nextLevel) {
      delete record.deadline;
      this.store(record);
      const notifications = row ? this.notifications(record, row, 'overdue', nowMs) : [];
      const why = `Not acknowledged within ${waited} at level ${from}, the top of the escalation policy.`;
      return { kind: 'overdue', exceptionId: record.event.id, from, exception: structuredClone(record), notifications, audit: [this.audit(record, 'bridge', 'exception.overdue', why, 'overdue', { level: from, deadline: passedDeadline })] };
    }
    const to = row.nextLevel;
    const next = this.policy.rowFor(to, record.event.type);
    record.level = to;
    if ((SEVERITIES as readonly string[]).includes(to)) record.severity = to as Severity;
    record.escalations.push({ from, to, at: isoAt(nowMs) });
    if (next.ackWithinMin !== undefined) record.deadline = isoAt(nowMs + next.ackWithinMin * MINUTE_MS);
    else delete record.deadline;
    const erpRequest = this.erpRequest(record, next, nowMs);
    this.store(record);
    const why = `Not acknowledged within ${waited} at level ${from}; escalated to ${to}.`;
    return {
      kind: 'escalated',
      exceptionId: record.event.id,
      from,
      to,
      exception: structuredClone(record),
      notifications: this.notifications(record, next, 'escalated', nowMs),
      ...(record.deadline !== undefined && { deadline: record.deadline }),
      ...(erpRequest && { erpRequest }),
      audit: [this.audit(record, 'bridge', 'exception.escalated', why, 'escalated', { from, to, deadline: passedDeadline })],
    };
  }

  /** The ERP request of the row, once per exception (a shortage that is escalated again asks only once). */
  private erpRequest(record: ExceptionRecordState, row: PolicyRow, nowMs: number): ErpRequest | undefined {
    if (!row.erpAction || record.erpRequested) return undefined;
    record.erpRequested = true;
    const { event } = record;
    return {
      action: row.erpAction,
      exceptionId: event.id,
      ...(event.orderNo !== undefined && { orderNo: event.orderNo }),
      ...(event.opNo !== undefined && { opNo: event.opNo }),
      ...(event.material && { material: { ...event.material } }),
      description: event.description,
      at: isoAt(nowMs),
    };
  }

  private notifications(record: ExceptionRecordState, row: PolicyRow, reason: Notification['reason'], nowMs: number): Notification[] {
    const { event } = record;
    return row.notify.map((target) => ({
      exceptionId: event.id,
      reason,
      level: record.level,
      role: target.role,
      channel: target.channel,
      type: event.type,
      severity: record.severity,
      ...(event.orderNo !== undefined && { orderNo: event.orderNo }),
      ...(event.opNo !== undefined && { opNo: event.opNo }),
      ...(event.equipment !== undefined && { equipment: event.equipment }),
      description: event.description,
      ...(record.deadline !== undefined && { ackBy: record.deadline }),
      at: isoAt(nowMs),
    }));
  }

  private audit(record: ExceptionRecordState, who: string, what: string, why: string, meaning: string, details: Record<string, unknown>): AuditRecord {
    return { who, what, why, subjectId: record.event.id, ...(record.event.orderNo !== undefined && { orderNo: record.event.orderNo }), meaning, details };
  }

  private find(id: string): ExceptionRecordState {
    const record = this.records.get(id);
    if (!record) throw new Error(`No exception ${JSON.stringify(id)} is known to this node.`);
    return record;
  }

  private stateError(record: ExceptionRecordState, wanted: 'acknowledged' | 'resolved' | 'closed'): string {
    const id = record.event.id;
    const done = record.state === 'acknowledged' ? record.acknowledged : record.state === 'resolved' ? record.resolved : record.state === 'closed' ? record.closed : undefined;
    if (record.state === wanted) return `Exception ${id} was already ${wanted} by ${done!.by} at ${done!.at}.`;
    if (wanted === 'closed') return `Exception ${id} is ${record.state}; it must be resolved before it can be closed.`;
    return `Exception ${id} is ${record.state} (by ${done!.by} at ${done!.at}); it cannot be ${wanted} any more.`;
  }

  private store(record: ExceptionRecordState): void {
    this.records.set(record.event.id, record);
    this.changed.add(record.event.id);
  }
}

function compareDetection(a: ExceptionRecordState, b: ExceptionRecordState): number {
  const byTime = toMs(a.event.timestamp) - toMs(b.event.timestamp);
  if (byTime !== 0) return byTime;
  if (a.raisedAt !== b.raisedAt) return a.raisedAt < b.raisedAt ? -1 : 1;
  return a.event.id < b.event.id ? -1 : a.event.id > b.event.id ? 1 : 0;
}
