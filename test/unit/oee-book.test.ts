// The OEE core against hand-worked examples (the arithmetic is written out beside each figure), counters that
// wrap or reset, a shift boundary splitting a run, readings out of order, twice and late, the fault timer
// with its one urgent exception naming the backup, and a restart from the stored entries.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countBetween, oeeAlarm, OeeBook, ShiftCalendar, DEFAULT_OEE_SETTINGS, type EquipmentSignal, type OeeReport, type OeeSettings } from '../../nodes/lib/oee';
import type { WorkOrder } from '../../nodes/lib/plan-sync/work-order';

/** Plant time (Asia/Shanghai, +08:00) → ms. */
const t = (local: string) => Date.parse(`2026-12-01T${local}:00+08:00`);
const at = (local: string) => new Date(t(local)).toISOString();
const EIGHT_HOUR_SHIFTS = [
  { name: '早班 Early', start: '08:00', end: '16:00' },
  { name: '中班 Late', start: '16:00', end: '00:00' },
  { name: '夜班 Night', start: '00:00', end: '08:00' },
];
const settings = (extra: Partial<OeeSettings> = {}): OeeSettings => ({
  ...DEFAULT_OEE_SETTINGS,
  shifts: EIGHT_HOUR_SHIFTS,
  master: [
    { equipment: 'EQ-ASM-01', name: '自动组装线1', idealCycleSec: 40, backupEquipment: 'EQ-ASM-02' },
    { equipment: 'EQ-ASM-02', name: '自动组装线2', backupEquipment: 'EQ-ASM-01' },
    { equipment: 'EQ-EXTR-01', name: '挤出机1号', idealCycleSec: 2 },
  ],
  ...extra,
});
const sig = (local: string, fields: Partial<EquipmentSignal>, equipment = 'EQ-ASM-01'): EquipmentSignal => ({ equipment, at: at(local), ...fields });

/** A work order whose operation 0020 runs on EQ-ASM-01 from 07:00 to 17:00 at 30 s per part. */
const workOrder = (stdSecondsPerUnit = 30): WorkOrder => ({
  workOrderNo: 'MO-2026-0101',
  source: { system: 'erp', orderNo: 'MO-2026-0101', revision: 1, updatedAt: at('06:00') },
  status: 'released',
  materialCode: 'P-IVSET-20',
  plannedQty: 2000,
  unit: 'EA',
  dueDate: at('23:00'),
  priority: 5,
  site: 'SZ01',
  operations: [
    { sequence: '0010', operationCode: 'OP-EXTRUDE', equipmentCode: 'EQ-EXTR-01', plannedStart: at('05:00'), plannedEnd: at('07:00'), stdSecondsPerUnit: 2 },
    { sequence: '0020', operationCode: 'OP-ASSEMBLE', equipmentCode: 'EQ-ASM-01', plannedStart: at('07:00'), plannedEnd: at('17:00'), stdSecondsPerUnit },
  ],
  materials: [],
});

/** The hand-worked early shift on EQ-ASM-01: 480 min, 60 min fault, 20 min maintenance, 700 parts, 14 rejects. */
const earlyShift: EquipmentSignal[] = [
  sig('08:00', { state: 'running', partCounter: 1000, rejectCounter: 50 }),
  sig('10:00', { state: 'fault', partCounter: 1300, rejectCounter: 56 }),
  sig('11:00', { state: 'running' }),
  sig('12:00', { state: 'maintenance', partCounter: 1420, rejectCounter: 58 }),
  sig('12:20', { state: 'running' }),
  sig('15:59', { partCounter: 1700, rejectCounter: 64 }),
];

function feed(book: OeeBook, signals: EquipmentSignal[], now = t('15:59')) {
  return signals.map((s) => book.signal(s, now));
}
const shiftReport = (reports: OeeReport[], equipment = 'EQ-ASM-01', from = at('08:00')) => reports.find((r) => r.period === 'shift' && r.equipment === equipment && r.from === from)!;
const hourReport = (reports: OeeReport[], from: string, equipment = 'EQ-ASM-01') => reports.find((r) => r.period === 'hour' && r.equipment === equipment && r.from === at(from))!;

