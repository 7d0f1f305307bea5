// Execution feedback MES → ERP inside a running Node-RED runtime against the demo plant's ERP inbox: job
// reports (validated) → progress-push → outbox (SQLite, Redis) → ERP, side by side with the ceiling without
// durability: a minimal custom node posting each message's reports straight to the ERP's batch endpoint over the
// same ErpHttpClient. The ERP runs in a process of its own (a real ERP is another machine), for both alike.
// (1) Sustained reports/s: 50,000 reports in messages of 50, 20 messages in flight, from the first send until the
// ERP holds every update, and the CPU time of this process per report meanwhile. (2) Latency at 1,000 reports/s
// (messages of 10 every 10 ms for 10 s): p50/p99 from a report's send to the ERP's receipt of its key.
// The Redis store runs on a redis-server of the bench's own, as a plant must run it for the outbox to be durable:
// AOF with appendfsync always, and the store requiring durable writes. PROGRESS_BENCH_ROUNDS sets the rounds
// (default 3); PROGRESS_BENCH_STORES=redis (or sqlite) measures one store only (the ceiling still runs beside it).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import Redis from 'ioredis';
import helper from 'node-red-node-test-helper';
import type { ErpEndpointNode } from '../../nodes/erp-endpoint/types';
import type { ProgressReport } from '../../nodes/lib/progress/types';
import { toWorkOrder, type WorkOrder } from '../../nodes/lib/plan-sync/work-order';
import { mesStream } from '../integration/progress-push-mes';
import { ownRedis, type OwnRedis } from '../integration/redis-fixture';
import { tempDir } from '../support/temp';
import { monotonicMs, startRemoteErp, type RemoteErp } from './progress-push-erp';
import { fmt, median } from './stats';

const ORDERS = 200;
const SUSTAINED_REPORTS = 50_000;
const SUSTAINED_MESSAGE = 50;
const IN_FLIGHT = 20;
const PACED_RATE = 1000;
const PACED_MESSAGE = 10;
const PACED_SECONDS = 10;
const WARM_UP_REPORTS = 5000;
const ROUNDS = Number(process.env.PROGRESS_BENCH_ROUNDS) || 3;

type Store = 'sqlite' | 'redis';
type Row = Record<string, string>;

/** Notes printed after the table (e.g. a store that was not there). */
export const progressPushNotes: string[] = [];

/**
 * The ceiling: each message's reports posted straight to the ERP's batch endpoint, one update per report shaped
 * like ours (the order's operations from its plan), no validation, no book, no durability.
 */
