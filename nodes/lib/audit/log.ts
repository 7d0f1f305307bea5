// The append-only audit trail in bridge-store. Entries live under zero-padded sequence keys next to a
// head (last seq and hash) written in the same atomic step, so a deleted last entry is detected too. With a key
// ring, entries are HMAC-chained under its current key (verify.ts checks them); without one the log writes the
// earlier, un-keyed SHA-256 chain, which verification reports as legacy.
// Appends are chained in memory and written in batches, one batch after the other: concurrent callers still
// get one unbroken chain, and a batch written is all in the chain or none of it.
import type { KeyValueStore } from '../stores/store';
import { validate } from '../validation';
import { entryHash, entryMac, GENESIS_HASH } from './chain';
import type { AuditKeyring } from './keys';
import type { AuditEntry, AuditRecord, AuditVerdict, EntryVerification, ExportedHead } from './types';
import { verifyChain, type ChainReport } from './verify';

/** The part of a KeyValueStore the audit log needs. */
export type AuditStore = Pick<KeyValueStore, 'get' | 'getMany' | 'putMany' | 'keys'> & Partial<Pick<KeyValueStore, 'beforeCommit'>>;

interface Head {
  seq: number;
  hash: string;
}

/** An entry as served: with what verification says of it. */
export type CheckedAuditEntry = AuditEntry & { verification: EntryVerification; problem?: string };

const HEAD_KEY = 'head';
const entryKey = (seq: number): string => `e${String(seq).padStart(12, '0')}`;
const seqOfKey = (key: string): number | undefined => (/^e\d{12}$/.test(key) ? Number(key.slice(1)) : undefined);

function toMs(now: number | string | Date): number {
  const ms = now instanceof Date ? now.getTime() : typeof now === 'number' ? now : Date.parse(now);
  if (!Number.isFinite(ms)) throw new Error(`'${String(now)}' is not an instant for the audit log (give ms since the epoch, an ISO 8601 time or a Date).`);
  return ms;
}

interface PendingAppend {
  record: AuditRecord;
  at: string;
  resolve(entry: AuditEntry): void;
  reject(err: Error): void;
}

export class AuditLog {
  private head: Head | undefined;
  private pending: PendingAppend[] = [];
  /** A batch is being written. */
  private writing: Promise<void> | undefined;
  /** A batch will be taken (before the store's next commit, or in a microtask). */
  private scheduled = false;

  constructor(
    private readonly store: AuditStore,
    readonly namespace = 'audit',
    private keyring?: AuditKeyring,
  ) {}

  /** Appends from now on go under this ring's current key; its older keys still verify. */
  useKeyring(keyring: AuditKeyring): void {
    this.keyring = keyring;
  }

  get keyed(): boolean {
    return this.keyring !== undefined;
  }

  /**
   * Appends one entry at server time `now` and resolves with it once it is durable. A malformed record
   * is refused with a sentence and nothing is written; a failed write leaves the chain where it was.
   * Group commit without a window: an append made while no write is under way is written at once (so it
   * shares the store's commit with the caller's other writes of this turn); appends made meanwhile are
   * chained onto it and written together, in one atomic putMany, once it is durable.
   */
  append(record: AuditRecord, now: number | string | Date = Date.now()): Promise<AuditEntry> {
    const at = new Date(toMs(now)).toISOString();
    return new Promise((resolve, reject) => {
      this.pending.push({ record, at, resolve, reject });
      this.kick();
    });
  }

  /**
   * Takes the appends made so far as one batch: right before the store's next group commit when it has one
   * (every step of this turn is then in it, and the batch shares their fsync), else in a microtask. One batch
   * at a time: the next one is chained on this one's head, so it waits until this one is durable.
   */
  private kick(): void {
    if (this.writing || this.scheduled || this.pending.length === 0) return;
    this.scheduled = true;
    const take = () => {
      this.scheduled = false;
      this.writing = this.writeBatch(this.pending.splice(0)).finally(() => {
        this.writing = undefined;
        this.kick();
      });
    };
    if (this.store.beforeCommit) this.store.beforeCommit(take);
    else queueMicrotask(take);
  }

