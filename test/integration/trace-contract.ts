// The behaviour every trace store must have, run against each store on real storage (a SQLite file, the
// machine's Redis): trace-sqlite.test.ts and trace-redis.test.ts call traceContract with their fixture.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { inspectionRecord, issueRecord, orderPlan, reportRecord, type TraceAnswer, type TraceStore, type TraceStoreOptions } from '../../nodes/lib/trace';
import type { WorkOrder } from '../../nodes/lib/plan-sync/work-order';
import type { ProgressReport } from '../../nodes/lib/progress/types';
import type { QualityRecord } from '../../nodes/lib/escalation/defect-rate';
import { validate } from '../../nodes/lib/validation';

export interface TraceFixture {
  /** A store on this test's state; each call opens it again (another process, or after a restart). */
  open(options?: TraceStoreOptions & { book?: string }): TraceStore;
}
export type TraceFixtureFactory = (t: TestContext) => Promise<TraceFixture | undefined>;

export const workOrder = (orderNo: string, revision = 1, ops = ['0010', '0020', '0030']): WorkOrder => ({
  workOrderNo: orderNo,
  source: { system: 'erp', orderNo, revision, updatedAt: '2026-12-01T00:00:00.000Z' },
  status: 'released',
  materialCode: 'FG-CATH-16F',
  productName: '导尿管 16Fr',
  plannedQty: 500,
  unit: 'PCS',
  dueDate: '2026-12-05T10:00:00.000Z',
  priority: 3,
  site: '1010',
  operations: ops.map((sequence, i) => ({
    sequence,
    operationCode: ['EXTR', 'ASM', 'LEAK'][i % 3],
    description: ['挤出 extrusion', '组装 assembly', '密封性测试 leak test'][i % 3],
    equipmentCode: ['EQ-EXTR-01', 'EQ-ASM-01', 'EQ-LEAK-01'][i % 3],
    plannedStart: '2026-12-01T00:00:00.000Z',
    plannedEnd: '2026-12-01T08:00:00.000Z',
    stdSecondsPerUnit: 30,
  })),
  materials: [],
});

export const report = (orderNo: string, eventId: string, opNo: string, at: string, extra: Partial<ProgressReport> = {}): ProgressReport => ({
  eventId,
  orderNo,
  opNo,
  goodQty: 100,
  scrapQty: 2,
  status: 'running',
  operator: '张伟',
  equipment: 'EQ-EXTR-01',
  timestamp: at,
  traceCode: `LOT-${orderNo}`,
  ...extra,
});

export const inspection = (orderNo: string, unit: string, opNo: string, at: string, extra: Partial<QualityRecord> = {}): QualityRecord => ({
  recordId: `QC-${unit}-${opNo}`,
  orderNo,
  opNo,
  traceCode: unit,
  result: 'pass',
  inspector: 'QC-07',
  gaugeId: 'GA-LEAK-003',
  timestamp: at,
  ...extra,
});

const issue = (orderNo: string, requisitionId: string, lot: string, at: string) => issueRecord({ requisitionId, orderNo, opNo: '0010', materialCode: 'RM-PVC-MED', qty: 40, unit: 'KG', lot, issuedAt: at });

/** One order made end to end: plan, batch reports on three operations, unit inspections, two lots. */
export async function recordOrder(store: TraceStore, orderNo: string): Promise<void> {
  await store.plan(orderPlan(workOrder(orderNo)));
  await store.record([
    issue(orderNo, `REQ-${orderNo}-1`, 'LOT-PVC-A', '2026-12-01T08:05:00+08:00'),
    issue(orderNo, `REQ-${orderNo}-2`, 'LOT-PVC-B', '2026-12-01T09:30:00+08:00'),
    reportRecord(report(orderNo, `${orderNo}-E1`, '0010', '2026-12-01T08:10:00+08:00', { status: 'started', goodQty: 0, scrapQty: 0 })),
    reportRecord(report(orderNo, `${orderNo}-E2`, '0010', '2026-12-01T10:40:00+08:00', { status: 'completed', goodQty: 498 })),
    reportRecord(report(orderNo, `${orderNo}-E3`, '0020', '2026-12-01T11:00:00+08:00', { equipment: 'EQ-ASM-01', operator: '李娜' })),
    reportRecord(report(orderNo, `${orderNo}-E4`, '0020', '2026-12-01T11:30:00+08:00', { equipment: 'EQ-ASM-02', operator: '王芳' })),
    inspectionRecord(inspection(orderNo, `SN-${orderNo}-0007`, '0030', '2026-12-01T12:00:00+08:00')),
    inspectionRecord(inspection(orderNo, `SN-${orderNo}-0008`, '0030', '2026-12-01T12:01:00+08:00', { result: 'fail', defectCode: 'D-LEAK', gaugeId: 'GA-LEAK-004' })),
  ]);
}

