// Trace query latency at 1,000,000 stored records in the SQLite trace store (the bridge store's file): the answer
// for a unit of an order with 20 operations and 5,000 records (1,000 job reports, 4,000 inspections; 200 orders
// of 5,000 records each, inserted interleaved in time as a plant makes them, so one order's rows are spread over
// the whole table). Side by side with the baseline on the same file: the same three reads by hand-written raw
// better-sqlite3 statements, assembled by the same answer builder (checked equal once), and the floor: those
// reads with JSON.parse of every row and nothing else. p50/p99 over 500 queries per path, the paths taking turns.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { buildTraceAnswer, inspectionRecord, orderPlan, reportRecord, SqliteTraceStore, storedBody, type OrderPlan, type TraceRecord } from '../../nodes/lib/trace';
import type { WorkOrder } from '../../nodes/lib/plan-sync/work-order';
import { tempDir } from '../support/temp';
import { fmt } from './stats';

const TOTAL = 1_000_000;
const PER_ORDER = 5000;
const ORDERS = TOTAL / PER_ORDER;
const OPERATIONS = 20;
/** Per operation: 50 job reports (a batch code) and 200 unit inspections. */
const REPORTS_PER_OP = 50;
const INSPECTIONS_PER_OP = 200;
const QUERIES = 100;
const ROUNDS = 5;
const BOOK = 'trace';
const T0 = Date.parse('2026-11-01T00:00:00Z');

const orderNo = (o: number) => `MO-2026-${String(o).padStart(5, '0')}`;
const unit = (o: number, n: number) => `SN-${String(o).padStart(5, '0')}-${String(n).padStart(4, '0')}`;
const op = (i: number) => String((i + 1) * 10).padStart(4, '0');

function workOrder(o: number): WorkOrder {
  return {
    workOrderNo: orderNo(o),
    source: { system: 'erp', orderNo: orderNo(o), revision: 1, updatedAt: '2026-11-01T00:00:00Z' },
    status: 'released',
    materialCode: 'FG-CATH-16F',
    productName: '导尿管 16Fr',
    plannedQty: 5000,
    unit: 'PCS',
    dueDate: '2026-12-20T09:00:00Z',
    priority: 3,
    site: '1010',
    operations: Array.from({ length: OPERATIONS }, (_, i) => ({ sequence: op(i), operationCode: `OP-${i}`, equipmentCode: `EQ-${i % 7}`, plannedStart: '2026-11-01T00:00:00Z', plannedEnd: '2026-11-02T00:00:00Z', stdSecondsPerUnit: 10 })),
    materials: [],
  };
}

/** Record k (0 … PER_ORDER-1) of order o, at the plant's time t. */
function record(o: number, k: number, t: number): TraceRecord {
  const perOp = REPORTS_PER_OP + INSPECTIONS_PER_OP;
  const i = Math.floor(k / perOp);
  const j = k % perOp;
  const timestamp = new Date(T0 + t * 1000).toISOString();
  if (j < REPORTS_PER_OP) {
    return reportRecord({
      eventId: `E-${o}-${k}`,
      orderNo: orderNo(o),
      opNo: op(i),
      goodQty: 10,
      scrapQty: j % 9 === 0 ? 1 : 0,
      status: j === REPORTS_PER_OP - 1 ? 'completed' : 'running',
      operator: `OP-${100 + (j % 6)}`,
      equipment: `EQ-${i % 7}`,
      timestamp,
      traceCode: `LOT-${o}`,
    });
  }
  const n = j - REPORTS_PER_OP + 1;
  return inspectionRecord({
    recordId: `Q-${o}-${k}`,
    orderNo: orderNo(o),
    opNo: op(i),
    traceCode: unit(o, n),
    result: n % 37 === 0 ? 'fail' : 'pass',
    ...(n % 37 === 0 && { defectCode: 'D-LEAK' }),
    inspector: `QC-${n % 4}`,
    gaugeId: `GA-${i}-${n % 3}`,
    timestamp,
  });
}

/** 1,000,000 records in one transaction with the prepared statement the store uses: orders interleaved in time. */
function seed(db: Database.Database): number {
  const started = performance.now();
  // A page cache that holds the indexes while they grow (random inserts: the orders interleave); back to the
  // default for the queries.
  const cache = db.pragma('cache_size', { simple: true }) as number;
  db.pragma('cache_size = -262144');
  const insert = db.prepare('INSERT INTO trace_record (book, kind, id, order_no, op_no, trace_code, at_ms, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (book, kind, id) DO NOTHING');
  const plan = db.prepare('INSERT INTO trace_plan (book, order_no, revision, body) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (let o = 0; o < ORDERS; o++) {
      const p = orderPlan(workOrder(o));
      plan.run(BOOK, p.orderNo, p.revision, JSON.stringify(p));
    }
    let t = 0;
    for (let k = 0; k < PER_ORDER; k++) {
      for (let o = 0; o < ORDERS; o++) {
        const r = record(o, k, t++);
        insert.run(BOOK, r.kind, r.id, r.orderNo, r.opNo ?? null, r.traceCode ?? null, r.atMs, JSON.stringify(r.body));
      }
    }
  })();
  db.pragma(`cache_size = ${cache}`);
  db.pragma('optimize');
  return performance.now() - started;
}

