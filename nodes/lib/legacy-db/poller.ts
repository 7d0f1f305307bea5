// Incremental reader of one legacy ERP table: one ordered, streamed query per poll (keyset after the last
// position, or a look-back window below it), cut into pages as rows arrive. The position moves to the end
// of a page when it is emitted (commit 'emit') or when the flow acknowledges it (commit 'ack', in order:
// at-least-once across a restart). The cursor is the driver's raw text, so microseconds survive.
import { randomBytes } from 'node:crypto';
import type { KeyValueStore } from '../stores/store';
import type { LegacyDb, Row } from './connection';
import { DeliveredWindow } from './delivered-window';
import { columnName, quoteColumn, quoteTable } from './identifiers';
import { type KeysetCursor, type SqlFilter, type WatermarkValue, checkFilter, keysetQuery } from './keyset';
import { CommittedState, type PendingPage, laterOf, lookBackFrom } from './poller-state';
import { type ColumnKind, type FlowValueOptions, columnKindsFrom, columnTypesQuery, flowRowConverter } from './values';

export type FirstRunFrom = { kind: 'beginning' } | { kind: 'now' } | { kind: 'value'; value: WatermarkValue };
export type CommitMode = 'emit' | 'ack';

export interface TablePollerOptions {
  db: LegacyDb;
  store: KeyValueStore;
  /** Names this poller's state in the store (the node id). */
  stateKey: string;
  table: string;
  columns?: string[];
  watermarkColumn: string;
  keyColumn: string;
  filter?: SqlFilter;
  pageSize: number;
  /** Re-read this many minutes below the committed watermark for late-committed rows; 0 = off. */
  lookBackMinutes?: number;
  firstRunFrom?: FirstRunFrom;
  /** How rows are converted for the flow; timeZone defaults to the database's. */
  values?: FlowValueOptions;
  commit?: CommitMode;
  /** Ack mode: pages emitted and not yet committed before the stream pauses (default 4). */
  maxPagesInFlight?: number;
  /**
   * Ack mode: a page not acknowledged this long after it was emitted counts as lost in the flow (a failed
   * HTTP call, a Catch that swallowed it): the poller goes back to the committed position and delivers it
   * again (default 10 minutes).
   */
  ackTimeoutMs?: number;
  /** Ack mode: told which pages were given up on, so the caller can forget what it kept for them. */
  onExpired?: (pageIds: string[]) => void;
  /** Rows fetched from the server at a time (default: the page size). */
  fetchSize?: number;
}

export interface PolledPage {
  id: string;
  rows: Record<string, unknown>[];
  /** Where this page ends: committed when it is emitted or acknowledged. */
  cursor: KeysetCursor;
}

export interface PollResult {
  pages: number;
  rows: number;
  /** Rows a look-back re-read that were already delivered. */
  dropped: number;
  /** The committed cursor when the poll ended. */
  cursor: KeysetCursor | undefined;
  /** Ack mode: pages emitted and still waiting for ack (or for an earlier page's ack). */
  pending: number;
  /** Ack mode: pages whose ack did not come in time; they are read again from the committed position. */
  expired: number;
}

/** What an ack did: committed (in order), came too late (the page is being delivered again), or names no page. */
export type AckOutcome = 'acked' | 'expired' | 'unknown';

export type PageHandler = (page: PolledPage) => void | Promise<void>;

export class TablePoller {
  private readonly committed: CommittedState;
  private readonly lookBack: number;
  private readonly commitMode: CommitMode;
  private readonly maxInFlight: number;
  private readonly ackTimeoutMs: number;
  /** Ids of pages given up on (bounded): their late acks are recognised, not refused as unknown. */
  private expiredIds = new Set<string>();
  private readonly instance = randomBytes(4).toString('hex');
  private loaded: Promise<void> | undefined;
  private kinds: Promise<Readonly<Record<string, ColumnKind>> | undefined> | undefined;
  private running: Promise<PollResult> | undefined;
  /** Ack mode: where the next poll in this process starts (after the last emitted page). */
  private emittedCursor: KeysetCursor | undefined;
  private emittedWindow = new DeliveredWindow();
  private pending: PendingPage[] = [];
  private capacityWaiters: Array<() => void> = [];
  private pageSeq = 0;
  /** Set by reset()/stop(): a poll paused for acks ends instead of waiting. */
  private aborting = false;
  private stopped = false;
  /** The watermark and key as the driver names them in a row. */
  private readonly positionColumns: { wmName: string; keyName: string };

