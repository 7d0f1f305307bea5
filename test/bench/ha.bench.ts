// Several replicas on one Redis (issue 17): the real server outside demo mode, 1 then 3 replicas with the same
// flows on a redis-server of the bench's own, one plant simulator as ERP and MES. Figures:
// - ingest: POST /mes/progress-reports (one report a request, unique event ids) by autocannon for HA_BENCH_SECONDS
//   (default 10), 16 connections in all: against the one replica, then split over the three ports (round robin by
//   port: one autocannon per replica, connections shared out), medians of HA_BENCH_ROUNDS (default 3); the ratio
//   3 replicas / 1 is of the sums of requests/s;
// - failover: kill -9 of the holder of the order poller's lease, to another replica seen holding it in Redis
//   (polled every 10 ms), lease time HA_BENCH_LEASE_SEC (default 2); twice (3 → 2 → 1 replicas).
// The Redis writes an AOF with appendfsync always (HA_BENCH_FSYNC=everysec to compare).
import { readFileSync } from 'node:fs';
import { ownRedis } from '../integration/redis-fixture';
import { HA_MES_AUTH, startHaPlant } from '../support/ha-plant';
import type { ServerProcess } from '../support/server-process';
import { tempDir } from '../support/temp';
import { fmt, median } from './stats';

const ROUNDS = Number(process.env.HA_BENCH_ROUNDS) || 3;
const SECONDS = Number(process.env.HA_BENCH_SECONDS) || 10;
const LEASE_SEC = Number(process.env.HA_BENCH_LEASE_SEC) || 2;
const CONNECTIONS = 16;
/** The Redis's appendfsync (default always, as a plant that requires durable writes runs it; everysec to see what fsync costs). */
const FSYNC = process.env.HA_BENCH_FSYNC === 'everysec' ? 'everysec' : 'always';

interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}
const autocannon = require('autocannon') as (options: Record<string, unknown>) => Promise<CannonResult>;

interface WorkOrder {
  workOrderNo: string;
  operations: Array<{ sequence: string; equipmentCode: string }>;
}

function reportMaker(orders: WorkOrder[], run: string) {
  let n = 0;
  return () => {
    const order = orders[n % orders.length];
    const op = order.operations[Math.floor(n / orders.length) % order.operations.length];
    n += 1;
    return JSON.stringify([{ eventId: `${run}-${n}`, orderNo: order.workOrderNo, opNo: op.sequence, goodQty: 1, scrapQty: 0, status: 'running', operator: 'OP-HA', equipment: op.equipmentCode, timestamp: new Date().toISOString() }]);
  };
}

/** A process's CPU time so far (ms, user + system), from /proc. */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Requests/s summed over the servers, each loaded by an autocannon of its own at the same time. */
async function ingest(servers: ServerProcess[], orders: WorkOrder[], run: string): Promise<{ rps: number; p99: number; refused: number; cpuUs: number }> {
  const cpuBefore = servers.reduce((sum, s) => sum + cpuMsOf(s.pid), 0);
  const results = await Promise.all(
    servers.map((server, i) => {
      const next = reportMaker(orders, `${run}-${i}`);
      return autocannon({
        url: server.url,
        connections: Math.max(1, Math.round(CONNECTIONS / servers.length)),
        duration: SECONDS,
        requests: [{ method: 'POST', path: '/mes/progress-reports', headers: { 'content-type': 'application/json', authorization: HA_MES_AUTH }, setupRequest: (req: object) => ({ ...req, body: next() }) }],
      });
    }),
  );
  return {
    rps: results.reduce((sum, r) => sum + r.requests.average, 0),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    refused: results.reduce((sum, r) => sum + r.non2xx + r.errors, 0),
    // The replicas' CPU time per request answered, all replicas together (µs): what one more replica costs.
    cpuUs:
      ((servers.reduce((sum, s) => sum + cpuMsOf(s.pid), 0) - cpuBefore) * 1000) /
      Math.max(
        1,
        results.reduce((sum, r) => sum + r.requests.total, 0),
      ),
  };
}

