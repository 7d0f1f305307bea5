// A hand-worked order for the cost tests: MO-2026-0101, 1000 infusion sets (P-IVSET-20) planned, two operations
// — 0010 OP-EXTRUDE on EQ-EXTR-01 at 18 s per unit, 0020 OP-ASSEMBLE on EQ-ASSY-02 at 36 s per unit — and a BOM of
// 1.6 M PVC tubing and 1 needle per set. The ERP's standard per set: material 2.35 CNY (1.6 M × 0.50 + 1 × 1.55),
// labour 0.45 CNY (54 s at 30 CNY/h), machine 0.54 CNY (18 s at 60 CNY/h + 36 s at 24 CNY/h).
import type { StandardCost } from '../../nodes/lib/cost';
import type { WorkOrder } from '../../nodes/lib/plan-sync/work-order';
import type { ProgressReport } from '../../nodes/lib/progress/types';

export const ORDER = 'MO-2026-0101';

export function costPlan(overrides: Partial<WorkOrder> = {}): WorkOrder {
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
      { sequence: '0010', operationCode: 'OP-EXTRUDE', equipmentCode: 'EQ-EXTR-01', plannedStart: '2026-11-25T08:00:00+08:00', plannedEnd: '2026-11-25T13:00:00+08:00', stdSecondsPerUnit: 18 },
      { sequence: '0020', operationCode: 'OP-ASSEMBLE', equipmentCode: 'EQ-ASSY-02', plannedStart: '2026-11-25T13:00:00+08:00', plannedEnd: '2026-11-25T23:00:00+08:00', stdSecondsPerUnit: 36 },
    ],
    materials: [
      { materialCode: 'RM-PVC-TUBE', qtyPer: 1.6, requiredQty: 1600, unit: 'M', issueTolerancePct: 2, sequence: '0010' },
      { materialCode: 'RM-NEEDLE-21G', qtyPer: 1, requiredQty: 1000, unit: 'EA', issueTolerancePct: 0, sequence: '0020' },
    ],
    ...overrides,
  };
}

export function standardCost(overrides: Partial<StandardCost> = {}): StandardCost {
  return {
    productCode: 'P-IVSET-20',
    currency: 'CNY',
    perUnit: { material: 2.35, labour: 0.45, machine: 0.54 },
    labourRatePerHour: 30,
    machineRates: [
      { equipment: 'EQ-EXTR-01', ratePerHour: 60 },
      { equipment: 'EQ-ASSY-02', ratePerHour: 24 },
    ],
    materials: [
      { materialCode: 'RM-PVC-TUBE', unitCost: 0.5, unit: 'M' },
      { materialCode: 'RM-NEEDLE-21G', unitCost: 1.55, unit: 'EA' },
    ],
    estimateId: 'CE-2026-11',
    ...overrides,
  };
}

export function jobReport(eventId: string, opNo: string, goodQty: number, scrapQty: number, status: ProgressReport['status'], timestamp: string): ProgressReport {
  return { eventId, orderNo: ORDER, opNo, goodQty, scrapQty, status, operator: '张伟', equipment: opNo === '0010' ? 'EQ-EXTR-01' : 'EQ-ASSY-02', timestamp };
}

export const labour = (eventId: string, opNo: string, operator: string, labourHours: number) => ({ eventId, orderNo: ORDER, opNo, operator, labourHours, timestamp: '2026-11-25T20:00:00+08:00' });
export const machine = (eventId: string, opNo: string, equipment: string, machineHours: number) => ({ eventId, orderNo: ORDER, opNo, equipment, machineHours, timestamp: '2026-11-25T20:00:00+08:00' });
export const issued = (requisitionId: string, materialCode: string, qty: number, unit: string) => ({
  requisitionId,
  orderNo: ORDER,
  opNo: '0010',
  materialCode,
  qty,
  unit,
  requester: 'OP-1024',
  approval: 'within-limit',
  approvedBy: 'bridge',
  issuedAt: '2026-11-25T08:05:00.000Z',
  issuedTotalQty: qty,
  needQty: 1600,
  limitQty: 1632,
});

/** What the floor did: 0010 made 990 good + 10 scrap, 0020 980 good + 10 scrap; both completed. */
export const completingReports = (): ProgressReport[] => [
  jobReport('R-1', '0010', 600, 6, 'running', '2026-11-25T10:00:00+08:00'),
  jobReport('R-2', '0010', 390, 4, 'completed', '2026-11-25T13:00:00+08:00'),
  jobReport('R-3', '0020', 500, 4, 'running', '2026-11-25T17:00:00+08:00'),
  jobReport('R-4', '0020', 480, 6, 'completed', '2026-11-25T22:00:00+08:00'),
];

/** Labour 17.25 h (0010: 张伟 3.5 + 李娜 1.5; 0020: 王芳 8 + 李娜 4.25), machine EQ-EXTR-01 5.2 h, EQ-ASSY-02 9.5 h. */
export const timeLogs = () => [
  labour('L-1', '0010', '张伟', 3.5),
  labour('L-2', '0010', '李娜', 1.5),
  labour('L-3', '0020', '王芳', 8),
  labour('L-4', '0020', '李娜', 4.25),
  machine('M-1', '0010', 'EQ-EXTR-01', 5.2),
  machine('M-2', '0020', 'EQ-ASSY-02', 9.5),
];

/** PVC 1000 + 750 = 1750 M, needles 1000 EA. */
export const issues = () => [issued('REQ-1', 'RM-PVC-TUBE', 1000, 'M'), issued('REQ-2', 'RM-PVC-TUBE', 750, 'M'), issued('REQ-3', 'RM-NEEDLE-21G', 1000, 'EA')];
