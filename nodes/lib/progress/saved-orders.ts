// How the progress of each order is kept in the bridge store: one key per order with its state, and the event
// ids it has counted beside it, in chunks. An order is saved after every message that touches it; writing all
// its event ids each time made saving grow with the order's age (an order with 10,000 reports wrote them all
// for every new one). Each save now writes the ids counted since the last one as a new chunk, and every
// FULL_EVERY-th save writes them all as chunk 0 again, so an order never has more than FULL_EVERY chunks.
// The plan, which changes seldom and made up half of every save, is written under a key of its own only when it
// changed (version 3). State, chunks and plan of one save are written in one putMany (atomic), so they always agree.
// The book remembers only an order's latest event ids (its eventIdWindow): a whole rewrite writes those, and one
// comes as soon as the chunks hold twice the window, so what is stored of an order stays bounded too.
import type { KeyValueStore } from '../stores/store';
import type { ProgressBook } from './book';
import type { OrderProgressState, PlannedOrder } from './types';

/** Chunks of an order before its ids are written whole again. */
const FULL_EVERY = 32;
const CHUNK = '\u001fevent-ids\u001f';
const PLAN = '\u001fplan';

/** An order's state as saved in version 2: the event ids are in `eventIdChunks` keys beside it. */
export interface SavedOrderStateV2 extends Omit<OrderProgressState, 'version' | 'eventIds'> {
  version: 2;
  eventIdChunks: number;
  eventIdCount: number;
}

/** Version 3: as version 2, and the plan (when there is one) under the key `planKey(orderNo)`. */
export interface SavedOrderState extends Omit<SavedOrderStateV2, 'version' | 'plan'> {
  version: 3;
  planned: boolean;
}

const chunkKey = (orderNo: string, n: number) => `${orderNo}${CHUNK}${n}`;
export const planKey = (orderNo: string) => `${orderNo}${PLAN}`;

/**
 * What the store holds of an order: chunks written, ids in them (`stored`), the book's count of ids at that save
 * (`ids`, where the next chunk starts), the plan written; `rewrite` after a failed save.
 */
interface Saved {
  chunks: number;
  ids: number;
  stored: number;
  plan?: PlannedOrder;
  rewrite: boolean;
}

export interface PreparedSave {
  entries: Array<[string, unknown]>;
  /** Tells whether the entries were written (putMany resolved) or not. */
  settle(written: boolean): void;
}

export class SavedOrders {
  private readonly saved = new Map<string, Saved>();

  constructor(
    private readonly store: KeyValueStore,
    private readonly namespace: string,
  ) {}

  /** Every saved order as a whole state (version 1, ids included), whichever version it was saved in. */
  async load(): Promise<OrderProgressState[]> {
    const keys = await this.store.keys(this.namespace);
    const values = await this.store.getMany<unknown>(this.namespace, keys);
    const orders: OrderProgressState[] = [];
    for (const [key, value] of values) {
      if (key.includes(CHUNK) || key.endsWith(PLAN)) continue;
      const state = value as OrderProgressState | SavedOrderStateV2 | SavedOrderState;
      if (state?.version !== 2 && state?.version !== 3) {
        // Version 1 (all ids inline): written as chunks on its next save.
        orders.push(state as OrderProgressState);
        this.saved.set(key, { chunks: 0, ids: 0, stored: 0, rewrite: true });
        continue;
      }
      let plan: PlannedOrder | undefined;
      if (state.version === 3 && state.planned) {
        plan = values.get(planKey(key)) as PlannedOrder | undefined;
        if (!plan || typeof plan !== 'object') throw new Error(`The saved progress of order ${key} lacks its plan in '${this.namespace}'.`);
      }
      const { eventIdChunks, eventIdCount, ...saved } = state;
      const rest = { ...saved, ...(plan && { plan }) } as Omit<OrderProgressState, 'version' | 'eventIds'> & { planned?: boolean };
      delete rest.planned;
      const eventIds: string[] = [];
      for (let n = 0; n < eventIdChunks; n++) {
        const chunk = values.get(chunkKey(key, n));
        if (!Array.isArray(chunk)) throw new Error(`The saved progress of order ${key} lacks event id chunk ${n + 1} of ${eventIdChunks} in '${this.namespace}'.`);
        for (const id of chunk) eventIds.push(id as string);
      }
      if (eventIds.length !== eventIdCount) throw new Error(`The saved progress of order ${key} has ${eventIds.length} event ids in its chunks, not the ${eventIdCount} its state names.`);
      orders.push({ ...rest, version: 1, eventIds });
      // Restored into a book, the ids are counted afresh: as many distinct ones as the chunks hold.
      this.saved.set(key, { chunks: eventIdChunks, ids: new Set(eventIds).size, stored: eventIdCount, rewrite: false });
    }
    return orders;
  }

  /** The entries that save these orders as the book holds them now. */
  prepare(book: ProgressBook, orderNos: Iterable<string>): PreparedSave {
    const entries: Array<[string, unknown]> = [];
    const next = new Map<string, Saved>();
    for (const orderNo of orderNos) {
      const before = this.saved.get(orderNo) ?? { chunks: 0, ids: 0, stored: 0, rewrite: true };
      let order = book.orderToSave(orderNo, before.rewrite ? 0 : before.ids);
      if (!order) continue;
      const whole = before.rewrite || before.chunks >= FULL_EVERY || before.stored + order.eventIds.length > 2 * book.settings.eventIdWindow;
      if (whole && !before.rewrite) order = book.orderToSave(orderNo, 0)!;
      let chunks = before.chunks;
      let stored = before.stored;
      if (whole) {
        entries.push([chunkKey(orderNo, 0), order.eventIds]);
        chunks = 1;
        stored = order.eventIds.length;
      } else if (order.eventIds.length > 0) {
        entries.push([chunkKey(orderNo, chunks), order.eventIds]);
        chunks += 1;
        stored += order.eventIds.length;
      }
      const { plan, ...withoutPlan } = order.state;
      // The book replaces a plan, never changes it in place: the same object is the same plan.
      if (plan && (before.rewrite || plan !== before.plan)) entries.push([planKey(orderNo), plan]);
      // eventIdCount names the ids in the chunks (what load checks them against).
      const state: SavedOrderState = { ...withoutPlan, version: 3, planned: plan !== undefined, eventIdChunks: chunks, eventIdCount: stored };
      entries.push([orderNo, state]);
      next.set(orderNo, { chunks, ids: order.eventIdCount, stored, plan, rewrite: false });
    }
    return {
      entries,
      settle: (written) => {
        for (const [orderNo, saved] of next) {
          // Not known what the store holds after a failure: the next save writes the order's ids whole.
          this.saved.set(orderNo, written ? saved : { ...(this.saved.get(orderNo) ?? saved), rewrite: true });
        }
      },
    };
  }
}
