// The trace in the bridge store's SQLite file, beside the key-value state and the outbox: one table of records
// (job reports, inspections, material issues) clustered by order and time (WITHOUT ROWID), so an order's records
// lie together on disk however interleaved they arrived; a unique index on (book, kind, id), so the same record
// twice is stored once; an index by trace code (which orders carry a code); and a table of order plans. A trace is
// three indexed reads, whatever the table holds.
import type Database from 'better-sqlite3';
import { openSharedSqlite, type SharedSqliteFile } from '../stores/sqlite-file';
import { buildTraceAnswer, storedBody } from './answer';
import { DEFAULT_MAX_RECORDS, type OrderPlan, type RecordOutcome, type TraceAnswer, type TraceRecord, type TraceStore } from './types';

export const TRACE_SCHEMA = `
CREATE TABLE IF NOT EXISTS trace_record (
  book TEXT NOT NULL,
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  order_no TEXT NOT NULL,
  op_no TEXT,
  trace_code TEXT,
  at_ms INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (book, order_no, at_ms, kind, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS trace_record_id ON trace_record (book, kind, id);
CREATE INDEX IF NOT EXISTS trace_record_code ON trace_record (book, trace_code, order_no, at_ms) WHERE trace_code IS NOT NULL;
CREATE TABLE IF NOT EXISTS trace_plan (
  book TEXT NOT NULL,
  order_no TEXT NOT NULL,
  revision INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (book, order_no)
) WITHOUT ROWID;`;

interface RecordRow {
  kind: string;
  op_no: string | null;
  body: string;
}

export interface TraceStoreOptions {
  /** The most records one answer carries (default 20,000). */
  maxRecords?: number;
}

export class SqliteTraceStore implements TraceStore {
  readonly kind = 'sqlite' as const;
  private readonly shared: SharedSqliteFile;
  private closed = false;
  private readonly maxRecords: number;
  private readonly statements;
  private readonly insertAll: (records: readonly TraceRecord[]) => number;

  /** `book` names this trace inside the file, so several books (plants, lines) can share one store. */
  constructor(
    readonly file: string,
    readonly book: string,
    options: TraceStoreOptions = {},
  ) {
    this.maxRecords = options.maxRecords ?? DEFAULT_MAX_RECORDS;
    this.shared = openSharedSqlite(file);
    const db = this.shared.db;
    db.exec(TRACE_SCHEMA);
    const s = (this.statements = {
      insert: db.prepare<[string, string, string, string, string | null, string | null, number, string]>(
        'INSERT INTO trace_record (book, kind, id, order_no, op_no, trace_code, at_ms, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (book, kind, id) DO NOTHING',
      ),
      putPlan: db.prepare<[string, string, number, string]>(
        'INSERT INTO trace_plan (book, order_no, revision, body) VALUES (?, ?, ?, ?) ON CONFLICT (book, order_no) DO UPDATE SET revision = excluded.revision, body = excluded.body WHERE excluded.revision > trace_plan.revision',
      ),
      plan: db.prepare<[string, string], { body: string }>('SELECT body FROM trace_plan WHERE book = ? AND order_no = ?'),
      // Orders carrying the code, the latest first: the index alone answers it.
      ordersOfCode: db.prepare<[string, string], { order_no: string }>('SELECT order_no FROM trace_record INDEXED BY trace_record_code WHERE book = ? AND trace_code = ? GROUP BY order_no ORDER BY MAX(at_ms) DESC'),
      orderKnown: db.prepare<[string, string], { found: number }>('SELECT 1 AS found FROM trace_record WHERE book = ? AND order_no = ? LIMIT 1'),
      records: db.prepare<[string, string, number], RecordRow>('SELECT kind, op_no, body FROM trace_record WHERE book = ? AND order_no = ? ORDER BY at_ms, kind, id LIMIT ?'),
    });
    this.insertAll = db.transaction((records: readonly TraceRecord[]) => {
      let stored = 0;
      for (const r of records) {
        stored += s.insert.run(this.book, r.kind, r.id, r.orderNo, r.opNo ?? null, r.traceCode ?? null, r.atMs, JSON.stringify(r.body)).changes;
      }
      return stored;
    });
  }

  /** The file's connection (for the benchmark's baseline, which reads the same tables by hand). */
  get db(): Database.Database {
    return this.shared.db;
  }

  private check(): void {
    if (this.closed) throw new Error(`trace store ${this.file} is closed`);
  }

  async record(records: readonly TraceRecord[]): Promise<RecordOutcome> {
    this.check();
    if (records.length === 0) return { stored: 0, duplicates: 0 };
    // In the file's group commit: a transaction of its own was a COMMIT for every message (with an fsync on the
    // event loop, as the file was then set up), whatever else was being written at the time.
    const stored = await this.shared.commit(() => this.insertAll(records));
    return { stored, duplicates: records.length - stored };
  }

  async plan(plan: OrderPlan): Promise<boolean> {
    this.check();
    const body = JSON.stringify(plan);
    return (await this.shared.commit(() => this.statements.putPlan.run(this.book, plan.orderNo, plan.revision, body).changes)) > 0;
  }

  async trace(code: string): Promise<TraceAnswer | undefined> {
    this.check();
    const s = this.statements;
    const orders = s.ordersOfCode.all(this.book, code).map((r) => r.order_no);
    // No record carries it: it may be an order number.
    const orderNo = orders[0] ?? (s.plan.get(this.book, code) || s.orderKnown.get(this.book, code) ? code : undefined);
    if (orderNo === undefined) return undefined;
    const planRow = s.plan.get(this.book, orderNo);
    const rows = s.records.all(this.book, orderNo, this.maxRecords + 1);
    const truncated = rows.length > this.maxRecords;
    if (truncated) rows.length = this.maxRecords;
    return buildTraceAnswer({
      code,
      orderNo,
      plan: planRow ? (JSON.parse(planRow.body) as OrderPlan) : undefined,
      records: rows.map((r) => storedBody(r.kind, r.op_no, r.body)),
      alsoInOrders: orders.slice(1),
      truncated,
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.shared.release();
  }
}
