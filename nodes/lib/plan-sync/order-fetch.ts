// Incremental pull of production orders: reads the ERP page by page from the committed watermark,
// validates every order, hands on each order no + revision once, and commits the watermark page by page.
//
// Paging walks the change time instead of a growing offset: after a full page the next request asks
// for updatedSince = the page's last change time (inclusive), skipping only the orders already seen at
// exactly that time. An order the ERP changes while we page moves to the end and is read there; a plain
// offset would shift the rest of the list under us and skip one. Inclusive bounds re-serve the orders at
// the watermark; the delivered map (order no → revision) drops them, so nothing is repeated either.
import { createHash } from 'node:crypto';
import type { KeyValueStore } from '../stores/store';
import { validate } from '../validation';
import type { OrdersPageReader } from '../erp/orders-page';
import type { ProductionOrder } from './work-order';

export type FirstRunFrom = { kind: 'beginning' } | { kind: 'now' } | { kind: 'value'; value: string };

export interface OrderFetcherOptions {
  store: KeyValueStore;
  /** Identifies this puller's watermark and delivered map in the store (the node id). */
  stateKey: string;
  readPage: OrdersPageReader;
  pageSize: number;
  firstRunFrom: FirstRunFrom;
  /** For messages: "ERP endpoint 'Demo ERP'". */
  source: string;
  /** Re-read this many seconds below the watermark (ERP filters with one-second precision); duplicates are dropped. */
  overlapSeconds?: number;
  now?: () => Date;
}

export interface FetchRunHandlers {
  /** A valid order not handed on before (or with a newer revision). */
  onOrder(order: ProductionOrder): void;
  /** An item that fails the production-order schema; message names the order and the field. */
  onInvalid(item: unknown, message: string): void;
}

export interface FetchRunResult {
  pages: number;
  received: number;
  delivered: number;
  duplicates: number;
  invalid: number;
  watermark?: string;
}

interface Watermark {
  updatedSince: string;
}

/** What was handed on for an order: its revision and a hash of its content. */
interface Delivered {
  r: number;
  h?: string;
}

function asDelivered(value: Delivered | number | undefined): Delivered | undefined {
  return typeof value === 'number' ? { r: value } : value;
}

/** The order's content without its revision and change time. */
function contentHash(order: ProductionOrder): string {
  const { revision: _r, updatedAt: _u, ...content } = order;
  return createHash('sha1').update(JSON.stringify(content)).digest('base64');
}

const WATERMARKS = 'order-fetch/watermark';
const delivered = (stateKey: string) => `order-fetch/delivered/${stateKey}`;

export class OrderFetcher {
  constructor(private readonly options: OrderFetcherOptions) {
    if (!Number.isInteger(options.pageSize) || options.pageSize < 1) throw new Error(`page size must be a positive whole number, not ${options.pageSize}`);
  }

  async watermark(): Promise<string | undefined> {
    return (await this.options.store.get<Watermark>(WATERMARKS, this.options.stateKey))?.updatedSince;
  }

  /** Forget where this puller was: the next run starts from its first-run setting and may deliver again. */
  async reset(): Promise<void> {
    const { store, stateKey } = this.options;
    await store.delete(WATERMARKS, stateKey);
    for (const key of await store.keys(delivered(stateKey))) await store.delete(delivered(stateKey), key);
  }

