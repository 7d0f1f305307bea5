// A two-operation infusion-set order and job reports for it, for the progress book's tests.
// Planned: 1000 EA due 2026-11-26 17:00 (+08:00); 0010 extrusion on EQ-EXTR-01 from 25th 08:00 to 16:00
// (std 20 s/unit), 0020 assembly on EQ-ASSY-02 from 25th 12:00 to 26th 12:00 (std 30 s/unit).
import type { WorkOrder } from '../../nodes/lib/plan-sync/work-order';
import type { ProgressReport, ReportedStatus } from '../../nodes/lib/progress';

export function workOrder(overrides: Partial<WorkOrder> = {}): WorkOrder {
  return {
    workOrderNo: 'MO-2026-0101',
    source: { system: 'erp', orderNo: 'MO-2026-0101', revision: 1, updatedAt: '2026-11-20T08:30:00+08:00' },
    status: 'released',
    materialCode: 'P-IVSET-20',
    productName: '一次性使用输液器',
    plannedQty: 1000,
    unit: 'EA',
    dueDate: '2026-11-26T17:00:00+08:00',
    priority: 2,
    site: 'SZ01',
    operations: [
      { sequence: '0010', operationCode: 'OP-EXTRUDE', equipmentCode: 'EQ-EXTR-01', plannedStart: '2026-11-25T08:00:00+08:00', plannedEnd: '2026-11-25T16:00:00+08:00', stdSecondsPerUnit: 20 },
      { sequence: '0020', operationCode: 'OP-ASSEMBLE', equipmentCode: 'EQ-ASSY-02', plannedStart: '2026-11-25T12:00:00+08:00', plannedEnd: '2026-11-26T12:00:00+08:00', stdSecondsPerUnit: 30 },
    ],
    materials: [],
    ...overrides,
  };
}

/** A job report at a plant-local time ("2026-11-25T10:00"), +08:00 added. */
export function report(eventId: string, opNo: string, goodQty: number, scrapQty: number, status: ReportedStatus, localTime: string, orderNo = 'MO-2026-0101'): ProgressReport {
  return {
    eventId,
    orderNo,
    opNo,
    goodQty,
    scrapQty,
    status,
    operator: 'OP-1024',
    equipment: opNo === '0010' ? 'EQ-EXTR-01' : 'EQ-ASSY-02',
    timestamp: `${localTime}:00+08:00`,
  };
}

/** A plant-local instant ("2026-11-25T12:00") as ms. */
export const at = (localTime: string): number => Date.parse(`${localTime}:00+08:00`);
