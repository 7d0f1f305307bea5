// The OEE book: per machine its state changes and counter readings since the oldest period not yet reported,
// the plans (which order and operation each machine is on, with its ideal cycle time) and the equipment
// master. Signals go in (validated, in any order, twice); due(now) closes hours and shifts into reports and
// raises one urgent exception per fault that lasted too long. The clock is never read here; state is plain
// JSON under store keys, so a restart continues the open periods and the fault timers where they were.
import type { ExceptionEvent } from '../escalation/types';
import { validate } from '../validation';
import { continues, insertReading, pruneReadings } from './counters';
import { foldAcross, foldReadings, machineTotals, MAX_READINGS, type MachineContext, type MachineRecord } from './machine';
import { belowThreshold, oeeFigures } from './figures';
import { checkMaster, currentOperation, plannedOperations, type PlannedOperation } from './routing';
import { ShiftCalendar, type Period } from './shifts';
import { insertState, mergeWindows, pruneStates } from './timeline';
import type { DueOutcome, EquipmentBoard, EquipmentMasterRow, EquipmentSignal, EquipmentState, EquipmentStatus, EquipmentTile, OeeReport, OeeSettings, SignalOutcome } from './types';

const MACHINE = 'equipment:';
const PLAN = 'plan:';
const MASTER = 'master';
const MINUTE_MS = 60_000;
/** A machine silent for longer than this is caught up from here, not hour by hour from its last signal. */
const CATCH_UP_MS = 7 * 86_400_000;

const iso = (ms: number) => new Date(ms).toISOString();
const min = (ms: number) => Math.round((ms / MINUTE_MS) * 1000) / 1000;

export class OeeBook {
  readonly calendar: ShiftCalendar;
  private readonly machines = new Map<string, MachineRecord>();
  private readonly plans = new Map<string, PlannedOperation[]>();
  private master = new Map<string, EquipmentMasterRow>();
  private masterFromMessage = false;
  private readonly changed = new Set<string>();
  /**
   * Counters of machines restored from the store whose first reading since has not come yet: the PLC may
   * have restarted while the bridge was down, so that reading must prove it continues the stored series.
   */
  private readonly resumed = new Map<string, Set<'parts' | 'rejects'>>();

  constructor(readonly settings: OeeSettings) {
    this.calendar = new ShiftCalendar(settings.shifts, settings.timeZone);
    if (!(settings.thresholdPct >= 0 && settings.thresholdPct <= 100)) throw new Error(`The OEE alarm threshold must be a percentage from 0 to 100, not ${settings.thresholdPct}.`);
    if (!(settings.faultAfterMin > 0)) throw new Error(`The fault time before an exception must be more than 0 minutes, not ${settings.faultAfterMin}.`);
    if (!(settings.graceSec >= 0)) throw new Error(`The grace time before a period is reported must be 0 seconds or more, not ${settings.graceSec}.`);
    this.master = new Map(checkMaster(settings.master).map((r) => [r.equipment, r]));
  }

