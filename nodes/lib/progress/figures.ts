// The figures of an order at an instant: completion, colour, lag against the planned window, observed cycle
// time and predicted delay (DESIGN §1). Pure functions of the order's state, the settings and `now`.
import { observedCycleSec, roundQty } from './tally';
import type { LagMessage, Colour, OperationStatus, OperationTally, OrderProgressState, OrderProgressStatus, PlannedOperation, PlannedOrder, ProgressSettings } from './types';
import { DEFAULT_PROGRESS_SETTINGS } from './types';

/** The parts of an order's state its figures depend on. */
export type OrderView = Pick<OrderProgressState, 'plan' | 'operations' | 'exception'>;

export interface OperationFigures {
  planned: PlannedOperation;
  tally?: OperationTally;
  plannedQty: number;
  goodQty: number;
  scrapQty: number;
  completionPct: number;
  colour: Colour;
  status: OperationStatus;
  /** Where the plan says the operation should be at `now`, linear over its planned window, %. */
  expectedPct: number;
  /** expectedPct − completionPct, percentage points. */
  behindPct: number;
  lagging: boolean;
  observedCycleSec?: number;
}

export interface OrderFigures {
  plan: PlannedOrder;
  operations: OperationFigures[];
  completedQty: number;
  scrapQty: number;
  completionPct: number;
  colour: Colour;
  status: OrderProgressStatus;
  lagging: boolean;
  lagReason?: string;
  lagMessage?: LagMessage;
  predictedDelayMinutes: number;
}

/** Settings with the defaults filled in, refused with a sentence when they cannot make sense. */
export function progressSettings(given: Partial<ProgressSettings> = {}): ProgressSettings {
  const settings = { ...DEFAULT_PROGRESS_SETTINGS, ...given };
  for (const name of ['greenPct', 'yellowPct', 'lagThresholdPct'] as const) {
    const value = settings[name];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) {
      throw new Error(`Progress setting ${name} must be a number from 0 to 100, not ${JSON.stringify(value)}.`);
    }
  }
  if (!Number.isInteger(settings.eventIdWindow) || settings.eventIdWindow < 1) {
    throw new Error(`Progress setting eventIdWindow must be a whole number of at least 1, not ${JSON.stringify(settings.eventIdWindow)}.`);
  }
  if (settings.yellowPct > settings.greenPct) {
    throw new Error(`Progress setting yellowPct (${settings.yellowPct}) must not be above greenPct (${settings.greenPct}).`);
  }
  return settings;
}

/**
 * The largest percentage, delay (min) or cycle (s) the figures carry: what schemas/progress-update allows. Reports
 * are bounded (1e9 a report), but a tiny planned quantity or a long gap could still make a ratio that no ERP
 * takes; the figures never go past it (nor to Infinity).
 */
export const FIGURE_LIMIT = 1e9;

const bounded = (value: number) => (value > FIGURE_LIMIT ? FIGURE_LIMIT : value < -FIGURE_LIMIT ? -FIGURE_LIMIT : value);

/** Percentages carry two decimals; colours and lag are judged on the figure shown, so they never disagree. */
export function roundPct(value: number): number {
  return bounded(Math.round(value * 100) / 100);
}

export function completionPct(goodQty: number, plannedQty: number): number {
  return plannedQty > 0 ? roundPct((goodQty * 100) / plannedQty) : 0;
}

export function colourFor(pct: number, settings: ProgressSettings): Colour {
  if (pct >= settings.greenPct) return 'green';
  if (pct >= settings.yellowPct) return 'yellow';
  return 'red';
}

/** An operation's planned window in ms, read once per plan: the figures are computed for every report. */
const plannedWindows = new WeakMap<PlannedOperation, { start: number; end: number }>();
function plannedWindow(op: PlannedOperation): { start: number; end: number } {
  let window = plannedWindows.get(op);
  if (!window) plannedWindows.set(op, (window = { start: Date.parse(op.plannedStart), end: Date.parse(op.plannedEnd) }));
  return window;
}

/** 0 before the planned start, 100 from the planned end, linear in between. */
export function expectedCompletionPct(op: PlannedOperation, nowMs: number): number {
  const { start, end } = plannedWindow(op);
  if (nowMs < start) return 0;
  if (nowMs >= end) return 100;
  return roundPct(((nowMs - start) * 100) / (end - start));
}

export function operationStatus(tally: OperationTally | undefined): OperationStatus {
  return tally ? tally.latest.status : 'waiting';
}

/**
 * Without a plan an order is waiting until its first report and running after it. With one it is completed
 * once its last operation reports completed or has made the planned quantity.
 */
export function orderStatus(state: OrderView): OrderProgressStatus {
  const last = state.plan?.operations[state.plan.operations.length - 1];
  const lastTally = last && state.operations[last.opNo];
  if (state.plan && lastTally && (lastTally.latest.status === 'completed' || lastTally.goodQty >= state.plan.plannedQty)) return 'completed';
  return Object.keys(state.operations).length > 0 ? 'running' : 'waiting';
}