/** The baseline: the same reads by hand, prepared once. */
function rawReads(db: Database.Database) {
  const orders = db.prepare<[string, string], { order_no: string }>('SELECT order_no FROM trace_record WHERE book = ? AND trace_code = ? GROUP BY order_no ORDER BY MAX(at_ms) DESC');
  const plan = db.prepare<[string, string], { body: string }>('SELECT body FROM trace_plan WHERE book = ? AND order_no = ?');
  const rows = db.prepare<[string, string, number], { kind: string; op_no: string | null; body: string }>('SELECT kind, op_no, body FROM trace_record WHERE book = ? AND order_no = ? ORDER BY at_ms, kind, id LIMIT ?');
  return (code: string) => {
    const found = orders.all(BOOK, code).map((r) => r.order_no);
    const planRow = plan.get(BOOK, found[0]);
    return { found, plan: planRow ? (JSON.parse(planRow.body) as OrderPlan) : undefined, rows: rows.all(BOOK, found[0], 20_001) };
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

type Query = (code: string) => unknown;

/** Every path answers the same codes, taking turns query by query, so the machine's noise falls on all alike. */
function latencies(paths: Query[]): Array<{ p50: number; p99: number }> {
  const times: number[][] = paths.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (let q = 0; q < QUERIES; q++) {
      // A different order and unit each time, so no query finds its pages warmer than a plant's would be.
      const code = unit((q * 37 + round * 11) % ORDERS, 1 + ((q * 13) % INSPECTIONS_PER_OP));
      paths.forEach((query, i) => {
        const started = performance.now();
        query(code);
        times[i].push(performance.now() - started);
      });
    }
  }
  return times.map((t) => {
    t.sort((a, b) => a - b);
    return { p50: percentile(t, 50), p99: percentile(t, 99) };
  });
}

export async function benchTrace(): Promise<Array<Record<string, string>>> {
  const dir = tempDir('bench-trace-');
  const file = join(dir.path, 'bridge-store.sqlite');
  const store = new SqliteTraceStore(file, BOOK);
  try {
    const seedMs = seed(store.db);
    const count = (store.db.prepare('SELECT COUNT(*) AS n FROM trace_record').get() as { n: number }).n;
    assert.equal(count, TOTAL);
    const reads = rawReads(store.db);
    const baseline = (code: string) => {
      const r = reads(code);
      return buildTraceAnswer({ code, orderNo: r.found[0], plan: r.plan, records: r.rows.map((row) => storedBody(row.kind, row.op_no, row.body)), alsoInOrders: r.found.slice(1) });
    };
    const floor = (code: string) => reads(code).rows.map((row) => JSON.parse(row.body) as unknown);
    // The same answer both ways, and the shape asked for: 20 operations, 5,000 records.
    const probe = unit(7, 42);
    const ours = await store.trace(probe);
    assert.deepEqual(ours, baseline(probe));
    assert.equal(ours?.operations.length, OPERATIONS);
    assert.equal(
      ours?.operations.reduce((n, o) => n + o.reports.length + o.inspections.length, 0),
      PER_ORDER,
    );
    // SqliteTraceStore.trace() does all its work before it returns (better-sqlite3 is synchronous, no await inside),
    // so timing the call times the answer.
    let last: unknown;
    const viaStore: Query = (code) => void store.trace(code).then((a) => (last = a));
    latencies([viaStore, baseline, floor]); // warm-up round
    const [a, b, c] = latencies([viaStore, baseline, floor]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(last, 'the store answered');
    const oursP50 = a.p50;
    const oursP99 = a.p99;
    const mb = statSync(file).size / 1e6;
    return [
      { measure: `trace: seed ${fmt(TOTAL)} records in one transaction (ms; file ${fmt(mb)} MB)`, ours: fmt(seedMs), baseline: '—', ratio: '—' },
      {
        measure: `trace: answer for a unit, order of ${OPERATIONS} ops / ${fmt(PER_ORDER)} records, ${fmt(TOTAL)} stored (p50 ms)`,
        ours: fmt(oursP50, 1),
        baseline: `${fmt(b.p50, 1)} (raw better-sqlite3 + same builder)`,
        ratio: fmt(b.p50 / oursP50, 2),
      },
      { measure: 'trace: the same (p99 ms)', ours: fmt(oursP99, 1), baseline: `${fmt(b.p99, 1)} (raw better-sqlite3 + same builder)`, ratio: fmt(b.p99 / oursP99, 2) },
      { measure: 'trace: the reads alone, rows JSON-parsed (p50 ms; the floor)', ours: fmt(oursP50, 1), baseline: `${fmt(c.p50, 1)} (raw reads + JSON.parse)`, ratio: fmt(c.p50 / oursP50, 2) },
    ];
  } finally {
    await store.close();
    dir.remove();
  }
}
