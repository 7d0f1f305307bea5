// Reconciliation: what the MES holds (its own list) against the MES order ledger (what the bridge sent). The
// differences name the order and why: missing at the MES (re-sent from the ledger's copy), unknown to the
// ledger, a revision behind (re-sent) or ahead, or a state the MES cannot have reached from the one sent.
import { isEnding, type LedgerEntry } from './mes-ledger';
import type { MesHeldOrder } from './mes-order-list';

export type DifferenceKind = 'missing' | 'unknown' | 'revision' | 'state';

export interface Difference {
  kind: DifferenceKind;
  orderNo: string;
  ledger?: { revision: number; state: string; sentAt: string };
  mes?: { revision?: number; state?: string };
  /** Whether the ledger's copy goes to the MES again. */
  resend: boolean;
  reason: string;
}

export interface Comparison {
  differences: Difference[];
  /** Sent so shortly before the list was read that the MES may not show them yet: checked next time. */
  inFlight: number;
}

export interface CompareOptions {
  /** When the MES list was read (its first page asked for). */
  listReadAt: Date;
  /** Sends younger than this at listReadAt count as in flight. */
  graceMs: number;
}

// Where the MES may take an order on its own after it was sent: it starts, stops, finishes and closes work.
const MES_MOVES_ON: Record<string, string[]> = {
  released: ['running', 'held', 'completed', 'closed'],
  running: ['held', 'completed', 'closed'],
  held: ['running', 'completed', 'closed'],
  completed: ['closed'],
};

export function compareWithMes(entries: LedgerEntry[], mes: MesHeldOrder[], options: CompareOptions): Comparison {
  const held = new Map(mes.map((m) => [m.orderNo, m]));
  const differences: Difference[] = [];
  let inFlight = 0;
  for (const e of entries) {
    const m = held.get(e.orderNo);
    held.delete(e.orderNo);
    const ledger = { revision: e.revision, state: e.state, sentAt: e.sentAt };
    const copy = e.payload !== undefined;
    const noCopy = copy ? '' : ' The ledger keeps no copy of it (sent before copies were kept); fetch it from the ERP again (erp-order-fetch, topic "reset").';
    if (options.listReadAt.getTime() - Date.parse(e.sentAt) < options.graceMs) {
      if (!m || m.revision === undefined || m.revision < e.revision) inFlight += 1;
      continue;
    }
    if (!m) {
      // An ended order the MES no longer lists was archived by it, not lost.
      if (isEnding(e.state)) continue;
      differences.push({ kind: 'missing', orderNo: e.orderNo, ledger, resend: copy, reason: `order ${e.orderNo} revision ${e.revision} (${e.state}) was sent to the MES but the MES does not hold it.${noCopy}` });
      continue;
    }
    const mesSide = { ...(m.revision !== undefined && { revision: m.revision }), ...(m.state !== undefined && { state: m.state }) };
    if (m.revision !== undefined && m.revision !== e.revision) {
      const behind = m.revision < e.revision;
      differences.push({
        kind: 'revision',
        orderNo: e.orderNo,
        ledger,
        mes: mesSide,
        resend: behind && copy,
        reason: behind
          ? `the MES holds order ${e.orderNo} at revision ${m.revision} but revision ${e.revision} was sent.${noCopy}`
          : `the MES holds order ${e.orderNo} at revision ${m.revision}, newer than revision ${e.revision} the bridge sent; it came from elsewhere.`,
      });
      continue;
    }
    if (m.state !== undefined && m.state !== e.state && !(MES_MOVES_ON[e.state] ?? []).includes(m.state)) {
      differences.push({
        kind: 'state',
        orderNo: e.orderNo,
        ledger,
        mes: mesSide,
        resend: false,
        reason: `the MES holds order ${e.orderNo} as ${m.state} but it was sent as ${e.state}; the MES cannot have got there on its own.`,
      });
    }
  }
  for (const m of held.values()) {
    differences.push({
      kind: 'unknown',
      orderNo: m.orderNo,
      mes: { ...(m.revision !== undefined && { revision: m.revision }), ...(m.state !== undefined && { state: m.state }) },
      resend: false,
      reason: `the MES holds order ${m.orderNo} but the ledger has no send of it; it did not come through this bridge.`,
    });
  }
  differences.sort((a, b) => a.orderNo.localeCompare(b.orderNo));
  return { differences, inFlight };
}

export interface ReconcileCounts {
  missing: number;
  unknown: number;
  revision: number;
  state: number;
}

/** One reconciliation run as the API, the dashboard card and /metrics show it. */
export interface ReconcileReport {
  ledger: string;
  checkedAt: string;
  /** How the run was asked for: the schedule, a message or the admin API. */
  trigger: 'schedule' | 'message' | 'api';
  ok: boolean;
  /** Why the run failed (the MES list or the store could not be read). */
  error?: string;
  mesOrders: number;
  ledgerOrders: number;
  inFlight: number;
  counts: ReconcileCounts;
  differences: Difference[];
  /** Orders whose ledger copy went out again in this run. */
  resent: string[];
}

export function countsOf(differences: Difference[]): ReconcileCounts {
  const counts: ReconcileCounts = { missing: 0, unknown: 0, revision: 0, state: 0 };
  for (const d of differences) counts[d.kind] += 1;
  return counts;
}
