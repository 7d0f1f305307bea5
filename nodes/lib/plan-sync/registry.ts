// The parked lists and MES ledgers open in this process, so the server's REST API (/api/parked-orders,
// /api/mes-ledger, /api/mes-reconcile) and /metrics find them without knowing which nodes made them.
import type { LedgerEntry } from './mes-ledger';
import type { ParkedOrder } from './parked-orders';
import type { ReconcileReport } from './mes-reconcile';

export interface ParkedDesk {
  /** The puller's node id and name. */
  nodeId: string;
  label: string;
  all(): Promise<ParkedOrder[]>;
  /** The count as of the last run or park (cheap: /metrics reads it on every scrape). */
  count(): number;
  /** Queues a retry of the parked orders as a message with topic "retry-parked" would. */
  retry(): void;
}

export interface LedgerDesk {
  /** The ledger's name and the bridge store it lives in (one ledger may be written by several nodes). */
  name: string;
  store: string;
  all(): Promise<LedgerEntry[]>;
}

/** A running mes-reconcile node: its last report (from memory) and a run on command. */
export interface ReconcileDesk {
  nodeId: string;
  label: string;
  ledger: string;
  last(): ReconcileReport | undefined;
  /** Runs now (after a run under way) and resolves with its report. */
  run(): Promise<ReconcileReport>;
  /** Orders re-sent since the node started, and failed runs (for /metrics counters). */
  totals(): { runs: number; failures: number; resent: number };
}

const reconcileDesks = new Map<string, ReconcileDesk>();

export function registerReconcileDesk(desk: ReconcileDesk): void {
  reconcileDesks.set(desk.nodeId, desk);
}
export function unregisterReconcileDesk(desk: ReconcileDesk): void {
  if (reconcileDesks.get(desk.nodeId) === desk) reconcileDesks.delete(desk.nodeId);
}
export function reconcileDeskList(): ReconcileDesk[] {
  return [...reconcileDesks.values()];
}

const parkedDesks = new Map<string, ParkedDesk>();
const ledgerDesks = new Map<string, { desk: LedgerDesk; users: Set<string> }>();

export function registerParkedDesk(desk: ParkedDesk): void {
  parkedDesks.set(desk.nodeId, desk);
}
export function unregisterParkedDesk(desk: ParkedDesk): void {
  if (parkedDesks.get(desk.nodeId) === desk) parkedDesks.delete(desk.nodeId);
}
export function parkedDeskList(): ParkedDesk[] {
  return [...parkedDesks.values()];
}

const ledgerId = (desk: Pick<LedgerDesk, 'name' | 'store'>) => `${desk.store}/${desk.name}`;

/** `user` is the node using the ledger; the ledger is listed while any user is open. */
export function registerLedgerDesk(desk: LedgerDesk, user: string): void {
  const found = ledgerDesks.get(ledgerId(desk));
  if (found) {
    found.desk = desk;
    found.users.add(user);
  } else ledgerDesks.set(ledgerId(desk), { desk, users: new Set([user]) });
}
export function unregisterLedgerDesk(desk: Pick<LedgerDesk, 'name' | 'store'>, user: string): void {
  const found = ledgerDesks.get(ledgerId(desk));
  if (!found) return;
  found.users.delete(user);
  if (found.users.size === 0) ledgerDesks.delete(ledgerId(desk));
}
export function ledgerDeskList(): LedgerDesk[] {
  return [...ledgerDesks.values()].map((l) => l.desk);
}
