// Verification on a schedule: the chain of one store is checked at start and every interval against the head
// exported last time; a good head that moved on is exported again (a log line, the ledger outside the store, and
// every listener that sends it on, e.g. to the ERP through a node's outbox). Listeners hear every verdict, so a
// broken chain raises the nodes' alarm; the figures feed /metrics.
import type { HeadLedger } from './exported-heads';
import type { AuditLog } from './log';
import type { AuditVerdict } from './types';

/** A verified head, as exported. */
export interface HeadExport {
  /** The store's name (or node id) as the bridge shows it. */
  chain: string;
  /** The bridge-store node id: stable, and safe in an Idempotency-Key. */
  storeId: string;
  seq: number;
  hash: string;
  keyId?: string;
  keyedFrom?: number;
  entries: number;
  exportedAt: string;
}

export interface AuditWatchListener {
  verdict?(verdict: AuditVerdict): void;
  exportHead?(head: HeadExport): Promise<unknown> | void;
}

export interface AuditWatchOptions {
  log: AuditLog;
  /** The ledger's name for this chain: the store's identity (type, location, key prefix). */
  chainId: string;
  label: string;
  storeId: string;
  ledger: HeadLedger;
  intervalMs: number;
  logger: { info(line: string): void; warn(line: string): void };
  now?: () => number;
}

/** What /metrics shows of one chain. */
export interface AuditWatchFigures {
  chain: string;
  ok: boolean | undefined;
  entries: number;
  verified: number;
  legacy: number;
  broken: number;
  /** ms since the epoch of the last finished verification. */
  lastVerifiedAt?: number;
  exportedSeq?: number;
}

// setTimeout takes at most 2^31−1 ms.
const MAX_TIMER_MS = 2_147_483_647;
const watches = new Set<AuditWatch>();

/** The running watches of this process (one per bridge store whose audit log is in use). */
export function auditWatches(): AuditWatch[] {
  return [...watches];
}

export class AuditWatch {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<AuditVerdict | undefined> = Promise.resolve(undefined);
  private readonly listeners = new Set<AuditWatchListener>();
  private last: { verdict: AuditVerdict; at: number } | undefined;
  private stopped = true;
  private readonly now: () => number;

  constructor(private readonly options: AuditWatchOptions) {
    this.now = options.now ?? Date.now;
  }

  get label(): string {
    return this.options.label;
  }

  get log(): AuditLog {
    return this.options.log;
  }

  /** The head exported last, from the ledger outside the store. */
  exported() {
    return this.options.ledger.get(this.options.chainId);
  }

  /** The first check right after the nodes of this start have subscribed, then one every interval. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    watches.add(this);
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    watches.delete(this);
    clearTimeout(this.timer);
    await this.running;
  }

  /** Hears every verdict from now on, and the last one at once if it was bad. Returns the unsubscribe. */
  subscribe(listener: AuditWatchListener): () => void {
    this.listeners.add(listener);
    if (this.last && !this.last.verdict.ok) listener.verdict?.(this.last.verdict);
    return () => this.listeners.delete(listener);
  }

  /** Verifies now (after a check under way), exports a good head that moved on, tells the listeners. */
  verifyNow(): Promise<AuditVerdict | undefined> {
    const run = this.running.then(() => this.run());
    this.running = run.catch(() => undefined);
    return run;
  }

  figures(): AuditWatchFigures {
    const v = this.last?.verdict;
    const exported = this.exportedQuietly();
    return {
      chain: this.options.label,
      ok: v?.ok,
      entries: v?.entries ?? 0,
      verified: v?.verified ?? 0,
      legacy: v?.legacy ?? 0,
      broken: v?.broken ?? 0,
      ...(this.last && { lastVerifiedAt: this.last.at }),
      ...(exported && { exportedSeq: exported.seq }),
    };
  }

  private exportedQuietly() {
    try {
      return this.exported();
    } catch {
      return undefined;
    }
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      // A failed run is reported by run() itself; the next one is scheduled either way.
      const next = () => this.schedule(Math.min(MAX_TIMER_MS, this.options.intervalMs));
      this.verifyNow().then(next, next);
    }, ms);
  }

  private async run(): Promise<AuditVerdict | undefined> {
    const { log, ledger, chainId, label, logger } = this.options;
    let verdict: AuditVerdict;
    const exported = this.exportedQuietly();
    try {
      verdict = await log.verify(exported ?? this.exported());
    } catch (err) {
      logger.warn(`The audit chain of ${label} could not be verified: ${(err as Error).message}`);
      return undefined;
    }
    const at = this.now();
    this.last = { verdict, at };
    if (!verdict.ok) {
      logger.warn(`The audit chain of ${label} is broken at entry ${verdict.seq}: ${verdict.message}`);
    } else if (verdict.head) {
      const { head } = verdict;
      const keyed = head.keyId ? `HMAC under key ${head.keyId}` : 'un-keyed SHA-256';
      if (!exported || head.seq > exported.seq) {
        const next: HeadExport = {
          chain: label,
          storeId: this.options.storeId,
          seq: head.seq,
          hash: head.hash,
          ...(head.keyId !== undefined && { keyId: head.keyId }),
          ...(verdict.keyedFrom !== undefined && { keyedFrom: verdict.keyedFrom }),
          entries: verdict.entries,
          exportedAt: new Date(at).toISOString(),
        };
        ledger.put(chainId, { seq: next.seq, hash: next.hash, ...(next.keyId !== undefined && { keyId: next.keyId }), ...(next.keyedFrom !== undefined && { keyedFrom: next.keyedFrom }), exportedAt: next.exportedAt });
        logger.info(`Audit head of ${label}: entry ${head.seq}, hash ${head.hash} (${keyed}); ${verdict.verified} verified, ${verdict.legacy} legacy; exported.`);
        for (const listener of this.listeners) {
          try {
            await listener.exportHead?.(next);
          } catch (err) {
            logger.warn(`The audit head of ${label} (entry ${head.seq}) could not be handed on for export: ${(err as Error).message}`);
          }
        }
      } else {
        logger.info(`Audit head of ${label}: entry ${head.seq}, hash ${head.hash} (${keyed}); verified, as exported at ${exported.exportedAt}.`);
      }
    }
    for (const listener of this.listeners) listener.verdict?.(verdict);
    return verdict;
  }
}