describe('OEE book', () => {
  it('computes the hand-worked shift: A 86.96 %, P 87.5 %, Q 98 %, OEE 74.57 %, largest loss downtime', () => {
    const book = new OeeBook(settings());
    book.plan(workOrder());
    feed(book, earlyShift);
    const { reports } = book.due(t('16:01'));
    const r = shiftReport(reports);
    // Planned production time = 480 min shift − 20 min maintenance (planned downtime) = 460 min.
    assert.equal(r.plannedTimeMin, 460);
    assert.equal(r.plannedDowntimeMin, 20);
    // Run time = 460 − 60 min fault = 400 min.
    assert.equal(r.runTimeMin, 400);
    assert.equal(r.downtimeMin, 60);
    assert.equal(r.faultMin, 60);
    // Parts: 1700 − 1000 = 700; rejects 64 − 50 = 14; good = 686.
    assert.equal(r.totalCount, 700);
    assert.equal(r.goodCount, 686);
    assert.equal(r.idealCycleTimeSec, 30, 'from the routing, not the master default of 40 s');
    // A = 400 / 460 = 0.869565
    assert.equal(r.availability, 0.869565);
    // P = 30 s × 700 / (400 min × 60 s) = 21000 / 24000 = 0.875
    assert.equal(r.performance, 0.875);
    // Q = 686 / 700 = 0.98
    assert.equal(r.quality, 0.98);
    // OEE = 0.869565 × 0.875 × 0.98 = 0.745652 (= 686 good × 0.5 min / 460 min = 343 / 460)
    assert.equal(r.oee, 0.745652);
    // Losses: downtime 60 min; speed 400 − 700 × 0.5 = 50 min; quality 14 × 0.5 = 7 min → downtime is largest.
    assert.deepEqual(r.losses, { downtimeMin: 60, speedMin: 50, qualityMin: 7 });
    assert.equal(r.largestLoss, 'downtime');
    // 74.57 % < 80 %: alarm.
    assert.equal(r.alarm, true);
    assert.deepEqual(r.orders, ['MO-2026-0101']);
    assert.equal(r.shift, '早班 Early');
    // The hour of the fault: A = 0 / 60 = 0 → OEE 0, all downtime.
    const faultHour = hourReport(reports, '10:00');
    assert.equal(faultHour.availability, 0);
    assert.equal(faultHour.oee, 0);
    assert.equal(faultHour.largestLoss, 'downtime');
    // 08:00–10:00: running throughout, the counter read only at 08:00 and 10:00: its 300 parts are shared out by
    // run time, 150 in each hour. The next 120 (10:00–12:00) were all made after the fault, in 11:00–12:00.
    assert.equal(hourReport(reports, '08:00').availability, 1);
    assert.equal(hourReport(reports, '08:00').totalCount, 150);
    assert.equal(hourReport(reports, '09:00').totalCount, 150);
    assert.equal(faultHour.totalCount, 0);
    assert.equal(hourReport(reports, '11:00').totalCount, 120);
    assert.equal(reports.filter((x) => x.period === 'hour').length, 8, 'eight hours from 08:00 to 16:00');
  });

  it('excludes the maintenance windows of the equipment master from planned time, and names speed as the largest loss', () => {
    // The same day with no maintenance state, a master window 12:00–12:20 instead, no fault, 60 s per part:
    const master = [{ equipment: 'EQ-ASM-01', maintenanceWindows: [{ from: at('12:00'), to: at('12:20') }] }];
    const book = new OeeBook(settings({ master }));
    book.plan(workOrder(20));
    feed(book, [sig('08:00', { state: 'running', partCounter: 0, rejectCounter: 0 }), sig('15:59', { partCounter: 1150, rejectCounter: 5 })]);
    const r = shiftReport(book.due(t('16:01')).reports);
    // Planned = 480 − 20 = 460 min; run = 460 (running all along, the window is planned downtime).
    assert.equal(r.plannedTimeMin, 460);
    assert.equal(r.runTimeMin, 460);
    assert.equal(r.availability, 1);
    // P = 20 s × 1150 / (460 × 60 s) = 23000 / 27600 = 0.833333
    assert.equal(r.performance, 0.833333);
    // Q = 1145 / 1150 = 0.995652; OEE = 1 × 0.833333 × 0.995652 = 0.829710 (= 1145 × 20 / 27600)
    assert.equal(r.quality, 0.995652);
    assert.equal(r.oee, 0.82971);
    // Speed loss 460 − 1150 × 20 / 60 = 76.667 min; quality 5 × 20 / 60 = 1.667 min.
    assert.deepEqual(r.losses, { downtimeMin: 0, speedMin: 76.667, qualityMin: 1.667 });
    assert.equal(r.largestLoss, 'speed');
    assert.equal(r.alarm, false, '82.97 % is above 80 %');
  });

  it('forgets a plan a week after its last operation ended', () => {
    const book = new OeeBook(settings());
    book.plan(workOrder());
    book.takeChanges();
    book.due(t('17:00') + 6 * 86_400_000);
    assert.deepEqual(
      book.takeChanges().filter(([key]) => key.startsWith('plan:')),
      [],
    );
    book.due(t('17:01') + 7 * 86_400_000);
    assert.deepEqual(
      book.takeChanges().filter(([key]) => key.startsWith('plan:')),
      [['plan:MO-2026-0101', []]],
    );
  });

  it('uses the equipment master default ideal cycle time when no work order plans the machine', () => {
    const book = new OeeBook(settings());
    feed(book, [sig('08:00', { state: 'running', partCounter: 0 }), sig('08:59', { partCounter: 81 })]);
    const r = hourReport(book.due(t('09:01')).reports, '08:00');
    // P = 40 s × 81 / 3600 s = 0.9; no rejects counted → Q = 1; OEE = 1 × 0.9 × 1.
    assert.equal(r.idealCycleTimeSec, 40);
    assert.equal(r.performance, 0.9);
    assert.equal(r.oee, 0.9);
    assert.deepEqual(r.orders, []);
  });

  it('leaves performance and OEE open when no ideal cycle time is known, rather than guess', () => {
    const book = new OeeBook(settings());
    feed(book, [sig('08:00', { state: 'running', partCounter: 0 }, 'EQ-ASM-02'), sig('08:30', { partCounter: 50 }, 'EQ-ASM-02')]);
    const r = hourReport(book.due(t('09:01')).reports, '08:00', 'EQ-ASM-02');
    assert.equal(r.availability, 1);
    assert.equal(r.performance, null);
    assert.equal(r.oee, null);
    assert.equal(r.alarm, false);
  });

  it('counts across a counter that wraps at its maximum, and nothing across one that resets when the PLC restarts', () => {
    // 16-bit register: 65530 → 65535 → 0 → 5 is 11 parts.
    assert.equal(countBetween(65_530, 5), 11);
    assert.equal(countBetween(65_530, 5, 65_535), 11);
    // A fall from the middle of the range is a reset: the PLC may restart from 0 or from a preset, so the 3
    // cannot be taken as parts made since; the series starts again from 3.
    assert.equal(countBetween(5_000, 3), 0);
    // A fall to near 0 from far below the configured maximum is a reset too, not a wrap.
    assert.equal(countBetween(30_000, 5, 65_535), 0);
    // 32-bit wrap.
    assert.equal(countBetween(4_294_967_290, 4), 10);
    const book = new OeeBook(settings({ master: [{ equipment: 'EQ-EXTR-01', idealCycleSec: 2, counterMax: 65_535 }] }));
    feed(book, [
      sig('08:00', { state: 'running', partCounter: 65_000 }, 'EQ-EXTR-01'),
      sig('08:20', { partCounter: 65_530 }, 'EQ-EXTR-01'),
      sig('08:30', { partCounter: 470 }, 'EQ-EXTR-01'), // wrapped: 5 + 1 + 470 = 476
      sig('08:40', { partCounter: 1_000 }, 'EQ-EXTR-01'),
      sig('08:45', { partCounter: 20 }, 'EQ-EXTR-01'), // PLC restart: nothing counted, 20 is the new base
      sig('08:59', { partCounter: 300 }, 'EQ-EXTR-01'),
    ]);
    const r = hourReport(book.due(t('09:01')).reports, '08:00', 'EQ-EXTR-01');
    // 530 + 476 + 530 + 0 + 280 = 1816 parts.
    assert.equal(r.totalCount, 1816);
    // 2 s × 1816 = 3632 s of ideal time in 3600 s of run: 32 s more than the hour, more than one part (2 s)
    // beyond it, so the ideal is flagged (3600 / 1816 = 1.982 s per part) and performance capped at 1.
    assert.equal(r.performance, 1);
    assert.deepEqual(r.idealCycleCheck, { idealCycleSec: 2, measuredCycleSec: 1.982, measuredPerformance: 1.008889 });
  });

  it('splits a run at the shift boundary: each shift and hour gets its own time and parts', () => {
    const book = new OeeBook({ ...settings(), shifts: DEFAULT_OEE_SETTINGS.shifts });
    feed(book, [sig('19:30', { state: 'running', partCounter: 0 }), sig('19:50', { partCounter: 30 }), sig('20:10', { partCounter: 60 }), sig('20:59', { partCounter: 135 })], t('20:59'));
    const first = book.due(t('20:01'));
    const day = shiftReport(first.reports, 'EQ-ASM-01', at('08:00'));
    // Day shift 08:00–20:00: known from 19:30, so planned = run = 30 min. Parts: 30 by 19:50, and of the 30
    // between 19:50 and 20:10 (running all along) half were made before 20:00: 45 × 40 s = 1800 s = 30 min → P = 1.
    assert.equal(day.plannedTimeMin, 30);
    assert.equal(day.totalCount, 45);
    assert.equal(day.performance, 1);
    assert.equal(day.shift, '白班 Day');
    assert.equal(hourReport(first.reports, '19:00').runTimeMin, 30);
    const second = book.due(t('21:01'));
    const evening = hourReport(second.reports, '20:00');
    // 20:00–21:00: run 60 min, the other 15 of 19:50–20:10 and 135 − 60 = 75 after: 90 parts × 40 s = 3600 s → P = 1.
    assert.equal(evening.runTimeMin, 60);
    assert.equal(evening.totalCount, 90);
    assert.equal(evening.shift, '夜班 Night');
    assert.equal(second.reports.filter((r) => r.period === 'shift').length, 0, 'the night shift is still open');
  });

  it('shares a counter read before and after a shift change by run time, so the new shift shows no more than it made', () => {
    // The extruder read at 19:00 and next at 20:10, running all along at one part a minute (ideal 40 s):
    const book = new OeeBook({ ...settings(), shifts: DEFAULT_OEE_SETTINGS.shifts });
    feed(book, [sig('19:00', { state: 'running', partCounter: 0 }), sig('20:10', { partCounter: 70 })], t('20:10'));
    const tile = book.board(t('20:11')).equipment.find((e) => e.equipment === 'EQ-ASM-01')!;
    // The night shift from 20:00 ran 11 min and made 70 × 10 / 70 = 10 of the parts: P = 10 × 40 s / 660 s = 0.606061
    // (counting all 70 in the shift the reading came in would show P = 424 %).
    assert.equal(tile.shift.name, '夜班 Night');
    assert.equal(tile.figures.totalCount, 10);
    assert.equal(tile.figures.performance, 0.606061);
    const day = shiftReport(book.due(t('20:11')).reports, 'EQ-ASM-01', at('08:00'));
    assert.equal(day.totalCount, 60);
  });

  it('counts a delta whose earlier period was reported before its closing reading came wholly in the open period', () => {
    const book = new OeeBook({ ...settings(), shifts: DEFAULT_OEE_SETTINGS.shifts });
    feed(book, [sig('19:30', { state: 'running', partCounter: 0 })], t('19:30'));
    const day = shiftReport(book.due(t('20:01')).reports, 'EQ-ASM-01', at('08:00'));
    assert.equal(day.totalCount, 0, 'no reading after 19:30 when the day shift was reported');
    book.signal(sig('20:30', { partCounter: 60 }), t('20:30'));
    const night = shiftReport(book.due(Date.parse('2026-12-02T08:01:00+08:00')).reports, 'EQ-ASM-01', at('20:00'));
    assert.equal(night.totalCount, 60, 'the 60 parts are not lost to the day shift already reported');
  });

  it('keeps the share a reported shift took, when a reading or a change of state arrives later inside that delta', () => {
    const book = new OeeBook({ ...settings(), shifts: DEFAULT_OEE_SETTINGS.shifts });
    feed(book, [sig('19:30', { state: 'running', partCounter: 0 }), sig('20:30', { partCounter: 60 })], t('20:30'));
    // The bridge was down until 20:40: the day shift closes then, with 30 of the 60 parts (30 of the 60 min run).
    const day = shiftReport(book.due(t('20:40')).reports, 'EQ-ASM-01', at('08:00'));
    assert.equal(day.totalCount, 30);
    // A fault from 20:10 and a counter reading of 20:20 come late: had they moved the share, the day shift would
    // have taken 45 of 60 (30 of 40 min run) and the night shift be left 15, 15 parts lost.
    assert.deepEqual(book.signal(sig('20:10', { state: 'fault' }), t('20:41')).late, false);
    book.signal(sig('20:20', { state: 'running' }), t('20:41'));
    assert.deepEqual(book.signal(sig('20:20', { partCounter: 55 }), t('20:41')), { duplicate: false, late: true });
    book.signal(sig('21:00', { partCounter: 90 }), t('21:00'));
    const night = shiftReport(book.due(Date.parse('2026-12-02T08:01:00+08:00')).reports, 'EQ-ASM-01', at('20:00'));
    assert.equal(day.totalCount + night.totalCount, 90, 'every part counted once');
    assert.equal(night.totalCount, 60);
  });

  it('gives the same figures when the readings come out of order and twice', () => {
    const inOrder = new OeeBook(settings());
    inOrder.plan(workOrder());
    feed(inOrder, earlyShift);
    const shuffled = new OeeBook(settings());
    shuffled.plan(workOrder());
    const mixed = [earlyShift[3], earlyShift[0], earlyShift[5], earlyShift[1], earlyShift[4], earlyShift[2]];
    const first = feed(shuffled, mixed);
    const again = feed(shuffled, [...mixed].reverse());
    assert.ok(first.every((o) => !o.duplicate));
    assert.ok(
      again.every((o) => o.duplicate && !o.status),
      'every reading again is a duplicate and tells the ERP nothing',
    );
    const a = shiftReport(inOrder.due(t('16:01')).reports);
    const b = shiftReport(shuffled.due(t('16:01')).reports);
    assert.deepEqual({ ...b, reportedAt: a.reportedAt }, a);
  });

  it('does not count a reading that comes after its periods were reported, and says so in the next report', () => {
    const book = new OeeBook(settings());
    feed(book, [sig('15:00', { state: 'running', partCounter: 0 }), sig('15:59', { partCounter: 90 })]);
    book.due(t('16:01')); // the hour 15:00–16:00 and the early shift are reported
    const late = book.signal(sig('15:30', { partCounter: 45 }), t('16:02'));
    assert.deepEqual(late, { duplicate: false, late: true });
    book.signal(sig('16:59', { partCounter: 180 }), t('16:59'));
    const next = hourReport(book.due(t('17:01')).reports, '16:00');
    assert.equal(next.totalCount, 90);
    assert.equal(next.lateSignals, 1);
  });

  it('counts a reading late for its hour in its shift, which is still open', () => {
    const book = new OeeBook(settings());
    feed(book, [sig('08:00', { state: 'running', partCounter: 0 }), sig('08:59', { partCounter: 90 })]);
    assert.equal(hourReport(book.due(t('09:01')).reports, '08:00').totalCount, 90);
    assert.deepEqual(book.signal(sig('08:30', { rejectCounter: 0 }), t('09:02')), { duplicate: false, late: false });
    book.signal(sig('09:30', { rejectCounter: 3 }), t('09:30'));
    book.signal(sig('15:59', { partCounter: 400 }), t('15:59'));
    const shift = shiftReport(book.due(t('16:01')).reports);
    assert.equal(shift.totalCount, 400);
    assert.equal(shift.goodCount, 397);
  });

  it('keeps a long run of readings small by counting the oldest into their hour, with the same figures', () => {
    const book = new OeeBook(settings());
    book.plan(workOrder());
    // A part every 2 s from 08:00 to 09:59:58 (3,600 readings), a reject every 100th part, the counter wrapping at 65535.
    const start = t('08:00');
    for (let i = 0; i < 3600; i += 1) {
      const ms = start + i * 2000;
      book.signal({ equipment: 'EQ-ASM-01', at: new Date(ms).toISOString(), ...(i === 0 && { state: 'running' }), partCounter: (65_000 + i) % 65_536, rejectCounter: Math.floor(i / 100) }, ms);
    }
    const [[, stored]] = book.takeChanges().filter(([key]) => key === 'equipment:EQ-ASM-01') as Array<[string, { parts: unknown[]; rejects: unknown[] }]>;
    assert.ok(stored.parts.length <= 256, `${stored.parts.length} part readings kept`);
    // A reading from before the oldest one kept can no longer be placed: it is late, and counts nothing.
    assert.deepEqual(book.signal(sig('08:10', { partCounter: 1 }), t('10:00')), { duplicate: false, late: true });
    const reports = book.due(t('10:01')).reports;
    // 08:00–09:00: the parts made up to the reading of 09:00:00 → 1,800 parts (reading 0 only sets the base),
    // 18 rejects (the counter rose at parts 100 … 1800); 09:00–10:00: readings 1801…3599 → 1,799 parts, 17 rejects.
    const first = hourReport(reports, '08:00');
    const second = hourReport(reports, '09:00');
    assert.equal(first.totalCount, 1800);
    assert.equal(first.totalCount - first.goodCount, 18);
    assert.equal(second.totalCount, 1799);
    assert.equal(second.totalCount - second.goodCount, 17);
    // P for 08:00–09:00 = 30 s × 1,800 / 3,600 s = 15: the plan's 30 s per part is far from this machine's 2 s,
    // so it is flagged (3,600 s / 1,800 parts = 2 s) and capped at 1.
    assert.equal(first.performance, 1);
    assert.deepEqual(first.idealCycleCheck, { idealCycleSec: 30, measuredCycleSec: 2, measuredPerformance: 15 });
    assert.equal(first.idealCycleTimeSec, 30);
    assert.deepEqual(first.orders, ['MO-2026-0101']);
  });

  it('refuses a malformed signal naming the field, and changes nothing', () => {
    const book = new OeeBook(settings());
    book.signal(sig('08:00', { state: 'running' }), t('08:00'));
    const before = JSON.stringify(book.board(t('08:30')));
    assert.throws(() => book.signal({ equipment: 'EQ-ASM-01', at: at('08:10'), state: 'stopped' }, t('08:10')), /The equipment signal was refused: payload\.state must be one of "running", "idle", "fault", "maintenance"\./);
    assert.throws(() => book.signal({ equipment: 'EQ-ASM-01', at: at('08:10'), partCounter: -1 }, t('08:10')), /payload\.partCounter must be >= 0/);
    book.takeChanges();
    assert.equal(JSON.stringify(book.board(t('08:30'))), before);
  });

  it('tells the ERP each change of state once, with the order and the shift figures so far', () => {
    const book = new OeeBook(settings());
    book.plan(workOrder());
    const [first, repeat, fault] = [
      book.signal(sig('08:00', { state: 'running', partCounter: 0 }), t('08:00')),
      book.signal(sig('08:05', { state: 'running', partCounter: 10 }), t('08:05')),
      book.signal(sig('08:30', { state: 'fault', partCounter: 60 }), t('08:30')),
    ];
    assert.equal(first.status?.state, 'running');
    assert.equal(repeat.status, undefined, 'still running: nothing to tell');
    assert.deepEqual(fault.status, {
      equipment: 'EQ-ASM-01',
      state: 'fault',
      since: at('08:30'),
      previousState: 'running',
      orderNo: 'MO-2026-0101',
      opNo: '0020',
      backupEquipment: 'EQ-ASM-02',
      shift: { name: '早班 Early', from: at('08:00'), to: at('16:00') },
      // 30 min run of 30 planned; 60 parts × 30 s = 1800 s of 1800 s run; no rejects counted.
      oee: { availability: 1, performance: 1, quality: 1, oee: 1 },
    });
    // A late reading of an earlier state does not change the current one.
    assert.equal(book.signal(sig('08:20', { state: 'idle' }), t('08:31')).status, undefined);
  });

  it('raises one urgent exception for a fault longer than the limit, naming the backup, and survives a restart', () => {
    const book = new OeeBook(settings({ faultAfterMin: 10 }));
    book.plan(workOrder());
    book.signal(sig('09:00', { state: 'running' }), t('09:00'));
    book.signal(sig('09:12', { state: 'fault' }), t('09:12'));
    assert.equal(book.nextDeadline(), at('09:22'));
    assert.deepEqual(book.due(t('09:21')).exceptions, [], '9 minutes is under the limit');
    const restored = OeeBook.restore(book.takeChanges(), settings({ faultAfterMin: 10 }));
    assert.equal(restored.nextDeadline(), at('09:22'), 'the fault timer is in the stored state');
    const [raised] = restored.due(t('09:22')).exceptions;
    assert.equal(raised.id, 'EQF-EQ-ASM-01-20261201T011200Z');
    assert.equal(raised.severity, 'urgent');
    assert.equal(raised.type, 'equipment-fault');
    assert.equal(raised.orderNo, 'MO-2026-0101');
    assert.match(raised.description, /Backup equipment: EQ-ASM-02 \(自动组装线2\)/);
    assert.deepEqual(restored.due(t('09:40')).exceptions, [], 'one exception per fault');
    const again = OeeBook.restore(restored.takeChanges(), settings({ faultAfterMin: 10 }));
    assert.deepEqual(again.due(t('09:50')).exceptions, [], 'still one after another restart');
    // A new fault after a repair is a new exception; a machine without a backup says so.
    again.signal(sig('10:00', { state: 'running' }), t('10:00'));
    again.signal(sig('10:05', { state: 'fault' }), t('10:05'));
    again.signal(sig('10:05', { state: 'fault' }, 'EQ-EXTR-01'), t('10:05'));
    const next = again.due(t('10:20')).exceptions;
    assert.deepEqual(
      next.map((e) => e.equipment),
      ['EQ-ASM-01', 'EQ-EXTR-01'],
    );
    assert.match(next[1].description, /No backup equipment in the equipment master/);
  });

  it('a fault that ends before the limit raises nothing', () => {
    const book = new OeeBook(settings());
    book.signal(sig('09:00', { state: 'fault' }), t('09:00'));
    book.signal(sig('09:08', { state: 'running' }), t('09:08'));
    assert.deepEqual(book.due(t('09:30')).exceptions, []);
  });

  it('continues the open periods after a restart exactly as without one', () => {
    const straight = new OeeBook(settings());
    straight.plan(workOrder());
    feed(straight, earlyShift);
    const split = new OeeBook(settings());
    split.plan(workOrder());
    feed(split, earlyShift.slice(0, 3), t('11:00'));
    split.due(t('11:30'));
    const restarted = OeeBook.restore(split.takeChanges(), settings());
    feed(restarted, earlyShift.slice(3));
    assert.deepEqual(shiftReport(restarted.due(t('16:01')).reports), shiftReport(straight.due(t('16:01')).reports));
  });

  it('takes the equipment master by message, and refuses a bad row naming it', () => {
    const book = new OeeBook(settings());
    assert.equal(book.setMaster([{ equipment: 'EQ-UVB-01', idealCycleSec: 12, backupEquipment: '' }]), 1);
    assert.equal(book.masterRow('EQ-UVB-01')?.idealCycleSec, 12);
    assert.equal(book.masterRow('EQ-ASM-01'), undefined, 'the message replaces the configured rows');
    assert.throws(() => book.setMaster([{ equipment: 'EQ-UVB-01', idealCycleSec: 'fast' }]), /idealCycleSec of EQ-UVB-01 \(equipment master row 1\) must be a number ≥ 0, not "fast"\./);
    assert.throws(() => book.setMaster([{ equipment: 'EQ-UVB-01', maintenanceWindows: [{ from: at('12:00'), to: at('11:00') }] }]), /maintenanceWindows\[0\] of EQ-UVB-01 needs from and to/);
    assert.equal(book.masterRow('EQ-UVB-01')?.idealCycleSec, 12, 'a refused master changes nothing');
  });
});

