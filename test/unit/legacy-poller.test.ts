// The table poller against real SQLite files: pages and cursors, ties across page boundaries, updates,
// late-committed rows with and without look-back, ack mode (restart, out-of-order acks, bounded pages in
// flight), NULL keys, decimals, Chinese and 4-byte UTF-8.
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type LegacyDb, LegacyDbError, openLegacyDb } from '../../nodes/lib/legacy-db/connection';
import { type PolledPage, TablePoller, type TablePollerOptions } from '../../nodes/lib/legacy-db/poller';
import { SqliteStore } from '../../nodes/lib/stores/sqlite-store';
import { tempDir } from '../support/temp';

interface Env {
  dir: ReturnType<typeof tempDir>;
  erp: Database.Database;
  db: LegacyDb;
  store: SqliteStore;
  storeFile: string;
}

let env: Env;

const ts = (minute: number, micros = 0) => `2026-11-20 08:${String(minute).padStart(2, '0')}:00.${String(micros).padStart(6, '0')}`;

function insert(orderNo: string, modified: string, extra: { qty?: string | null; note?: string | null } = {}): void {
  env.erp.prepare('INSERT INTO prd_order (order_no, modified, qty, note) VALUES (?, ?, ?, ?)').run(orderNo, modified, extra.qty ?? '1.000', extra.note ?? null);
}

function poller(overrides: Partial<TablePollerOptions> = {}): TablePoller {
  return new TablePoller({ db: env.db, store: env.store, stateKey: 'poll-1', table: 'prd_order', watermarkColumn: 'modified', keyColumn: 'order_no', pageSize: 4, ...overrides });
}

/** Runs one poll and returns its pages and result. */
async function pollAll(p: TablePoller): Promise<{ pages: PolledPage[]; result: Awaited<ReturnType<TablePoller['poll']>> }> {
  const pages: PolledPage[] = [];
  const result = await p.poll((page) => {
    pages.push(page);
  });
  return { pages, result };
}

const keysOf = (pages: PolledPage[]) => pages.flatMap((p) => p.rows.map((r) => String(r.order_no)));

