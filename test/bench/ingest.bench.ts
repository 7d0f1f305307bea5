// The MES ingest path as a MES calls it: the real demo server (`node --max-semi-space-size=64 dist/server/main.js
// --demo`, as `npm start` runs it) in a process of its own, simulated MES reports and live ERP changes off, loaded
// over HTTP by autocannon (16 connections). Ours: POST /mes/progress-reports of the shipped demo flow with the
// demo MES's Basic auth, 1 and 10 valid job reports a request (unique event ids, orders and operations the demo
// holds). The baseline: a minimal `http in → http response` flow deployed on a tab of its own on the same server,
// behind the same auth. Progress updates go to an ERP in a process of its own (the plant simulator, as in the
// progress-push bench), so the server's memory is the bridge's alone; it is drained now and then to count what
// arrived. Figures: requests/s and reports/s (sustained), p50/p99, p99 at a paced 500 requests/s, the server's RSS
// over a soak at that pace, and the reports accepted (202), delivered to the ERP, lost and duplicated.
// INGEST_BENCH_ROUNDS (default 3), INGEST_BENCH_SECONDS (default 10) per run, INGEST_SOAK_SECONDS (default 60; 600
// for the 10-minute soak), INGEST_CPU_PROF=<dir> writes the server's CPU profile there (node --cpu-prof) at exit.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DEMO_MES_WEBHOOK_PASSWORD, DEMO_MES_WEBHOOK_USER } from '../../server/demo';
import { basic, login } from '../support/server-kit';
import { startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually } from '../support/temp';
import { startRemoteErp, type RemoteErp } from './progress-push-erp';
import { fmt, median } from './stats';

const CONNECTIONS = 16;
const PACED_RATE = 500;
const ROUNDS = Number(process.env.INGEST_BENCH_ROUNDS) || 3;
const SECONDS = Number(process.env.INGEST_BENCH_SECONDS) || 10;
const SOAK_SECONDS = Number(process.env.INGEST_SOAK_SECONDS) || 60;
const WARM_UP_SECONDS = 3;
const ADMIN_PASSWORD = 'ingest-bench-pass';
const CEILING_PATH = '/bench/ingest-ceiling';

type Row = Record<string, string>;

/** Notes printed after the table: the counts, the RSS, runs that did not go as asked. */
export const ingestNotes: string[] = [];

// autocannon ships no types: the little of its API used here.
interface CannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}
interface CannonOptions {
  url: string;
  connections: number;
  duration: number;
  overallRate?: number;
  requests: Array<CannonRequest & { setupRequest?(req: CannonRequest, context: Record<string, unknown>): CannonRequest; onResponse?(status: number, body: string, context: Record<string, unknown>): void }>;
}
interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
const autocannon = require('autocannon') as (options: CannonOptions) => Promise<CannonResult>;

interface MesWorkOrder {
  workOrderNo: string;
  operations: Array<{ sequence: string; equipmentCode: string }>;
}

/** What went in and what came out of the shipped path over the whole bench. */
interface Ledger {
  /** Event keys (progress:order:event) the server answered 202 for. */
  accepted: Set<string>;
  refused: Map<number, number>;
  delivered: Set<string>;
  duplicated: number;
}

/** The server's resident memory (bytes), from /proc. */
function rssOf(pid: number): number {
  const line = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return line ? Number(line[1]) * 1024 : NaN;
}

const mb = (bytes: number) => fmt(bytes / 2 ** 20);

/** The server's CPU time so far (ms, user + system), from /proc: per request it depends much less on the machine's load than the rates do. */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  // utime and stime are fields 14 and 15 of the line (11 and 12 after the command), in clock ticks of 10 ms.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Job reports for the orders the demo holds, round robin over orders and their operations, each event id new. */
function reportMaker(orders: readonly MesWorkOrder[], run: string) {
  let n = 0;
  return (count: number) => {
    const reports = [];
    for (let i = 0; i < count; i++, n++) {
      const order = orders[n % orders.length];
      const op = order.operations[Math.floor(n / orders.length) % order.operations.length];
      reports.push({ eventId: `${run}-${n}`, orderNo: order.workOrderNo, opNo: op.sequence, goodQty: 1, scrapQty: 0, status: 'running', operator: 'OP-101', equipment: op.equipmentCode, timestamp: new Date().toISOString() });
    }
    return reports;
  };
}

