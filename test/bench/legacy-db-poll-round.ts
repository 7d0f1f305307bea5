// One measured round of the legacy-db-poll benchmark, in a process of its own so that its peak RSS is its
// own: `node dist/test/bench/legacy-db-poll-round.js <raw|node> '<json RoundInput>'` prints one JSON line
// (RoundResult). `raw` streams one SELECT through the bare mysql2 driver; `node` runs a poll of
// legacy-db-poll inside a Node-RED runtime, with the store file given (a fresh one reads from the beginning),
// and optionally, after a change in the table, the next poll.
import mysql from 'mysql2';
import type { LegacyDb } from '../../nodes/lib/legacy-db/connection';
import { knexConfig, resolveLegacyDb } from '../../nodes/lib/legacy-db/connection-config';
import type { LegacyDbNode } from '../../nodes/legacy-db/types';

export interface RoundInput {
  /** mysql://user@host:port/database of the benchmark's table. */
  url: string;
  table: string;
  watermarkColumn: string;
  keyColumn: string;
  /** raw: the statement to stream and its values. */
  sql?: string;
  bindings?: unknown[];
  /** node: the bridge-store file (its cursor decides where the poll starts) and the page size. */
  storeFile?: string;
  pageSize?: number;
  /** node: the rows the poll delivers; the clock stops when the page that completes them arrived. */
  expectRows?: number;
  /**
   * node: after that poll, the ERP changes rows (on a connection of its own) and the next poll is timed too,
   * in the same warm process, as a scheduled poll runs in a long-running flow.
   */
  thenChange?: { sql: string; bindings: unknown[]; affects: number; expectRows: number };
}

export interface PollFigures {
  rows: number;
  /** Until the page completing the expected rows arrived. */
  ms: number;
  /** node: until the node's status said the poll was done (last page committed). */
  doneMs?: number;
  /** CPU time (user + system) of this process while the clock ran. */
  cpuMs: number;
  /** node: the statements the poller streamed, as issued. */
  issued?: Array<{ sql: string; bindings: unknown[] }>;
  /** node: the keys of the rows that came out (the incremental poll only). */
  keys?: string[];
}

export interface RoundResult extends PollFigures {
  /** process.resourceUsage().maxRSS in MB, when the (first) poll was over. */
  peakRssMb: number;
  /** node, thenChange: the poll after the change. */
  next?: PollFigures;
}

/** The driver settings our legacy-db uses for MySQL/MariaDB, so both sides parse rows the same way. */
function driverSettings(url: string) {
  return knexConfig(resolveLegacyDb({ client: 'mysql', connectionString: url })).connection as mysql.ConnectionOptions;
}

async function rawRound(input: RoundInput): Promise<RoundResult> {
  if (!input.sql) throw new Error('The raw round needs the SELECT to stream (sql).');
  const connection = mysql.createConnection(driverSettings(input.url));
  await new Promise<void>((resolve, reject) => connection.connect((err) => (err ? reject(err) : resolve())));
  try {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const rows = await new Promise<number>((resolve, reject) => {
      let count = 0;
      connection
        .query({ sql: input.sql as string, values: input.bindings ?? [] })
        .on('result', () => {
          count += 1;
        })
        .on('error', reject)
        .on('end', () => resolve(count));
    });
    return { rows, ms: performance.now() - started, peakRssMb: process.resourceUsage().maxRSS / 1024, cpuMs: cpuMsSince(cpu) };
  } finally {
    await new Promise<void>((resolve) => connection.end(() => resolve()));
  }
}

type Status = { fill?: string; text?: string };

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** Runs one statement on a connection of its own (the ERP changing rows while the poller is idle). */
async function change(url: string, statement: NonNullable<RoundInput['thenChange']>): Promise<void> {
  const connection = mysql.createConnection(driverSettings(url));
  try {
    const header = await new Promise<mysql.ResultSetHeader>((resolve, reject) => connection.query<mysql.ResultSetHeader>({ sql: statement.sql, values: statement.bindings }, (err, result) => (err ? reject(err) : resolve(result))));
    if (header.affectedRows !== statement.affects) throw new Error(`The change touched ${header.affectedRows} rows, not ${statement.affects}.`);
  } finally {
    await new Promise<void>((resolve) => connection.end(() => resolve()));
  }
}