function assertValidAnswer(answer: TraceAnswer | undefined): asserts answer is TraceAnswer {
  assert.ok(answer, 'expected an answer');
  const valid = validate('trace-answer', answer);
  assert.equal(valid.ok ? true : valid.message, true);
}

export function traceContract(storeName: string, factory: TraceFixtureFactory): void {
  describe(`trace store on ${storeName}`, () => {
    it('a unit code answers its order: header, operations in routing order with equipment, operators, times, inspections and gauges, and the lots', async (t) => {
      const fixture = await factory(t);
      if (!fixture) return;
      const store = fixture.open();
      await recordOrder(store, 'MO-2026-0102');
      const answer = await store.trace('SN-MO-2026-0102-0008');
      assertValidAnswer(answer);
      assert.deepEqual(answer.order, {
        orderNo: 'MO-2026-0102',
        planned: true,
        revision: 1,
        status: 'released',
        materialCode: 'FG-CATH-16F',
        productName: '导尿管 16Fr',
        plannedQty: 500,
        unit: 'PCS',
        dueDate: '2026-12-05T10:00:00.000Z',
        site: '1010',
      });
      assert.deepEqual(answer.matches, { reports: 0, inspections: 1 });
      assert.deepEqual(
        answer.operations.map((op) => op.opNo),
        ['0010', '0020', '0030'],
      );
      const [extrusion, assembly, leak] = answer.operations;
      assert.deepEqual(
        { equipment: extrusion.equipment, operators: extrusion.operators, startedAt: extrusion.startedAt, endedAt: extrusion.endedAt, status: extrusion.status, good: extrusion.goodQty, scrap: extrusion.scrapQty },
        { equipment: ['EQ-EXTR-01'], operators: ['张伟'], startedAt: '2026-12-01T08:10:00+08:00', endedAt: '2026-12-01T10:40:00+08:00', status: 'completed', good: 498, scrap: 2 },
      );
      assert.deepEqual(assembly.equipment, ['EQ-ASM-01', 'EQ-ASM-02']);
      assert.deepEqual(assembly.operators, ['李娜', '王芳']);
      assert.equal(assembly.endedAt, undefined, 'an operation still running has no end time');
      assert.equal(assembly.plannedEquipment, 'EQ-ASM-01');
      assert.deepEqual({ passed: leak.passed, failed: leak.failed, gauges: leak.gauges }, { passed: 1, failed: 1, gauges: ['GA-LEAK-003', 'GA-LEAK-004'] });
      assert.deepEqual(
        leak.inspections.map((q) => [q.traceCode, q.result, q.defectCode, q.gaugeId, q.match]),
        [
          ['SN-MO-2026-0102-0007', 'pass', undefined, 'GA-LEAK-003', undefined],
          ['SN-MO-2026-0102-0008', 'fail', 'D-LEAK', 'GA-LEAK-004', true],
        ],
      );
      assert.deepEqual(
        answer.materials.map((m) => [m.materialCode, m.lot, m.qty, m.unit]),
        [
          ['RM-PVC-MED', 'LOT-PVC-A', 40, 'KG'],
          ['RM-PVC-MED', 'LOT-PVC-B', 40, 'KG'],
        ],
      );
    });

    it('a batch code answers the same order and marks the job reports carrying it', async (t) => {
      const fixture = await factory(t);
      if (!fixture) return;
      const store = fixture.open();
      await recordOrder(store, 'MO-2026-0102');
      const answer = await store.trace('LOT-MO-2026-0102');
      assertValidAnswer(answer);
      assert.equal(answer.order.orderNo, 'MO-2026-0102');
      assert.deepEqual(answer.matches, { reports: 4, inspections: 0 });
      assert.ok(answer.operations[0].reports.every((r) => r.match === true));
    });

    it('an order number answers its order, with nothing matched', async (t) => {
      const fixture = await factory(t);
      if (!fixture) return;
      const store = fixture.open();
      await recordOrder(store, 'MO-2026-0102');
      const answer = await store.trace('MO-2026-0102');
      assertValidAnswer(answer);
      assert.equal(answer.order.orderNo, 'MO-2026-0102');
      assert.deepEqual(answer.matches, { reports: 0, inspections: 0 });
      assert.equal(answer.operations.length, 3);
    });

    it('a code nothing carries has no answer', async (t) => {
      const fixture = await factory(t);
      if (!fixture) return;
      const store = fixture.open();
      await recordOrder(store, 'MO-2026-0102');
      assert.equal(await store.trace('SN-NOWHERE-0001'), undefined);
    });

    it('the same record twice is stored once', async (t) => {
      const fixture = await factory(t);
      if (!fixture) return;
      const store = fixture.open();
      const first = reportRecord(report('MO-2026-0103', 'EV-1', '0010', '2026-12-01T08:00:00+08:00'));
      const unit = inspectionRecord(inspection('MO-2026-0103', 'SN-1', '0010', '2026-12-01T08:05:00+08:00', { recordId: undefined }));
      assert.deepEqual(await store.record([first, unit]), { stored: 2, duplicates: 0 });
      assert.deepEqual(await store.record([first, unit, first]), { stored: 0, duplicates: 3 });
      const answer = await store.trace('SN-1');
      assertValidAnswer(answer);
      assert.equal(answer.operations[0].reports.length, 1);
      assert.equal(answer.operations[0].inspections.length, 1);
      assert.equal(answer.operations[0].goodQty, 100);
      assert.equal(answer.order.planned, false, 'no work order was received for it');
    });

    it('a work order of the same or an older revision changes nothing; a newer one replaces the plan', async (t) => {
      const fixture = await factory(t);
      if (!fixture) return;
      const store = fixture.open();
      assert.equal(await store.plan(orderPlan(workOrder('MO-7', 2))), true);
      assert.equal(await store.plan(orderPlan(workOrder('MO-7', 2, ['0010']))), false);
      assert.equal(await store.plan(orderPlan(workOrder('MO-7', 1, ['0010']))), false);
      assert.equal((await store.trace('MO-7'))?.operations.length, 3);
      assert.equal(await store.plan(orderPlan(workOrder('MO-7', 3, ['0010', '0020', '0030', '0040']))), true);
      const answer = await store.trace('MO-7');
      assert.equal(answer?.order.revision, 3);
      assert.deepEqual(
        answer?.operations.map((op) => op.opNo),
        ['0010', '0020', '0030', '0040'],
      );
    });

    it('what was recorded is there for a store opened again', async (t) => {
      const fixture = await factory(t);
      if (!fixture) return;
      const first = fixture.open();
      await recordOrder(first, 'MO-2026-0104');
      const before = await first.trace('SN-MO-2026-0104-0007');
      await first.close();
      const again = fixture.open();
      assert.deepEqual(await again.trace('SN-MO-2026-0104-0007'), before);
    });

    it('a code on records of two orders answers the latest and names the other', async (t) => {
      const fixture = await factory(t);
      if (!fixture) return;
      const store = fixture.open();
      await store.record([reportRecord(report('MO-A', 'A-1', '0010', '2026-12-01T08:00:00+08:00', { traceCode: 'B-SHARED' })), reportRecord(report('MO-B', 'B-1', '0010', '2026-12-02T08:00:00+08:00', { traceCode: 'B-SHARED' }))]);
      const answer = await store.trace('B-SHARED');
      assertValidAnswer(answer);
      assert.equal(answer.order.orderNo, 'MO-B');
      assert.deepEqual(answer.alsoInOrders, ['MO-A']);
    });

    it('an operation only the reports name comes after the planned ones', async (t) => {
      const fixture = await factory(t);
      if (!fixture) return;
      const store = fixture.open();
      await store.plan(orderPlan(workOrder('MO-8', 1, ['0010', '0020'])));
      await store.record([reportRecord(report('MO-8', 'R-99', '0099', '2026-12-01T08:00:00+08:00', { traceCode: 'SN-8' })), reportRecord(report('MO-8', 'R-5', '5', '2026-12-01T08:01:00+08:00', { traceCode: 'SN-8' }))]);
      assert.deepEqual(
        (await store.trace('SN-8'))?.operations.map((op) => op.opNo),
        ['0010', '0020', '5', '0099'],
      );
    });

    it('an answer carries at most the records per answer, the oldest, and says it was truncated', async (t) => {
      const fixture = await factory(t);
      if (!fixture) return;
      const store = fixture.open({ maxRecords: 3 });
      await store.record([5, 1, 4, 2, 3].map((n) => reportRecord(report('MO-9', `R-${n}`, '0010', `2026-12-01T08:0${n}:00+08:00`, { traceCode: 'LOT-9' }))));
      const answer = await store.trace('LOT-9');
      assertValidAnswer(answer);
      assert.equal(answer.truncated, true);
      assert.deepEqual(
        answer.operations[0].reports.map((r) => r.eventId),
        ['R-1', 'R-2', 'R-3'],
      );
    });

    it('two trace books in one store keep apart', async (t) => {
      const fixture = await factory(t);
      if (!fixture) return;
      const line1 = fixture.open({ book: 'line-1' });
      const line2 = fixture.open({ book: 'line-2' });
      await recordOrder(line1, 'MO-2026-0105');
      assert.ok(await line1.trace('SN-MO-2026-0105-0007'));
      assert.equal(await line2.trace('SN-MO-2026-0105-0007'), undefined);
    });
  });
}