describe('OEE that cannot lie: an ideal cycle slower than the machine', () => {
  const extruder = (idealCycleSec: number) => settings({ master: [{ equipment: 'EQ-EXTR-01', name: '挤出机1号', idealCycleSec }] });

  it('flags an ideal cycle of 1.1 s on a machine making a part every 0.95 s, caps performance at 100 % and still alarms on the capped OEE', () => {
    const book = new OeeBook(extruder(1.1));
    feed(book, [
      sig('08:00', { state: 'running', partCounter: 0, rejectCounter: 0 }, 'EQ-EXTR-01'),
      // 30 min at 0.95 s per part: 1800 / 0.95 = 1894.7 → 1895 parts, 19 rejects.
      sig('08:30', { state: 'fault', partCounter: 1895, rejectCounter: 19 }, 'EQ-EXTR-01'),
    ]);
    const r = hourReport(book.due(t('09:01')).reports, '08:00', 'EQ-EXTR-01');
    // A = 30 / 60 = 0.5. Ideal time 1.1 s × 1895 = 2084.5 s in 1800 s of run: P would be 2084.5 / 1800 = 1.158056,
    // which no machine can beat; the machine's own cycle is 1800 / 1895 = 0.949868 → 0.95 s.
    assert.equal(r.availability, 0.5);
    assert.equal(r.performance, 1);
    assert.deepEqual(r.idealCycleCheck, { idealCycleSec: 1.1, measuredCycleSec: 0.95, measuredPerformance: 1.158056 });
    // Q = 1876 / 1895 = 0.989974; OEE = 0.5 × 1 × 0.989974 = 0.494987: the most it can have been, below 80 %.
    assert.equal(r.quality, 0.989974);
    assert.equal(r.oee, 0.494987);
    assert.equal(r.alarm, true);
    assert.match(oeeAlarm(r).text, /OEE of EQ-EXTR-01 was at most 49\.5 % \(below 80 %\).*Ideal cycle 1\.1 s is slower than the machine's 0\.95 s/);
    // No speed loss can be measured against a wrong ideal: the fault is the largest loss.
    assert.equal(r.losses.speedMin, 0);
    assert.equal(r.largestLoss, 'downtime');
    // The tile shows the same flag while the shift runs.
    const tile = book.board(t('08:45')).equipment.find((e) => e.equipment === 'EQ-EXTR-01')!;
    assert.equal(tile.figures.performance, 1);
    assert.deepEqual(tile.figures.idealCycleCheck, { idealCycleSec: 1.1, measuredCycleSec: 0.95, measuredPerformance: 1.158056 });
  });

  it('caps without a flag when the excess is within one part (the counter resolution at the edges of a period)', () => {
    const book = new OeeBook(extruder(2));
    feed(book, [sig('08:00', { state: 'running', partCounter: 0 }, 'EQ-EXTR-01'), sig('09:00', { partCounter: 1801 }, 'EQ-EXTR-01')]);
    const r = hourReport(book.due(t('09:01')).reports, '08:00', 'EQ-EXTR-01');
    // 2 s × 1801 = 3602 s in 3600 s: 2 s over, not more than one part's 2 s → capped at 1, not flagged.
    assert.equal(r.performance, 1);
    assert.equal(r.idealCycleCheck, undefined);
    assert.equal(r.oee, 1);
  });

  it('a machine slower than its ideal is not flagged', () => {
    const book = new OeeBook(extruder(0.9));
    feed(book, [sig('08:00', { state: 'running', partCounter: 0 }, 'EQ-EXTR-01'), sig('09:00', { partCounter: 3789 }, 'EQ-EXTR-01')]);
    const r = hourReport(book.due(t('09:01')).reports, '08:00', 'EQ-EXTR-01');
    // 0.9 s × 3789 = 3410.1 s / 3600 s = 0.94725.
    assert.equal(r.performance, 0.94725);
    assert.equal(r.idealCycleCheck, undefined);
  });
});

describe('OEE that cannot lie: counters read after the bridge restarted', () => {
  // Ideal 1 s per part: in 10 minutes the machine can make 600 parts, and a reading may show at most 3 × 600 + 1.
  const oneSecond = () => settings({ master: [{ equipment: 'EQ-EXTR-01', idealCycleSec: 1 }, { equipment: 'EQ-ASM-02' }] });
  /** 08:00–08:30 before the restart: 4000 → 5500, 1500 parts; the book is then restored from its entries. */
  const restartedAt0830 = (equipment = 'EQ-EXTR-01') => {
    const before = new OeeBook(oneSecond());
    feed(before, [sig('08:00', { state: 'running', partCounter: 4000 }, equipment), sig('08:30', { partCounter: 5500 }, equipment)], t('08:30'));
    return OeeBook.restore(before.takeChanges(), oneSecond());
  };
  const hourAfter = (book: OeeBook, equipment = 'EQ-EXTR-01') => hourReport(book.due(t('09:01')).reports, '08:00', equipment);

  it('a counter that restarted with the PLC (back at its preset 4000, now 4100) starts again: its 4100 are not counted a second time', () => {
    const book = restartedAt0830();
    feed(book, [sig('08:40', { partCounter: 4100 }, 'EQ-EXTR-01'), sig('08:59', { partCounter: 4400 }, 'EQ-EXTR-01')]);
    const r = hourAfter(book);
    // 1500 before + 0 across the restart + 300 after = 1800 (taking 4100 as parts since would have made 5900, P 164 %).
    assert.equal(r.totalCount, 1800);
    // P = 1 s × 1800 / 3600 s = 0.5.
    assert.equal(r.performance, 0.5);
    assert.equal(r.idealCycleCheck, undefined);
  });

  it('a counter that continues at a plausible rate (5500 → 6000 in 10 min, at most 1801) is counted across the restart', () => {
    const book = restartedAt0830();
    feed(book, [sig('08:40', { partCounter: 6000 }, 'EQ-EXTR-01'), sig('08:59', { partCounter: 6300 }, 'EQ-EXTR-01')]);
    // 1500 + 500 + 300 = 2300.
    assert.equal(hourAfter(book).totalCount, 2300);
  });

  it('a counter that came back higher than any machine could count (5500 → 20000 in 10 min) starts again', () => {
    const book = restartedAt0830();
    feed(book, [sig('08:40', { partCounter: 20_000 }, 'EQ-EXTR-01'), sig('08:59', { partCounter: 20_300 }, 'EQ-EXTR-01')]);
    // 14500 > 3 × 600 + 1 = 1801: not this counter's run; 1500 + 0 + 300 = 1800.
    assert.equal(hourAfter(book).totalCount, 1800);
  });

  it('without an ideal cycle time continuity cannot be proven: the first reading after the restart is a new base', () => {
    const book = restartedAt0830('EQ-ASM-02');
    feed(book, [sig('08:40', { partCounter: 6000 }, 'EQ-ASM-02'), sig('08:59', { partCounter: 6300 }, 'EQ-ASM-02')]);
    // 1500 + 0 + 300 = 1800.
    assert.equal(hourAfter(book, 'EQ-ASM-02').totalCount, 1800);
  });

  it('only the first reading after the restart is asked: a later fall is a reset, counted as nothing', () => {
    const book = restartedAt0830();
    feed(book, [
      sig('08:40', { partCounter: 6000 }, 'EQ-EXTR-01'), // continues: +500
      sig('08:50', { partCounter: 50 }, 'EQ-EXTR-01'), // reset while running: +0
      sig('08:59', { partCounter: 350 }, 'EQ-EXTR-01'), // +300
    ]);
    assert.equal(hourAfter(book).totalCount, 2300);
  });
});

describe('shift calendar', () => {
  it('puts every instant in one shift of the plant zone, a night shift running past midnight', () => {
    const cal = new ShiftCalendar(DEFAULT_OEE_SETTINGS.shifts, 'Asia/Shanghai');
    assert.deepEqual(cal.shiftAt(t('07:59')), { from: Date.parse('2026-11-30T20:00:00+08:00'), to: t('08:00'), shift: '夜班 Night' });
    assert.deepEqual(cal.shiftAt(t('08:00')), { from: t('08:00'), to: t('20:00'), shift: '白班 Day' });
    assert.deepEqual(cal.shiftAt(t('23:30')), { from: t('20:00'), to: Date.parse('2026-12-02T08:00:00+08:00'), shift: '夜班 Night' });
    assert.deepEqual(cal.hourAt(t('09:45')), { from: t('09:00'), to: t('10:00'), shift: '' });
  });

  it('refuses a table with a gap, naming the shifts', () => {
    assert.throws(
      () =>
        new ShiftCalendar(
          [
            { name: 'Day', start: '08:00', end: '18:00' },
            { name: 'Night', start: '20:00', end: '08:00' },
          ],
          'Asia/Shanghai',
        ),
      /shift "Day" ends at 18:00 but the next one \("Night"\) starts at 20:00/,
    );
    assert.throws(() => new ShiftCalendar([{ name: 'Day', start: '8 am', end: '20:00' }], 'Asia/Shanghai'), /shifts\[0\]\.start must be a time of day "HH:MM"/);
    assert.throws(() => new ShiftCalendar(DEFAULT_OEE_SETTINGS.shifts, 'Mars/Olympus'), /'Mars\/Olympus' is not a time zone/);
  });
});
