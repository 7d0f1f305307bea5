// The table poller's durable state (committed cursor + the look-back's delivered-row window, one store
// value so both move together) and the book of pages emitted but not yet acknowledged.
import type { KeyValueStore } from '../stores/store';
import { DeliveredWindow, compareWatermarks, type DeliveredWindowState } from './delivered-window';
import { type KeysetCursor, watermarkMinusMinutes } from './keyset';

export const POLLER_NAMESPACE = 'legacy-poll/state';

export interface StoredPollerState {
  /** True once a first poll ran: "first run from now" is decided only once. */
  started: boolean;
  cursor?: KeysetCursor;
  window?: DeliveredWindowState;
}

/** (watermark, key) order as the database sorts datetimes and numbers; the later of two positions. */
export function comparePositions(a: KeysetCursor, b: KeysetCursor): number {
  return compareWatermarks(a.watermark, b.watermark) || compareWatermarks(a.key, b.key);
}

export function laterOf(a: KeysetCursor | undefined, b: KeysetCursor): KeysetCursor {
  return a === undefined || comparePositions(b, a) > 0 ? b : a;
}

/** The lowest watermark a look-back poll starting at `cursor` re-reads. */
export function lookBackFrom(cursor: KeysetCursor, minutes: number): string {
  return watermarkMinusMinutes(cursor.watermark, minutes);
}

export interface PendingPage {
  id: string;
  cursor: KeysetCursor;
  /** [key, watermark] of each row, for the delivered window when the page commits. */
  delivered: Array<[KeysetCursor['key'], KeysetCursor['watermark']]>;
  acked: boolean;
  /** Ack mode: when the page was handed to the flow (ms), for the ack timeout. */
  emittedAt?: number;
}

/** Committed state in memory and in the store; writes are chained so they reach the store in order. */
export class CommittedState {
  cursor: KeysetCursor | undefined;
  started = false;
  window = new DeliveredWindow();
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: KeyValueStore,
    private readonly stateKey: string,
    private readonly lookBackMinutes: number,
  ) {}

  async load(): Promise<void> {
    const stored = await this.store.get<StoredPollerState>(POLLER_NAMESPACE, this.stateKey);
    this.started = stored?.started ?? false;
    this.cursor = stored?.cursor;
    this.window = DeliveredWindow.fromJSON(stored?.window);
  }

  /** Moves the committed cursor to a page's end and remembers its rows (look-back only), then persists. */
  async commit(page: Pick<PendingPage, 'cursor' | 'delivered'> | undefined): Promise<void> {
    this.started = true;
    if (page) {
      this.cursor = laterOf(this.cursor, page.cursor);
      if (this.lookBackMinutes > 0) {
        for (const [key, watermark] of page.delivered) this.window.add(key, watermark);
        this.window.prune(lookBackFrom(this.cursor, this.lookBackMinutes));
      }
    }
    const value: StoredPollerState = { started: true, cursor: this.cursor, window: this.lookBackMinutes > 0 ? this.window.toJSON() : undefined };
    const write = this.writes.then(() => this.store.put(POLLER_NAMESPACE, this.stateKey, value));
    // A failed write must not block the ones after it; the caller of this commit still sees the failure.
    this.writes = write.catch(() => undefined);
    await write;
  }

  async clear(): Promise<void> {
    await this.writes;
    await this.store.delete(POLLER_NAMESPACE, this.stateKey);
    this.cursor = undefined;
    this.started = false;
    this.window = new DeliveredWindow();
  }
}
