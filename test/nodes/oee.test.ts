// oee inside a real Node-RED runtime against the simulated ERP (its equipment-status inbox) with the SQLite
// bridge store: signals in → hourly OEE figures out; each change of state reaches the ERP once; a fault longer
// than the limit raises one urgent exception naming the backup, which exception-escalation logs at the ERP; a
// malformed signal is refused naming the field and changes nothing; the fault timer and the open period
// survive an unload and reload on the same store.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import helper from 'node-red-node-test-helper';
import { DEFAULT_ESCALATION_POLICY } from '../../nodes/lib/escalation';
import type { EquipmentBoard, OeeReport } from '../../nodes/lib/oee';
import { usePlantFixture } from '../support/plant-fixture';
import { eventually } from '../support/temp';
import { statusKey } from '../support/locale';

helper.init(require.resolve('node-red'));
const nodes = [
  require('../../nodes/bridge-store/bridge-store'),
  require('../../nodes/erp-endpoint/erp-endpoint'),
  require('../../nodes/oee/oee'),
  require('../../nodes/exception-escalation/exception-escalation'),
  require('@node-red/nodes/core/common/25-catch'),
];

interface Out {
  topic?: string;
  payload: Record<string, unknown>;
  accepted?: Record<string, number>;
}

const MIN = 60_000;
const HOUR = 3_600_000;
const MASTER = [
  { equipment: 'EQ-ASM-01', name: '自动组装线1', idealCycleSec: 20, backupEquipment: 'EQ-ASM-02' },
  { equipment: 'EQ-ASM-02', name: '自动组装线2', idealCycleSec: 20, backupEquipment: 'EQ-ASM-01' },
  { equipment: 'EQ-EXTR-01', name: '挤出机1号', idealCycleSec: 2 },
];
const iso = (ms: number) => new Date(ms).toISOString();
// Shift changes six hours away from the test's readings (which reach 20 min back): a run just after 08:00 or 20:00
// in Shanghai would otherwise see its earliest readings land in a shift that has already closed.
const hhmm = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(11, 16);
const SHIFTS = [
  { name: 'A', start: hhmm(Date.now() + 6 * 3_600_000), end: hhmm(Date.now() + 18 * 3_600_000) },
  { name: 'B', start: hhmm(Date.now() + 18 * 3_600_000), end: hhmm(Date.now() + 6 * 3_600_000) },
];
const signal = (ms: number, fields: Record<string, unknown>, equipment = 'EQ-ASM-01') => ({ equipment, at: iso(ms), source: 'opcua', ...fields });