  constructor(private readonly options: TablePollerOptions) {
    const { pageSize } = options;
    if (!Number.isInteger(pageSize) || pageSize < 1) throw new Error(`The page size of the poll of '${options.table}' must be a whole number above 0 (got ${String(pageSize)}).`);
    this.lookBack = options.lookBackMinutes ?? 0;
    if (!Number.isFinite(this.lookBack) || this.lookBack < 0) throw new Error(`The look-back of the poll of '${options.table}' must be 0 or more minutes (got ${String(options.lookBackMinutes)}).`);
    this.commitMode = options.commit ?? 'emit';
    this.maxInFlight = options.maxPagesInFlight ?? 4;
    if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 1) throw new Error(`maxPagesInFlight must be a whole number above 0 (got ${String(options.maxPagesInFlight)}).`);
    this.ackTimeoutMs = options.ackTimeoutMs ?? 10 * 60_000;
    if (!Number.isFinite(this.ackTimeoutMs) || this.ackTimeoutMs <= 0) throw new Error(`The ack timeout of the poll of '${options.table}' must be above 0 (got ${String(options.ackTimeoutMs)}).`);
    if (options.filter) checkFilter(options.filter);
    // Builds the statement once so a bad table, column or filter fails at configuration time.
    this.statement(undefined, undefined);
    this.positionColumns = { wmName: columnName(options.watermarkColumn), keyName: columnName(options.keyColumn) };
    this.committed = new CommittedState(options.store, options.stateKey, this.lookBack);
  }

  /** The committed cursor (where a restarted poller starts), undefined before the first committed page. */
  async cursor(): Promise<KeysetCursor | undefined> {
    await this.load();
    return this.committed.cursor;
  }

  /**
   * Reads what changed since the last poll and hands it to `emit` page by page. Never two polls at once:
   * a call while a poll runs is coalesced into it (it resolves with that poll's result; its `emit` is not
   * called, the running poll already reads everything up to the end of the table).
   * Database errors (LegacyDbError) reject the poll; the cursor stays at the last committed page.
   */
  poll(emit: PageHandler): Promise<PollResult> {
    if (this.running) return this.running;
    const run = this.run(emit).finally(() => {
      this.running = undefined;
    });
    this.running = run;
    return run;
  }

  /** Ack mode: the flow is done with this page. False for an id this poller does not wait for. */
  async ack(pageId: string): Promise<AckOutcome> {
    const page = this.pending.find((p) => p.id === pageId);
    if (!page || page.acked) return this.expiredIds.has(pageId) ? 'expired' : 'unknown';
    page.acked = true;
    // Commit in emit order: an ack for a later page waits until the pages before it are acknowledged.
    while (this.pending.length > 0 && this.pending[0].acked) {
      const head = this.pending.shift() as PendingPage;
      await this.committed.commit(head);
    }
    this.wakeWaiters();
    return 'acked';
  }

  /** Forgets the position and the pages waiting for ack: the next poll starts from firstRunFrom again. */
  async reset(): Promise<void> {
    this.abandonWaits();
    await this.running?.catch(() => undefined);
    await this.load();
    await this.committed.clear();
    this.pending = [];
    this.emittedCursor = undefined;
    this.emittedWindow = new DeliveredWindow();
  }

  /** For node close: ends a poll paused for acks (it resolves with what it emitted) and refuses new polls. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abandonWaits();
    await this.running?.catch(() => undefined);
  }

  private abandonWaits(): void {
    this.aborting = true;
    this.wakeWaiters();
  }

  /** The row versions a look-back drops: committed ones, plus (ack mode) those emitted in this process. */
  private deliveredWindow(): DeliveredWindow {
    return this.commitMode === 'ack' ? this.emittedWindow : this.committed.window;
  }

  /**
   * The table's column types, asked once: drivers hand decimals back as text and the node's "decimals as
   * numbers" needs to know which text is a decimal. Undefined (values guessed) when the catalogue cannot be read.
   */
  private columnKinds(): Promise<Readonly<Record<string, ColumnKind>> | undefined> {
    if (this.options.values?.columnKinds) return Promise.resolve(this.options.values.columnKinds);
    this.kinds ??= (async () => {
      const { sql, bindings } = columnTypesQuery(this.options.db.dialect, this.options.table);
      const found = await this.options.db.query(sql, bindings);
      if (found.length === 0) return undefined;
      const kinds = columnKindsFrom(found);
      // SQLite has no datetime type and keeps times in TEXT columns: leave those to be recognised by their shape.
      if (this.options.db.dialect === 'sqlite') for (const [name, kind] of Object.entries(kinds)) if (kind === 'text') delete kinds[name];
      return kinds;
    })().catch(() => {
      // Asked again on the next poll: the table may be back, or the connection was down.
      this.kinds = undefined;
      return undefined;
    });
    return this.kinds;
  }

  /** Resolves true when a page slot frees up, false when the oldest pending page's ack is overdue. */
  private capacityOrTimeout(): Promise<boolean> {
    const head = this.pending[0];
    const left = (head.emittedAt ?? Date.now()) + this.ackTimeoutMs - Date.now();
    if (left <= 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.capacityWaiters = this.capacityWaiters.filter((w) => w !== wake);
        resolve(false);
      }, left);
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.capacityWaiters.push(wake);
    });
  }

  /**
   * Ack mode: when the oldest pending page's ack is overdue, gives up on every pending page and goes back to
   * the committed position (at-least-once: they are read and delivered again). Returns how many pages expired.
   */
  private expireOverdue(): number {
    const head = this.pending[0];
    if (this.commitMode !== 'ack' || !head || (head.emittedAt ?? Date.now()) + this.ackTimeoutMs > Date.now()) return 0;
    const ids = this.pending.map((p) => p.id);
    for (const id of ids) this.expiredIds.add(id);
    // Remember only recent expiries: enough to recognise a late ack without growing for ever.
    for (const id of this.expiredIds) {
      if (this.expiredIds.size <= 1000) break;
      this.expiredIds.delete(id);
    }
    this.pending = [];
    this.emittedCursor = this.committed.cursor;
    this.emittedWindow = DeliveredWindow.fromJSON(this.committed.window.toJSON());
    this.options.onExpired?.(ids);
    return ids.length;
  }

  private wakeWaiters(): void {
    const waiters = this.capacityWaiters;
    this.capacityWaiters = [];
    for (const wake of waiters) wake();
  }

  private load(): Promise<void> {
    this.loaded ??= this.committed.load().then(() => {
      this.emittedCursor = this.committed.cursor;
      this.emittedWindow = DeliveredWindow.fromJSON(this.committed.window.toJSON());
    });
    return this.loaded.catch((err) => {
      this.loaded = undefined;
      throw err;
    });
  }

  private statement(after: KeysetCursor | undefined, watermarkFrom: WatermarkValue | undefined) {
    const o = this.options;
    return keysetQuery({ dialect: o.db.dialect, table: o.table, columns: o.columns, watermarkColumn: o.watermarkColumn, keyColumn: o.keyColumn, filter: o.filter, after, watermarkFrom });
  }

  /** A NULL watermark or key cannot be polled: the row is named. Per row, so the names are worked out once. */
  private checkPosition(row: Row): void {
    const { wmName, keyName } = this.positionColumns;
    const watermark = row[wmName];
    const key = row[keyName];
    if (key === null || key === undefined) {
      throw new Error(`Table '${this.options.table}': a row has no value in the key column '${keyName}' (watermark ${JSON.stringify(watermark ?? null)}); every polled row needs a key.`);
    }
    if (watermark === null || watermark === undefined) {
      throw new Error(`Table '${this.options.table}': the row with ${keyName} = ${JSON.stringify(String(key))} has no value in the watermark column '${wmName}'; rows with a NULL watermark cannot be polled incrementally.`);
    }
  }

  /** The position of a raw driver row. */
  private positionOf(row: Row): KeysetCursor {
    this.checkPosition(row);
    const { wmName, keyName } = this.positionColumns;
    const text = (v: unknown): string | number => (typeof v === 'number' ? v : typeof v === 'bigint' ? v.toString() : v instanceof Date ? v.toISOString() : String(v));
    return { watermark: text(row[wmName]), key: text(row[keyName]) };
  }

  /** "First run from now": the table's latest position; nothing before it is delivered. */
  private async latestPosition(): Promise<KeysetCursor | undefined> {
    const { db, table, watermarkColumn, keyColumn } = this.options;
    const wm = quoteColumn(db.dialect, watermarkColumn);
    const key = quoteColumn(db.dialect, keyColumn);
    const from = `FROM ${quoteTable(db.dialect, table)} WHERE ${wm} IS NOT NULL AND ${key} IS NOT NULL ORDER BY ${wm} DESC, ${key} DESC`;
    const sql = db.dialect === 'mssql' ? `SELECT TOP 1 ${wm}, ${key} ${from}` : `SELECT ${wm}, ${key} ${from} LIMIT 1`;
    const rows = await db.query(sql);
    return rows.length ? this.positionOf(rows[0]) : undefined;
  }

  private async run(emit: PageHandler): Promise<PollResult> {
    if (this.stopped) throw new Error(`The poll of '${this.options.table}' was stopped (its node is closing).`);
    this.aborting = false;
    await this.load();
    const o = this.options;
    const result: PollResult = { pages: 0, rows: 0, dropped: 0, cursor: undefined, pending: 0, expired: 0 };
    result.expired = this.expireOverdue();
    const first = o.firstRunFrom ?? { kind: 'beginning' };
    if (!this.committed.started && this.committed.cursor === undefined && first.kind === 'now') {
      const latest = await this.latestPosition();
      await this.committed.commit(latest ? { cursor: latest, delivered: [] } : undefined);
      this.emittedCursor = this.committed.cursor;
      return { ...result, cursor: this.committed.cursor };
    }
    // Ack mode continues after the pages already emitted here; a restarted poller after the committed ones.
    const start = this.commitMode === 'ack' ? this.emittedCursor : this.committed.cursor;
    const fromValue = first.kind === 'value' && start === undefined ? first.value : undefined;
    const lookingBack = this.lookBack > 0 && start !== undefined;
    const lowerBound = lookingBack ? lookBackFrom(start, this.lookBack) : fromValue;
    if (lookingBack) this.deliveredWindow().prune(lowerBound as string);
    const { sql, bindings } = this.statement(lookingBack ? undefined : start, lowerBound);
    const toFlow = flowRowConverter({ timeZone: o.db.timeZone, columnKinds: await this.columnKinds(), ...o.values } satisfies FlowValueOptions);

    let rows: Record<string, unknown>[] = [];
    let delivered: PendingPage['delivered'] = [];
    let pageEnd = start;
    const flush = async (): Promise<boolean> => {
      const page: PendingPage = { id: `${o.stateKey}:${this.instance}:${++this.pageSeq}`, cursor: pageEnd as KeysetCursor, delivered, acked: false, emittedAt: Date.now() };
      const out: PolledPage = { id: page.id, rows, cursor: page.cursor };
      rows = [];
      delivered = [];
      result.pages += 1;
      result.rows += out.rows.length;
      if (this.commitMode === 'emit') {
        await emit(out);
        await this.committed.commit(page);
      } else {
        // Registered before emit: a flow may ack synchronously from inside emit.
        this.pending.push(page);
        try {
          await emit(out);
        } catch (err) {
          this.pending = this.pending.filter((p) => p !== page);
          throw err;
        }
        this.emittedCursor = laterOf(this.emittedCursor, page.cursor);
        if (this.lookBack > 0) for (const [key, wm] of page.delivered) this.emittedWindow.add(key, wm);
        // Bounded memory: stop reading the stream while too many pages wait for their acks.
        while (this.pending.length >= this.maxInFlight && !this.aborting) {
          if (!(await this.capacityOrTimeout())) {
            // The oldest page was never acknowledged: this poll ends, the next one reads again from the committed position.
            result.expired += this.expireOverdue();
            return false;
          }
        }
      }
      return !this.aborting;
    };

    // Only a look-back needs each row's position (to drop versions already delivered); otherwise a page ends
    // where its last row is, rows coming in (watermark, key) order.
    const remember = this.lookBack > 0;
    let last: Row | undefined;
    const batches = o.db.streamBatches(sql, bindings, { batchSize: o.fetchSize ?? o.pageSize });
    reading: for await (const batch of batches) {
      for (const raw of batch) {
        this.checkPosition(raw);
        if (remember) {
          const position = this.positionOf(raw);
          if (lookingBack && this.deliveredWindow().has(position.key, position.watermark)) {
            result.dropped += 1;
            continue;
          }
          delivered.push([position.key, position.watermark]);
        }
        rows.push(toFlow(raw));
        last = raw;
        if (rows.length >= o.pageSize) {
          pageEnd = laterOf(pageEnd, this.positionOf(last));
          if (!(await flush())) break reading;
        }
      }
    }
    if (rows.length > 0 && last) pageEnd = laterOf(pageEnd, this.positionOf(last));
    if (rows.length > 0 && !this.aborting) await flush();
    if (!this.committed.started) await this.committed.commit(undefined);
    return { ...result, cursor: this.committed.cursor, pending: this.pending.length };
  }
}
