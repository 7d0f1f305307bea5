// An order's progress in memory (sets for the event ids and lagging flags) and as plain JSON (one
// bridge-store key per order). The JSON is canonical: the same reports give the same text, whatever
// order they came in.
import type { OrderFigures } from './figures';
import type { OpenException, OperationTally, OrderProgressState, PlannedOrder } from './types';

/** The event ids counted for one order, in the order they were counted (it grows; see truncate for the exception). */
export class EventIds {
  private readonly ids: Set<string>;
  private readonly arrival: string[];

  constructor(ids: readonly string[] = []) {
    this.ids = new Set(ids);
    this.arrival = [...this.ids];
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    if (this.ids.has(id)) return;
    this.ids.add(id);
    this.arrival.push(id);
  }

  get size(): number {
    return this.arrival.length;
  }

  /** The ids counted from the n-th on (all by default), in the order they were counted. */
  since(n = 0): string[] {
    return this.arrival.slice(n);
  }

  /** Forgets the ids counted after the first n: a write that counted them failed (ProgressBook.checkpoint). */
  truncate(n: number): void {
    for (const id of this.arrival.splice(n)) this.ids.delete(id);
  }

  sorted(): string[] {
    return [...this.arrival].sort();
  }
}

export interface OrderRecord {
  orderNo: string;
  plan?: PlannedOrder;
  /** Replaced, never changed in place: addReport makes a new tally. */
  operations: Record<string, OperationTally>;
  eventIds: EventIds;
  /** Counts the changes of `operations`, so figures computed from them can be reused until the next one. */
  operationsVersion: number;
  exception?: OpenException;
  lagging: { order: boolean; operations: Set<string> };
  /** The figures last computed and what they were computed from (not saved). */
  figures?: { nowMs: number; plan: PlannedOrder; operations: number; exception: OpenException | undefined; value: OrderFigures };
}

export function emptyRecord(orderNo: string): OrderRecord {
  return { orderNo, operations: {}, operationsVersion: 0, eventIds: new EventIds(), lagging: { order: false, operations: new Set() } };
}

const sortedKeys = <T>(record: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.keys(record).sort().map((key) => [key, record[key]]));

/** The order's whole state as plain JSON, a copy (event ids sorted). */
export function toState(record: OrderRecord): OrderProgressState {
  return structuredClone({ ...stateWithoutIds(record), eventIds: record.eventIds.sorted() });
}

/**
 * The order's state as plain JSON but for its event ids (which are saved apart). Taken now and left as it is by what
 * the book does later, yet not a deep copy: the plan, the tallies and the exception are replaced, never changed in
 * place, by the book. Serialise it; do not change it.
 */
export function stateWithoutIds(record: OrderRecord): Omit<OrderProgressState, 'eventIds'> {
  return {
    version: 1,
    orderNo: record.orderNo,
    ...(record.plan && { plan: record.plan }),
    operations: sortedKeys(record.operations),
    ...(record.exception && { exception: record.exception }),
    lagging: { order: record.lagging.order, operations: [...record.lagging.operations].sort() },
  };
}

/** Refuses, with a sentence, what is not an order's progress state written by toState. */
export function fromState(state: OrderProgressState): OrderRecord {
  const where = `progress state of order ${JSON.stringify((state as Partial<OrderProgressState> | undefined)?.orderNo)}`;
  if (!state || typeof state !== 'object') throw new Error(`The progress state must be an object, not ${JSON.stringify(state)}.`);
  if (state.version !== 1) throw new Error(`The ${where} has version ${JSON.stringify(state.version)}; this bridge reads version 1.`);
  if (typeof state.orderNo !== 'string' || state.orderNo === '') throw new Error(`The ${where} has no orderNo.`);
  if (!state.operations || typeof state.operations !== 'object') throw new Error(`The ${where} has no operations object.`);
  if (!Array.isArray(state.eventIds)) throw new Error(`The ${where} has no eventIds list.`);
  if (!state.lagging || !Array.isArray(state.lagging.operations)) throw new Error(`The ${where} has no lagging flags.`);
  const copy = structuredClone(state);
  return {
    orderNo: copy.orderNo,
    ...(copy.plan && { plan: copy.plan }),
    operations: copy.operations,
    operationsVersion: 0,
    eventIds: new EventIds(copy.eventIds),
    ...(copy.exception && { exception: copy.exception }),
    lagging: { order: copy.lagging.order === true, operations: new Set(copy.lagging.operations) },
  };
}
