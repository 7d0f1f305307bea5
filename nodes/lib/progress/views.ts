// What the figures look like to their two readers: the ERP (a progress update, schemas/progress-update) and
// the progress board (生产进度看板: one row per open order, filterable by work centre).
import type { OrderFigures } from './figures';
import { compareMarks, roundQty } from './tally';
import type { BoardModel, BoardRow, OperationUpdate, OrderProgressState, ProgressUpdate, UnplannedOrder, UpdateReason } from './types';

export function progressUpdate(figures: OrderFigures, asOf: string, reason: UpdateReason): ProgressUpdate {
  // Made for every update the ERP gets: plain statements, the keys in the order the schema lists them.
  const operations: OperationUpdate[] = new Array(figures.operations.length);
  for (let i = 0; i < figures.operations.length; i++) {
    const op = figures.operations[i];
    const update: OperationUpdate = {
      opNo: op.planned.opNo,
      operationCode: op.planned.operationCode,
      equipmentCode: op.planned.equipmentCode,
      plannedQty: op.plannedQty,
      goodQty: op.goodQty,
      scrapQty: op.scrapQty,
      completionPct: op.completionPct,
      status: op.status,
      lagging: op.lagging,
    };
    if (op.observedCycleSec !== undefined) update.observedCycleSec = op.observedCycleSec;
    if (op.tally) update.lastReportAt = op.tally.latest.at;
    operations[i] = update;
  }
  // Completed below, so that lagReason (when there is one) keeps its place after lagging.
  const update = {
    orderNo: figures.plan.orderNo,
    asOf,
    reason,
    plannedQty: figures.plan.plannedQty,
    completedQty: figures.completedQty,
    scrapQty: figures.scrapQty,
    completionPct: figures.completionPct,
    colour: figures.colour,
    lagging: figures.lagging,
  } as ProgressUpdate;
  if (figures.lagReason !== undefined) update.lagReason = figures.lagReason;
  update.predictedDelayMinutes = figures.predictedDelayMinutes;
  update.status = figures.status;
  update.operations = operations;
  return update;
}

/** The furthest operation with reports that is not completed; before any report, the first not completed. */
function currentOperation(figures: OrderFigures): BoardRow['currentOp'] {
  const open = figures.operations.filter((op) => op.status !== 'completed');
  const current = [...open].reverse().find((op) => op.tally) ?? open[0];
  if (!current) return undefined;
  const { opNo, operationCode, equipmentCode } = current.planned;
  // The operation's own figure beside the order's: the order counts what its last operation finished, so an order
  // at its first operation reads 0 % while the lag reason quotes that operation's progress.
  return { opNo, operationCode, equipmentCode, status: current.status, goodQty: current.goodQty, completionPct: current.completionPct };
}

export function boardRow(figures: OrderFigures): BoardRow {
  const plan = figures.plan;
  const current = currentOperation(figures);
  return {
    orderNo: plan.orderNo,
    materialCode: plan.materialCode,
    ...(plan.productName !== undefined && { productName: plan.productName }),
    plannedQty: plan.plannedQty,
    completedQty: figures.completedQty,
    scrapQty: figures.scrapQty,
    unit: plan.unit,
    completionPct: figures.completionPct,
    colour: figures.colour,
    lagging: figures.lagging,
    ...(figures.lagReason !== undefined && { lagReason: figures.lagReason }),
    ...(figures.lagMessage !== undefined && { lagMessage: figures.lagMessage }),
    predictedDelayMinutes: figures.predictedDelayMinutes,
    ...(plan.dueDate !== undefined && { dueDate: plan.dueDate }),
    status: figures.status,
    workCentres: [...new Set(plan.operations.map((op) => op.equipmentCode))],
    ...(current && { currentOp: current }),
  };
}

export function unplannedOrder(state: Pick<OrderProgressState, 'orderNo' | 'operations'>): UnplannedOrder {
  const tallies = Object.values(state.operations);
  const latest = tallies.map((t) => t.latest).sort(compareMarks);
  return {
    orderNo: state.orderNo,
    reports: tallies.reduce((n, t) => n + t.reports, 0),
    goodQty: tallies.reduce((sum, t) => roundQty(sum + t.goodQty), 0),
    lastReportAt: latest[latest.length - 1].at,
  };
}

/** Earlier due dates first; orders without one after all dated ones. */
function byDueDate(a: string | undefined, b: string | undefined): number {
  const ams = a === undefined ? Infinity : Date.parse(a);
  const bms = b === undefined ? Infinity : Date.parse(b);
  return ams === bms ? 0 : ams < bms ? -1 : 1;
}

/** Rows of the open orders, lagging first, then by due date (then order no, so the order is stable). */
export function boardModel(rows: BoardRow[], unplanned: UnplannedOrder[], asOf: string, workCentre?: string): BoardModel {
  const workCentres = [...new Set(rows.flatMap((row) => row.workCentres))].sort();
  const shown = rows.filter((row) => workCentre === undefined || row.workCentres.includes(workCentre)).sort((a, b) => Number(b.lagging) - Number(a.lagging) || byDueDate(a.dueDate, b.dueDate) || (a.orderNo < b.orderNo ? -1 : 1));
  const counts = { green: 0, yellow: 0, red: 0, lagging: 0 };
  for (const row of shown) {
    counts[row.colour] += 1;
    if (row.lagging) counts.lagging += 1;
  }
  return { asOf, ...(workCentre !== undefined && { workCentre }), rows: shown, workCentres, counts, unplanned };
}