export async function benchHa(): Promise<Array<Record<string, string>>> {
  const cleanups: Array<() => unknown> = [];
  const dir = tempDir('ha-bench-');
  try {
    const redis = await ownRedis({ after: (fn: () => unknown) => void cleanups.push(fn) } as never, dir.path, ['--appendfsync', FSYNC]);
    const plant = await startHaPlant(redis.url, { leaseSec: LEASE_SEC, claimIdleMs: 5000 });
    cleanups.unshift(() => plant.stop());
    const first = await plant.start('bench-1');
    const mesOrders = async () => ((await (await fetch(`${plant.sim.mesUrl}/work-orders`, { headers: { authorization: 'Bearer demo-mes-token' } })).json()) as { items: WorkOrder[] }).items;
    let orders: WorkOrder[] = [];
    for (const until = Date.now() + 120_000; orders.length < 10 && Date.now() < until; await new Promise((r) => setTimeout(r, 200))) orders = await mesOrders();
    if (orders.length < 10) throw new Error(`the MES holds ${orders.length} work orders after 2 min; the replicas did not sync the plan.`);

    const one: number[] = [];
    const oneP99: number[] = [];
    const oneCpu: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const r = await ingest([first], orders, `one-${round}`);
      one.push(r.rps);
      oneP99.push(r.p99);
      oneCpu.push(r.cpuUs);
    }
    await plant.start('bench-2');
    await plant.start('bench-3');
    const three: number[] = [];
    const threeP99: number[] = [];
    const threeCpu: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const r = await ingest([...plant.replicas.values()], orders, `three-${round}`);
      three.push(r.rps);
      threeP99.push(r.p99);
      threeCpu.push(r.cpuUs);
    }

    const failovers: number[] = [];
    for (let i = 0; i < 2; i++) {
      let before: { holder: string; epoch: number } | undefined;
      for (const until = Date.now() + 30_000; !before && Date.now() < until; await new Promise((r) => setTimeout(r, 10))) before = await plant.holding('poll:fetch-orders');
      if (!before) throw new Error('nobody holds the order poller’s lease.');
      const killed = Date.now();
      await plant.replicas.get(before.holder)!.stop('SIGKILL');
      plant.replicas.delete(before.holder);
      let after: { holder: string } | undefined;
      for (const until = Date.now() + 60_000; !after && Date.now() < until; await new Promise((r) => setTimeout(r, 10))) {
        const now = await plant.holding('poll:fetch-orders');
        if (now && now.holder !== before.holder) after = now;
      }
      if (!after) throw new Error(`no replica took the lease over within 60 s after ${before.holder} was killed.`);
      failovers.push(Date.now() - killed);
    }
    const ratio = median(three) / median(one);
    return [
      { bench: 'ha', case: `ingest, 1 replica (Redis appendfsync ${FSYNC})`, figure: `${fmt(median(one))} req/s`, 'p99 ms': fmt(median(oneP99)), baseline: '—' },
      { bench: 'ha', case: 'ingest, 3 replicas (round robin by port)', figure: `${fmt(median(three))} req/s`, 'p99 ms': fmt(median(threeP99)), baseline: `× ${fmt(ratio, 2)} of 1 replica` },
      { bench: 'ha', case: 'ingest, CPU of all replicas per request (µs)', figure: `${fmt(median(threeCpu))} (3 replicas)`, 'p99 ms': '—', baseline: `${fmt(median(oneCpu))} (1 replica)` },
      { bench: 'ha', case: `failover (kill -9 of the poll lease holder), lease ${LEASE_SEC} s`, figure: `${failovers.map((ms) => fmt(ms)).join(' / ')} ms`, 'p99 ms': '—', baseline: `limit 2 × lease = ${fmt(2 * LEASE_SEC * 1000)} ms` },
    ];
  } finally {
    for (const fn of cleanups) await fn();
    dir.remove();
  }
}
