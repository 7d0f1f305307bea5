// An order's progress in memory (sets for the event ids and lagging flags) and as plain JSON (one
// bridge-store key per order). The JSON is canonical: the same reports give the same text, whatever
// order they came in.
import type { OpenException, OperationTally, OrderProgressState, PlannedOrder } from './types';

export interface OrderRecord {
  orderNo: string;
  plan?: PlannedOrder;
  operations: Record<string, OperationTally>;
  eventIds: Set<string>;
  exception?: OpenException;
  lagging: { order: boolean; operations: Set<string> };
}

export function emptyRecord(orderNo: string): OrderRecord {
  return { orderNo, operations: {}, eventIds: new Set(), lagging: { order: false, operations: new Set() } };
}

const sortedKeys = <T>(record: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.keys(record).sort().map((key) => [key, record[key]]));

export function toState(record: OrderRecord): OrderProgressState {
  return structuredClone({
    version: 1,
    orderNo: record.orderNo,
    ...(record.plan && { plan: record.plan }),
    operations: sortedKeys(record.operations),
    eventIds: [...record.eventIds].sort(),
    ...(record.exception && { exception: record.exception }),
    lagging: { order: record.lagging.order, operations: [...record.lagging.operations].sort() },
  });
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
    eventIds: new Set(copy.eventIds),
    ...(copy.exception && { exception: copy.exception }),
    lagging: { order: copy.lagging.order === true, operations: new Set(copy.lagging.operations) },
  };
}