  /** Resolves once every append made so far is written (or refused). */
  private async idle(): Promise<void> {
    while (this.writing || this.scheduled) {
      if (this.writing) await this.writing;
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Entries in sequence order, optionally only those of one work order or one subject. */
  async list(filter: { orderNo?: string; subjectId?: string } = {}): Promise<AuditEntry[]> {
    const entries = await this.entries();
    return [...entries.values()].filter((e) => (filter.orderNo === undefined || e.orderNo === filter.orderNo) && (filter.subjectId === undefined || e.subjectId === filter.subjectId)).sort((a, b) => a.seq - b.seq);
  }

  /**
   * Walks the whole chain: ok, or the first sequence number where it is broken and what is wrong there. With
   * `exported`, the head exported earlier must still be in the chain (else it was cut short or rewritten).
   */
  async verify(exported?: ExportedHead): Promise<AuditVerdict> {
    return (await this.check(exported)).verdict;
  }

  /** The entries (optionally of one order or subject) each with its verification state, and the verdict of the whole chain. */
  async inspect(filter: { orderNo?: string; subjectId?: string } = {}, exported?: ExportedHead): Promise<{ verdict: AuditVerdict; items: CheckedAuditEntry[] }> {
    const { verdict, checks, entries } = await this.check(exported);
    const items = [...entries.values()]
      .filter((e) => (filter.orderNo === undefined || e.orderNo === filter.orderNo) && (filter.subjectId === undefined || e.subjectId === filter.subjectId))
      .sort((a, b) => a.seq - b.seq)
      .map((e): CheckedAuditEntry => {
        const c = checks.get(e.seq) ?? { state: 'broken' as const, problem: `Audit entry key ${e.seq} holds an entry that is not in the chain.` };
        return { ...e, verification: c.state, ...(c.problem !== undefined && { problem: c.problem }) };
      });
    return { verdict, items };
  }

  private async check(exported?: ExportedHead): Promise<ChainReport & { entries: Map<number, AuditEntry> }> {
    await this.idle();
    const head = await this.store.get<Head>(this.namespace, HEAD_KEY);
    const entries = await this.entries();
    return { ...verifyChain({ head, entries, ...(this.keyring && { keyring: this.keyring }), ...(exported && { exported }) }), entries };
  }

  private async writeBatch(batch: PendingAppend[]): Promise<void> {
    try {
      // this.head is known after the first append, so the putMany below is handed over in this same call.
      let head = this.head ?? (await this.loadHead());
      const written: Array<[PendingAppend, AuditEntry]> = [];
      for (const append of batch) {
        const key = this.keyring?.current;
        const content: Omit<AuditEntry, 'hash'> = { ...structuredClone(append.record), seq: head.seq + 1, at: append.at, ...(key && { keyId: key.id }), prevHash: head.hash };
        const entry: AuditEntry = { ...content, hash: key ? entryMac(content, key) : entryHash(content) };
        const checked = validate('audit-entry', entry, 'audit entry');
        if (!checked.ok) {
          append.reject(new Error(`The audit record was refused: ${checked.message}.`));
          continue;
        }
        written.push([append, entry]);
        head = { seq: entry.seq, hash: entry.hash };
      }
      if (written.length === 0) return;
      // Entries and head in one atomic step: all of the batch is in the chain, or none of it.
      await this.store.putMany(this.namespace, [...written.map(([, entry]): [string, unknown] => [entryKey(entry.seq), entry]), [HEAD_KEY, head]]);
      this.head = head;
      for (const [append, entry] of written) append.resolve(entry);
    } catch (err) {
      for (const append of batch) append.reject(err as Error);
    }
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

/**
 * The one AuditLog of a store and namespace in this process, so that every node appends to one chain. A key
 * ring given applies to it from now on (the bridge-store node gives its configured one).
 */
export function auditLogFor(store: AuditStore, namespace = 'audit', keyring?: AuditKeyring): AuditLog {
  let byNamespace = logs.get(store);
  if (!byNamespace) logs.set(store, (byNamespace = new Map()));
  let log = byNamespace.get(namespace);
  if (!log) byNamespace.set(namespace, (log = new AuditLog(store, namespace, keyring)));
  else if (keyring) log.useKeyring(keyring);
  return log;
}