  /** Takes one reading (schemas/equipment-signal). A malformed one throws naming the field and changes nothing. */
  signal(input: unknown, now: number): SignalOutcome {
    const checked = validate('equipment-signal', input);
    if (!checked.ok) throw new Error(`The equipment signal was refused: ${checked.message}.`);
    const signal = input as EquipmentSignal;
    const at = Date.parse(signal.at);
    let machine = this.machines.get(signal.equipment);
    if (machine && at < Math.min(machine.hourFrom, machine.shiftFrom)) {
      machine.late += 1;
      this.touch(machine);
      return { duplicate: false, late: true };
    }
    machine ??= {
      version: 1,
      equipment: signal.equipment,
      states: [],
      parts: [],
      rejects: [],
      hourFrom: this.calendar.hourAt(at).from,
      shiftFrom: this.calendar.shiftAt(at).from,
      late: 0,
      measurements: {},
    };
    let added = false;
    let lateField = false;
    const counter = (kind: 'parts' | 'rejects', value: number | undefined) => {
      if (value === undefined) return;
      const foldedTo = machine!.foldedTo?.[kind];
      if (foldedTo !== undefined && at < foldedTo) lateField = true;
      else added = insertReading(machine![kind], at, value, this.startsAgain(machine!, kind, at, value)) === 'added' || added;
    };
    if (signal.state !== undefined) added = insertState(machine.states, at, signal.state) === 'added' || added;
    counter('parts', signal.partCounter);
    counter('rejects', signal.rejectCounter);
    if (lateField) {
      machine.late += 1;
      if (!added && this.machines.has(signal.equipment)) {
        this.touch(machine);
        return { duplicate: false, late: true };
      }
    }
    if (machine.parts.length > MAX_READINGS || machine.rejects.length > MAX_READINGS) {
      const ctx = this.context(machine.equipment);
      foldReadings(machine, 'parts', ctx);
      foldReadings(machine, 'rejects', ctx);
    }
    if ((signal.spindleSpeed !== undefined || signal.temperature !== undefined) && at >= (machine.measurements.at ?? -Infinity)) {
      const { spindleSpeed, temperature } = signal;
      machine.measurements = { ...machine.measurements, at, ...(spindleSpeed !== undefined && { spindleSpeed }), ...(temperature !== undefined && { temperature }) };
      added = true;
    }
    if (!added && this.machines.has(signal.equipment)) return { duplicate: true, late: false };
    machine.lastSignalAt = Math.max(machine.lastSignalAt ?? at, at);
    this.machines.set(machine.equipment, machine);
    this.touch(machine);
    const current = machine.states.at(-1);
    if (!current || current[1] === machine.told?.state) return { duplicate: !added, late: false };
    const previous = machine.told?.state;
    machine.told = { state: current[1], since: current[0] };
    return { duplicate: false, late: false, status: this.status(machine, previous, now) };
  }

  /**
   * Whether the first reading of a counter after the bridge restarted starts the series again (a baseline):
   * yes unless it continues the last stored reading at a plausible rate. A reading older than the stored ones
   * belongs to them, and the next one is asked again.
   */
  private startsAgain(machine: MachineRecord, kind: 'parts' | 'rejects', at: number, value: number): boolean {
    const pending = this.resumed.get(machine.equipment);
    const last = machine[kind].at(-1);
    if (!pending?.has(kind)) return false;
    // Nothing stored to continue: this reading is the first base anyway.
    if (!last) {
      pending.delete(kind);
      return false;
    }
    if (at <= last[0]) return false;
    pending.delete(kind);
    const row = this.master.get(machine.equipment);
    const ideal = currentOperation(this.allOps(), row, machine.equipment, at).idealCycleSec;
    return !continues(last, at, value, ideal, row?.counterMax);
  }

  /**
   * Takes a message's signals, one or an array: all are checked first, so a malformed one (named by its
   * index) refuses the whole message and changes nothing.
   */
  signals(input: unknown, now: number): SignalOutcome[] {
    const list = Array.isArray(input) ? input : [input];
    list.forEach((s, i) => {
      const checked = validate('equipment-signal', s, Array.isArray(input) ? `payload[${i}]` : 'payload');
      if (!checked.ok) throw new Error(`The equipment signal was refused: ${checked.message}. Nothing of this message was applied.`);
    });
    return list.map((s) => this.signal(s, now));
  }

  /** Takes one work order or an array of them (schemas/work-order): the plan says which order each machine runs. */
  plan(input: unknown): number {
    const orders = Array.isArray(input) ? input : [input];
    const planned = orders.map((o) => [(o as { workOrderNo: string }).workOrderNo, plannedOperations(o)] as const);
    for (const [orderNo, ops] of planned) {
      this.plans.set(orderNo, ops);
      this.changed.add(PLAN + orderNo);
    }
    return planned.length;
  }

  /** Replaces the equipment master (rows from resource sync); the configured rows no longer apply. */
  setMaster(rows: unknown): number {
    const checked = checkMaster(rows);
    this.master = new Map(checked.map((r) => [r.equipment, r]));
    this.masterFromMessage = true;
    this.changed.add(MASTER);
    return checked.length;
  }

  masterRow(equipment: string): EquipmentMasterRow | undefined {
    return this.master.get(equipment);
  }

