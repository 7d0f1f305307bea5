// An order's progress in memory (sets for the event ids and lagging flags) and as plain JSON (one
// bridge-store key per order). The JSON is canonical: the same reports give the same text, whatever
// order they came in.
import type { OrderFigures } from './figures';
import type { OpenException, OperationTally, OrderProgressState, PlannedOrder } from './types';

/**
 * The latest event ids counted for one order, at most `window` of them (the oldest go first), in the order they
 * were counted. Counting positions run on past the window (`counted`), so a saver can ask for the ids counted
 * since its last save. Bounded: an order's thousands of reports do not make its memory or its saves grow.
 */
export class EventIds {
  private readonly ids = new Set<string>();
  /**
   * Every id counted since position `base`, in arrival order; those before `head` have left the window. They are
   * dropped from the array in steps, not per id, and until then a truncate can take them back into the window.
   */
  private arrival: string[] = [];
  private head = 0;
  private base = 0;

  constructor(
    ids: readonly string[] = [],
    readonly window = Number.POSITIVE_INFINITY,
  ) {
    for (const id of ids) this.add(id);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    if (this.ids.has(id)) return;
    this.ids.add(id);
    this.arrival.push(id);
    if (this.ids.size > this.window) {
      this.ids.delete(this.arrival[this.head]);
      this.head += 1;
      if (this.head >= 1024 && this.head * 2 >= this.arrival.length) {
        this.arrival = this.arrival.slice(this.head);
        this.base += this.head;
        this.head = 0;
      }
    }
  }

  /** Ids remembered now (at most the window). */
  get size(): number {
    return this.ids.size;
  }

  /** Ids counted since the order began here, including those that have left the window. */
  get counted(): number {
    return this.base + this.arrival.length;
  }

  /** The remembered ids counted from the n-th on (all remembered by default), in the order they were counted. */
  since(n = 0): string[] {
    return this.arrival.slice(Math.max(n - this.base, this.head));
  }

  /**
   * Forgets the ids counted after the first n (`counted` is n again): a write that counted them failed
   * (ProgressBook.checkpoint). Ids they had pushed out of the window come back while the array still holds them.
   */
  truncate(n: number): void {
    if (n >= this.counted) return;
    const cut = Math.max(0, n - this.base);
    this.arrival.splice(cut).forEach((id, i) => {
      if (cut + i >= this.head) this.ids.delete(id);
    });
    if (this.arrival.length === 0) this.base = n;
    this.head = Math.min(this.head, this.arrival.length);
    while (this.head > 0 && this.ids.size < this.window && !this.ids.has(this.arrival[this.head - 1])) {
      this.head -= 1;
      this.ids.add(this.arrival[this.head]);
    }
  }

  sorted(): string[] {
    return this.since(0).sort();
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

export function emptyRecord(orderNo: string, eventIdWindow?: number): OrderRecord {
  return { orderNo, operations: {}, operationsVersion: 0, eventIds: new EventIds([], eventIdWindow), lagging: { order: false, operations: new Set() } };
}

const sortedKeys = <T>(record: Record<string, T>): Record<string, T> =>
  Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((key) => [key, record[key]]),
  );

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

/** Refuses, with a sentence, what is not an order's progress state written by toState; keeps its latest `eventIdWindow` ids. */
export function fromState(state: OrderProgressState, eventIdWindow?: number): OrderRecord {
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
    eventIds: new EventIds(copy.eventIds, eventIdWindow),
    ...(copy.exception && { exception: copy.exception }),
    lagging: { order: copy.lagging.order === true, operations: new Set(copy.lagging.operations) },
  };
}
