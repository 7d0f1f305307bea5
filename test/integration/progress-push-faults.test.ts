// progress-push against an ERP that fails: 20,000 job reports of 200 orders, posted in messages of 50, while the
// simulated ERP answers 503 for a stretch and then lets requests time out for a stretch; with the SQLite store
// and with Redis. After recovery the ERP holds every report's key once, in order per order, with the totals.
// The same with the process hosting Node-RED killed (SIGKILL) in the middle and started again on the same store.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it, type TestContext } from 'node:test';
import helper from 'node-red-node-test-helper';
import { startPlantSimulator, type PlantSimulator } from '../../server/simulator/plant-simulator';
import type { BridgeStoreNode } from '../../nodes/bridge-store/types';
import { tempDir } from '../support/temp';
import { describeFindings, inboxFindings, inboxReaches, mesStream, type MesStream } from './progress-push-mes';
import type { ChildSpec, ChildStore } from './progress-push-child';
import { dropKeys, redisAvailable, redisUrl, testPrefix } from './redis-fixture';

helper.init(require.resolve('node-red'));
const nodes = [require('../../nodes/bridge-store/bridge-store'), require('../../nodes/erp-endpoint/erp-endpoint'), require('../../nodes/progress-push/progress-push'), require('@node-red/nodes/core/common/25-catch')];

const ORDERS = 200;
const PER_ORDER = 100;
const MESSAGE_SIZE = 50;
/** Messages in flight inside the runtime: the node counts them in the order received, whatever the number. */
const RECEIVED_IN_FLIGHT = 20;
/** Posts in flight over HTTP: 4 messages name each of the 200 orders once, so no two of one order overtake. */
const IN_FLIGHT = 4;
/** Not a figure under test: only how long to wait before reporting what the ERP lacks rather than hanging. */
const GIVE_UP_MS = 150_000;

type StoreKind = 'sqlite' | 'redis';

/** Cleanups of one test, run last-registered first (the flow before its store, the store before its keys go). */
function deferrals(t: TestContext): (cleanup: () => unknown) => void {
  const cleanups: Array<() => unknown> = [];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  return (cleanup) => void cleanups.push(cleanup);
}

/** The store of one test, cleaned up when it ends; undefined when Redis is missing (the test is skipped). */
async function storeFor(t: TestContext, defer: (cleanup: () => unknown) => void, kind: StoreKind): Promise<ChildStore | undefined> {
  if (kind === 'redis' && !(await redisAvailable(t))) return undefined;
  const dir = tempDir('erp-mes-progress-faults-');
  defer(() => dir.remove());
  if (kind === 'sqlite') return { kind, file: join(dir.path, 'bridge.sqlite'), dir: dir.path };
  const prefix = testPrefix('progress-faults');
  defer(() => dropKeys(prefix));
  return { kind, url: redisUrl(), prefix, dir: dir.path };
}

async function plant(defer: (cleanup: () => unknown) => void): Promise<PlantSimulator> {
  const sim = await startPlantSimulator({ seedOrders: ORDERS });
  defer(() => sim.close());
  return sim;
}

/** Waits for the ERP to hold `count` updates, or gives up after GIVE_UP_MS so the findings say what is missing. */
async function erpReceives(sim: PlantSimulator, count: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([inboxReaches(sim.erp.progress, count), new Promise((resolve) => (timer = setTimeout(resolve, GIVE_UP_MS)))]);
  clearTimeout(timer);
}

/** The faults the simulated ERP still has to serve (none once every one was met). */
async function faultsLeft(sim: PlantSimulator): Promise<unknown[]> {
  const res = await fetch(`${sim.url}/erp/_sim/stats`);
  return ((await res.json()) as { pendingFaults: unknown[] }).pendingFaults;
}

function assertInbox(sim: PlantSimulator, stream: MesStream): void {
  const findings = inboxFindings(sim.erp.progress.received(), stream.reports, stream.workOrders);
  assert.deepEqual(
    { missing: findings.missing.length, unexpected: findings.unexpected.length, repeated: findings.repeated.length, outOfOrder: findings.outOfOrder.length, wrongTotals: findings.wrongTotals.length },
    { missing: 0, unexpected: 0, repeated: 0, outOfOrder: 0, wrongTotals: 0 },
    describeFindings(findings),
  );
}