  /** Closes every hour and shift that ended `graceSec` ago into reports; raises faults that lasted too long. */
  due(now: number): DueOutcome {
    const outcome: DueOutcome = { reports: [], exceptions: [] };
    const grace = this.settings.graceSec * 1000;
    for (const machine of [...this.machines.values()].sort((a, b) => (a.equipment < b.equipment ? -1 : 1))) {
      const before = { hour: machine.hourFrom, shift: machine.shiftFrom, raised: machine.faultRaisedFor };
      if (now - machine.hourFrom > CATCH_UP_MS) machine.hourFrom = this.calendar.hourAt(now - CATCH_UP_MS).from;
      if (now - machine.shiftFrom > CATCH_UP_MS) machine.shiftFrom = this.calendar.shiftAt(now - CATCH_UP_MS).from;
      const reports: OeeReport[] = [];
      const floor = Math.min(machine.hourFrom, machine.shiftFrom);
      for (let hour = this.calendar.hourWithShift(machine.hourFrom); hour.to + grace <= now; hour = this.calendar.hourWithShift(hour.to)) {
        reports.push(this.report(machine, 'hour', hour, now, floor));
        machine.hourFrom = hour.to;
      }
      for (let shift = this.calendar.shiftAt(machine.shiftFrom); shift.to + grace <= now; shift = this.calendar.shiftAt(shift.to)) {
        reports.push(this.report(machine, 'shift', shift, now, floor));
        machine.shiftFrom = shift.to;
      }
      if (reports.length > 0) {
        machine.late = 0;
        const keepFrom = Math.min(machine.hourFrom, machine.shiftFrom);
        if (keepFrom > floor) {
          const ctx = this.context(machine.equipment);
          foldAcross(machine, 'parts', ctx, floor, keepFrom);
          foldAcross(machine, 'rejects', ctx, floor, keepFrom);
        }
        pruneStates(machine.states, keepFrom);
        pruneReadings(machine.parts, keepFrom);
        pruneReadings(machine.rejects, keepFrom);
        for (const piece of Object.keys(machine.counted ?? {})) if (Number(piece) < keepFrom) delete machine.counted![piece];
      }
      outcome.reports.push(...reports.sort((a, b) => (a.to < b.to ? -1 : a.to > b.to ? 1 : a.period === 'hour' ? -1 : 1)));
      const fault = this.faultDue(machine, now);
      if (fault) outcome.exceptions.push(fault);
      if (before.hour !== machine.hourFrom || before.shift !== machine.shiftFrom || before.raised !== machine.faultRaisedFor) this.touch(machine);
    }
    // Plans whose operations all ended more than the catch-up time ago can no longer be asked about: emptied.
    for (const [orderNo, ops] of this.plans) {
      if (ops.length > 0 && ops.every((op) => op.to < now - CATCH_UP_MS)) {
        this.plans.set(orderNo, []);
        this.changed.add(PLAN + orderNo);
      }
    }
    return outcome;
  }

  /** The earliest instant something falls due: a period to close or a fault to raise. */
  nextDeadline(): string | undefined {
    const grace = this.settings.graceSec * 1000;
    let next = Infinity;
    for (const m of this.machines.values()) {
      next = Math.min(next, this.calendar.hourAt(m.hourFrom).to + grace, this.calendar.shiftAt(m.shiftFrom).to + grace);
      const current = m.states.at(-1);
      if (current?.[1] === 'fault' && m.faultRaisedFor !== current[0]) next = Math.min(next, current[0] + this.settings.faultAfterMin * MINUTE_MS);
    }
    return Number.isFinite(next) ? iso(next) : undefined;
  }

