// What the simulated shop floor has made of each work order by now: every operation advances along its
// planned window, each order at its own pace (some run behind plan, so the boards show every colour), with a
// little scrap. A pure function of the work order and the clock, so every reader sees the same floor.
import { toPlantIso } from './plant-time';
import type { WorkOrder } from './types';

export type OperationStatus = 'waiting' | 'running' | 'completed';

/** One operation's progress as the MES reports it (MES codes, plant-local times). */
export interface OperationProgress {
  workOrderNo: string;
  sequence: string;
  operationCode: string;
  equipmentCode: string;
  goodQty: number;
  scrapQty: number;
  status: OperationStatus;
  /** When the quantities were last reported: now while running, the end of work once completed. */
  reportedAt: string;
  /** When work on the operation began (its planned start: the floor starts on time, only its pace varies). */
  startedAt?: string;
}

/** A stable number in [0, 1) per text: the same order always runs at the same pace. */
function unitHash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0) / 2 ** 32;
}

/** Pace relative to plan, 0.55–1.15: about a third of the orders fall clearly behind. */
export function orderPace(workOrderNo: string): number {
  return 0.55 + unitHash(workOrderNo) * 0.6;
}

/** Scrap as a share of the parts made, 0–4 %. */
export function scrapRate(workOrderNo: string, sequence: string): number {
  return unitHash(`${workOrderNo}/${sequence}`) * 0.04;
}

export function progressAt(workOrder: WorkOrder, now: Date): OperationProgress[] {
  const pace = orderPace(workOrder.workOrderNo);
  const at = now.getTime();
  // An operation cannot pass on more good parts than the one before it made.
  let available = workOrder.plannedQty;
  return workOrder.operations.map((op) => {
    const start = Date.parse(op.plannedStart);
    const end = Date.parse(op.plannedEnd);
    // Share of the planned window elapsed; past the window a slow order keeps working until it is done.
    const elapsed = at <= start ? 0 : end <= start ? Number.POSITIVE_INFINITY : (at - start) / (end - start);
    const made = Math.min(available, Math.floor(Math.min(workOrder.plannedQty * elapsed * pace, workOrder.plannedQty)));
    const scrapQty = Math.round(made * scrapRate(workOrder.workOrderNo, op.sequence));
    const goodQty = made - scrapQty;
    const target = available;
    available = goodQty;
    const status: OperationStatus = made === 0 ? 'waiting' : made >= target && elapsed * pace >= 1 ? 'completed' : 'running';
    const finishedAt = status === 'completed' && end > start ? Math.min(at, start + (end - start) / pace) : at;
    return {
      workOrderNo: workOrder.workOrderNo,
      sequence: op.sequence,
      operationCode: op.operationCode,
      equipmentCode: op.equipmentCode,
      goodQty,
      scrapQty,
      status,
      reportedAt: toPlantIso(finishedAt),
      ...(made > 0 && { startedAt: toPlantIso(Math.min(start, finishedAt)) }),
    };
  });
}