describe('progress-push while the ERP fails', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());

  for (const kind of ['sqlite', 'redis'] as const) {
    it(`with the ${kind} store, 20,000 reports sent through a stretch of 503s and one of timeouts reach the ERP once per key, in order per order, with each order's totals, and none is dead-lettered`, async (t) => {
      const defer = deferrals(t);
      const store = await storeFor(t, defer, kind);
      if (!store) return;
      const sim = await plant(defer);
      defer(() => helper.unload());
      await helper.load(
        nodes,
        [
          store.kind === 'sqlite' ? { id: 'store', type: 'bridge-store', storeType: 'sqlite', file: store.file } : { id: 'store', type: 'bridge-store', storeType: 'redis', url: store.url, keyPrefix: store.prefix },
          { id: 'erp', type: 'erp-endpoint', name: 'faulty ERP', baseUrl: sim.erpUrl, authType: 'basic', username: 'erp-bridge', timeoutSec: 1, retryBaseSec: 0.05, retryMaxSec: 0.5 },
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
            maxAttempts: 10_000,
            wires: [['answered'], []],
          },
          { id: 'answered', type: 'helper' },
          { id: 'catcher', type: 'catch', scope: ['push'], uncaught: false, wires: [['refused']] },
          { id: 'refused', type: 'helper' },
        ] as Array<Record<string, unknown>> as Parameters<typeof helper.load>[1],
        { erp: { password: 'demo-erp-pass' } },
      );
      // The spy records every log event of the runtime; 20,000 reports would make it the heaviest thing here.
      helper.log().restore();
      const push = helper.getNode('push');
      const answers: Array<{ topic?: string; payload?: unknown }> = [];
      const refusals: Array<{ error: { message: string } }> = [];
      let answered: () => void = () => undefined;
      helper.getNode('answered').on('input', (m: unknown) => (answers.push(m as (typeof answers)[number]), answered()));
      helper.getNode('refused').on('input', (m: unknown) => (refusals.push(m as (typeof refusals)[number]), answered()));
      const next = () => new Promise<void>((resolve) => (answered = resolve));

      const stream = mesStream(sim.erp.orders(), { perOrder: PER_ORDER, messageSize: MESSAGE_SIZE, run: `faults-${kind}` });
      push.receive({ topic: 'plan', payload: stream.workOrders });
      await next();

      // 503 for a stretch from the start; a third of the way in, requests time out for a stretch.
      sim.erp.injectFault({ kind: 'status', status: 503, times: 40, target: 'progress' });
      let sent = 0;
      const total = stream.messages.length;
      const done = () => answers.length + refusals.length - 1; // the plan's answer is not a message of reports
      while (done() < total) {
        while (sent < total && sent - done() < RECEIVED_IN_FLIGHT) {
          if (sent === Math.floor(total / 3)) sim.erp.injectFault({ kind: 'timeout', times: 12, target: 'progress' });
          push.receive({ payload: stream.messages[sent++] });
        }
        await next();
      }
      assert.deepEqual(
        refusals.map((r) => r.error.message),
        [],
        'every message of reports was taken',
      );

      await erpReceives(sim, stream.reports.length);
      assertInbox(sim, stream);
      assert.deepEqual(await faultsLeft(sim), [], 'the ERP failed every request it was told to');
      const stats = await (helper.getNode('store') as unknown as BridgeStoreNode).outbox('progress@erp').stats();
      assert.ok(stats.retries > 0, 'deliveries were retried');
      t.diagnostic(`outbox: ${stats.delivered} delivered, ${stats.retries} retries; the ERP answered ${sim.erp.progress.duplicateCount} repeated keys as duplicates`);
      push.receive({ topic: 'dead-letters' });
      await next();
      assert.deepEqual(answers.at(-1)?.payload, [], 'no dead letters');
    });
  }
});

/** One Node-RED process of the SIGKILL test: started on the store, answering POST /reports until killed. */
interface NodeRedChild {
  url: string;
  kill(): Promise<void>;
}

async function startChild(defer: (cleanup: () => unknown) => void, sim: PlantSimulator, store: ChildStore, name: string): Promise<NodeRedChild> {
  const spec: ChildSpec = { store, erpUrl: sim.erpUrl, name };
  const child = spawn(process.execPath, [join(__dirname, 'progress-push-child.js'), JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  };
  defer(kill);
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  let timer: NodeJS.Timeout | undefined;
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const ready = /^progress-push child listening on (\S+)$/.exec(line);
      if (ready) resolve(ready[1]);
    });
    child.once('exit', (code) => reject(new Error(`the Node-RED child process exited (${code}) before it listened: ${stderr.slice(-2000)}`)));
    // A hang guard, not a figure under test: a runtime that never starts its flow fails the test with what it said.
    timer = setTimeout(() => reject(new Error(`the Node-RED child process did not start its flow within ${GIVE_UP_MS / 1000} s: ${stderr.slice(-2000)}`)), GIVE_UP_MS);
  }).finally(() => clearTimeout(timer));
  return { url, kill };
}

interface Outcome {
  accepted: number;
  duplicates: number;
}

/** One POST of the MES: the bridge's answer when it acknowledged it (202), undefined when the call failed. */
async function post(url: string, body: unknown): Promise<Outcome | undefined> {
  let res: Response;
  let text: string;
  try {
    // The signal is a hang guard: a bridge that never answers counts as a post not acknowledged.
    res = await fetch(`${url}/reports`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(GIVE_UP_MS) });
    text = await res.text();
  } catch {
    return undefined;
  }
  if (res.status === 400) throw new Error(`the bridge refused a message: ${text}`);
  return res.status === 202 ? (JSON.parse(text) as Outcome) : undefined;
}

