// The MES order ledger: per order, what the MES was last sent (revision, state, when, by which node).
// It gates what may go to the MES: drafts never (by default), a cancel or close only for an order the
// MES holds; and it is what a reconciliation compares with the MES's own list (GET /api/mes-ledger).
// REST pullers (erp-order-fetch) and legacy database flows (mes-order-ledger) share one ledger by name.
import type { KeyValueStore } from '../stores/store';

export interface LedgerState {
  revision: number;
  /** The order's state as sent (created, released, …, closed, cancelled). */
  state: string;
  /** ISO 8601. */
  sentAt: string;
}

export interface LedgerEntry extends LedgerState {
  orderNo: string;
  /** The node that sent it. */
  source: string;
  /** What the MES held before this send: restored when a node further on refuses this one. */
  previous?: LedgerState;
  /** The message payload as the recording node handed it on: what a reconciliation re-sends when the MES lost it. */
  payload?: unknown;
}

/** Which orders may reach the MES: only released ones (the default), or drafts as well. */
export type ReleaseGate = 'released' | 'all';

/** Why an order was held back: a draft (not released in the ERP), or an ending for an order the MES never got. */
export type Withheld = 'draft' | 'not-held';

const DRAFT_STATES = new Set(['created']);
const ENDING_STATES = new Set(['cancelled', 'closed']);

export function isEnding(state: string): boolean {
  return ENDING_STATES.has(state);
}

/** Send, or why not. `held` = the MES holds the order (the ledger, or for older installs the puller's delivered map, says so). */
export function gate(state: string, held: boolean, release: ReleaseGate): 'send' | Withheld {
  if (DRAFT_STATES.has(state) && release === 'released') return 'draft';
  if (ENDING_STATES.has(state) && !held) return 'not-held';
  return 'send';
}

export function parseReleaseGate(value: unknown): ReleaseGate {
  return value === 'all' ? 'all' : 'released';
}

/** Order no, revision and state of a work order (workOrderNo, source.revision) or a production order (orderNo, revision). */
export function orderOf(payload: unknown): { orderNo: string; revision: number; state: string } | string {
  const p = (payload && typeof payload === 'object' ? payload : {}) as Record<string, unknown>;
  const source = (p.source && typeof p.source === 'object' ? p.source : {}) as Record<string, unknown>;
  const orderNo = typeof p.workOrderNo === 'string' ? p.workOrderNo : typeof p.orderNo === 'string' ? p.orderNo : undefined;
  const revision = Number(typeof p.workOrderNo === 'string' ? source.revision : p.revision);
  if (!orderNo) return 'the message carries no order: payload.workOrderNo (a work order) or payload.orderNo (a production order) is missing.';
  if (!Number.isFinite(revision)) return `order ${orderNo} has no revision (payload.source.revision or payload.revision must be a number).`;
  if (typeof p.status !== 'string') return `order ${orderNo} has no status (payload.status must be a string).`;
  return { orderNo, revision, state: p.status };
}

const namespace = (ledger: string) => `mes-ledger/${ledger}`;

export class MesLedger {
  constructor(
    private readonly store: KeyValueStore,
    readonly name: string,
  ) {
    if (!/^[\w.-]{1,64}$/.test(name)) throw new Error(`the MES ledger name '${name}' must be 1 to 64 letters, digits, '.', '_' or '-'.`);
  }

  async get(orderNo: string): Promise<LedgerEntry | undefined> {
    return this.store.get<LedgerEntry>(namespace(this.name), orderNo);
  }

  async getMany(orderNos: string[]): Promise<Map<string, LedgerEntry>> {
    return orderNos.length === 0 ? new Map() : this.store.getMany<LedgerEntry>(namespace(this.name), [...new Set(orderNos)]);
  }

  /** Every order the MES was sent, by order no. */
  async all(): Promise<LedgerEntry[]> {
    const keys = await this.store.keys(namespace(this.name));
    const found = await this.store.getMany<LedgerEntry>(namespace(this.name), keys);
    return [...found.values()].sort((a, b) => a.orderNo.localeCompare(b.orderNo));
  }

  /** Records sends in one atomic write; each keeps what the MES held before it. */
  async record(sends: Array<{ orderNo: string; revision: number; state: string; source: string; sentAt?: string; payload?: unknown }>, now = new Date()): Promise<LedgerEntry[]> {
    if (sends.length === 0) return [];
    const before = await this.getMany(sends.map((s) => s.orderNo));
    const entries: LedgerEntry[] = [];
    for (const s of sends) {
      const had = before.get(s.orderNo);
      const entry: LedgerEntry = {
        orderNo: s.orderNo,
        revision: s.revision,
        state: s.state,
        sentAt: s.sentAt ?? now.toISOString(),
        source: s.source,
        ...(had && { previous: { revision: had.revision, state: had.state, sentAt: had.sentAt } }),
        ...(s.payload !== undefined && { payload: s.payload }),
      };
      before.set(s.orderNo, entry);
      entries.push(entry);
    }
    await this.store.putMany(namespace(this.name), [...new Map(entries.map((e) => [e.orderNo, e])).entries()]);
    return entries;
  }

  /** The send of `revision` did not reach the MES (refused further on): the ledger goes back to what the MES held before. */
  async revert(orderNo: string, revision: number): Promise<void> {
    const entry = await this.get(orderNo);
    if (!entry || entry.revision !== revision) return;
    if (entry.previous) await this.store.put(namespace(this.name), orderNo, { orderNo, source: entry.source, ...entry.previous } satisfies LedgerEntry);
    else await this.store.delete(namespace(this.name), orderNo);
  }
}