describe('oee', () => {
  const plant = usePlantFixture(1);

  async function load(extra: Record<string, unknown> = {}, storeFile = join(plant.dir.path, 'store.sqlite')) {
    await helper.load(
      nodes,
      [
        { id: 'store', type: 'bridge-store', file: storeFile },
        { id: 'erp', type: 'erp-endpoint', name: 'test ERP', baseUrl: plant.sim.erpUrl, authType: 'basic', username: 'erp-bridge', timeoutSec: 5, retryBaseSec: 0.05, retryMaxSec: 0.2 },
        {
          id: 'machines',
          type: 'oee',
          endpoint: 'erp',
          store: 'store',
          statusPath: 'equipment-status',
          reportPath: 'oee-reports',
          timeZone: 'Asia/Shanghai',
          master: MASTER,
          shifts: SHIFTS,
          thresholdPct: 80,
          thresholdPctType: 'num',
          faultAfterMin: 10,
          faultAfterMinType: 'num',
          graceSec: 0,
          boardThrottleMs: 0,
          maxAttempts: 3,
          wires: [['reports'], ['exceptions', 'esc'], ['board']],
          ...extra,
        },
        { id: 'esc', type: 'exception-escalation', endpoint: 'erp', store: 'store', policy: DEFAULT_ESCALATION_POLICY, defectThresholdPct: 5, defectWindow: 50, defectMinRecords: 20, maxAttempts: 3, wires: [[], [], [], []] },
        { id: 'reports', type: 'helper' },
        { id: 'exceptions', type: 'helper' },
        { id: 'board', type: 'helper' },
        { id: 'catcher', type: 'catch', scope: ['machines'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ] as Array<Record<string, unknown>> as Parameters<typeof helper.load>[1],
      { erp: { password: 'demo-erp-pass' } },
    );
    const out = { reports: [] as Out[], exceptions: [] as Out[], board: [] as Out[], caught: [] as Array<{ error: { message: string } }> };
    for (const name of ['reports', 'exceptions', 'board', 'caught'] as const) helper.getNode(name).on('input', (m: unknown) => (out[name] as unknown[]).push(m));
    const node = helper.getNode('machines');
    // Status texts are locale keys with parameters; the editor renders them. These tests check the key.
    const statuses: Array<{ fill?: string; shape?: string; text?: string }> = [];
    const originalStatus = node.status.bind(node);
    node.status = ((st: (typeof statuses)[number]) => {
      statuses.push(statusKey(st));
      return originalStatus(st as Parameters<typeof originalStatus>[0]);
    }) as typeof node.status;
    return { node, statuses, ...out };
  }
  const statusAtErp = () => plant.sim.erp.workflows.received('equipment-status');
  const latestBoard = (board: Out[]) => board.at(-1)?.payload as unknown as EquipmentBoard | undefined;

  it('turns signals into hourly OEE figures: A 75 %, P 74.07 %, Q 98 %, OEE 54.44 %, with the alarm naming the largest loss', async () => {
    const run = await load();
    // Two hours ago (Shanghai hours are UTC hours): running, 15 min fault from :30, running again from :45.
    const base = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
    run.node.receive({
      payload: [
        signal(base, { state: 'running', partCounter: 5000, rejectCounter: 40 }),
        signal(base + 30 * MIN, { state: 'fault' }),
        signal(base + 45 * MIN, { state: 'running' }),
        signal(base + 59 * MIN, { partCounter: 5100, rejectCounter: 42 }),
      ],
    });
    const hour = await eventually(() => run.reports.find((m) => m.topic === 'oee-report' && m.payload.from === iso(base))?.payload as unknown as OeeReport | undefined, 'the report of that hour');
    // Planned 60 min; run 60 − 15 fault = 45 min → A = 45 / 60 = 0.75.
    assert.equal(hour.availability, 0.75);
    // P = 20 s × 100 parts / (45 × 60 s) = 2000 / 2700 = 0.740741.
    assert.equal(hour.performance, 0.740741);
    // Q = 98 / 100 = 0.98; OEE = 0.75 × 0.740741 × 0.98 = 0.544444 (= 98 × 20 s / 3600 s).
    assert.equal(hour.quality, 0.98);
    assert.equal(hour.oee, 0.544444);
    // Losses: downtime 15 min; speed 45 − 100 × 20 / 60 = 11.667 min; quality 2 × 20 / 60 = 0.667 min.
    assert.deepEqual(hour.losses, { downtimeMin: 15, speedMin: 11.667, qualityMin: 0.667 });
    const alarm = run.reports.find((m) => m.topic === 'oee-alarm' && m.payload.from === iso(base))!;
    assert.equal(alarm.payload.largestLoss, 'downtime');
    assert.match(String(alarm.payload.text), /OEE of EQ-ASM-01 was 54\.4 % \(below 80 %\) .*largest loss: downtime 停机损失/);
    // The next hour ran with no parts counted: P = 0, OEE 0, the loss is speed.
    const next = run.reports.find((m) => m.topic === 'oee-report' && m.payload.from === iso(base + HOUR))!.payload as unknown as OeeReport;
    assert.equal(next.oee, 0);
    assert.equal(next.largestLoss, 'speed');
    // The fault ended before the limit: no exception.
    assert.equal(run.exceptions.length, 0);
    const accepted = run.reports.find((m) => m.accepted)!;
    // Running, fault, running again: three changes of state, each told to the ERP.
    assert.deepEqual(accepted.accepted, { signals: 4, duplicates: 0, late: 0, changes: 3 });
    await eventually(() => statusAtErp().length === 3, 'the three changes at the ERP');
  });

  it('sends each change of state to the ERP once, with the current order, and nothing for repeats', async () => {
    const run = await load();
    const now = Date.now();
    const order = plant.sim.erp.orders()[0];
    run.node.receive({
      topic: 'plan',
      payload: {
        workOrderNo: order.orderNo,
        source: { system: 'erp', orderNo: order.orderNo, revision: 1, updatedAt: iso(now - HOUR) },
        status: 'released',
        materialCode: 'P-IVSET-20',
        plannedQty: 500,
        unit: 'EA',
        dueDate: iso(now + 8 * HOUR),
        priority: 3,
        site: 'SZ01',
        operations: [{ sequence: '0020', operationCode: 'OP-ASSEMBLE', equipmentCode: 'EQ-ASM-01', plannedStart: iso(now - HOUR), plannedEnd: iso(now + HOUR), stdSecondsPerUnit: 30 }],
        materials: [],
      },
    });
    const steps = [signal(now - 5 * MIN, { state: 'running', partCounter: 10 }), signal(now - 4 * MIN, { state: 'running', partCounter: 12 }), signal(now - 2 * MIN, { state: 'idle' }), signal(now - MIN, { state: 'running' })];
    for (const s of steps) run.node.receive({ payload: s });
    // The same readings again (the PLC gateway resent them).
    for (const s of steps) run.node.receive({ payload: s });
    await eventually(() => run.reports.filter((m) => m.accepted).length === 9, 'every message durable');
    const received = await eventually(() => (statusAtErp().length >= 3 ? statusAtErp() : undefined), 'three changes at the ERP');
    assert.deepEqual(
      received.map((r) => [r.body.state, r.body.previousState ?? null]),
      [
        ['running', null],
        ['idle', 'running'],
        ['running', 'idle'],
      ],
    );
    assert.equal(received[0].key, `equipment-status:EQ-ASM-01:${iso(now - 5 * MIN)}:running`);
    assert.equal(received[0].body.orderNo, order.orderNo);
    assert.equal(received[0].body.opNo, '0020');
    assert.equal(received[0].body.backupEquipment, 'EQ-ASM-02');
    assert.equal(
      run.reports
        .filter((m) => m.accepted)
        .slice(5)
        .every((m) => m.accepted!.duplicates === 1),
      true,
      'the repeats are duplicates',
    );
    assert.equal(plant.sim.erp.workflows.duplicateCount, 0, 'nothing was sent twice');
    assert.equal(statusAtErp().length, 3);
  });

  it('raises one urgent exception for a fault longer than the limit, naming the backup, and exception-escalation logs it at the ERP', async () => {
    const run = await load();
    const now = Date.now();
    run.node.receive({ payload: signal(now - 11 * MIN, { state: 'fault' }) });
    run.node.receive({ payload: signal(now - 5 * MIN, { state: 'fault', temperature: 88.5 }) });
    run.node.receive({ topic: 'due' });
    const [raised] = await eventually(() => (run.exceptions.length > 0 ? run.exceptions : undefined), 'the exception');
    assert.equal(raised.payload.severity, 'urgent');
    assert.equal(raised.payload.type, 'equipment-fault');
    assert.match(String(raised.payload.description), /Backup equipment: EQ-ASM-02 \(自动组装线2\)/);
    const notice = await eventually(() => plant.sim.erp.workflows.received('exception-notices').find((r) => r.body.exceptionId === raised.payload.id), 'the notice at the ERP');
    assert.equal((notice.body.event as { equipment: string }).equipment, 'EQ-ASM-01');
    await eventually(() => run.reports.filter((m) => m.accepted).length === 2, 'both signals applied');
    assert.equal(run.exceptions.length, 1, 'one exception per fault');
    const board = await eventually(() => latestBoard(run.board)?.equipment.find((t) => t.equipment === 'EQ-ASM-01' && t.temperature === 88.5), 'the board');
    assert.equal(board.state, 'fault');
    // The status tells the truth: one machine known, in fault.
    await eventually(() => run.statuses.at(-1)?.text === 'oee.status.fault', 'the fault status');
    assert.deepEqual(run.statuses.at(-1), { fill: 'yellow', shape: 'dot', text: 'oee.status.fault' });
    run.node.receive({ payload: signal(Date.now(), { state: 'running' }) });
    await eventually(() => run.statuses.at(-1)?.text === 'oee.status.ok', 'the running status');
    assert.equal(run.statuses.at(-1)?.fill, 'green');
  });

  it('refuses a malformed signal naming the field, and nothing of the message is applied', async () => {
    const run = await load();
    const now = Date.now();
    run.node.receive({ payload: [signal(now - MIN, { state: 'running', partCounter: 3 }), signal(now, { state: 'stopped' })] });
    await eventually(() => run.caught.length === 1, 'the refusal');
    assert.match(run.caught[0].error.message, /The equipment signal was refused: payload\[1\]\.state must be one of "running", "idle", "fault", "maintenance"\. Nothing of this message was applied\./);
    run.node.receive({ topic: 'board' });
    const board = await eventually(() => latestBoard(run.board), 'the board');
    assert.equal(board.equipment.find((t) => t.equipment === 'EQ-ASM-01')?.state, 'unknown');
    assert.equal(statusAtErp().length, 0);
  });

  it('keeps the fault timer and the open period across an unload and reload on the same store', async () => {
    const storeFile = join(plant.dir.path, 'kept.sqlite');
    let run = await load({}, storeFile);
    const now = Date.now();
    // The fault began 9 min 57 s ago: its 10-minute limit passes a few seconds from now, after the restart.
    run.node.receive({ payload: [signal(now - 20 * MIN, { state: 'running', partCounter: 100 }, 'EQ-EXTR-01'), signal(now - 15 * MIN, { partCounter: 400 }, 'EQ-EXTR-01')] });
    run.node.receive({ payload: signal(now - 10 * MIN + 3000, { state: 'fault' }) });
    await eventually(() => run.reports.filter((m) => m.accepted).length === 2, 'the signals durable');
    assert.equal(run.exceptions.length, 0);
    await helper.unload();
    run = await load({}, storeFile);
    const [raised] = await eventually(() => (run.exceptions.length > 0 ? run.exceptions : undefined), 'the exception after the restart', 15_000);
    assert.equal(raised.payload.equipment, 'EQ-ASM-01');
    assert.match(String(raised.payload.description), /Backup equipment: EQ-ASM-02/);
    // The open shift still counts the 300 parts made before the restart, and goes on counting.
    run.node.receive({ payload: signal(now - 5 * MIN, { partCounter: 450 }, 'EQ-EXTR-01') });
    await eventually(() => run.reports.some((m) => m.accepted), 'the signal after the restart');
    run.node.receive({ topic: 'status' });
    const tile = await eventually(() => latestBoard(run.board)?.equipment.find((t) => t.equipment === 'EQ-EXTR-01' && t.figures.totalCount === 350), 'the board with the parts of both runs');
    assert.equal(tile.state, 'running');
    assert.equal(run.exceptions.length, 1);
    assert.equal(statusAtErp().filter((r) => r.body.equipment === 'EQ-ASM-01').length, 1, 'the fault was told to the ERP once');
  });

  it('after a reload on the same store counts a counter that continues, starts again a counter that restarted, and never counts parts twice', async () => {
    const storeFile = join(plant.dir.path, 'counters.sqlite');
    let run = await load({}, storeFile);
    const now = Date.now();
    // Before the restart, 20 → 15 min ago: the extruder (2 s) makes 120 parts, the assembly line (20 s) 12.
    run.node.receive({
      payload: [
        signal(now - 20 * MIN, { state: 'running', partCounter: 1000 }, 'EQ-EXTR-01'),
        signal(now - 15 * MIN, { partCounter: 1120 }, 'EQ-EXTR-01'),
        signal(now - 20 * MIN, { state: 'running', partCounter: 5000 }),
        signal(now - 15 * MIN, { partCounter: 5012 }),
      ],
    });
    await eventually(() => run.reports.filter((m) => m.accepted).length === 1, 'the signals durable');
    await helper.unload();
    run = await load({}, storeFile);
    // After it: the extruder's counter went on (1120 → 1420 in 10 min, 300 parts where 2 s allows 300); the assembly
    // line's PLC restarted too and its counter is back at its preset 5000, 3 parts on, then 12 more.
    run.node.receive({
      payload: [signal(now - 5 * MIN, { partCounter: 1420 }, 'EQ-EXTR-01'), signal(now - 5 * MIN, { partCounter: 5003 }), signal(now - 1 * MIN, { partCounter: 5015 })],
    });
    await eventually(() => run.reports.some((m) => m.accepted), 'the signals after the restart');
    run.node.receive({ topic: 'status' });
    const board = await eventually(() => {
      const b = latestBoard(run.board);
      return b?.equipment.some((t) => t.equipment === 'EQ-ASM-01' && t.figures.totalCount > 12) ? b : undefined;
    }, 'the board after the restart');
    // Extruder: 120 + 300 = 420. Assembly: 12 + 0 across the restart + 12 = 24 (taking 5003 as parts made would give 5027).
    assert.equal(board.equipment.find((t) => t.equipment === 'EQ-EXTR-01')?.figures.totalCount, 420);
    assert.equal(board.equipment.find((t) => t.equipment === 'EQ-ASM-01')?.figures.totalCount, 24);
    // 24 parts × 20 s = 480 s in 20 min of run: 40 %, no flag.
    assert.equal(board.equipment.find((t) => t.equipment === 'EQ-ASM-01')?.figures.idealCycleCheck, undefined);
  });

  it('flags an ideal cycle slower than the machine in the node status, on the board and in the status to the ERP, with performance capped', async () => {
    const run = await load();
    const now = Date.now();
    // EQ-ASM-02's master says 20 s a part; it made 60 parts in 9 min of running: 9 s a part.
    run.node.receive({
      payload: [signal(now - 10 * MIN, { state: 'running', partCounter: 0 }, 'EQ-ASM-02'), signal(now - 1 * MIN, { state: 'idle', partCounter: 60 }, 'EQ-ASM-02')],
    });
    const told = await eventually(() => statusAtErp().find((r) => r.body.equipment === 'EQ-ASM-02' && r.body.state === 'idle'), 'the idle state at the ERP');
    const oee = told.body.oee as { performance: number; idealCycleCheck?: Record<string, number> };
    // 60 × 20 s = 1200 s of ideal time in 540 s of run: P would be 2.222222; the machine's cycle is 540 / 60 = 9 s.
    assert.equal(oee.performance, 1);
    assert.deepEqual(oee.idealCycleCheck, { idealCycleSec: 20, measuredCycleSec: 9, measuredPerformance: 2.222222 });
    // The status names it (a locale key with parameters; the editor translates it).
    await eventually(() => run.statuses.at(-1)?.text === 'oee.status.idealCycle', 'the flag in the status');
    assert.equal(run.statuses.at(-1)?.fill, 'yellow');
    run.node.receive({ topic: 'status' });
    const tile = await eventually(() => latestBoard(run.board)?.equipment.find((t) => t.equipment === 'EQ-ASM-02' && t.figures.idealCycleCheck), 'the flagged tile');
    assert.equal(tile.figures.performance, 1);
    assert.equal(tile.figures.idealCycleCheck?.idealCycleSec, 20);
  });
});