function ceilingNode(RED: NodeAPI): void {
  function Ceiling(this: Node, config: NodeDef & { endpoint: string }) {
    RED.nodes.createNode(this, config);
    const endpoint = RED.nodes.getNode(config.endpoint) as ErpEndpointNode;
    const client = endpoint.client();
    const url = client.url('progress-updates/batch');
    const templates = new Map<string, { plannedQty: number; operations: Array<Record<string, unknown>> }>();
    this.on('input', (msg: NodeMessageInFlow, send, done) => {
      if (msg.topic === 'plan') {
        for (const order of msg.payload as WorkOrder[]) {
          templates.set(order.workOrderNo, {
            plannedQty: order.plannedQty,
            operations: order.operations.map((op) => ({
              opNo: op.sequence,
              operationCode: op.operationCode,
              equipmentCode: op.equipmentCode,
              plannedQty: order.plannedQty,
              goodQty: 0,
              scrapQty: 0,
              completionPct: 0,
              status: 'waiting',
              lagging: false,
            })),
          });
        }
        send(msg);
        return done();
      }
      const asOf = new Date().toISOString();
      const items = (msg.payload as ProgressReport[]).map((r) => {
        const template = templates.get(r.orderNo)!;
        return {
          idempotencyKey: `progress:${r.orderNo}:${r.eventId}`,
          update: {
            orderNo: r.orderNo,
            asOf,
            reason: 'report',
            plannedQty: template.plannedQty,
            completedQty: 0,
            scrapQty: r.scrapQty,
            completionPct: 0,
            colour: 'red',
            lagging: false,
            predictedDelayMinutes: 0,
            status: 'running',
            operations: template.operations,
          },
        };
      });
      client.request({ method: 'POST', url, body: { items } }).then(
        (answer) => {
          if (answer.status !== 200) return done(new Error(`the ERP answered the ceiling's batch with HTTP ${answer.status}: ${answer.body.slice(0, 200)}`));
          send(msg);
          done();
        },
        (err: Error) => done(err),
      );
    });
  }
  RED.nodes.registerType('bench-progress-ceiling', Ceiling as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
}

interface Rig {
  erp: RemoteErp;
  workOrders: WorkOrder[];
  /** Feeds messages into `nodeId`, at most `inFlight` unanswered; resolves when all were answered. */
  feed(nodeId: string, messages: ProgressReport[][], inFlight: number): Promise<void>;
}

/** Loads one flow: a bridge store of the kind asked (fresh), the ERP endpoint, progress-push and the ceiling. */
async function load(erp: RemoteErp, store: Store, where: { dir: string; prefix: string; redisUrl?: string }): Promise<void> {
  await helper.load(
    [require('../../nodes/bridge-store/bridge-store'), require('../../nodes/erp-endpoint/erp-endpoint'), require('../../nodes/progress-push/progress-push'), require('@node-red/nodes/core/common/25-catch'), ceilingNode],
    [
      store === 'sqlite'
        ? { id: 'store', type: 'bridge-store', storeType: 'sqlite', file: join(where.dir, `${where.prefix.replace(/\W/g, '-')}.sqlite`) }
        : { id: 'store', type: 'bridge-store', storeType: 'redis', url: where.redisUrl, keyPrefix: where.prefix, requireDurable: true },
      { id: 'erp', type: 'erp-endpoint', name: 'bench ERP', baseUrl: erp.erpUrl, authType: 'basic', username: 'erp-bridge', timeoutSec: 30, retryBaseSec: 0.05, retryMaxSec: 0.5 },
      {
        id: 'push',
        type: 'progress-push',
        endpoint: 'erp',
        store: 'store',
        path: 'progress-updates',
        batchPath: 'progress-updates/batch',
        batchSize: 200,
        pushOn: 'report',
        snapshotMin: 60,
        boardThrottleMs: 1000,
        maxAttempts: 100,
        wires: [['answered'], []],
      },
      { id: 'ceiling', type: 'bench-progress-ceiling', endpoint: 'erp', wires: [['answered']] },
      { id: 'answered', type: 'helper' },
      { id: 'refusals', type: 'catch', scope: ['push', 'ceiling'], uncaught: false, wires: [['failed']] },
      { id: 'failed', type: 'helper' },
    ] as Array<Record<string, unknown>> as Parameters<typeof helper.load>[1],
    { erp: { password: 'demo-erp-pass' } },
  );
  // The helper records every log event in a spy: not the runtime's cost.
  helper.log().restore();
}

function rig(erp: RemoteErp): Rig {
  return {
    erp,
    workOrders: erp.orders.map(toWorkOrder),
    feed(nodeId, messages, inFlight) {
      const target = helper.getNode(nodeId);
      const answered = helper.getNode('answered');
      const failed = helper.getNode('failed');
      return new Promise((resolve, reject) => {
        let sent = 0;
        let done = 0;
        const stop = () => {
          answered.removeListener('input', onAnswer);
          failed.removeListener('input', onFailure);
        };
        const onAnswer = () => {
          done += 1;
          if (done === messages.length) {
            stop();
            return resolve();
          }
          while (sent < messages.length && sent - done < inFlight) target.receive({ payload: messages[sent++] });
        };
        const onFailure = (msg: unknown) => {
          stop();
          reject(new Error(`${nodeId} refused a message of the bench: ${(msg as { error?: { message?: string } }).error?.message}`));
        };
        answered.on('input', onAnswer);
        failed.on('input', onFailure);
        while (sent < messages.length && sent < inFlight) target.receive({ payload: messages[sent++] });
      });
    },
  };
}

/**
 * Reports/s from the first send until the ERP holds every update, and the CPU time this process spent per report
 * meanwhile (µs): on a machine others are using too, the rate follows their load, the CPU time much less.
 */
async function sustained(r: Rig, nodeId: string, run: string, reports = SUSTAINED_REPORTS): Promise<{ rate: number; cpuUs: number }> {
  const stream = mesStream(r.erp.orders, { perOrder: reports / ORDERS, messageSize: SUSTAINED_MESSAGE, run });
  await r.erp.reset();
  const all = r.erp.reaches(stream.reports.length);
  const started = performance.now();
  const cpu = process.cpuUsage();
  await r.feed(nodeId, stream.messages, IN_FLIGHT);
  await all;
  const used = process.cpuUsage(cpu);
  return { rate: stream.reports.length / ((performance.now() - started) / 1000), cpuUs: (used.user + used.system) / stream.reports.length };
}

/** p50 and p99 (ms) from a report's send to the ERP's receipt of its key, at PACED_RATE reports/s. */
async function paced(r: Rig, nodeId: string, run: string): Promise<{ p50: number; p99: number; rate: number }> {
  const total = PACED_RATE * PACED_SECONDS;
  const stream = mesStream(r.erp.orders, { perOrder: total / ORDERS, messageSize: PACED_MESSAGE, run });
  await r.erp.reset();
  const all = r.erp.reaches(total);
  const target = helper.getNode(nodeId);
  const sentAt = new Map<string, number>();
  const intervalMs = (PACED_MESSAGE / PACED_RATE) * 1000;
  const started = performance.now();
  // Each message at its own slot of the schedule (late slots catch up), not "every 10 ms after the last one".
  await new Promise<void>((resolve) => {
    let next = 0;
    const tick = () => {
      const due = Math.min(stream.messages.length, Math.floor((performance.now() - started) / intervalMs) + 1);
      for (; next < due; next++) {
        const now = monotonicMs();
        for (const report of stream.messages[next]) sentAt.set(`progress:${report.orderNo}:${report.eventId}`, now);
        target.receive({ payload: stream.messages[next] });
      }
      if (next < stream.messages.length) setTimeout(tick, Math.max(0, started + next * intervalMs - performance.now()));
      else resolve();
    };
    tick();
  });
  const sendSeconds = (performance.now() - started) / 1000;
  await all;
  const latencies = (await r.erp.arrivals())
    .map(([key, at]) => at - (sentAt.get(key) ?? NaN))
    .filter((ms) => Number.isFinite(ms))
    .sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { p50: at(0.5), p99: at(0.99), rate: total / sendSeconds };
}

/** A redis-server of the bench's own (AOF, appendfsync always), or a note saying why there is none. */
async function durableRedis(dir: string, cleanups: Array<() => unknown>): Promise<OwnRedis | undefined> {
  try {
    return await ownRedis({ after: (fn: () => unknown) => cleanups.push(fn) }, dir);
  } catch (err) {
    progressPushNotes.push(`progress-push on Redis not measured: ${(err as Error).message}.`);
    return undefined;
  }
}

/** The bench's redis-server's own CPU time (ms) and AOF size (bytes), and how many AOF rewrites it has made. */
async function redisServerUse(url: string): Promise<{ cpuMs: number; aofBytes: number; rewrites: number }> {
  const admin = new Redis(url);
  try {
    const info = `${await admin.info('cpu')}\n${await admin.info('persistence')}`;
    const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
    return { cpuMs: (field('used_cpu_user') + field('used_cpu_sys')) * 1000, aofBytes: field('aof_current_size'), rewrites: field('aof_rewrites') };
  } finally {
    admin.disconnect();
  }
}

/** A paced run the sender could not keep up is noted: its latencies are not those of 1,000 reports/s. */
function paceKept(rate: number, who: string): void {
  if (rate < PACED_RATE * 0.95) progressPushNotes.push(`The paced run of ${who} sent only ${fmt(rate)} reports/s, not ${fmt(PACED_RATE)}: the machine was too busy.`);
}

interface Figures {
  rate: number[];
  cpuUs: number[];
  p50: number[];
  p99: number[];
}

export async function benchProgressPush(): Promise<Row[]> {
  const erp = await startRemoteErp(ORDERS);
  const dir = tempDir('erp-mes-bench-progress-');
  const cleanups: Array<() => unknown> = [];
  const redis = await durableRedis(dir.path, cleanups);
  const only = process.env.PROGRESS_BENCH_STORES?.split(',').map((s) => s.trim());
  const stores = (redis ? (['sqlite', 'redis'] as Store[]) : (['sqlite'] as Store[])).filter((s) => !only || only.includes(s));
  const ours: Record<Store, Figures> = { sqlite: { rate: [], cpuUs: [], p50: [], p99: [] }, redis: { rate: [], cpuUs: [], p50: [], p99: [] } };
  const ceiling: Figures = { rate: [], cpuUs: [], p50: [], p99: [] };
  // What the Redis server itself spends per report while sustained: its CPU, and the bytes its AOF grows by.
  const redisServer = { cpuUs: [] as number[], aofBytes: [] as number[] };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const store of stores) {
        const prefix = `bench:progress:${randomBytes(4).toString('hex')}:`;
        await load(erp, store, { dir: dir.path, prefix, redisUrl: redis?.url });
        const r = rig(erp);
        const plans = helper.getNode('push');
        await new Promise<void>((resolve) => {
          helper.getNode('answered').once('input', () => resolve());
          plans.receive({ topic: 'plan', payload: r.workOrders });
        });
        console.error(`progress-push bench: round ${round + 1} of ${ROUNDS}, ${store}`);
        await sustained(r, 'push', `warm-${store}-${round}`, WARM_UP_REPORTS);
        const before = store === 'redis' ? await redisServerUse(redis!.url) : undefined;
        const s = await sustained(r, 'push', `sustained-${store}-${round}`);
        if (before) {
          const after = await redisServerUse(redis!.url);
          redisServer.cpuUs.push(((after.cpuMs - before.cpuMs) * 1000) / SUSTAINED_REPORTS);
          // A rewrite in between starts the AOF anew: no figure for that round.
          if (after.rewrites === before.rewrites) redisServer.aofBytes.push((after.aofBytes - before.aofBytes) / SUSTAINED_REPORTS);
        }
        ours[store].rate.push(s.rate);
        ours[store].cpuUs.push(s.cpuUs);
        const p = await paced(r, 'push', `paced-${store}-${round}`);
        ours[store].p50.push(p.p50);
        ours[store].p99.push(p.p99);
        paceKept(p.rate, `progress-push on ${store}`);
        if (store === stores[0]) {
          // The ceiling in the same runtime, between ours, so drift on a noisy machine hits both alike.
          await new Promise<void>((resolve) => {
            helper.getNode('answered').once('input', () => resolve());
            helper.getNode('ceiling').receive({ topic: 'plan', payload: r.workOrders });
          });
          console.error(`progress-push bench: round ${round + 1} of ${ROUNDS}, the minimal node`);
          await sustained(r, 'ceiling', `warm-ceiling-${round}`, WARM_UP_REPORTS);
          const cs = await sustained(r, 'ceiling', `sustained-ceiling-${round}`);
          ceiling.rate.push(cs.rate);
          ceiling.cpuUs.push(cs.cpuUs);
          const c = await paced(r, 'ceiling', `paced-ceiling-${round}`);
          ceiling.p50.push(c.p50);
          ceiling.p99.push(c.p99);
          paceKept(c.rate, 'the minimal node');
        }
        await helper.unload();
      }
    }
  } finally {
    await helper.unload();
    await erp.close();
    for (const cleanup of cleanups) await cleanup();
    dir.remove();
  }
  if (redisServer.cpuUs.length > 0) {
    const aof = redisServer.aofBytes.length > 0 ? `${fmt(median(redisServer.aofBytes))} bytes of AOF` : 'AOF bytes not measured (rewrites in every round)';
    progressPushNotes.push(`The Redis server (AOF, appendfsync always) while progress-push sustained its rate: ${fmt(median(redisServer.cpuUs), 1)} µs of its own CPU and ${aof} per report (medians).`);
  }
  const c = { rate: median(ceiling.rate), cpuUs: median(ceiling.cpuUs), p50: median(ceiling.p50), p99: median(ceiling.p99) };
  const rows: Row[] = [];
  for (const store of stores) {
    const o = { rate: median(ours[store].rate), cpuUs: median(ours[store].cpuUs), p50: median(ours[store].p50), p99: median(ours[store].p99) };
    rows.push(
      {
        measure: `progress-push on ${store}, ${fmt(SUSTAINED_REPORTS)} reports in messages of ${SUSTAINED_MESSAGE}, sustained (reports/s; goal ≥ 10,000)`,
        ours: fmt(o.rate),
        baseline: `${fmt(c.rate)} (minimal node posting batches straight to the ERP)`,
        ratio: fmt(o.rate / c.rate, 2),
      },
      { measure: `progress-push on ${store}, CPU time of the Node-RED process per report while sustained (µs)`, ours: fmt(o.cpuUs, 1), baseline: `${fmt(c.cpuUs, 1)} (same minimal node)`, ratio: fmt(o.cpuUs / c.cpuUs, 2) },
      { measure: `progress-push on ${store} at ${fmt(PACED_RATE)} reports/s, report → ERP receipt p50 (ms)`, ours: fmt(o.p50, 1), baseline: `${fmt(c.p50, 1)} (same minimal node)`, ratio: fmt(o.p50 / c.p50, 2) },
      { measure: `progress-push on ${store} at ${fmt(PACED_RATE)} reports/s, report → ERP receipt p99 (ms; goal < 100)`, ours: fmt(o.p99, 1), baseline: `${fmt(c.p99, 1)} (same minimal node)`, ratio: fmt(o.p99 / c.p99, 2) },
    );
  }
  return rows;
}
