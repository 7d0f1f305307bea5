// The words of execution feedback (MES → ERP): progress reports (报工) in, progress updates and the
// progress board (生产进度看板) out, and the state the progress book keeps per production order.

/** One job report of the MES; see schemas/progress-report.schema.json. Quantities are increments. */
export interface ProgressReport {
  eventId: string;
  orderNo: string;
  opNo: string;
  goodQty: number;
  scrapQty: number;
  status: ReportedStatus;
  operator: string;
  equipment: string;
  timestamp: string;
  traceCode?: string;
}

export type ReportedStatus = 'started' | 'running' | 'paused' | 'completed';
/** An operation is waiting until its first report; then it has its latest report's status. */
export type OperationStatus = 'waiting' | ReportedStatus;
export type OrderProgressStatus = 'waiting' | 'running' | 'completed';
export type Colour = 'green' | 'yellow' | 'red';
export type UpdateReason = 'report' | 'snapshot' | 'status-change' | 'lagging';

/** Domain figures a plant may change; DESIGN §1 gives the defaults. */
export interface ProgressSettings {
  /** Completion % at or above which an order or operation is green (default 90). */
  greenPct: number;
  /** Completion % at or above which it is yellow, below green (default 50); below it is red. */
  yellowPct: number;
  /** Percentage points an operation may be behind the plan's expected completion before it lags (default 10). */
  lagThresholdPct: number;
  /**
   * How many of an order's latest event ids are remembered to tell a repeated report from a new one (default
   * 2,000). A repeat within them is a duplicate; one from further back is counted again. Memory and the saved
   * state of an order stay this size however many reports it gets.
   */
  eventIdWindow: number;
}

export const DEFAULT_PROGRESS_SETTINGS: Readonly<ProgressSettings> = { greenPct: 90, yellowPct: 50, lagThresholdPct: 10, eventIdWindow: 2000 };

/** The latest open exception of an order (from exception escalation); it becomes the lag reason. */
export interface OpenException {
  id: string;
  type: string;
  severity: string;
  description: string;
  at: string;
}

/** What the book keeps of a work order's plan. */
export interface PlannedOrder {
  orderNo: string;
  revision: number;
  /** The work order's status: created and released orders are open; completed, closed, cancelled are not. */
  status: string;
  materialCode: string;
  productName?: string;
  plannedQty: number;
  unit: string;
  /** Absent when the ERP gave the order none (contract v2): such an order cannot be late. */
  dueDate?: string;
  /** In routing order (by sequence). */
  operations: PlannedOperation[];
}

export interface PlannedOperation {
  opNo: string;
  operationCode: string;
  equipmentCode: string;
  plannedStart: string;
  plannedEnd: string;
  stdSecondsPerUnit: number;
}

/** A report's place in time; ties on the timestamp are broken by event id so every order of arrival agrees. */
export interface ReportMark {
  at: string;
  ms: number;
  eventId: string;
}

/** The sums and marks of one operation's distinct reports (independent of their order of arrival). */
export interface OperationTally {
  goodQty: number;
  scrapQty: number;
  reports: number;
  /** The earliest report and the units (good + scrap) it carried: work done before it has no known start. */
  first: ReportMark & { units: number };
  /** The latest report: its status is the operation's status. */
  latest: ReportMark & { status: ReportedStatus };
}

/** Everything the book keeps of one production order: plain JSON, one store key per order. */
export interface OrderProgressState {
  version: 1;
  orderNo: string;
  plan?: PlannedOrder;
  /** Keyed by opNo; reports for operations the plan does not (yet) have are kept too. */
  operations: Record<string, OperationTally>;
  /** Event ids already counted, sorted. */
  eventIds: string[];
  exception?: OpenException;
  /** Lagging flags as last evaluated, so a transition is reported once. */
  lagging: { order: boolean; operations: string[] };
}

export interface ProgressBookState {
  version: 1;
  orders: OrderProgressState[];
}

/** A change the progress-push node may push at once. */
export type ProgressChange =
  | { kind: 'operation-status'; orderNo: string; opNo: string; from: OperationStatus; to: OperationStatus }
  | { kind: 'order-status'; orderNo: string; from: OrderProgressStatus; to: OrderProgressStatus }
  | { kind: 'lagging'; orderNo: string; opNo?: string; lagging: boolean; reason?: string };

export interface ReportOutcome {
  /** True when the event id was counted before: nothing changed. */
  duplicate: boolean;
  /** False while the order has no plan or the plan has no such operation: the report is kept and counts later. */
  planned: boolean;
  changes: ProgressChange[];
}

export interface PlanOutcome {
  /** False when the work order is an older revision than the plan the book has: it is ignored. */
  applied: boolean;
  changes: ProgressChange[];
}

/** schemas/progress-update.schema.json */
export interface ProgressUpdate {
  orderNo: string;
  asOf: string;
  reason: UpdateReason;
  plannedQty: number;
  completedQty: number;
  scrapQty: number;
  completionPct: number;
  colour: Colour;
  lagging: boolean;
  lagReason?: string;
  predictedDelayMinutes: number;
  status: OrderProgressStatus;
  operations: OperationUpdate[];
}

export interface OperationUpdate {
  opNo: string;
  operationCode?: string;
  equipmentCode?: string;
  plannedQty: number;
  goodQty: number;
  scrapQty: number;
  completionPct: number;
  status: OperationStatus;
  lagging: boolean;
  observedCycleSec?: number;
  lastReportAt?: string;
}

/**
 * Why an order lags, as a message key and its parameters: the board renders it in the reader's language,
 * while the ERP and the logs get the English sentence (lagReason).
 */
export type LagMessage = { key: 'behindPlan'; params: { opNo: string; behind: string; done: string; expected: string } } | { key: 'exception'; params: { type: string; severity: string; description: string } };

export interface BoardRow {
  orderNo: string;
  materialCode: string;
  productName?: string;
  plannedQty: number;
  completedQty: number;
  scrapQty: number;
  unit: string;
  completionPct: number;
  colour: Colour;
  lagging: boolean;
  lagReason?: string;
  /** The lag reason as a message key and parameters, for the board to render in its reader's language. */
  lagMessage?: LagMessage;
  predictedDelayMinutes: number;
  dueDate?: string;
  status: OrderProgressStatus;
  /** Equipment codes of the order's operations, in routing order (the board filters by them). */
  workCentres: string[];
  /** The furthest operation with reports that is not completed, else the first not completed one. */
  /** The operation under way, with its own good quantity and completion (of the order's planned quantity). */
  currentOp?: { opNo: string; operationCode: string; equipmentCode: string; status: OperationStatus; goodQty: number; completionPct: number };
}

/** An order with reports but no plan yet: it cannot have a bar until plan sync delivers its work order. */
export interface UnplannedOrder {
  orderNo: string;
  reports: number;
  goodQty: number;
  lastReportAt: string;
}

export interface BoardModel {
  asOf: string;
  workCentre?: string;
  /** Open orders, lagging first, then by due date. */
  rows: BoardRow[];
  /** Every work centre of the open orders, sorted: the filter's choices. */
  workCentres: string[];
  /** Rows per colour, and lagging rows, after the filter. */
  counts: { green: number; yellow: number; red: number; lagging: number };
  unplanned: UnplannedOrder[];
}
