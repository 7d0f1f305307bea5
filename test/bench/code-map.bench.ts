// Messages/s through code-map (3 mapped fields, 100,000-entry tables) inside a running Node-RED runtime,
// side by side with the ceiling: a minimal custom node doing the same three Map lookups and the same
// copy of the payload. Also: how long the 300,000 rows take to load from a file.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import helper from 'node-red-node-test-helper';
import { CodeTables } from '../../nodes/lib/code-map';
import { tempDir } from '../support/temp';
import { fmt, median } from './stats';

const TABLE_SIZE = 100_000;
const MESSAGES = 100_000;
const ROUNDS = 7;

type Row = { table: 'material' | 'equipment' | 'unit'; erp: string; mes: string };

function rows(): Row[] {
  const all: Row[] = [];
  for (let i = 0; i < TABLE_SIZE; i++) {
    all.push({ table: 'material', erp: `RM-${200000 + i}`, mes: `M-${i.toString(36).toUpperCase()}` });
    all.push({ table: 'equipment', erp: `WC-${i}`, mes: `EQ-${i}` });
    all.push({ table: 'unit', erp: `U${i}`, mes: `u${i}` });
  }
  return all;
}

/** The ceiling: three Map lookups and a payload copy, nothing else. */
function baselineNode(all: Row[]) {
  const maps = { material: new Map<string, string>(), equipment: new Map<string, string>(), unit: new Map<string, string>() };
  for (const r of all) maps[r.table].set(r.erp, r.mes);
  return function register(RED: NodeAPI) {
    function Baseline(this: Node, config: NodeDef) {
      RED.nodes.createNode(this, config);
      this.on('input', (msg: NodeMessageInFlow, send, done) => {
        const p = msg.payload as { materialCode: string; equipmentCode: string; unit: string };
        const material = maps.material.get(p.materialCode);
        const equipment = maps.equipment.get(p.equipmentCode);
        const unit = maps.unit.get(p.unit);
        if (material === undefined || equipment === undefined || unit === undefined) return done(new Error('unmapped'));
        msg.payload = { ...p, materialCode: material, equipmentCode: equipment, unit };
        send(msg);
        done();
      });
    }
    RED.nodes.registerType('bench-map-baseline', Baseline as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
  };
}

async function throughput(nodeId: string): Promise<number> {
  const target = helper.getNode(nodeId);
  const sink = helper.getNode('sink');
  const payloads = Array.from({ length: 1000 }, (_, i) => ({ materialCode: `RM-${200000 + ((i * 7919) % TABLE_SIZE)}`, equipmentCode: `WC-${(i * 104729) % TABLE_SIZE}`, unit: `U${i % TABLE_SIZE}`, qty: i }));
  return new Promise((resolve) => {
    let received = 0;
    const started = performance.now();
    const onInput = () => {
      received += 1;
      if (received === MESSAGES) {
        sink.removeListener('input', onInput);
        resolve(MESSAGES / ((performance.now() - started) / 1000));
      }
    };
    sink.on('input', onInput);
    let sent = 0;
    // Feed in slices so the queue stays short, as a real source would.
    const feed = () => {
      for (let i = 0; i < 1000 && sent < MESSAGES; i++, sent++) target.receive({ payload: payloads[sent % 1000] });
      if (sent < MESSAGES) setImmediate(feed);
    };
    feed();
  });
}

export async function benchCodeMap(): Promise<Array<Record<string, string>>> {
  const dir = tempDir('erp-mes-bench-');
  const all = rows();
  const file = join(dir.path, 'codes.json');
  writeFileSync(file, JSON.stringify(all));
  const loadTimes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    CodeTables.fromEntries(all, (i) => `bench row ${i + 1}`);
    loadTimes.push(performance.now() - started);
  }

  await helper.load([require('../../nodes/code-map-table/code-map-table'), require('../../nodes/code-map/code-map'), baselineNode(all)], [
    { id: 'codes', type: 'code-map-table', entries: [], file, fileTable: '' },
    {
      id: 'map',
      type: 'code-map',
      tables: 'codes',
      direction: 'erp-to-mes',
      rules: [
        { path: 'payload.materialCode', table: 'material' },
        { path: 'payload.equipmentCode', table: 'equipment' },
        { path: 'payload.unit', table: 'unit' },
      ],
      wires: [['sink'], []],
    },
    { id: 'baseline', type: 'bench-map-baseline', wires: [['sink']] },
    { id: 'sink', type: 'helper' },
  ] as Array<Record<string, unknown>> as Parameters<typeof helper.load>[1]);
  // The test helper records every log event in a spy (one per message here): stop that, it is not the runtime's cost.
  helper.log().restore();
  const ours: number[] = [];
  const ceiling: number[] = [];
  try {
    // The table node reads its file at start; give it a message to prove it is loaded.
    await throughput('map');
    await throughput('baseline');
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which runs first so drift on a noisy machine hits both sides alike.
      if (round % 2 === 0) {
        ours.push(await throughput('map'));
        ceiling.push(await throughput('baseline'));
      } else {
        ceiling.push(await throughput('baseline'));
        ours.push(await throughput('map'));
      }
    }
  } finally {
    await helper.unload();
    dir.remove();
  }
  const o = median(ours);
  const c = median(ceiling);
  return [
    { measure: `code-map, 3 fields, ${fmt(TABLE_SIZE)}-entry tables (msg/s)`, ours: fmt(o), baseline: `${fmt(c)} (minimal node, same Map lookups)`, ratio: fmt(o / c, 2) },
    { measure: `load ${fmt(TABLE_SIZE * 3)} code rows, checked (ms)`, ours: fmt(median(loadTimes)), baseline: 'target: well under 1,000', ratio: fmt(median(loadTimes) / 1000, 2) },
  ];
}
