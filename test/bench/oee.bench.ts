// Equipment signals/s through the oee node inside a running Node-RED runtime (SQLite bridge store, every
// signal durable before done, every reading a new counter value: the worst case), side by side with the
// durability floor: a minimal node that checks the same schema and writes a machine record of the same size
// to the same store per signal. 10 machines, one reading each per 100 ms of plant time.
import { join } from 'node:path';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import helper from 'node-red-node-test-helper';
import { validate } from '../../nodes/lib/validation';
import type { BridgeStoreNode } from '../../nodes/bridge-store/types';
import { startPlantSimulator } from '../../server/simulator/plant-simulator';
import { tempDir } from '../support/temp';
import { fmt, median } from './stats';

const MACHINES = 10;
const SIGNALS = 20_000;
const ROUNDS = 5;
/** Readings the oee node keeps per counter at most (lib/oee MAX_READINGS): the floor writes records as big. */
const KEPT = 256;

/** The floor: schema check, one store write of a record with KEPT readings, send, done. */
function floorNode(RED: NodeAPI) {
  function Floor(this: Node, config: NodeDef & { store: string }) {
    RED.nodes.createNode(this, config);
    const store = (RED.nodes.getNode(config.store) as BridgeStoreNode).store();
    const kept = new Map<string, Array<[number, number]>>();
    this.on('input', (msg: NodeMessageInFlow, send, done) => {
      const list = (Array.isArray(msg.payload) ? msg.payload : [msg.payload]) as Array<{ equipment: string; at: string; partCounter: number }>;
      const entries: Array<[string, unknown]> = [];
      for (const s of list) {
        const checked = validate('equipment-signal', s);
        if (!checked.ok) return done(new Error(checked.message));
        const readings = kept.get(s.equipment) ?? [];
        readings.push([Date.parse(s.at), s.partCounter]);
        if (readings.length > KEPT) readings.splice(0, KEPT / 2);
        kept.set(s.equipment, readings);
        entries.push([`equipment:${s.equipment}`, { equipment: s.equipment, parts: readings }]);
      }
      store.putMany('bench-floor', entries).then(
        () => {
          send(msg);
          done();
        },
        (err: Error) => done(err),
      );
    });
  }
  RED.nodes.registerType('bench-oee-floor', Floor as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
}

let clock = Date.now() - 30 * 60_000;

/** Signals/s; `batched`: one message per 100 ms of plant time with the readings of all machines. */
async function throughput(nodeId: string, batched = false): Promise<number> {
  const target = helper.getNode(nodeId);
  const sink = helper.getNode(`${nodeId}-sink`);
  const from = clock;
  clock += (SIGNALS / MACHINES) * 100;
  return new Promise((resolve) => {
    let received = 0;
    const started = performance.now();
    const onInput = () => {
      received += 1;
      if (received === (batched ? SIGNALS / MACHINES : SIGNALS)) {
        sink.removeListener('input', onInput);
        resolve(SIGNALS / ((performance.now() - started) / 1000));
      }
    };
    sink.on('input', onInput);
    let sent = 0;
    const signal = (n: number) => {
      const step = Math.floor(n / MACHINES);
      return { equipment: `EQ-B${n % MACHINES}`, at: new Date(from + step * 100).toISOString(), state: 'running', partCounter: Math.round((from - Date.parse('2026-01-01')) / 100) + step, source: 'opcua' };
    };
    const feed = () => {
      for (let i = 0; i < 500 && sent < SIGNALS; i++) {
        if (batched) {
          target.receive({ payload: Array.from({ length: MACHINES }, (_, m) => signal(sent + m)) });
          sent += MACHINES;
        } else target.receive({ payload: signal(sent++) });
      }
      if (sent < SIGNALS) setImmediate(feed);
    };
    feed();
  });
}

export async function benchOee(): Promise<Array<Record<string, string>>> {
  const dir = tempDir('erp-mes-bench-oee-');
  const sim = await startPlantSimulator({ seedOrders: 1 });
  await helper.load(
    [require('../../nodes/bridge-store/bridge-store'), require('../../nodes/erp-endpoint/erp-endpoint'), require('../../nodes/oee/oee'), floorNode],
    [
      { id: 'store', type: 'bridge-store', file: join(dir.path, 'store.sqlite') },
      { id: 'erp', type: 'erp-endpoint', name: 'bench ERP', baseUrl: sim.erpUrl, authType: 'basic', username: 'erp-bridge', timeoutSec: 5, retryBaseSec: 0.05, retryMaxSec: 0.2 },
      {
        id: 'machines',
        type: 'oee',
        endpoint: 'erp',
        store: 'store',
        statusPath: 'equipment-status',
        reportPath: '',
        timeZone: 'Asia/Shanghai',
        master: Array.from({ length: MACHINES }, (_, i) => ({ equipment: `EQ-B${i}`, idealCycleSec: 0.1 })),
        thresholdPct: 80,
        faultAfterMin: 10,
        graceSec: 60,
        boardThrottleMs: 1000,
        maxAttempts: 3,
        wires: [['machines-sink'], [], []],
      },
      { id: 'floor', type: 'bench-oee-floor', store: 'store', wires: [['floor-sink']] },
      { id: 'machines-sink', type: 'helper' },
      { id: 'floor-sink', type: 'helper' },
    ] as Array<Record<string, unknown>> as Parameters<typeof helper.load>[1],
    { erp: { password: 'demo-erp-pass' } },
  );
  helper.log().restore();
  const ours: number[] = [];
  const floor: number[] = [];
  const oursBatched: number[] = [];
  const floorBatched: number[] = [];
  try {
    await throughput('machines');
    await throughput('floor');
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which runs first so drift on a noisy machine hits both sides alike.
      const pair: Array<() => Promise<void>> = [
        async () => void ours.push(await throughput('machines')),
        async () => void floor.push(await throughput('floor')),
        async () => void oursBatched.push(await throughput('machines', true)),
        async () => void floorBatched.push(await throughput('floor', true)),
      ];
      for (const run of round % 2 === 0 ? pair : [...pair].reverse()) await run();
    }
  } finally {
    await helper.unload();
    await sim.close();
    dir.remove();
  }
  const o = median(ours);
  const f = median(floor);
  const ob = median(oursBatched);
  const fb = median(floorBatched);
  return [
    { measure: `oee, ${MACHINES} machines, one message per signal, each durable, new counter value each (signals/s)`, ours: fmt(o), baseline: `${fmt(f)} (schema check + same-size store write)`, ratio: fmt(o / f, 2) },
    { measure: `oee, the same with one message per poll of all ${MACHINES} machines (signals/s)`, ours: fmt(ob), baseline: `${fmt(fb)} (the same floor, one write per message)`, ratio: fmt(ob / fb, 2) },
  ];
}
