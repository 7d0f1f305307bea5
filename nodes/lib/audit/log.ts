// The append-only audit trail in bridge-store. Entries live under zero-padded sequence keys next to a
// head (last seq and hash) written in the same atomic step, so a deleted last entry is detected too.
// Appends run one at a time through a queue: concurrent callers still get one unbroken chain.
import type { KeyValueStore } from '../stores/store';
import { validate } from '../validation';
import { entryHash, GENESIS_HASH } from './chain';
import type { AuditEntry, AuditRecord, AuditVerdict } from './types';

/** The part of a KeyValueStore the audit log needs. */
export type AuditStore = Pick<KeyValueStore, 'get' | 'getMany' | 'putMany' | 'keys'>;

interface Head {
  seq: number;
  hash: string;
}

const HEAD_KEY = 'head';
const entryKey = (seq: number): string => `e${String(seq).padStart(12, '0')}`;
const seqOfKey = (key: string): number | undefined => (/^e\d{12}$/.test(key) ? Number(key.slice(1)) : undefined);

function toMs(now: number | string | Date): number {
  const ms = now instanceof Date ? now.getTime() : typeof now === 'number' ? now : Date.parse(now);
  if (!Number.isFinite(ms)) throw new Error(`'${String(now)}' is not an instant for the audit log (give ms since the epoch, an ISO 8601 time or a Date).`);
  return ms;
}

export class AuditLog {
  private head: Head | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: AuditStore,
    readonly namespace = 'audit',
  ) {}

  /**
   * Appends one entry at server time `now` and resolves with it once it is durable. A malformed record
   * is refused with a sentence and nothing is written; a failed write leaves the chain where it was.
   */
  append(record: AuditRecord, now: number | string | Date = Date.now()): Promise<AuditEntry> {
    const at = new Date(toMs(now)).toISOString();
    const run = this.queue.then(() => this.write(record, at));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Entries in sequence order, optionally only those of one work order or one subject. */
  async list(filter: { orderNo?: string; subjectId?: string } = {}): Promise<AuditEntry[]> {
    const entries = await this.entries();
    return [...entries.values()]
      .filter((e) => (filter.orderNo === undefined || e.orderNo === filter.orderNo) && (filter.subjectId === undefined || e.subjectId === filter.subjectId))
      .sort((a, b) => a.seq - b.seq);
  }

  /** Walks the whole chain: ok, or the first sequence number where it is broken and what is wrong there. */
  async verify(): Promise<AuditVerdict> {
    await this.queue;
    const head = await this.store.get<Head>(this.namespace, HEAD_KEY);
    const entries = await this.entries();
    const last = Math.max(0, ...entries.keys());
    if (!head) {
      if (entries.size === 0) return { ok: true, entries: 0, headHash: GENESIS_HASH };
      return { ok: false, seq: 1, message: `The audit log has ${entries.size} entries but no head record: the head was deleted.` };
    }
    let prevHash = GENESIS_HASH;
    for (let seq = 1; seq <= Math.max(head.seq, last); seq++) {
      const entry = entries.get(seq);
      if (seq > head.seq) return { ok: false, seq, message: `Audit entry ${seq} lies beyond the head (entry ${head.seq}): it was added outside the log.` };
      if (!entry) return { ok: false, seq, message: `Audit entry ${seq} of ${head.seq} is missing: it was deleted.` };
      if (entry.seq !== seq) return { ok: false, seq, message: `Audit entry ${seq} says it is entry ${String(entry.seq)}: it was moved or edited.` };
      if (entry.prevHash !== prevHash) return { ok: false, seq, message: `Audit entry ${seq} does not follow entry ${seq - 1}: its previous hash does not match, so an earlier entry was edited or replaced.` };
      if (entryHash(entry) !== entry.hash) return { ok: false, seq, message: `Audit entry ${seq} was altered: its hash does not match its content.` };
      prevHash = entry.hash;
    }
    if (head.hash !== prevHash) return { ok: false, seq: head.seq, message: `The audit head does not match entry ${head.seq}: the last entry was replaced.` };
    return { ok: true, entries: head.seq, headHash: head.hash };
  }

  private async write(record: AuditRecord, at: string): Promise<AuditEntry> {
    const head = this.head ?? (await this.loadHead());
    const content: Omit<AuditEntry, 'hash'> = { ...structuredClone(record), seq: head.seq + 1, at, prevHash: head.hash };
    const entry: AuditEntry = { ...content, hash: entryHash(content) };
    const checked = validate('audit-entry', entry, 'audit entry');
    if (!checked.ok) throw new Error(`The audit record was refused: ${checked.message}.`);
    const next: Head = { seq: entry.seq, hash: entry.hash };
    await this.store.putMany(this.namespace, [
      [entryKey(entry.seq), entry],
      [HEAD_KEY, next],
    ]);
    this.head = next;
    return entry;
  }

  private async loadHead(): Promise<Head> {
    const head = await this.store.get<Head>(this.namespace, HEAD_KEY);
    if (head) return head;
    const keys = await this.store.keys(this.namespace);
    if (keys.some((key) => seqOfKey(key) !== undefined)) {
      throw new Error(`The audit log in namespace "${this.namespace}" has entries but no head record; nothing is appended until verify() has been looked at.`);
    }
    return { seq: 0, hash: GENESIS_HASH };
  }

  private async entries(): Promise<Map<number, AuditEntry>> {
    const keys = (await this.store.keys(this.namespace)).filter((key) => seqOfKey(key) !== undefined);
    const found = await this.store.getMany<AuditEntry>(this.namespace, keys);
    return new Map([...found].map(([key, entry]) => [seqOfKey(key)!, entry]));
  }
}

const logs = new WeakMap<object, Map<string, AuditLog>>();

/** The one AuditLog of a store and namespace in this process, so that every node appends to one chain. */
export function auditLogFor(store: AuditStore, namespace = 'audit'): AuditLog {
  let byNamespace = logs.get(store);
  if (!byNamespace) logs.set(store, (byNamespace = new Map()));
  let log = byNamespace.get(namespace);
  if (!log) byNamespace.set(namespace, (log = new AuditLog(store, namespace)));
  return log;
}