  /** Every machine as the dashboard shows it: state, order, the current shift's figures so far. */
  board(now: number): EquipmentBoard {
    const codes = new Set([...this.machines.keys(), ...this.master.keys()]);
    const shift = this.calendar.shiftAt(now);
    const tiles = [...codes].sort().map((code): EquipmentTile => {
      const machine = this.machines.get(code);
      const row = this.master.get(code);
      const current = machine?.states.at(-1);
      const op = currentOperation(this.allOps(), row, code, now);
      const totals = machine ? machineTotals(machine, this.context(machine.equipment), shift.from, shift.to, now) : undefined;
      const f = totals ? oeeFigures(totals) : undefined;
      return {
        equipment: code,
        ...(row?.name !== undefined && { name: row.name }),
        state: current?.[1] ?? 'unknown',
        ...(current && { since: iso(current[0]) }),
        ...(op.orderNo !== undefined && { orderNo: op.orderNo, opNo: op.opNo }),
        ...(row?.backupEquipment !== undefined && { backupEquipment: row.backupEquipment }),
        shift: { name: shift.shift, from: iso(shift.from), to: iso(shift.to) },
        figures: {
          availability: f?.availability ?? null,
          performance: f?.performance ?? null,
          quality: f?.quality ?? null,
          oee: f?.oee ?? null,
          plannedTimeMin: totals ? min(totals.plannedMin * MINUTE_MS) : 0,
          runTimeMin: totals ? min(totals.runMin * MINUTE_MS) : 0,
          downtimeMin: totals ? min((totals.faultMin + totals.idleMin) * MINUTE_MS) : 0,
          totalCount: totals?.totalCount ?? 0,
          goodCount: f?.goodCount ?? 0,
          largestLoss: f?.largestLoss ?? null,
          ...(f?.idealCycleCheck && { idealCycleCheck: f.idealCycleCheck }),
        },
        alarm: f ? belowThreshold(f, this.settings.thresholdPct) : false,
        ...(machine?.measurements.spindleSpeed !== undefined && { spindleSpeed: machine.measurements.spindleSpeed }),
        ...(machine?.measurements.temperature !== undefined && { temperature: machine.measurements.temperature }),
        ...(machine?.lastSignalAt !== undefined && { lastSignalAt: iso(machine.lastSignalAt) }),
      };
    });
    return { asOf: iso(now), thresholdPct: this.settings.thresholdPct, equipment: tiles };
  }

  /**
   * The store entries changed since the last call: write them with putMany in one step, before the book next
   * changes (the workflow runner does, one step at a time). They are the book's own records, not copies: a
   * structured clone of a machine's readings cost more than the rest of a signal together.
   */
  takeChanges(): Array<[string, unknown]> {
    const entries = [...this.changed].sort().map((key): [string, unknown] => {
      if (key === MASTER) return [key, [...this.master.values()]];
      if (key.startsWith(PLAN)) return [key, this.plans.get(key.slice(PLAN.length))];
      return [key, this.machines.get(key.slice(MACHINE.length))];
    });
    this.changed.clear();
    return entries;
  }

  /** A book from stored entries; a malformed entry is refused. */
  static restore(entries: Iterable<[string, unknown]>, settings: OeeSettings): OeeBook {
    const book = new OeeBook(settings);
    for (const [key, value] of entries) {
      if (key === MASTER) {
        book.master = new Map(checkMaster(value).map((r) => [r.equipment, r]));
        book.masterFromMessage = true;
      } else if (key.startsWith(PLAN)) {
        if (!Array.isArray(value)) throw new Error(`The stored plan under ${key} is not a list of operations written by this bridge.`);
        book.plans.set(key.slice(PLAN.length), value as PlannedOperation[]);
      } else if (key.startsWith(MACHINE)) {
        const m = value as MachineRecord | undefined;
        if (!m || m.version !== 1 || m.equipment !== key.slice(MACHINE.length) || !Array.isArray(m.states) || !Number.isFinite(m.hourFrom)) {
          throw new Error(`The stored machine under ${key} is not an OEE state of version 1 written by this bridge.`);
        }
        book.machines.set(m.equipment, structuredClone(m));
        book.resumed.set(m.equipment, new Set(['parts', 'rejects']));
      }
    }
    return book;
  }

  /** Whether the master in use came by message (resource sync) rather than from the node's settings. */
  get masterSource(): 'message' | 'settings' {
    return this.masterFromMessage ? 'message' : 'settings';
  }

  private allOps(): PlannedOperation[] {
    return [...this.plans.values()].flat();
  }

  /** What counting a machine's parts and time needs to know besides its record. */
  private context(equipment: string): MachineContext {
    const row = this.master.get(equipment);
    return {
      calendar: this.calendar,
      row,
      ops: this.allOps(),
      windows: mergeWindows((row?.maintenanceWindows ?? []).map((w) => [Date.parse(w.from), Date.parse(w.to)])),
    };
  }