/**
 * How the MES posts: message i goes out only once every message up to i - IN_FLIGHT was acknowledged, so two
 * messages naming one order are never in flight together (a message names each order at most once, and
 * IN_FLIGHT messages name each order once). Stops launching when `stop()` says so.
 */
class Mes {
  readonly acknowledged = new Set<number>();
  /** Reports the bridge answered as already known, over every acknowledged post. */
  duplicates = 0;
  private lowestUnacknowledged = 0;

  constructor(private readonly stream: MesStream) {}

  get acknowledgedReports(): number {
    let n = 0;
    for (const i of this.acknowledged) n += this.stream.messages[i].length;
    return n;
  }

  async post(url: () => string, indexes: readonly number[], options: { stop?: () => boolean; acknowledged?: () => Promise<void> } = {}): Promise<number[]> {
    const failed: number[] = [];
    const inFlight = new Set<Promise<void>>();
    for (const i of indexes) {
      while (inFlight.size > 0 && (inFlight.size >= IN_FLIGHT || this.lowestUnacknowledged <= i - IN_FLIGHT)) await Promise.race(inFlight);
      if (options.stop?.() || this.lowestUnacknowledged <= i - IN_FLIGHT) break;
      const posting: Promise<void> = post(url(), this.stream.messages[i])
        .then(async (outcome) => {
          if (!outcome) return void failed.push(i);
          this.duplicates += outcome.duplicates;
          this.acknowledged.add(i);
          while (this.acknowledged.has(this.lowestUnacknowledged)) this.lowestUnacknowledged += 1;
          await options.acknowledged?.();
        })
        .finally(() => inFlight.delete(posting));
      inFlight.add(posting);
    }
    await Promise.all(inFlight);
    return failed;
  }
}

describe('progress-push when its process is killed', () => {
  for (const kind of ['sqlite', 'redis'] as const) {
    it(`with the ${kind} store, after a SIGKILL in the middle and a restart, every acknowledged report reaches the ERP once, in order per order, and reports posted twice count once`, async (t) => {
      const defer = deferrals(t);
      const store = await storeFor(t, defer, kind);
      if (!store) return;
      const sim = await plant(defer);
      const stream = mesStream(sim.erp.orders(), { perOrder: PER_ORDER, messageSize: MESSAGE_SIZE, run: `kill-${kind}` });
      const mes = new Mes(stream);
      const all = stream.messages.map((_, i) => i);

      let bridge = await startChild(defer, sim, store, 'first');
      assert.ok(await post(bridge.url, stream.workOrders), 'the plans were taken');
      sim.erp.injectFault({ kind: 'status', status: 503, times: 20, target: 'progress' });
      // SIGKILL once ~8,000 reports were acknowledged, with messages still in flight.
      let killed = false;
      await mes.post(() => bridge.url, all, {
        stop: () => killed,
        acknowledged: async () => {
          if (killed || mes.acknowledgedReports < 8000) return;
          killed = true;
          await bridge.kill();
        },
      });
      assert.ok(killed, 'the process was killed in the middle');
      const acknowledgedBefore = [...mes.acknowledged].sort((a, b) => a - b);
      const duplicatesBefore = mes.duplicates;

      bridge = await startChild(defer, sim, store, 'second');
      sim.erp.injectFault({ kind: 'timeout', times: 8, target: 'progress' });
      // As an MES does: the last messages again (their answers may be lost for all it knows), every message not
      // acknowledged, in order, then the rest.
      const postedAgain = acknowledgedBefore.slice(-IN_FLIGHT);
      const unanswered = all.filter((i) => !mes.acknowledged.has(i));
      const failed = await mes.post(() => bridge.url, [...postedAgain, ...unanswered]);
      assert.deepEqual(failed, [], 'every message was acknowledged after the restart');
      const duplicates = mes.duplicates - duplicatesBefore;
      const twice = postedAgain.reduce((n, i) => n + stream.messages[i].length, 0);
      assert.ok(duplicates >= twice, `the ${twice} reports acknowledged before the kill and posted again were known (${duplicates} duplicates)`);
      t.diagnostic(
        `acknowledged before the kill: ${acknowledgedBefore.length} of ${all.length} messages; after the restart ${duplicates} reports were answered as duplicates, ` +
          `${duplicates - twice} of them from messages not acknowledged before; the ERP answered ${sim.erp.progress.duplicateCount} repeated keys as duplicates`,
      );

      await erpReceives(sim, stream.reports.length);
      assertInbox(sim, stream);
      assert.deepEqual(await faultsLeft(sim), [], 'the ERP failed every request it was told to');
      await bridge.kill();
    });
  }
});
