// How the cost book keeps an order's counted ids in the bridge store: the order (version 2) without its ids, and
// each kind of ids (reports, cost events, requisitions) beside it in chunks. Saving the whole window of 2,000
// report ids with every job report cost more than counting the report; each save now writes the ids counted
// since the last written save as a new chunk, and every FULL_EVERY-th save (or once the chunks hold twice the
// window) writes them whole as chunk 0 again — the scheme of lib/progress/saved-orders. Order and chunks of one
// save go in one putMany (atomic), so they always agree. Version 1 (ids inline) is still read.
import type { OrderCostState } from './types';

export type IdKind = keyof OrderCostState['seen'];
export const ID_KINDS: readonly IdKind[] = ['reports', 'costEvents', 'requisitions'];

/** Chunks of a kind before its ids are written whole again. */
const FULL_EVERY = 32;
const CHUNK = '\u001fseen\u001f';

/** An order as saved in version 2: its ids are in chunk keys beside it, `count` ids in `chunks` chunks per kind. */
export interface SavedOrderCostState extends Omit<OrderCostState, 'version' | 'seen'> {
  version: 2;
  seenChunks: Record<IdKind, { chunks: number; count: number }>;
}

export const isChunkKey = (key: string) => key.includes(CHUNK);
const chunkKey = (orderKey: string, kind: IdKind, n: number) => `${orderKey}${CHUNK}${kind}\u001f${n}`;

/** What the store holds of one kind: chunks written, ids in them, and the book's count of ids at that save. */
interface SavedKind {
  chunks: number;
  stored: number;
  ids: number;
}
interface Saved {
  kinds: Record<IdKind, SavedKind>;
  /** After a failed save or a whole (version 1) write: not known what the store holds, so the next save is whole. */
  rewrite: boolean;
}

/** The ids of a list counted since the book's count `from` (undefined when some have left the window since). */
export type IdsSince = (list: string[], from: number) => string[] | undefined;

export interface PreparedSave {
  entries: Array<[string, unknown]>;
  /** Tells whether the entries were written (putMany resolved) or not. */
  settle(written: boolean): void;
}

const none = (): Record<IdKind, SavedKind> => ({ reports: { chunks: 0, stored: 0, ids: 0 }, costEvents: { chunks: 0, stored: 0, ids: 0 }, requisitions: { chunks: 0, stored: 0, ids: 0 } });

export class SavedIds {
  private readonly saved = new Map<string, Saved>();

  /**
   * An order read back from the store, whichever version it was saved in, with its ids inline (version 1).
   * `values` holds every entry of the namespace, chunks included.
   */
  restoreOrder(key: string, value: OrderCostState | SavedOrderCostState, values: Map<string, unknown>): OrderCostState {
    if (value?.version !== 2) {
      this.saved.set(key, { kinds: none(), rewrite: true });
      return value as OrderCostState;
    }
    const { seenChunks, ...rest } = value;
    const seen = { reports: [], costEvents: [], requisitions: [] } as OrderCostState['seen'];
    const kinds = none();
    for (const kind of ID_KINDS) {
      const { chunks, count } = seenChunks?.[kind] ?? { chunks: 0, count: 0 };
      for (let n = 0; n < chunks; n++) {
        const chunk = values.get(chunkKey(key, kind, n));
        if (!Array.isArray(chunk)) throw new Error(`The stored order costs under ${key} lack ${kind} id chunk ${n + 1} of ${chunks}.`);
        for (const id of chunk) seen[kind].push(id as string);
      }
      if (seen[kind].length !== count) throw new Error(`The stored order costs under ${key} have ${seen[kind].length} ${kind} ids in their chunks, not the ${count} the order names.`);
      // Restored, the book counts from the list's length.
      kinds[kind] = { chunks, stored: count, ids: count };
    }
    this.saved.set(key, { kinds, rewrite: false });
    return { ...rest, version: 1, seen };
  }

  /** After a whole version 1 write of these orders (takeChanges): their next chunked save is whole. */
  forget(keys: Iterable<string>): void {
    for (const key of keys) this.saved.set(key, { kinds: none(), rewrite: true });
  }

  /** The entries that save these orders (key, state) as the book holds them now; `counted` is the book's count of a list. */
  prepare(orders: Array<[key: string, order: OrderCostState]>, window: number, counted: (list: string[]) => number, since: IdsSince): PreparedSave {
    const entries: Array<[string, unknown]> = [];
    const next = new Map<string, Saved>();
    for (const [key, order] of orders) {
      const before = this.saved.get(key) ?? { kinds: none(), rewrite: true };
      const kinds = none();
      const seenChunks = {} as SavedOrderCostState['seenChunks'];
      for (const kind of ID_KINDS) {
        const list = order.seen[kind];
        const b = before.kinds[kind];
        const fresh = before.rewrite ? undefined : since(list, b.ids);
        // Each condition only grows until the next save is settled, so saves in flight together agree on whole or not.
        const whole = fresh === undefined || b.chunks >= FULL_EVERY || (kind !== 'requisitions' && b.stored + fresh.length > 2 * window);
        let k: SavedKind;
        if (whole) {
          // Serialised by putMany during the call: no copy needed.
          entries.push([chunkKey(key, kind, 0), list]);
          k = { chunks: 1, stored: list.length, ids: counted(list) };
        } else if (fresh.length > 0) {
          entries.push([chunkKey(key, kind, b.chunks), fresh]);
          k = { chunks: b.chunks + 1, stored: b.stored + fresh.length, ids: counted(list) };
        } else {
          k = { ...b };
        }
        kinds[kind] = k;
        seenChunks[kind] = { chunks: k.chunks, count: k.stored };
      }
      const state = { ...order, version: 2, seenChunks } as unknown as SavedOrderCostState & { seen?: unknown };
      delete state.seen;
      entries.push([key, state]);
      next.set(key, { kinds, rewrite: false });
    }
    return {
      entries,
      settle: (written) => {
        for (const [key, saved] of next) this.saved.set(key, written ? saved : { ...(this.saved.get(key) ?? saved), rewrite: true });
      },
    };
  }
}