export function operationFigures(op: PlannedOperation, tally: OperationTally | undefined, plannedQty: number, settings: ProgressSettings, nowMs: number): OperationFigures {
  // Computed for every operation of an order on every report: plain statements, no spreads of temporary objects.
  const goodQty = tally ? tally.goodQty : 0;
  const pct = completionPct(goodQty, plannedQty);
  const status = operationStatus(tally);
  const window = plannedWindow(op);
  const expectedPct = nowMs < window.start ? 0 : nowMs >= window.end ? 100 : roundPct(((nowMs - window.start) * 100) / (window.end - window.start));
  const behindPct = roundPct(expectedPct - pct);
  const figures: OperationFigures = {
    planned: op,
    plannedQty,
    goodQty,
    scrapQty: tally ? tally.scrapQty : 0,
    completionPct: pct,
    colour: colourFor(pct, settings),
    status,
    expectedPct,
    behindPct,
    lagging: nowMs >= window.start && status !== 'completed' && behindPct > settings.lagThresholdPct,
  };
  if (tally) {
    figures.tally = tally;
    const cycle = observedCycleSec(tally);
    if (cycle !== undefined) figures.observedCycleSec = cycle;
  }
  return figures;
}

/** "1.5" rather than "1.50", "25" rather than "25.00". */
const figure = (n: number) => String(Math.round(n * 10) / 10);

export function operationLagMessage(op: OperationFigures): Extract<LagMessage, { key: 'behindPlan' }> {
  return { key: 'behindPlan', params: { opNo: op.planned.opNo, behind: figure(op.behindPct), done: figure(op.completionPct), expected: figure(op.expectedPct) } };
}

export function operationLagReason(op: OperationFigures): string {
  const { opNo, behind, done, expected } = operationLagMessage(op).params;
  return `Operation ${opNo} is ${behind} points behind plan: ${done} % done, ${expected} % expected by now.`;
}

/**
 * Minutes the order will finish after its due date at the pace seen so far, 0 when on time:
 * max(0, remaining qty × bottleneck cycle − time left to due). The bottleneck is the slowest observed cycle
 * among the operations not yet finished; while none of them has an observed cycle, the slowest of their
 * planned stdSecondsPerUnit stands in.
 */
export function predictedDelayMinutes(plan: PlannedOrder, operations: OperationFigures[], completedQty: number, nowMs: number): number {
  const remaining = Math.max(0, plan.plannedQty - completedQty);
  if (remaining === 0) return 0;
  let unfinished = 0;
  let slowestObserved = -Infinity;
  let slowestPlanned = -Infinity;
  for (const op of operations) {
    if (op.status === 'completed' || op.goodQty >= op.plannedQty) continue;
    unfinished += 1;
    if (op.observedCycleSec !== undefined && op.observedCycleSec > slowestObserved) slowestObserved = op.observedCycleSec;
    if (op.planned.stdSecondsPerUnit > slowestPlanned) slowestPlanned = op.planned.stdSecondsPerUnit;
  }
  // Without a due date (contract v2 allows none) there is nothing to be late against.
  if (unfinished === 0 || plan.dueDate === undefined) return 0;
  const cycleSec = slowestObserved > -Infinity ? slowestObserved : slowestPlanned;
  const secondsLeft = (dueMs(plan) - nowMs) / 1000;
  return bounded(Math.max(0, Math.round((remaining * cycleSec - secondsLeft) / 60)));
}

/** The due date in ms, read once per plan. */
const dueDates = new WeakMap<PlannedOrder, number>();
function dueMs(plan: PlannedOrder): number {
  let ms = dueDates.get(plan);
  if (ms === undefined) dueDates.set(plan, (ms = Date.parse(plan.dueDate ?? '')));
  return ms;
}

/** The figures of a planned order at `now`. */
export function orderFigures(state: OrderView & { plan: PlannedOrder }, settings: ProgressSettings, nowMs: number): OrderFigures {
  const plan = state.plan;
  const status = orderStatus(state);
  const operations: OperationFigures[] = new Array(plan.operations.length);
  let scrapQty = 0;
  let furthestBehind: OperationFigures | undefined;
  for (let i = 0; i < plan.operations.length; i++) {
    const op = operationFigures(plan.operations[i], state.operations[plan.operations[i].opNo], plan.plannedQty, settings, nowMs);
    // A finished order has nothing behind, even an operation that never reported its own completion.
    if (status === 'completed' && op.lagging) op.lagging = false;
    operations[i] = op;
    scrapQty = roundQty(scrapQty + op.scrapQty);
    // The first of those furthest behind, as a stable sort by behindPct would find it.
    if (op.lagging && (furthestBehind === undefined || op.behindPct > furthestBehind.behindPct)) furthestBehind = op;
  }
  const completedQty = operations.length > 0 ? operations[operations.length - 1].goodQty : 0;
  const pct = completionPct(completedQty, plan.plannedQty);
  const lagging = furthestBehind !== undefined;
  let lagReason: string | undefined;
  let lagMessage: LagMessage | undefined;
  if (furthestBehind) {
    const exception = state.exception;
    lagReason = exception ? `${exception.type}, ${exception.severity}: ${exception.description}`.slice(0, 500) : operationLagReason(furthestBehind);
    lagMessage = exception ? { key: 'exception', params: { type: exception.type, severity: exception.severity, description: exception.description.slice(0, 500) } } : operationLagMessage(furthestBehind);
  }
  const figures: OrderFigures = {
    plan,
    operations,
    completedQty,
    scrapQty,
    completionPct: pct,
    colour: colourFor(pct, settings),
    status,
    lagging,
    predictedDelayMinutes: status === 'completed' ? 0 : predictedDelayMinutes(plan, operations, completedQty, nowMs),
  };
  if (lagReason !== undefined) figures.lagReason = lagReason;
  if (lagMessage !== undefined) figures.lagMessage = lagMessage;
  return figures;
}
