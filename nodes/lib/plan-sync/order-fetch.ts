// Incremental pull of production orders: reads the ERP page by page from the committed watermark,
// validates every order, hands on each order no + revision once, and commits the watermark page by page.
//
// Paging walks the change time instead of a growing offset: after a full page the next request asks
// for updatedSince = the page's last change time (inclusive), skipping only the orders already seen at
// exactly that time. An order the ERP changes while we page moves to the end and is read there; a plain
// offset would shift the rest of the list under us and skip one. Inclusive bounds re-serve the orders at
// the watermark; the delivered map (order no → revision) drops them, so nothing is repeated either.
//
// Nothing refused is skipped: an order that fails mapping or validation is parked (parked-orders.ts) before
// the watermark passes it, and a retry reads again from the earliest parked order. Only released orders go
// on by default, and a cancel or close only for an order the MES holds (mes-ledger.ts).
import { createHash } from 'node:crypto';
import type { KeyValueStore } from '../stores/store';
import { validate } from '../validation';
import type { OrdersPageReader } from '../erp/orders-page';
import type { ProductionOrder } from './work-order';
import { erpKeyOf, type ParkedOrder, ParkedOrders, type ParkedStage } from './parked-orders';
import { gate, isEnding, type MesLedger, type ReleaseGate, type Withheld } from './mes-ledger';

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
  /** The MES order ledger this puller records its sends in and asks before a cancel or close. */
  ledger?: MesLedger;
  /** Drafts held back (default) or sent too. */
  release?: ReleaseGate;
  /** Fingerprint of the configuration orders are refused under (see ParkedOrder.configHash). */
  configHash?: () => string;
}

export interface FetchRunHandlers {
  /** A valid order not handed on before (or with a newer revision); returns the payload handed on, kept in the MES ledger for a re-send. */
  onOrder(order: ProductionOrder): unknown;
  /** An item that fails the production-order schema; message names the order and the field. */
  onInvalid(item: unknown, message: string): void;
  /** A valid order held back: a draft, or a cancel/close of an order the MES does not hold. */
  onWithheld?(order: ProductionOrder, why: Withheld): void;
}

export interface RunOptions {
  /** Read again from the earliest parked order, and hand on every parked order that now reads fine. */
  retry?: boolean;
}

export interface FetchRunResult {
  pages: number;
  received: number;
  delivered: number;
  duplicates: number;
  invalid: number;
  /** Drafts held back. */
  drafts: number;
  /** Cancels and closes of orders the MES never got. */
  notHeld: number;
  /** Parked orders that were handed on (or held back on purpose) and left the parked list. */
  unparked: number;
  /** How many orders the parked list holds after the run. */
  parked: number;
  watermark?: string;
}

interface Watermark {
  updatedSince: string;
}

/** What was handed on for an order: its revision and a hash of its content. */
interface Delivered {
  r: number;
  h?: string;
  /** 0 = seen but not sent (a cancel or close of an order the MES never had). */
  s?: 0;
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
  readonly parked: ParkedOrders;

