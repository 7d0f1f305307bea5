// An infusion-set order for the material-control tests: 1000 EA, with PVC tubing (1.6 M per set, 2 % issue
// tolerance → need 1600 M, limit 1632 M), 21G needles (1 EA per set, no tolerance) and drip chambers on two
// BOM lines (0.5 EA each at ops 0010 and 0020, 10 % tolerance → need 1000 EA, limit 1100 EA).
import type { WorkOrder } from '../../nodes/lib/plan-sync/work-order';
import type { MaterialRequisition } from '../../nodes/lib/overdraw';

export const ORDER = 'MO-2026-0101';

export function workOrder(overrides: Partial<WorkOrder> = {}): WorkOrder {
  return {
    workOrderNo: ORDER,
    source: { system: 'erp', orderNo: ORDER, revision: 1, updatedAt: '2026-11-20T08:30:00+08:00' },
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
    materials: [
      { materialCode: 'RM-PVC-TUBE', qtyPer: 1.6, requiredQty: 1600, unit: 'M', issueTolerancePct: 2, sequence: '0010' },
      { materialCode: 'RM-NEEDLE-21G', qtyPer: 1, requiredQty: 1000, unit: 'EA', issueTolerancePct: 0, sequence: '0020' },
      { materialCode: 'RM-DRIP-CHAMBER', qtyPer: 0.5, requiredQty: 500, unit: 'EA', issueTolerancePct: 10, sequence: '0010' },
      { materialCode: 'RM-DRIP-CHAMBER', qtyPer: 0.5, requiredQty: 500, unit: 'EA', issueTolerancePct: 10, sequence: '0020' },
    ],
    ...overrides,
  };
}

let counter = 0;

/** A requisition of PVC tubing (or what the overrides say), with a fresh id unless one is given. */
export function requisition(requestedQty: number, overrides: Partial<MaterialRequisition> = {}): MaterialRequisition {
  counter += 1;
  return {
    requisitionId: `REQ-20261125-${String(counter).padStart(4, '0')}`,
    orderNo: ORDER,
    opNo: '0010',
    materialCode: 'RM-PVC-TUBE',
    requestedQty,
    unit: 'M',
    requester: 'OP-1024',
    timestamp: '2026-11-25T08:05:00+08:00',
    ...overrides,
  };
}

/** A plant-local instant ("2026-11-25T12:00") as ms. */
export const at = (localTime: string): number => Date.parse(`${localTime}:00+08:00`);
/** The same instant as the books write it (ISO UTC). */
export const iso = (localTime: string): string => new Date(at(localTime)).toISOString();