async function deployCeiling(server: ServerProcess, token: string): Promise<void> {
  const id = () => randomBytes(8).toString('hex');
  const [inId, outId] = [id(), id()];
  const res = await fetch(`${server.url}/flow`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    // POST /flow adds one tab and starts only it: the demo's tabs keep running.
    body: JSON.stringify({
      label: 'bench: minimal http in → http response',
      nodes: [
        { id: inId, type: 'http in', name: '', url: CEILING_PATH, method: 'post', upload: false, swaggerDoc: '', x: 150, y: 80, wires: [[outId]] },
        { id: outId, type: 'http response', name: '', statusCode: '202', headers: {}, x: 400, y: 80, wires: [] },
      ],
    }),
  });
  if (res.status !== 200) throw new Error(`deploying the minimal flow answered HTTP ${res.status}: ${await res.text()}`);
}

interface Load {
  path: string;
  reportsPerRequest: number;
  seconds: number;
  rate?: number;
  /** Keys of the reports answered 202 go here (ours only). */
  ledger?: Ledger;
}

/** A run's figures, and the server's CPU time per request answered meanwhile (µs). */
async function load(server: ServerProcess, make: (count: number) => Array<{ orderNo: string; eventId: string }>, l: Load): Promise<CannonResult & { cpuUs: number }> {
  const authorization = basic(DEMO_MES_WEBHOOK_USER, DEMO_MES_WEBHOOK_PASSWORD);
  const cpuBefore = cpuMsOf(server.pid);
  const result = await autocannon({
    url: server.url,
    connections: CONNECTIONS,
    duration: l.seconds,
    ...(l.rate ? { overallRate: l.rate } : {}),
    requests: [
      {
        method: 'POST',
        path: l.path,
        headers: { 'content-type': 'application/json', authorization },
        // One request in flight per connection (no pipelining): the context holds the keys of the one sent last.
        setupRequest(req, context) {
          const reports = make(l.reportsPerRequest);
          context.keys = reports.map((r) => `progress:${r.orderNo}:${r.eventId}`);
          return { ...req, body: JSON.stringify(reports) };
        },
        onResponse(status, _body, context) {
          if (!l.ledger) return;
          if (status === 202) for (const key of context.keys as string[]) l.ledger.accepted.add(key);
          else l.ledger.refused.set(status, (l.ledger.refused.get(status) ?? 0) + 1);
        },
      },
    ],
  });
  return { ...result, cpuUs: ((cpuMsOf(server.pid) - cpuBefore) * 1000) / Math.max(1, result.requests.total) };
}

/** Moves what the ERP received since the last drain into the ledger. */
async function drainErp(erp: RemoteErp, ledger: Ledger): Promise<void> {
  const { keys, duplicates } = await erp.drain();
  ledger.duplicated += duplicates;
  for (const key of keys) {
    if (ledger.delivered.has(key)) ledger.duplicated += 1;
    else ledger.delivered.add(key);
  }
}

interface Figures {
  rps: number[];
  p50: number[];
  p99: number[];
  cpuUs: number[];
}
const figures = (): Figures => ({ rps: [], p50: [], p99: [], cpuUs: [] });
const record = (f: Figures, r: CannonResult & { cpuUs: number }) => {
  f.rps.push(r.requests.average);
  f.cpuUs.push(r.cpuUs);
  f.p50.push(r.latency.p50);
  f.p99.push(r.latency.p99);
};

