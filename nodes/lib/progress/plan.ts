// The part of a work order (from plan sync) the progress book needs: quantities, due date, and each
// operation's planned window, work centre and standard time.
import type { WorkOrder } from '../plan-sync/work-order';
import type { PlannedOrder } from './types';

const OPEN_STATUSES = new Set(['created', 'released', 'running', 'held']);

/** Orders not yet finished (created, released, running, held) are open: on the board, snapshotted and checked for lag. */
export function isOpen(plan: PlannedOrder): boolean {
  return OPEN_STATUSES.has(plan.status);
}

/** Operations in routing order: "0010" before "0020" before "0100", whatever order the ERP listed them in. */
export function toPlannedOrder(workOrder: WorkOrder): PlannedOrder {
  const operations = workOrder.operations
    .map((op) => ({
      opNo: op.sequence,
      operationCode: op.operationCode,
      equipmentCode: op.equipmentCode,
      plannedStart: op.plannedStart,
      plannedEnd: op.plannedEnd,
      stdSecondsPerUnit: op.stdSecondsPerUnit,
    }))
    .sort((a, b) => Number(a.opNo) - Number(b.opNo) || (a.opNo < b.opNo ? -1 : a.opNo > b.opNo ? 1 : 0));
  return {
    orderNo: workOrder.workOrderNo,
    revision: workOrder.source.revision,
    status: workOrder.status,
    materialCode: workOrder.materialCode,
    ...(workOrder.productName !== undefined && { productName: workOrder.productName }),
    plannedQty: workOrder.plannedQty,
    unit: workOrder.unit,
    ...(workOrder.dueDate !== undefined && { dueDate: workOrder.dueDate }),
    operations,
  };
}