  async run(handlers: FetchRunHandlers): Promise<FetchRunResult> {
    const { store, stateKey, readPage, pageSize } = this.options;
    const result: FetchRunResult = { pages: 0, received: 0, delivered: 0, duplicates: 0, invalid: 0 };
    let since = await this.startingPoint();
    let skipAtSince = 0;
    let previousPageSignature = '';

    for (;;) {
      const { items, problems = [] } = await readPage({ updatedSince: since, offset: skipAtSince, limit: pageSize });
      result.pages += 1;
      result.received += items.length + problems.length;
      for (const problem of problems) {
        result.invalid += 1;
        handlers.onInvalid(problem.item, `${this.options.source}: ${describeOrder(problem.item)} could not be read: ${problem.message}`);
      }

      const signature = pageSignature(items);
      if (items.length > 0 && signature === previousPageSignature) {
        throw new Error(`${this.options.source} served the same page twice; it seems to ignore the updatedSince/offset/limit parameters.`);
      }
      previousPageSignature = signature;

      const valid: ProductionOrder[] = [];
      for (const item of items) {
        const check = validate('production-order', item);
        if (check.ok) valid.push(item as ProductionOrder);
        else {
          result.invalid += 1;
          handlers.onInvalid(item, `${this.options.source}: ${describeOrder(item)} is not a valid production order: ${check.message}.`);
        }
      }

      const known = await store.getMany<Delivered | number>(delivered(stateKey), valid.map((o) => o.orderNo));
      const changed: Array<[string, Delivered]> = [];
      for (const order of valid) {
        const before = asDelivered(known.get(order.orderNo));
        const now: Delivered = { r: order.revision, h: contentHash(order) };
        if (before && before.r >= now.r) {
          result.duplicates += 1;
          continue;
        }
        known.set(order.orderNo, now);
        changed.push([order.orderNo, now]);
        // A new change time with the same content (a sibling line of a changed bill, a touched record) is not news.
        if (before && before.h === now.h) {
          result.duplicates += 1;
          continue;
        }
        handlers.onOrder(order);
        result.delivered += 1;
      }
      if (changed.length > 0) await store.putMany(delivered(stateKey), changed);

      const next = advance([...items, ...problems.map((p) => p.item)], since, skipAtSince);
      if (next.since !== undefined && next.since !== since) {
        await store.put(WATERMARKS, stateKey, { updatedSince: next.since } satisfies Watermark);
        result.watermark = next.since;
      }
      since = next.since;
      skipAtSince = next.skip;
      if (items.length + problems.length < pageSize) break;
    }
    result.watermark = since;
    return result;
  }

  private async startingPoint(): Promise<string | undefined> {
    const stored = await this.watermark();
    const overlap = this.options.overlapSeconds ?? 0;
    if (stored !== undefined) return overlap > 0 ? new Date(Date.parse(stored) - overlap * 1000).toISOString() : stored;
    const first = this.options.firstRunFrom;
    if (first.kind === 'beginning') return undefined;
    const value = first.kind === 'now' ? (this.options.now?.() ?? new Date()).toISOString() : first.value;
    if (Number.isNaN(Date.parse(value))) throw new Error(`the first-run start '${value}' is not a date and time (ISO 8601, e.g. 2026-01-01T00:00:00+08:00).`);
    await this.options.store.put(WATERMARKS, this.options.stateKey, { updatedSince: value } satisfies Watermark);
    return value;
  }
}

/** Where the next page starts: the latest change time seen, and how many orders at exactly that time were read. */
function advance(items: unknown[], since: string | undefined, skipAtSince: number): { since: string | undefined; skip: number } {
  let latest = since;
  let latestMs = since === undefined ? -Infinity : Date.parse(since);
  let atLatest = skipAtSince;
  for (const item of items) {
    const updatedAt = (item as { updatedAt?: unknown } | null)?.updatedAt;
    const ms = typeof updatedAt === 'string' ? Date.parse(updatedAt) : NaN;
    if (Number.isNaN(ms)) {
      // Without a change time the item can only be counted where we stand.
      if (latest === since) atLatest += 1;
      continue;
    }
    if (ms > latestMs) {
      latest = updatedAt as string;
      latestMs = ms;
      atLatest = 1;
    } else if (ms === latestMs) {
      atLatest += 1;
    }
  }
  return { since: latest, skip: atLatest };
}

function pageSignature(items: unknown[]): string {
  const key = (item: unknown) => {
    const o = item as { orderNo?: unknown; revision?: unknown } | null;
    return `${String(o?.orderNo)}#${String(o?.revision)}`;
  };
  return items.length === 0 ? '' : `${key(items[0])}|${key(items[items.length - 1])}|${items.length}`;
}

export function describeOrder(item: unknown): string {
  const o = item as { orderNo?: unknown; revision?: unknown } | null;
  if (typeof o?.orderNo === 'string' && o.orderNo) {
    return typeof o.revision === 'number' ? `order ${o.orderNo} (revision ${o.revision})` : `order ${o.orderNo}`;
  }
  return 'an order without an order number';
}