export async function benchIngest(): Promise<Row[]> {
  const erp = await startRemoteErp(20);
  const profileDir = process.env.INGEST_CPU_PROF;
  const server = await startServerProcess({
    env: { ADMIN_PASSWORD, SIM_MES_REPORTS_MS: '0', SIM_LIVE_CHANGES_MS: '0', ERP_FEEDBACK_URL: erp.erpUrl, LOG_LEVEL: 'info' },
    nodeArgs: ['--max-semi-space-size=64', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])],
  });
  const ledger: Ledger = { accepted: new Set(), refused: new Map(), delivered: new Set(), duplicated: 0 };
  const ceiling = figures();
  const one = figures();
  const ten = figures();
  const pacedCeiling = figures();
  const paced = figures();
  const rss: Array<[seconds: number, bytes: number]> = [];
  try {
    const token = await login(server.url, 'admin', ADMIN_PASSWORD);
    await deployCeiling(server, token);
    const orders = await eventually(
      async () => {
        const items = ((await (await fetch(`${server.simUrl}/mes/api/work-orders`, { headers: { authorization: 'Bearer demo-mes-token' } })).json()) as { items: MesWorkOrder[] }).items;
        return items.length >= 20 ? items : undefined;
      },
      'the work orders at the MES',
      60_000,
    );
    // One report per order first, each delivered: progress-push holds every order's plan before the load starts.
    const make = reportMaker(orders, `warm-${randomBytes(3).toString('hex')}`);
    const first = make(orders.length);
    const answer = await fetch(`${server.url}/mes/progress-reports`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic(DEMO_MES_WEBHOOK_USER, DEMO_MES_WEBHOOK_PASSWORD) }, body: JSON.stringify(first) });
    if (answer.status !== 202) throw new Error(`the demo flow answered the first reports with HTTP ${answer.status}: ${await answer.text()}`);
    for (const r of first) ledger.accepted.add(`progress:${r.orderNo}:${r.eventId}`);
    await eventually(
      async () => {
        await drainErp(erp, ledger);
        return first.every((r) => ledger.delivered.has(`progress:${r.orderNo}:${r.eventId}`)) || undefined;
      },
      'the first report of every order at the ERP',
      60_000,
    );
    const ours = { path: '/mes/progress-reports', ledger };
    await load(server, make, { ...ours, reportsPerRequest: 1, seconds: WARM_UP_SECONDS });
    await load(server, make, { path: CEILING_PATH, reportsPerRequest: 1, seconds: WARM_UP_SECONDS });
    for (let round = 0; round < ROUNDS; round++) {
      console.error(`ingest bench: round ${round + 1} of ${ROUNDS}`);
      // The minimal flow between ours, so drift on a noisy machine hits both alike.
      record(ceiling, await load(server, make, { path: CEILING_PATH, reportsPerRequest: 1, seconds: SECONDS }));
      record(one, await load(server, make, { ...ours, reportsPerRequest: 1, seconds: SECONDS }));
      record(ten, await load(server, make, { ...ours, reportsPerRequest: 10, seconds: SECONDS }));
      record(pacedCeiling, await load(server, make, { path: CEILING_PATH, reportsPerRequest: 1, seconds: SECONDS, rate: PACED_RATE }));
      record(paced, await load(server, make, { ...ours, reportsPerRequest: 1, seconds: SECONDS, rate: PACED_RATE }));
      await drainErp(erp, ledger);
    }
    // The soak: ours at the paced rate, the server's RSS read every second, the ERP drained every 10 s.
    console.error(`ingest bench: soak of ${SOAK_SECONDS} s at ${PACED_RATE} requests/s`);
    const started = performance.now();
    const sampler = setInterval(() => rss.push([(performance.now() - started) / 1000, rssOf(server.pid)]), 1000);
    const drainer = setInterval(() => void drainErp(erp, ledger).catch(() => undefined), 10_000);
    try {
      await load(server, make, { ...ours, reportsPerRequest: 1, seconds: SOAK_SECONDS, rate: PACED_RATE });
    } finally {
      clearInterval(sampler);
      clearInterval(drainer);
    }
    // Everything accepted reaches the ERP within a minute of the load, or counts as lost.
    await eventually(
      async () => {
        await drainErp(erp, ledger);
        return [...ledger.accepted].every((key) => ledger.delivered.has(key)) || undefined;
      },
      'every accepted report at the ERP',
      60_000,
    ).catch(() => undefined);
  } finally {
    await server.stop();
    await erp.close();
  }
  const lost = [...ledger.accepted].filter((key) => !ledger.delivered.has(key)).length;
  const unasked = [...ledger.delivered].filter((key) => !ledger.accepted.has(key)).length;
  const refused = [...ledger.refused].map(([status, n]) => `${fmt(n)} × HTTP ${status}`).join(', ') || 'none';
  ingestNotes.push(
    `Ingest path, reports over the whole bench: ${fmt(ledger.accepted.size)} accepted (202), ${fmt(ledger.delivered.size)} delivered to the simulated ERP, ${fmt(lost)} lost, ${fmt(ledger.duplicated)} duplicated, ${fmt(unasked)} delivered without a 202 (in flight when a run's time was up: autocannon does not wait for their answers); requests refused: ${refused}.`,
  );
  const at = (s: number) => rss.find(([t]) => t >= s)?.[1] ?? rss[rss.length - 1]?.[1] ?? NaN;
  const end = rss[rss.length - 1]?.[1] ?? NaN;
  const minute = Math.min(60, SOAK_SECONDS / 2);
  // Ten marks over the soak show the shape: a level, a climb, a saw tooth of the garbage collector.
  const marks = Array.from({ length: 10 }, (_, i) => Math.round(((i + 1) * SOAK_SECONDS) / 10)).map((t) => `${mb(at(t))} MB at ${fmt(t)} s`);
  ingestNotes.push(
    `Server RSS over the ${fmt(SOAK_SECONDS)} s soak at ${PACED_RATE} requests/s: ${mb(rss[0]?.[1] ?? NaN)} MB at start, ${mb(at(minute))} MB at ${fmt(minute)} s, ${mb(Math.max(...rss.map(([, b]) => b)))} MB at most, ${mb(end)} MB at the end (${marks.join(', ')}).`,
  );
  const m = (f: Figures) => ({ rps: median(f.rps), p50: median(f.p50), p99: median(f.p99), cpuUs: median(f.cpuUs) });
  const [c, o1, o10, pc, p] = [m(ceiling), m(one), m(ten), m(pacedCeiling), m(paced)];
  const base = `${fmt(c.rps)} (minimal http in → http response, same auth)`;
  return [
    { measure: `ingest: POST /mes/progress-reports, 1 report a request, ${CONNECTIONS} connections (requests/s; goal ≥ 0.5× minimal)`, ours: fmt(o1.rps), baseline: base, ratio: fmt(o1.rps / c.rps, 2) },
    { measure: 'ingest: same, p50 / p99 (ms)', ours: `${fmt(o1.p50, 1)} / ${fmt(o1.p99, 1)}`, baseline: `${fmt(c.p50, 1)} / ${fmt(c.p99, 1)}`, ratio: fmt(o1.p99 / c.p99, 2) },
    { measure: 'ingest: same, CPU time of the server per request (µs)', ours: fmt(o1.cpuUs), baseline: fmt(c.cpuUs), ratio: fmt(o1.cpuUs / c.cpuUs, 2) },
    { measure: `ingest: 10 reports a request, ${CONNECTIONS} connections (requests/s)`, ours: fmt(o10.rps), baseline: base, ratio: fmt(o10.rps / c.rps, 2) },
    { measure: 'ingest: same, reports/s and p99 (ms)', ours: `${fmt(o10.rps * 10)} / ${fmt(o10.p99, 1)}`, baseline: `— / ${fmt(c.p99, 1)}`, ratio: fmt(o10.p99 / c.p99, 2) },
    { measure: 'ingest: same, CPU time of the server per request of 10 (µs)', ours: fmt(o10.cpuUs), baseline: fmt(c.cpuUs), ratio: fmt(o10.cpuUs / c.cpuUs, 2) },
    { measure: `ingest: paced ${PACED_RATE} requests/s, 1 report a request, p99 (ms; goal < 100)`, ours: fmt(p.p99, 1), baseline: `${fmt(pc.p99, 1)} (minimal flow at the same pace)`, ratio: fmt(p.p99 / pc.p99, 2) },
  ];
}
