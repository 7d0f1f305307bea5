// The outbox in the embedded SQLite file (shared with the key-value store). The queue is a table ordered by
// an AUTOINCREMENT id, so ids never go back even after the newest row is delivered; a partition's head is its
// lowest id. Nothing about a delivery in flight is written: after a restart the heads are simply taken again
// and re-sent with the same idempotency key. One process works one file. Every write goes through the file's
// group commit (sqlite-file.ts): appends and settlements of one turn share one fsync with the other stores' writes.
// Because one process works the file, what it appended is also kept in memory (RunCache) and a take reads the
// runs to deliver from there: reading each item back from the file cost more than its delivery.
import { randomUUID } from 'node:crypto';
import { openSharedSqlite, type SharedSqliteFile } from '../stores/sqlite-file';
import { withStoredPayload } from './stored-payload';
import type { DeadLetter, DeliveryFailure, NewOutboxItem, OutboxItem, OutboxStats, OutboxStore, StoreDurability, TakeRequest, TakeResult } from './types';

interface ItemRow {
  id: number;
  outbox: string;
  partition_key: string;
  idempotency_key: string;
  payload: string;
  enqueued_at: number;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
}
interface DeadRow extends ItemRow {
  reason: string;
  dead_lettered_at: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox_item (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  outbox TEXT NOT NULL,
  partition_key TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  payload TEXT NOT NULL,
  enqueued_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  last_error TEXT
);
DROP INDEX IF EXISTS outbox_item_queue;
CREATE INDEX IF NOT EXISTS outbox_item_partition ON outbox_item (outbox, partition_key, id);
CREATE UNIQUE INDEX IF NOT EXISTS outbox_item_key ON outbox_item (outbox, idempotency_key);
CREATE INDEX IF NOT EXISTS outbox_item_retry ON outbox_item (outbox, next_attempt_at) WHERE attempts > 0;
CREATE TABLE IF NOT EXISTS outbox_dead_letter (
  id INTEGER PRIMARY KEY,
  outbox TEXT NOT NULL,
  partition_key TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  payload TEXT NOT NULL,
  enqueued_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  reason TEXT NOT NULL,
  dead_lettered_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS outbox_dead_letter_key ON outbox_dead_letter (outbox, idempotency_key);
CREATE TABLE IF NOT EXISTS outbox_head (
  outbox TEXT NOT NULL,
  partition_key TEXT NOT NULL,
  item_id INTEGER NOT NULL,
  PRIMARY KEY (outbox, partition_key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS outbox_head_order ON outbox_head (outbox, item_id);
-- The heads used to be kept by triggers, row by row; the store now keeps them once per partition and batch.
DROP TRIGGER IF EXISTS outbox_head_on_insert;
DROP TRIGGER IF EXISTS outbox_head_on_delete;
CREATE TABLE IF NOT EXISTS outbox_counter (
  outbox TEXT PRIMARY KEY,
  delivered INTEGER NOT NULL DEFAULT 0,
  retries INTEGER NOT NULL DEFAULT 0,
  dead_lettered INTEGER NOT NULL DEFAULT 0
);`;

const toItem = (row: ItemRow): OutboxItem => {
  const fields: Omit<OutboxItem, 'payload' | 'payloadJson'> = {
    id: String(row.id),
    outbox: row.outbox,
    partition: row.partition_key,
    idempotencyKey: row.idempotency_key,
    enqueuedAt: row.enqueued_at,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
  };
  if (row.last_error !== null) fields.lastError = row.last_error;
  return withStoredPayload(fields, row.payload);
};

/** Items kept in memory at most (about 1 KB each for a progress update); beyond, runs are read from the file. */
const RUN_CACHE_LIMIT = 10_000;

/**
 * The queued items of each partition, in id order, for the partitions whose every queued item this process
 * appended since it emptied: then the head of the partition in the file is the first item here. A partition
 * whose items are not all here (queued before this process, replayed, or past the limit) has no list and is
 * read from the file until it empties. Changed only after the write it mirrors is committed.
 */
class RunCache {
  private readonly runs = new Map<string, OutboxItem[]>();
  private size = 0;

  static keyOf(outbox: string, partition: string): string {
    return `${outbox}\u0000${partition}`;
  }

  /** Items committed by one append, in order; `emptied` names the partitions that had no queued item before it. */
  appended(items: readonly OutboxItem[], emptied: ReadonlySet<string>): void {
    const started = new Set<string>();
    for (const item of items) {
      const key = RunCache.keyOf(item.outbox, item.partition);
      let run = this.runs.get(key);
      if (emptied.has(key) && !started.has(key)) {
        // The partition was empty in the file: a list still here is stale, its items gone some other way.
        started.add(key);
        this.drop(key);
        this.runs.set(key, (run = []));
      }
      if (run === undefined) continue;
      if (this.size >= RUN_CACHE_LIMIT) {
        this.drop(key);
        continue;
      }
      run.push(item);
      this.size += 1;
    }
  }

  /** The run of a partition from its head, when the head is the first item here. */
  runFrom(outbox: string, partition: string, headId: number, limit: number): OutboxItem[] | undefined {
    const run = this.runs.get(RunCache.keyOf(outbox, partition));
    return run !== undefined && run.length > 0 && run[0].id === String(headId) ? run.slice(0, limit) : undefined;
  }

  /** Items that left the queue (delivered, dead-lettered). */
  removed(items: readonly OutboxItem[]): void {
    for (const item of items) {
      const key = RunCache.keyOf(item.outbox, item.partition);
      const run = this.runs.get(key);
      if (!run) continue;
      const at = run.findIndex((kept) => kept.id === item.id);
      if (at < 0) continue;
      run.splice(at, 1);
      this.size -= 1;
      if (run.length === 0) this.runs.delete(key);
    }
  }

  /** A failed attempt, as the file now has it. */
  failed(item: OutboxItem, failure: DeliveryFailure): void {
    const kept = this.runs.get(RunCache.keyOf(item.outbox, item.partition))?.find((k) => k.id === item.id);
    if (!kept) return;
    kept.attempts += 1;
    kept.nextAttemptAt = failure.nextAttemptAt;
    kept.lastError = failure.error;
  }

  /** Forgets a partition (by keyOf): it is read from the file until it empties. */
  drop(key: string): void {
    this.size -= this.runs.get(key)?.length ?? 0;
    this.runs.delete(key);
  }

  get empty(): boolean {
    return this.size === 0;
  }
}

const runCaches = new WeakMap<object, RunCache>();

/** Partitions (per outbox) touched by one write, with an id each. */
class PartitionIds {
  private readonly byOutbox = new Map<string, Map<string, number>>();

  setIfAbsent(outbox: string, partition: string, id: number): this {
    let partitions = this.byOutbox.get(outbox);
    if (!partitions) this.byOutbox.set(outbox, (partitions = new Map()));
    if (!partitions.has(partition)) partitions.set(partition, id);
    return this;
  }

  forEach(each: (outbox: string, partition: string, id: number) => void): void {
    for (const [outbox, partitions] of this.byOutbox) for (const [partition, id] of partitions) each(outbox, partition, id);
  }
}

export class SqliteOutboxStore implements OutboxStore {
  readonly kind = 'sqlite' as const;
  private readonly shared: SharedSqliteFile;
  private closed = false;
  private readonly statements;
  private readonly appendAll: (items: readonly NewOutboxItem[]) => { stored: OutboxItem[]; inserted: OutboxItem[]; emptied: Set<string> };
  private readonly cache: RunCache;
  private readonly deliverAll: (items: readonly OutboxItem[]) => void;
  private readonly failOne: (item: OutboxItem, failure: DeliveryFailure) => void;
  private readonly deadLetterOne: (item: OutboxItem, reason: string) => void;
  private readonly replay: (outbox: string, ids: readonly string[] | undefined) => OutboxItem[];

  constructor(readonly file: string) {
    this.shared = openSharedSqlite(file);
    const db = this.shared.db;
    // One cache per open file, shared by every store on it: each must see all appends to know a partition whole.
    let cache = runCaches.get(db);
    if (!cache) runCaches.set(db, (cache = new RunCache()));
    this.cache = cache;
    // An acknowledged send must survive a power cut, not only a crash: the shared file resolves a commit only once
    // an fsync of its WAL has put it on disk (sqlite-file.ts), for this store and every other on the file.
    db.exec(SCHEMA);
    // The heads table is kept by every write of the queue below; made again from the queue at open, for files
    // written before it.
    db.transaction(() => {
      db.exec('DELETE FROM outbox_head');
      db.exec('INSERT INTO outbox_head (outbox, partition_key, item_id) SELECT outbox, partition_key, MIN(id) FROM outbox_item GROUP BY outbox, partition_key');
    })();
    const s = (this.statements = {
      insert: db.prepare<[string, string, string, string, number]>('INSERT INTO outbox_item (outbox, partition_key, idempotency_key, payload, enqueued_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (outbox, idempotency_key) DO NOTHING'),
      heldQueued: db.prepare<[string, string], { id: number }>('SELECT id FROM outbox_item WHERE outbox = ? AND idempotency_key = ?'),
      heldDead: db.prepare<[string, string], { id: number }>('SELECT id FROM outbox_dead_letter WHERE outbox = ? AND idempotency_key = ?'),
      anyDead: db.prepare<[string], { n: number }>('SELECT EXISTS (SELECT 1 FROM outbox_dead_letter WHERE outbox = ?) AS n'),
      counterRow: db.prepare<[string]>('INSERT INTO outbox_counter (outbox) VALUES (?) ON CONFLICT (outbox) DO NOTHING'),
      // Oldest first, heads only. The heads table names each partition's head: finding them used to scan the whole
      // queue on every take, which cost more than delivering once an ERP outage had let the queue grow.
      heads: db.prepare<{ outbox: string; now: number; busy: string; limit: number }, ItemRow>(`
        SELECT i.* FROM outbox_head h INDEXED BY outbox_head_order JOIN outbox_item i ON i.id = h.item_id
        WHERE h.outbox = @outbox AND i.next_attempt_at <= @now
          AND h.partition_key NOT IN (SELECT value FROM json_each(@busy))
        ORDER BY h.item_id LIMIT @limit`),
      // The same, naming the heads only, when runs are read from them (not every head's payload read twice).
      headIds: db.prepare<{ outbox: string; now: number; busy: string; limit: number }, { id: number; partition_key: string }>(`
        SELECT h.item_id AS id, h.partition_key FROM outbox_head h INDEXED BY outbox_head_order JOIN outbox_item i ON i.id = h.item_id
        WHERE h.outbox = @outbox AND i.next_attempt_at <= @now
          AND h.partition_key NOT IN (SELECT value FROM json_each(@busy))
        ORDER BY h.item_id LIMIT @limit`),
      run: db.prepare<[string, string, number, number], ItemRow>('SELECT * FROM outbox_item WHERE outbox = ? AND partition_key = ? AND id >= ? ORDER BY id LIMIT ?'),
      nextDue: db.prepare<[string, number], { due: number | null }>('SELECT MIN(next_attempt_at) AS due FROM outbox_item WHERE outbox = ? AND attempts > 0 AND next_attempt_at > ?'),
      get: db.prepare<[number], ItemRow>('SELECT * FROM outbox_item WHERE id = ?'),
      delete: db.prepare<[number]>('DELETE FROM outbox_item WHERE id = ?'),
      // A partition's head: its first item, or none (both statements run once per partition touched by a write).
      headIfNone: db.prepare<[string, string, number]>('INSERT OR IGNORE INTO outbox_head (outbox, partition_key, item_id) VALUES (?, ?, ?)'),
      headDrop: db.prepare<[string, string]>('DELETE FROM outbox_head WHERE outbox = ? AND partition_key = ?'),
      headAgain: db.prepare<[string, string]>('INSERT INTO outbox_head (outbox, partition_key, item_id) SELECT outbox, partition_key, id FROM outbox_item WHERE outbox = ? AND partition_key = ? ORDER BY id LIMIT 1'),
      count: db.prepare<[number, number, number, string]>('UPDATE outbox_counter SET delivered = delivered + ?, retries = retries + ?, dead_lettered = dead_lettered + ? WHERE outbox = ?'),
      fail: db.prepare<[number, string, number]>('UPDATE outbox_item SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?'),
      bury: db.prepare<[number, string | null, string, number, number]>(`
        INSERT INTO outbox_dead_letter (id, outbox, partition_key, idempotency_key, payload, enqueued_at, attempts, next_attempt_at, last_error, reason, dead_lettered_at)
        SELECT id, outbox, partition_key, idempotency_key, payload, enqueued_at, ?, next_attempt_at, ?, ?, ? FROM outbox_item WHERE id = ?`),
      dead: db.prepare<[string], DeadRow>('SELECT * FROM outbox_dead_letter WHERE outbox = ? ORDER BY id'),
      deadOfPartition: db.prepare<[string, string], DeadRow>('SELECT * FROM outbox_dead_letter WHERE outbox = ? AND partition_key = ? ORDER BY id'),
      deadOne: db.prepare<[string, number], DeadRow>('SELECT * FROM outbox_dead_letter WHERE outbox = ? AND id = ?'),
      undead: db.prepare<[number]>('DELETE FROM outbox_dead_letter WHERE id = ?'),
      stats: db.prepare<[string], { depth: number; oldest: number | null }>('SELECT COUNT(*) AS depth, MIN(enqueued_at) AS oldest FROM outbox_item WHERE outbox = ?'),
      deadCount: db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM outbox_dead_letter WHERE outbox = ?'),
      counters: db.prepare<[string], { delivered: number; retries: number; dead_lettered: number }>('SELECT delivered, retries, dead_lettered FROM outbox_counter WHERE outbox = ?'),
      outboxes: db.prepare<[], { outbox: string }>('SELECT outbox FROM outbox_counter ORDER BY outbox'),
    });

    this.appendAll = db.transaction((items: readonly NewOutboxItem[]) => {
      const now = Date.now();
      // Per outbox of the batch: whether it has dead letters at all (most often not: no lookup per item then).
      const hasDead = new Map<string, boolean>();
      const firstNew = new PartitionIds();
      const inserted: OutboxItem[] = [];
      const stored = items.map((entry) => {
        const key = entry.idempotencyKey ?? randomUUID();
        const enqueuedAt = entry.enqueuedAt ?? now;
        let anyDead = hasDead.get(entry.outbox);
        if (anyDead === undefined) {
          s.counterRow.run(entry.outbox);
          hasDead.set(entry.outbox, (anyDead = s.anyDead.get(entry.outbox)!.n === 1));
        }
        const dead = anyDead ? s.heldDead.get(entry.outbox, key) : undefined;
        const json = entry.payloadJson ?? JSON.stringify(entry.payload);
        const insert = dead ? undefined : s.insert.run(entry.outbox, entry.partition, key, json, enqueuedAt);
        const id = insert?.changes === 1 ? Number(insert.lastInsertRowid) : (dead ?? s.heldQueued.get(entry.outbox, key))!.id;
        const item = { id: String(id), outbox: entry.outbox, partition: entry.partition, idempotencyKey: key, payload: entry.payload, enqueuedAt, attempts: 0, nextAttemptAt: 0 };
        if (insert?.changes === 1) {
          // The first item of a partition in this batch is its head if it had none (ids only grow).
          firstNew.setIfAbsent(entry.outbox, entry.partition, id);
          // What a take hands out from memory: the stored text, as an item read back from the file would carry it.
          inserted.push(withStoredPayload({ ...item, payload: undefined }, json));
        }
        return item;
      });
      const emptied = new Set<string>();
      firstNew.forEach((outbox, partition, id) => {
        if (s.headIfNone.run(outbox, partition, id).changes === 1) emptied.add(RunCache.keyOf(outbox, partition));
      });
      return { stored, inserted, emptied };
    });
    const headsAgain = (touched: PartitionIds) =>
      touched.forEach((outbox, partition) => {
        s.headDrop.run(outbox, partition);
        s.headAgain.run(outbox, partition);
      });
    this.deliverAll = db.transaction((items: readonly OutboxItem[]) => {
      const perOutbox = new Map<string, number>();
      const touched = new PartitionIds();
      for (const item of items) {
        if (s.delete.run(Number(item.id)).changes === 1) {
          perOutbox.set(item.outbox, (perOutbox.get(item.outbox) ?? 0) + 1);
          touched.setIfAbsent(item.outbox, item.partition, 0);
        }
      }
      headsAgain(touched);
      for (const [outbox, n] of perOutbox) s.count.run(n, 0, 0, outbox);
    });
    this.failOne = db.transaction((item: OutboxItem, failure: DeliveryFailure) => {
      if (s.fail.run(failure.nextAttemptAt, failure.error, Number(item.id)).changes === 1) s.count.run(0, 1, 0, item.outbox);
    });
    this.deadLetterOne = db.transaction((item: OutboxItem, reason: string) => {
      if (s.bury.run(item.attempts, item.lastError ?? null, reason, Date.now(), Number(item.id)).changes === 1) {
        s.delete.run(Number(item.id));
        headsAgain(new PartitionIds().setIfAbsent(item.outbox, item.partition, 0));
        s.count.run(0, 0, 1, item.outbox);
      }
    });
    this.replay = db.transaction((outbox: string, ids: readonly string[] | undefined) => {
      const rows = ids ? ids.map((id) => s.deadOne.get(outbox, Number(id))).filter((r): r is DeadRow => r !== undefined) : s.dead.all(outbox);
      rows.sort((a, b) => a.id - b.id);
      return rows.map((row) => {
        s.undead.run(row.id);
        const inserted = s.insert.run(outbox, row.partition_key, row.idempotency_key, row.payload, row.enqueued_at);
        s.headIfNone.run(outbox, row.partition_key, Number(inserted.lastInsertRowid));
        return toItem(s.get.get(Number(inserted.lastInsertRowid))!);
      });
    });
  }

  private check(): void {
    if (this.closed) throw new Error(`the outbox in ${this.file} is closed`);
  }

  async append(items: readonly NewOutboxItem[]): Promise<OutboxItem[]> {
    this.check();
    // In the file's group commit: the workflow step's state and audit writes of the same turn share its fsync.
    if (items.length === 0) return [];
    const { stored, inserted, emptied } = await this.shared.commit(() => this.appendAll(items));
    this.cache.appended(inserted, emptied);
    return stored;
  }

  async take(outbox: string, request: TakeRequest): Promise<TakeResult> {
    this.check();
    const s = this.statements;
    const which = { outbox, now: request.now, busy: JSON.stringify([...request.busyPartitions]), limit: Math.max(0, request.limit) };
    const items: OutboxItem[] = [];
    if (request.perPartition > 1 || !this.cache.empty) {
      for (const head of s.headIds.all(which)) {
        const room = Math.min(request.limit - items.length, request.perPartition);
        if (room <= 0) break;
        const kept = this.cache.runFrom(outbox, head.partition_key, head.id, room);
        if (kept) items.push(...kept);
        else if (room === 1) items.push(toItem(s.get.get(head.id)!));
        else for (const row of s.run.all(outbox, head.partition_key, head.id, room)) items.push(toItem(row));
      }
    } else for (const row of s.heads.all(which)) items.push(toItem(row));
    const due = s.nextDue.get(outbox, request.now)?.due;
    return due === null || due === undefined ? { items } : { items, nextDueAt: due };
  }

  async markDelivered(items: readonly OutboxItem[]): Promise<void> {
    this.check();
    if (items.length === 0) return;
    await this.shared.commit(() => this.deliverAll(items));
    this.cache.removed(items);
  }

  async markFailed(item: OutboxItem, failure: DeliveryFailure): Promise<void> {
    this.check();
    await this.shared.commit(() => this.failOne(item, failure));
    this.cache.failed(item, failure);
  }

  async deadLetter(item: OutboxItem, reason: string): Promise<void> {
    this.check();
    await this.shared.commit(() => this.deadLetterOne(item, reason));
    this.cache.removed([item]);
  }

  async listDeadLetters(outbox: string, options: { partition?: string; limit?: number } = {}): Promise<DeadLetter[]> {
    this.check();
    const rows = options.partition === undefined ? this.statements.dead.all(outbox) : this.statements.deadOfPartition.all(outbox, options.partition);
    return rows.slice(0, options.limit ?? rows.length).map((row) => ({ ...toItem(row), reason: row.reason, deadLetteredAt: row.dead_lettered_at }));
  }

  async replayDeadLetters(outbox: string, ids?: readonly string[]): Promise<OutboxItem[]> {
    this.check();
    const items = await this.shared.commit(() => this.replay(outbox, ids));
    // Replayed items take new ids among the queued ones: their partitions are read from the file until they empty.
    for (const item of items) this.cache.drop(RunCache.keyOf(item.outbox, item.partition));
    return items;
  }

  async stats(outbox: string): Promise<OutboxStats> {
    this.check();
    const s = this.statements;
    const queue = s.stats.get(outbox)!;
    const counters = s.counters.get(outbox) ?? { delivered: 0, retries: 0, dead_lettered: 0 };
    return {
      outbox,
      depth: queue.depth,
      ...(queue.oldest === null ? {} : { oldestEnqueuedAt: queue.oldest }),
      delivered: counters.delivered,
      retries: counters.retries,
      deadLettered: counters.dead_lettered,
      deadLetters: s.deadCount.get(outbox)!.n,
    };
  }

  async outboxes(): Promise<string[]> {
    this.check();
    return this.statements.outboxes.all().map((r) => r.outbox);
  }

  durability(): StoreDurability {
    if (this.file === ':memory:') return { durable: false, detail: 'the outbox is kept in memory (:memory:) and is lost when the process ends.' };
    return { durable: true, detail: `SQLite file ${this.shared.key} in WAL mode, each group commit synced to disk (fsync) before it is acknowledged.` };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.shared.release();
  }
}