async function nodeRound(input: RoundInput): Promise<RoundResult> {
  if (!input.storeFile) throw new Error('The node round needs a bridge-store file (storeFile).');
  const expectRows = input.expectRows;
  if (expectRows === undefined) throw new Error('The node round needs the number of rows the poll delivers (expectRows).');
  // Loaded here, so that the raw round's process holds the driver and nothing of Node-RED.
  const { default: helper } = await import('node-red-node-test-helper');
  helper.init(require.resolve('node-red'));
  await helper.startServer();
  try {
    await helper.load(
      [require('../../nodes/legacy-db/legacy-db'), require('../../nodes/bridge-store/bridge-store'), require('../../nodes/legacy-db-poll/legacy-db-poll')],
      [
        { id: 'erp', type: 'legacy-db', name: 'bench ERP', client: 'mysql' },
        { id: 'store', type: 'bridge-store', file: input.storeFile },
        {
          id: 'poll',
          type: 'legacy-db-poll',
          db: 'erp',
          store: 'store',
          table: input.table,
          columns: '',
          watermarkColumn: input.watermarkColumn,
          keyColumn: input.keyColumn,
          filter: '',
          filterBindings: '[]',
          pageSize: input.pageSize ?? 5000,
          schedule: 'manual',
          lookBackMinutes: 0,
          firstRunFrom: 'beginning',
          commit: 'emit',
          output: 'page',
          decimals: 'string',
          wires: [['sink']],
        },
        { id: 'sink', type: 'helper' },
      ] as Array<Record<string, unknown>> as Parameters<typeof helper.load>[1],
      { erp: { connectionString: input.url } },
    );
    // The helper spies on every node's send() and keeps each call's arguments: a million rows would stay in
    // memory because of the harness. Production Node-RED has no such spies, so they go; a wired node copied
    // the spied send onto itself when it was created and gets Node-RED's own back from its prototype.
    (helper as unknown as { _sandbox: { restore(): void } })._sandbox.restore();
    delete (helper.getNode('poll') as { send?: unknown }).send;

    // Records what the poller streams, exactly as issued, and passes it on unchanged (row by row or in batches).
    const db = (helper.getNode('erp') as unknown as LegacyDbNode).db() as LegacyDb & Record<string, unknown>;
    let issued: NonNullable<PollFigures['issued']> = [];
    for (const method of ['stream', 'streamBatches']) {
      const original = db[method];
      if (typeof original !== 'function') continue;
      db[method] = (sql: string, bindings?: readonly unknown[], options?: unknown) => {
        issued.push({ sql, bindings: [...(bindings ?? [])] });
        return original(sql, bindings, options);
      };
    }

    const poll = helper.getNode('poll');
    let finish: (status: Status) => void = () => undefined;
    const setStatus = poll.status.bind(poll);
    poll.status = ((s: Status) => {
      if (s.fill === 'green' || s.fill === 'red' || s.fill === 'yellow') finish(s);
      return setStatus(s as Parameters<typeof setStatus>[0]);
    }) as typeof poll.status;
    let onPage: (rows: Array<Record<string, unknown>>) => void = () => undefined;
    helper.getNode('sink').on('input', (msg) => onPage((msg as unknown as { payload: Array<Record<string, unknown>> }).payload));

    /** Triggers one poll as an inject would and waits until it is done and its rows arrived. */
    const pollOnce = async (expect: number, collectKeys: boolean): Promise<PollFigures> => {
      const keys: string[] = [];
      let rows = 0;
      let lastPageAt = 0;
      let allArrived: () => void = () => undefined;
      const arrived = new Promise<void>((resolve) => (allArrived = resolve));
      onPage = (page) => {
        rows += page.length;
        if (collectKeys) for (const row of page) keys.push(String(row[input.keyColumn]));
        if (rows >= expect && !lastPageAt) {
          lastPageAt = performance.now();
          allArrived();
        }
      };
      issued = [];
      const finished = new Promise<Status>((resolve) => (finish = resolve));
      const cpu = process.cpuUsage();
      const started = performance.now();
      poll.receive({});
      // The status turns green once the last page was sent; Node-RED delivers it a moment later.
      const status = await finished;
      const doneAt = performance.now();
      const cpuMs = cpuMsSince(cpu);
      if (status.fill !== 'green') throw new Error(`The poll did not finish cleanly: status ${JSON.stringify(status)}.`);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`The poll finished but delivered ${rows} rows, expected ${expect}.`)), 10_000);
      });
      await Promise.race([arrived, late]).finally(() => clearTimeout(timer));
      // A page sent after the expected rows is queued behind them: give it a few turns to show up in the count.
      for (let turn = 0; turn < 10; turn++) await new Promise((resolve) => setImmediate(resolve));
      return { rows, ms: lastPageAt - started, doneMs: doneAt - started, cpuMs, issued, keys: collectKeys ? keys : undefined };
    };

    const first = await pollOnce(expectRows, false);
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    let next: PollFigures | undefined;
    if (input.thenChange) {
      await change(input.url, input.thenChange);
      next = await pollOnce(input.thenChange.expectRows, true);
    }
    return { ...first, peakRssMb, next };
  } finally {
    await helper.unload();
    await helper.stopServer();
  }
}

async function main(): Promise<void> {
  const [mode, json] = process.argv.slice(2);
  const input = JSON.parse(json ?? '{}') as RoundInput;
  if (mode !== 'raw' && mode !== 'node') throw new Error(`The round mode must be 'raw' or 'node' (got ${JSON.stringify(mode)}).`);
  const result = mode === 'raw' ? await rawRound(input) : await nodeRound(input);
  // Exit once the line is out: a pool socket still closing must not hold the benchmark up.
  process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
