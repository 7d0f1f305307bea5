// The ERP of the progress-push benchmark in a process of its own, as a real ERP is another machine: the demo
// plant simulator (its progress inbox validates and keeps every update) forked as a child, driven over IPC.
// Arrival times are read on CLOCK_MONOTONIC (process.hrtime), which every process of the machine shares, so a
// report's send time in the bench and its receipt time here can be subtracted.
import { fork, type ChildProcess } from 'node:child_process';
import type { ProductionOrder } from '../../nodes/lib/plan-sync/work-order';
import { startPlantSimulator } from '../../server/simulator/plant-simulator';

const REACH_TIMEOUT_MS = 180_000;

/** ms on the machine's monotonic clock, the same in every process. */
export const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

type Request = { id: number } & ({ kind: 'reset' } | { kind: 'reaches'; count: number } | { kind: 'arrivals' } | { kind: 'drain' } | { kind: 'close' });
type Reply = { id: number; arrivals?: Array<[key: string, atMs: number]>; duplicates?: number; error?: string };
type Ready = { ready: true; erpUrl: string; orders: ProductionOrder[] };

/** The bench's handle on the ERP child. */
export interface RemoteErp {
  erpUrl: string;
  orders: ProductionOrder[];
  /** Forgets what the inbox received (and the arrival times). */
  reset(): Promise<void>;
  /** Resolves once the inbox holds `count` updates since the last reset. */
  reaches(count: number): Promise<void>;
  /** Key and monotonic receipt time of every update accepted since the last reset, in arrival order. */
  arrivals(): Promise<Array<[key: string, atMs: number]>>;
  /**
   * The keys accepted and the repeats answered "duplicate" since the last reset or drain, then a reset, in one step:
   * a long run drains now and then so the ERP's process does not hold every update it ever received.
   */
  drain(): Promise<{ keys: string[]; duplicates: number }>;
  close(): Promise<void>;
}

export async function startRemoteErp(seedOrders: number): Promise<RemoteErp> {
  const child: ChildProcess = fork(__filename, ['--erp-child', String(seedOrders)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map<number, { resolve(reply: Reply): void; reject(err: Error): void }>();
  let next = 0;
  let gone: Error | undefined;
  const ready = new Promise<Ready>((resolve, reject) => {
    child.on('message', (m: Ready | Reply) => {
      if ('ready' in m) return resolve(m);
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.error) w?.reject(new Error(m.error));
      else w?.resolve(m);
    });
    child.once('exit', (code, signal) => {
      gone = new Error(`the bench's ERP process ended (${signal ?? `exit code ${code}`})`);
      reject(gone);
      for (const w of waiting.values()) w.reject(gone);
      waiting.clear();
    });
  });
  const ask = (request: { kind: Request['kind']; count?: number }): Promise<Reply> => {
    if (gone) return Promise.reject(gone);
    const id = ++next;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      child.send({ ...request, id });
    });
  };
  const { erpUrl, orders } = await ready;
  return {
    erpUrl,
    orders,
    reset: async () => void (await ask({ kind: 'reset' })),
    reaches: async (count) => {
      // A run that loses updates must say so, not wait for ever.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          ask({ kind: 'arrivals' }).then((r) => reject(new Error(`the bench's ERP holds ${r.arrivals?.length} of ${count} updates after ${REACH_TIMEOUT_MS / 1000} s`)), reject);
        }, REACH_TIMEOUT_MS);
      });
      try {
        await Promise.race([ask({ kind: 'reaches', count }), late]);
      } finally {
        clearTimeout(timer);
      }
    },
    arrivals: async () => (await ask({ kind: 'arrivals' })).arrivals ?? [],
    drain: async () => {
      const r = await ask({ kind: 'drain' });
      return { keys: (r.arrivals ?? []).map(([key]) => key), duplicates: r.duplicates ?? 0 };
    },
    close: async () => {
      if (gone) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await ask({ kind: 'close' }).catch(() => undefined);
      await exited;
    },
  };
}

/** The child: the plant simulator, answering the bench's requests. */
async function serve(seedOrders: number): Promise<void> {
  const sim = await startPlantSimulator({ seedOrders });
  const inbox = sim.erp.progress;
  let arrivedAt: number[] = [];
  let watchers: Array<{ count: number; id: number }> = [];
  const reply = (r: Reply) => process.send!(r);
  inbox.onReceive(() => {
    arrivedAt.push(monotonicMs());
    if (watchers.length === 0) return;
    const n = arrivedAt.length;
    watchers = watchers.filter((w) => (n >= w.count ? (reply({ id: w.id }), false) : true));
  });
  process.on('message', (m: Request) => {
    switch (m.kind) {
      case 'reset':
        inbox.reset();
        arrivedAt = [];
        watchers = [];
        return reply({ id: m.id });
      case 'reaches':
        if (arrivedAt.length >= m.count) return reply({ id: m.id });
        watchers.push({ count: m.count, id: m.id });
        return;
      case 'arrivals': {
        const received = inbox.received();
        return reply({ id: m.id, arrivals: received.map((u, i) => [u.key, arrivedAt[i]]) });
      }
      case 'drain': {
        const received = inbox.received();
        const duplicates = inbox.duplicateCount;
        inbox.reset();
        arrivedAt = [];
        return reply({ id: m.id, arrivals: received.map((u, i) => [u.key, i]), duplicates });
      }
      case 'close':
        reply({ id: m.id });
        void sim.close().finally(() => process.exit(0));
    }
  });
  // The bench gone (killed, crashed): so is its ERP.
  process.on('disconnect', () => void sim.close().finally(() => process.exit(0)));
  process.send!({ ready: true, erpUrl: sim.erpUrl, orders: sim.erp.orders() } satisfies Ready);
}

if (process.argv[2] === '--erp-child') {
  serve(Number(process.argv[3])).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