  constructor(private readonly options: OrderFetcherOptions) {
    if (!Number.isInteger(options.pageSize) || options.pageSize < 1) throw new Error(`page size must be a positive whole number, not ${options.pageSize}`);
    this.parked = new ParkedOrders(options.store, options.stateKey);
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

  /**
   * Start again from `time`: the next run reads every order changed since then and hands each on again
   * (the delivered map is cleared; the parked list and the MES ledger stay).
   */
  async resetTo(time: string): Promise<void> {
    if (typeof time !== 'string' || Number.isNaN(Date.parse(time))) {
      throw new Error(`a reset needs a date and time (ISO 8601, e.g. 2026-01-01T00:00:00+08:00) as payload, not ${JSON.stringify(time)}.`);
    }
    const { store, stateKey } = this.options;
    for (const key of await store.keys(delivered(stateKey))) await store.delete(delivered(stateKey), key);
    await store.put(WATERMARKS, stateKey, { updatedSince: new Date(Date.parse(time)).toISOString() } satisfies Watermark);
  }

  /**
   * A node after the puller refused an order it handed on (code-map: an unmapped code): parked with the
   * reason, and the MES ledger goes back to what the MES held before. A retry sends it again.
   */
  async parkRefused(order: { orderNo: string; revision?: number; updatedAt?: string }, reason: string): Promise<ParkedOrder> {
    const entry: ParkedOrder = {
      key: order.orderNo,
      orderNo: order.orderNo,
      ...(typeof order.revision === 'number' && { revision: order.revision }),
      reason,
      stage: 'downstream',
      parkedAt: this.now().toISOString(),
      readFrom: typeof order.updatedAt === 'string' && !Number.isNaN(Date.parse(order.updatedAt)) ? order.updatedAt : null,
      configHash: this.options.configHash?.() ?? '',
    };
    await this.parked.park([entry]);
    if (typeof order.revision === 'number') {
      await this.options.ledger?.revert(order.orderNo, order.revision);
      // The delivered map keeps the revision (no resend on the next ordinary pull) but no longer counts it as held by the MES.
      const { store, stateKey } = this.options;
      const before = asDelivered(await store.get<Delivered | number>(delivered(stateKey), order.orderNo));
      if (before && before.r === order.revision && before.s !== 0) await store.put(delivered(stateKey), order.orderNo, { ...before, s: 0 } satisfies Delivered);
    }
    return entry;
  }

  /** Whether a parked order was refused under another configuration than `hash` (then a retry may deliver it). */
  async parkedUnder(hash: string): Promise<{ total: number; otherConfig: number }> {
    const all = await this.parked.all();
    return { total: all.length, otherConfig: all.filter((e) => e.configHash !== hash).length };
  }

  async run(handlers: FetchRunHandlers, runOptions: RunOptions = {}): Promise<FetchRunResult> {
    const { store, stateKey, readPage, pageSize, ledger } = this.options;
    const release = this.options.release ?? 'released';
    const result: FetchRunResult = { pages: 0, received: 0, delivered: 0, duplicates: 0, invalid: 0, drafts: 0, notHeld: 0, unparked: 0, parked: 0 };
    // A retry reads again from the earliest parked order; what it parked before and does not refuse again leaves the list.
    const retrying = runOptions.retry ? new Map((await this.parked.all()).map((e) => [e.key, e])) : undefined;
    const reparked = new Set<string>();
    const unparked = new Set<string>();
    // A retry reads from the earliest parked order but never writes the watermark below where it stood: a retry
    // cut short (a crash, an ERP error) leaves the watermark and the parked list as they were.
    const floor = retrying && retrying.size > 0 ? await this.watermark() : undefined;
    const rewind = retrying && retrying.size > 0 ? ParkedOrders.rewindPoint([...retrying.values()]) : undefined;
    // Never from later than the watermark: orders between the two would be passed unread.
    const fromWatermark = rewind !== undefined && rewind !== null && floor !== undefined && Date.parse(rewind) > Date.parse(floor);
    let since = rewind === undefined || fromWatermark ? await this.startingPoint() : rewind === null ? undefined : rewind;
    let skipAtSince = 0;
    let previousPageSignature = '';
    const hash = this.options.configHash?.() ?? '';
    const refusal = (item: unknown, reason: string, stage: ParkedStage): ParkedOrder => {
      const o = item as { orderNo?: unknown; revision?: unknown } | null;
      const key = erpKeyOf(item);
      reparked.add(key);
      return {
        key,
        ...(typeof o?.orderNo === 'string' && { orderNo: o.orderNo }),
        ...(typeof o?.revision === 'number' && { revision: o.revision }),
        reason,
        stage,
        parkedAt: this.now().toISOString(),
        readFrom: since ?? null,
        configHash: hash,
      };
    };

    for (;;) {
      const { items, problems = [] } = await readPage({ updatedSince: since, offset: skipAtSince, limit: pageSize });
      result.pages += 1;
      result.received += items.length + problems.length;
      const refused: ParkedOrder[] = [];
      for (const problem of problems) {
        result.invalid += 1;
        const message = `${this.options.source}: ${describeOrder(problem.item)} could not be read: ${problem.message}`;
        refused.push(refusal(problem.item, message, 'mapping'));
        handlers.onInvalid(problem.item, message);
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
          const message = `${this.options.source}: ${describeOrder(item)} is not a valid production order: ${check.message}.`;
          refused.push(refusal(item, message, 'validation'));
          handlers.onInvalid(item, message);
        }
      }

      const orderNos = valid.map((o) => o.orderNo);
      const known = await store.getMany<Delivered | number>(delivered(stateKey), orderNos);
      const parkedHere = await this.parked.find(orderNos);
      const endings = valid.filter((o) => isEnding(o.status)).map((o) => o.orderNo);
      const heldByMes = ledger ? await ledger.getMany(endings) : new Map();
      const changed: Array<[string, Delivered]> = [];
      const sent: Array<{ order: ProductionOrder; payload: unknown }> = [];
      for (const order of valid) {
        const before = asDelivered(known.get(order.orderNo));
        const now: Delivered = { r: order.revision, h: contentHash(order) };
        // A parked order being retried goes on even though an earlier read recorded it (a node further on refused it).
        const retryThis = retrying?.has(order.orderNo) === true && !unparked.has(order.orderNo);
        if (before && before.r >= now.r && !retryThis) {
          result.duplicates += 1;
          continue;
        }
        // A new change time with the same content (a sibling line of a changed bill, a touched record) is not news.
        if (before && before.h === now.h && before.s !== 0 && !retryThis) {
          known.set(order.orderNo, now);
          changed.push([order.orderNo, now]);
          result.duplicates += 1;
          continue;
        }
        // The ledger knows what the MES holds; the delivered map too, for orders sent before the ledger existed.
        const held = heldByMes.has(order.orderNo) || (before !== undefined && before.s !== 0);
        const decision = gate(order.status, held, release);
        if (decision === 'draft') {
          // Not recorded as delivered: when it is released (or the gate opens) it goes on.
          result.drafts += 1;
          handlers.onWithheld?.(order, decision);
        } else if (decision === 'not-held') {
          result.notHeld += 1;
          const skipped: Delivered = { ...now, s: 0 };
          known.set(order.orderNo, skipped);
          changed.push([order.orderNo, skipped]);
          handlers.onWithheld?.(order, decision);
        } else {
          known.set(order.orderNo, now);
          changed.push([order.orderNo, now]);
          sent.push({ order, payload: handlers.onOrder(order) });
          result.delivered += 1;
        }
        if (parkedHere.has(order.orderNo) || retryThis) unparked.add(order.orderNo);
      }
      if (changed.length > 0) await store.putMany(delivered(stateKey), changed);
      if (ledger && sent.length > 0) {
        const sentAt = this.now().toISOString();
        await ledger.record(sent.map(({ order: o, payload }) => ({ orderNo: o.orderNo, revision: o.revision, state: o.status, source: stateKey, sentAt, payload })));
      }
      // Parked before the watermark passes them: the list holds what the watermark skips.
      await this.parked.park(refused);
      const leaving = [...parkedHere.keys()].filter((k) => unparked.has(k) && !reparked.has(k));
      if (leaving.length > 0) await this.parked.unpark(leaving);

      const next = advance([...items, ...problems.map((p) => p.item)], since, skipAtSince);
      if (next.since !== undefined && next.since !== since && (floor === undefined || Date.parse(next.since) > Date.parse(floor))) {
        await store.put(WATERMARKS, stateKey, { updatedSince: next.since } satisfies Watermark);
        result.watermark = next.since;
      }
      since = next.since;
      skipAtSince = next.skip;
      if (items.length + problems.length < pageSize) break;
    }
    if (retrying) {
      // Read through to the end: a parked order not refused again was handed on, held back on purpose or is gone.
      const gone = [...retrying.keys()].filter((k) => !reparked.has(k));
      await this.parked.unpark(gone);
      for (const k of gone) unparked.add(k);
    }
    result.unparked = [...unparked].filter((k) => !reparked.has(k)).length;
    result.parked = await this.parked.count();
    result.watermark = since;
    return result;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
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