  private report(machine: MachineRecord, period: 'hour' | 'shift', p: Period, now: number, floor: number): OeeReport {
    const t = machineTotals(machine, this.context(machine.equipment), p.from, p.to, now, floor);
    const f = oeeFigures(t);
    return {
      reportId: `${machine.equipment}/${period}/${iso(p.from)}`,
      equipment: machine.equipment,
      period,
      ...(p.shift !== '' && { shift: p.shift }),
      from: iso(p.from),
      to: iso(p.to),
      plannedTimeMin: min(t.plannedMin * MINUTE_MS),
      runTimeMin: min(t.runMin * MINUTE_MS),
      downtimeMin: min((t.faultMin + t.idleMin) * MINUTE_MS),
      faultMin: min(t.faultMin * MINUTE_MS),
      idleMin: min(t.idleMin * MINUTE_MS),
      plannedDowntimeMin: min(t.plannedDowntimeMin * MINUTE_MS),
      idealCycleTimeSec: f.idealCycleTimeSec,
      totalCount: t.totalCount,
      goodCount: f.goodCount,
      availability: f.availability,
      performance: f.performance,
      quality: f.quality,
      oee: f.oee,
      losses: f.losses,
      largestLoss: f.largestLoss,
      ...(f.idealCycleCheck && { idealCycleCheck: f.idealCycleCheck }),
      alarm: belowThreshold(f, this.settings.thresholdPct),
      thresholdPct: this.settings.thresholdPct,
      orders: t.orders,
      lateSignals: machine.late,
      reportedAt: iso(now),
    };
  }

  private status(machine: MachineRecord, previous: EquipmentState | undefined, now: number): EquipmentStatus {
    const [since, state] = machine.states.at(-1)!;
    const row = this.master.get(machine.equipment);
    const op = currentOperation(this.allOps(), row, machine.equipment, Math.max(since, now));
    const shift = this.calendar.shiftAt(Math.max(since, now));
    const f = oeeFigures(machineTotals(machine, this.context(machine.equipment), shift.from, shift.to, Math.max(since, now)));
    return {
      equipment: machine.equipment,
      state,
      since: iso(since),
      ...(previous !== undefined && { previousState: previous }),
      ...(op.orderNo !== undefined && { orderNo: op.orderNo }),
      ...(op.opNo !== undefined && { opNo: op.opNo }),
      ...(row?.backupEquipment !== undefined && { backupEquipment: row.backupEquipment }),
      shift: { name: shift.shift, from: iso(shift.from), to: iso(shift.to) },
      oee: { availability: f.availability, performance: f.performance, quality: f.quality, oee: f.oee, ...(f.idealCycleCheck && { idealCycleCheck: f.idealCycleCheck }) },
    };
  }

  /** One urgent exception per fault episode that has lasted faultAfterMin, naming the backup equipment. */
  private faultDue(machine: MachineRecord, now: number): ExceptionEvent | undefined {
    const current = machine.states.at(-1);
    if (!current || current[1] !== 'fault' || machine.faultRaisedFor === current[0]) return undefined;
    const lasted = now - current[0];
    if (lasted < this.settings.faultAfterMin * MINUTE_MS) return undefined;
    machine.faultRaisedFor = current[0];
    const row = this.master.get(machine.equipment);
    const op = currentOperation(this.allOps(), row, machine.equipment, now);
    const name = row?.name ? `${machine.equipment} (${row.name})` : machine.equipment;
    const backup = row?.backupEquipment
      ? `Backup equipment: ${row.backupEquipment}${this.master.get(row.backupEquipment)?.name ? ` (${this.master.get(row.backupEquipment)!.name})` : ''} — 备用设备 ${row.backupEquipment}.`
      : 'No backup equipment in the equipment master — 设备主数据中无备用设备.';
    const stamp = iso(current[0])
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    return {
      id: `EQF-${machine.equipment}-${stamp}`,
      type: 'equipment-fault',
      severity: 'urgent',
      ...(op.orderNo !== undefined && { orderNo: op.orderNo }),
      ...(op.opNo !== undefined && { opNo: op.opNo }),
      equipment: machine.equipment,
      description: `${name} in fault since ${iso(current[0])} for ${Math.floor(lasted / MINUTE_MS)} min (limit ${this.settings.faultAfterMin} min) — 设备故障停机. ${backup}`,
      message: {
        key: 'equipmentFault',
        params: {
          equipment: name,
          since: iso(current[0]),
          minutes: String(Math.floor(lasted / MINUTE_MS)),
          limit: String(this.settings.faultAfterMin),
          backup: row?.backupEquipment ?? '',
        },
      },
      timestamp: iso(current[0]),
      reportedBy: 'oee',
    };
  }

  private touch(machine: MachineRecord): void {
    this.changed.add(MACHINE + machine.equipment);
  }
}