describe('TablePoller on SQLite', () => {
  beforeEach(() => {
    const dir = tempDir('legacy-poller-');
    const file = join(dir.path, 'erp.db');
    const erp = new Database(file);
    erp.exec('CREATE TABLE prd_order (order_no TEXT, modified TEXT, qty TEXT, note TEXT)');
    const storeFile = join(dir.path, 'bridge.db');
    env = { dir, erp, db: openLegacyDb({ name: 'ERP', client: 'sqlite', database: file }), store: new SqliteStore(storeFile), storeFile };
  });

  afterEach(async () => {
    await env.db.close();
    await env.store.close();
    env.erp.close();
    env.dir.remove();
  });

  it('pages the first poll by page size, commits the last row as cursor, and finds nothing new on the next poll', async () => {
    for (let i = 1; i <= 10; i++) insert(`PO-${String(i).padStart(2, '0')}`, ts(i));
    const p = poller();
    const { pages, result } = await pollAll(p);
    assert.deepEqual(
      pages.map((pg) => pg.rows.length),
      [4, 4, 2],
    );
    assert.deepEqual(
      keysOf(pages),
      Array.from({ length: 10 }, (_, i) => `PO-${String(i + 1).padStart(2, '0')}`),
    );
    assert.deepEqual(pages[0].cursor, { watermark: ts(4), key: 'PO-04' });
    assert.deepEqual(result, { pages: 3, rows: 10, dropped: 0, cursor: { watermark: ts(10), key: 'PO-10' }, pending: 0, expired: 0 });
    assert.deepEqual(await p.cursor(), { watermark: ts(10), key: 'PO-10' });
    // The datetime text becomes an ISO instant for the flow (Asia/Shanghai wall clock), the cursor keeps the raw text.
    assert.equal(pages[0].rows[0].modified, '2026-11-20T00:01:00.000000Z');
    const again = await pollAll(p);
    assert.equal(again.pages.length, 0);
    assert.equal(again.result.rows, 0);
  });

  it('delivers 23 rows sharing one watermark across page boundaries each once, also when a poll fails half-way', async () => {
    insert('A-00', ts(1));
    for (let i = 1; i <= 23; i++) insert(`B-${String(i).padStart(2, '0')}`, ts(5, 123456));
    insert('C-00', ts(9));
    const p = poller({ pageSize: 5 });
    const seen: string[] = [];
    let calls = 0;
    await assert.rejects(
      p.poll((page) => {
        calls += 1;
        if (calls === 3) throw new Error('flow failed on page 3');
        seen.push(...page.rows.map((r) => String(r.order_no)));
      }),
      /flow failed on page 3/,
    );
    // Pages 1 and 2 were committed; page 3 was not, so it comes again on the next poll.
    assert.deepEqual(await p.cursor(), { watermark: ts(5, 123456), key: 'B-09' });
    const { pages } = await pollAll(p);
    seen.push(...keysOf(pages));
    const expected = ['A-00', ...Array.from({ length: 23 }, (_, i) => `B-${String(i + 1).padStart(2, '0')}`), 'C-00'];
    assert.deepEqual(seen, expected);
  });

  it('delivers a row updated between two polls again, once', async () => {
    insert('PO-1', ts(1));
    insert('PO-2', ts(2));
    const p = poller();
    assert.deepEqual(keysOf((await pollAll(p)).pages), ['PO-1', 'PO-2']);
    env.erp.prepare("UPDATE prd_order SET modified = ?, note = '改期' WHERE order_no = 'PO-1'").run(ts(3));
    const second = await pollAll(p);
    assert.deepEqual(keysOf(second.pages), ['PO-1']);
    assert.equal(second.pages[0].rows[0].note, '改期');
    assert.equal((await pollAll(p)).result.rows, 0);
  });

  it('without look-back does not deliver a row committed late below the committed watermark (the documented keyset gap)', async () => {
    insert('PO-1', ts(1));
    insert('PO-3', ts(3));
    const p = poller();
    await pollAll(p);
    insert('PO-2', ts(2));
    const { result } = await pollAll(p);
    assert.equal(result.rows, 0);
    assert.deepEqual(result.cursor, { watermark: ts(3), key: 'PO-3' });
  });

  it('with look-back delivers a late row once, drops the re-read rows, and does not deliver it again after a restart', async () => {
    insert('PO-1', ts(1));
    insert('PO-3', ts(3));
    const p = poller({ lookBackMinutes: 30 });
    assert.deepEqual(keysOf((await pollAll(p)).pages), ['PO-1', 'PO-3']);
    insert('PO-2', ts(2));
    insert('PO-4', ts(4));
    const second = await pollAll(p);
    assert.deepEqual(keysOf(second.pages), ['PO-2', 'PO-4']);
    assert.equal(second.result.dropped, 2);
    assert.deepEqual(second.result.cursor, { watermark: ts(4), key: 'PO-4' });
    const third = await pollAll(p);
    assert.equal(third.result.rows, 0);
    assert.equal(third.result.dropped, 4);
    // The delivered window is stored beside the cursor: a new poller on the same store drops them too.
    await env.store.close();
    env.store = new SqliteStore(env.storeFile);
    const restarted = await pollAll(poller({ lookBackMinutes: 30 }));
    assert.equal(restarted.result.rows, 0);
    assert.equal(restarted.result.dropped, 4);
  });

  it('in ack mode commits only acknowledged pages, in order, and re-delivers un-acked pages after a restart', async () => {
    for (let i = 1; i <= 6; i++) insert(`PO-${i}`, ts(i));
    const p = poller({ pageSize: 2, commit: 'ack' });
    const first = await pollAll(p);
    assert.deepEqual(
      first.pages.map((pg) => pg.rows.length),
      [2, 2, 2],
    );
    assert.equal(first.result.pending, 3);
    assert.equal(await p.cursor(), undefined);
    // Out of order: page 2's ack waits for page 1.
    assert.equal(await p.ack(first.pages[1].id), 'acked');
    assert.equal(await p.cursor(), undefined);
    assert.equal(await p.ack(first.pages[0].id), 'acked');
    assert.deepEqual(await p.cursor(), { watermark: ts(4), key: 'PO-4' });
    assert.equal(await p.ack(first.pages[0].id), 'unknown');
    assert.equal(await p.ack('poll-1:unknown:1'), 'unknown');
    // A poll in this process continues after the emitted pages: page 3 is not emitted twice.
    insert('PO-7', ts(7));
    assert.deepEqual(keysOf((await pollAll(p)).pages), ['PO-7']);
    // "Restart": the process dies with page 3 and PO-7 un-acked; a new poller on the reopened store gets them again.
    await env.store.close();
    env.store = new SqliteStore(env.storeFile);
    const restarted = poller({ pageSize: 2, commit: 'ack' });
    const again = await pollAll(restarted);
    assert.deepEqual(keysOf(again.pages), ['PO-5', 'PO-6', 'PO-7']);
    assert.equal(await restarted.ack(first.pages[2].id), 'unknown', 'a page id of the dead process is stale');
    for (const page of again.pages) assert.equal(await restarted.ack(page.id), 'acked');
    assert.deepEqual(await restarted.cursor(), { watermark: ts(7), key: 'PO-7' });
  });

  it('in ack mode pauses the stream while maxPagesInFlight pages wait for acks', async () => {
    for (let i = 1; i <= 10; i++) insert(`PO-${String(i).padStart(2, '0')}`, ts(i));
    const p = poller({ pageSize: 2, commit: 'ack', maxPagesInFlight: 2 });
    const pages: PolledPage[] = [];
    let acked = 0;
    const inFlightAtEmit: number[] = [];
    let notify: (() => void) | undefined;
    const emitted = (count: number) =>
      new Promise<void>((resolve) => {
        notify = () => pages.length >= count && resolve();
        notify();
      });
    const polling = p.poll((page) => {
      pages.push(page);
      inFlightAtEmit.push(pages.length - acked);
      notify?.();
    });
    const ack = async (page: PolledPage) => {
      acked += 1;
      return p.ack(page.id);
    };
    await emitted(2);
    // Give the event loop a turn: a stream that did not pause would emit page 3 now.
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(pages.length, 2);
    assert.equal(await ack(pages[1]), 'acked');
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(pages.length, 2, 'an out-of-order ack does not free a place: page 1 still waits');
    assert.equal(await ack(pages[0]), 'acked');
    await emitted(4);
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(pages.length, 4);
    await ack(pages[2]);
    await ack(pages[3]);
    await emitted(5);
    await ack(pages[4]);
    const result = await polling;
    assert.equal(result.pages, 5);
    assert.ok(
      inFlightAtEmit.every((n) => n <= 2),
      `pages waiting for ack when each was emitted: ${inFlightAtEmit.join(', ')}`,
    );
    assert.deepEqual(result.cursor, { watermark: ts(10), key: 'PO-10' });
  });

  it('in ack mode delivers again, from the committed position, pages whose ack did not come within the ack timeout', async () => {
    for (let i = 1; i <= 4; i++) insert(`PO-${i}`, ts(i));
    const expiredIds: string[] = [];
    const p = poller({ pageSize: 2, commit: 'ack', ackTimeoutMs: 30, onExpired: (ids) => expiredIds.push(...ids) });
    const first = await pollAll(p);
    assert.equal(await p.ack(first.pages[0].id), 'acked');
    // Page 2 is lost in the flow (say the MES call failed and nothing acked it).
    await new Promise((resolve) => setTimeout(resolve, 60));
    insert('PO-5', ts(5));
    const second = await pollAll(p);
    assert.equal(second.result.expired, 1);
    assert.deepEqual(expiredIds, [first.pages[1].id]);
    assert.deepEqual(keysOf(second.pages), ['PO-3', 'PO-4', 'PO-5'], 'the lost page comes again, once, followed by the new row');
    assert.equal(await p.ack(first.pages[1].id), 'expired', 'a late ack of the lost page is recognised, not committed');
    assert.deepEqual(await p.cursor(), { watermark: ts(2), key: 'PO-2' });
    for (const page of second.pages) assert.equal(await p.ack(page.id), 'acked');
    assert.deepEqual(await p.cursor(), { watermark: ts(5), key: 'PO-5' });
  });

  it('in ack mode ends a poll paused for acks when the oldest page is overdue, and the next poll starts again from the committed position', async () => {
    for (let i = 1; i <= 6; i++) insert(`PO-${i}`, ts(i));
    const p = poller({ pageSize: 2, commit: 'ack', maxPagesInFlight: 1, ackTimeoutMs: 30 });
    const first = await pollAll(p);
    assert.deepEqual(keysOf(first.pages), ['PO-1', 'PO-2'], 'the stream paused after one page and nothing acked it');
    assert.equal(first.result.expired, 1);
    assert.equal(first.result.pending, 0);
    const second = await p.poll(async (page) => {
      assert.equal(await p.ack(page.id), 'acked');
    });
    assert.equal(second.rows, 6, 'everything from the start, the expired page included');
    assert.deepEqual(second.cursor, { watermark: ts(6), key: 'PO-6' });
  });

  it('rejects a row with a NULL key or watermark naming the table, the column and the row, and keeps the cursor', async () => {
    insert('PO-1', ts(1));
    env.erp.prepare('INSERT INTO prd_order (order_no, modified) VALUES (NULL, ?)').run(ts(2));
    const p = poller({ pageSize: 1 });
    await assert.rejects(pollAll(p), { message: /^Table 'prd_order': a row has no value in the key column 'order_no' \(watermark "2026-11-20 08:02:00\.000000"\)/ });
    assert.deepEqual(await p.cursor(), { watermark: ts(1), key: 'PO-1' });
    env.erp.exec('DELETE FROM prd_order WHERE order_no IS NULL');
    env.erp.prepare('INSERT INTO prd_order (order_no, modified) VALUES (?, NULL)').run('PO-9');
    // SQLite sorts NULL first, so a fresh poller meets PO-9 before any other row.
    await assert.rejects(pollAll(poller({ stateKey: 'poll-2' })), { message: /^Table 'prd_order': the row with order_no = "PO-9" has no value in the watermark column 'modified'/ });
  });

  it('keeps decimals as text by default and gives numbers when asked', async () => {
    insert('PO-1', ts(1), { qty: '1234567890.123456789' });
    const asText = await pollAll(poller({ values: { columnKinds: { qty: 'decimal' } } }));
    assert.equal(asText.pages[0].rows[0].qty, '1234567890.123456789');
    const asNumber = await pollAll(poller({ stateKey: 'poll-2', values: { decimals: 'number', columnKinds: { qty: 'decimal' } } }));
    // eslint-disable-next-line no-loss-of-precision -- the double the driver's decimal becomes, written as it prints
    assert.equal(asNumber.pages[0].rows[0].qty, 1234567890.1234568);
  });

  it('carries Chinese text and 4-byte UTF-8 through rows and keys', async () => {
    insert('生产订单-𠮷-1', ts(1), { note: '工序 10：装配 😀 𩸽' });
    const p = poller();
    const { pages } = await pollAll(p);
    assert.equal(pages[0].rows[0].order_no, '生产订单-𠮷-1');
    assert.equal(pages[0].rows[0].note, '工序 10：装配 😀 𩸽');
    assert.deepEqual(await p.cursor(), { watermark: ts(1), key: '生产订单-𠮷-1' });
  });

  it('coalesces a poll called while one runs into it', async () => {
    for (let i = 1; i <= 3; i++) insert(`PO-${i}`, ts(i));
    const p = poller({ pageSize: 1 });
    let emits = 0;
    const a = p.poll(async () => {
      emits += 1;
    });
    const b = p.poll(() => assert.fail('the coalesced call does not emit'));
    assert.equal(a, b);
    assert.equal((await b).rows, 3);
    assert.equal(emits, 3);
  });

  it('starts after the latest row on "first run from now" and at a given value on "from value"', async () => {
    insert('PO-1', ts(1));
    insert('PO-2', ts(2));
    const fromNow = poller({ firstRunFrom: { kind: 'now' } });
    assert.equal((await pollAll(fromNow)).result.rows, 0);
    insert('PO-3', ts(3));
    assert.deepEqual(keysOf((await pollAll(fromNow)).pages), ['PO-3']);
    const fromValue = poller({ stateKey: 'poll-2', firstRunFrom: { kind: 'value', value: ts(2) } });
    assert.deepEqual(keysOf((await pollAll(fromValue)).pages), ['PO-2', 'PO-3']);
  });

  it('rejects the poll with a LegacyDbError when the table was renamed away, cursor untouched', async () => {
    insert('PO-1', ts(1));
    const p = poller();
    await pollAll(p);
    env.erp.exec('ALTER TABLE prd_order RENAME TO prd_order_old');
    const err = await p
      .poll(() => undefined)
      .then(
        () => assert.fail('expected the poll to fail'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof LegacyDbError);
    assert.equal(err.kind, 'sql');
    assert.match(err.message, /no such table: prd_order/);
    assert.deepEqual(await p.cursor(), { watermark: ts(1), key: 'PO-1' });
  });
});
