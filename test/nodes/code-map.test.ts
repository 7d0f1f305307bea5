import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import type { Node } from 'node-red';
import { WORK_ORDER_RULES } from '../../nodes/lib/code-map';

helper.init(require.resolve('node-red'));
const codeMapTableNode = require('../../nodes/code-map-table/code-map-table');
const codeMapNode = require('../../nodes/code-map/code-map');

type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type TestNode = Node & { receive(msg: Msg): void; on(event: string, listener: (...args: any[]) => void): TestNode }; // eslint-disable-line @typescript-eslint/no-explicit-any

const CODES = [
  { table: 'material', erp: '100-2001', mes: 'MAT-2001', description: '不锈钢螺栓 M8×30' },
  { table: 'material', erp: '300-0101', mes: 'RAW-0101', description: '304 不锈钢棒材' },
  { table: 'unit', erp: 'PCS', mes: 'EA' },
  { table: 'unit', erp: 'KG', mes: 'KGM' },
  { table: 'plant', erp: '1000', mes: 'SZ01', description: '苏州工厂' },
  { table: 'operation', erp: '0010', mes: 'TURN', description: '车削' },
  { table: 'operation', erp: '0020', mes: 'MILL', description: '铣削' },
  { table: 'equipment', erp: 'WC-01', mes: 'CNC-A01', description: '数控车床 1 号' },
  { table: 'equipment', erp: 'WC-03', mes: 'MC-B02', description: '加工中心 2 号' },
];

/** A work order as erp-order-fetch emits it (schemas/work-order.schema.json), still in ERP codes. */
function workOrder(): Msg {
  return {
    topic: 'WO-1000-000123',
    payload: {
      workOrderNo: 'WO-1000-000123',
      source: { system: 'erp', orderNo: '000123', revision: 2, updatedAt: '2026-03-01T08:00:00+08:00' },
      status: 'released',
      materialCode: '100-2001',
      productName: '不锈钢螺栓 M8×30',
      plannedQty: 500,
      unit: 'PCS',
      dueDate: '2026-03-05T18:00:00+08:00',
      priority: 3,
      site: '1000',
      operations: [
        { sequence: '0010', operationCode: '0010', description: '车削', equipmentCode: 'WC-01', plannedStart: '2026-03-02T08:00:00+08:00', plannedEnd: '2026-03-02T16:00:00+08:00', stdSecondsPerUnit: 42 },
        { sequence: '0020', operationCode: '0020', description: '铣削', equipmentCode: 'WC-03', plannedStart: '2026-03-03T08:00:00+08:00', plannedEnd: '2026-03-03T16:00:00+08:00', stdSecondsPerUnit: 30, qcSpecRef: 'QC-M8-02' },
      ],
      materials: [{ materialCode: '300-0101', materialName: '304 不锈钢棒材', qtyPer: 0.05, requiredQty: 25, unit: 'KG', issueTolerancePct: 2, sequence: '0010' }],
    },
  };
}

type Flow = Parameters<typeof helper.load>[1];

function flow(options: { entries?: unknown[]; file?: string; fileTable?: string; rules?: unknown[]; direction?: string } = {}): Flow {
  // Built apart from the return so the node-specific config properties are not excess-property errors.
  const nodes = [
    { id: 't1', type: 'code-map-table', name: 'codes', entries: options.entries ?? CODES, file: options.file ?? '', fileTable: options.fileTable ?? '' },
    { id: 'n1', type: 'code-map', tables: 't1', direction: options.direction ?? 'erp-to-mes', rules: options.rules ?? WORK_ORDER_RULES, wires: [['mapped'], ['unmapped']] },
    { id: 'mapped', type: 'helper' },
    { id: 'unmapped', type: 'helper' },
  ];
  return nodes;
}

function nextMessage(id: string): Promise<Msg> {
  return new Promise((resolve) => (helper.getNode(id) as TestNode).once('input', resolve));
}

function nextCall(id: string, method: 'error' | 'warn'): Promise<{ args: unknown[] }> {
  return new Promise((resolve) => (helper.getNode(id) as TestNode).once(`call:${method}`, resolve));
}

function nextTablesChange(): Promise<{ state: string; size: number; error?: string }> {
  return new Promise((resolve) => (helper.getNode('t1') as TestNode).once('tables-changed', resolve));
}

/** Waits until `check` holds, for things that have no event (a closed OS handle). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`gave up waiting: ${what}`);
}

const watchers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap' || r === 'StatWatcher').length;

describe('code-map node', () => {
  let dir: string;
  before(async () => {
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
  });
  afterEach(async () => {
    await helper.unload();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const tempDir = (): string => (dir = mkdtempSync(join(tmpdir(), 'code-map-node-')));

  it('maps a work order ERP→MES on output 1, leaving nothing on output 2', async () => {
    await helper.load([codeMapTableNode, codeMapNode], flow());
    let unmappedSeen = false;
    (helper.getNode('unmapped') as TestNode).on('input', () => (unmappedSeen = true));
    const mapped = nextMessage('mapped');
    (helper.getNode('n1') as TestNode).receive(workOrder());
    const msg = await mapped;
    assert.equal(msg.payload.materialCode, 'MAT-2001');
    assert.equal(msg.payload.unit, 'EA');
    assert.equal(msg.payload.site, 'SZ01');
    assert.deepEqual(
      msg.payload.operations.map((o: Msg) => `${o.operationCode}@${o.equipmentCode}`),
      ['TURN@CNC-A01', 'MILL@MC-B02'],
    );
    assert.deepEqual([msg.payload.materials[0].materialCode, msg.payload.materials[0].unit], ['RAW-0101', 'KGM']);
    assert.equal(msg.payload.operations[1].qcSpecRef, 'QC-M8-02', 'fields without codes pass through');
    assert.equal(msg.topic, 'WO-1000-000123');
    assert.equal(unmappedSeen, false);
  });

  it('sends a work order with an unknown equipment code to output 2 with field, code and table, and warns once', async () => {
    await helper.load([codeMapTableNode, codeMapNode], flow());
    let mappedSeen = false;
    (helper.getNode('mapped') as TestNode).on('input', () => (mappedSeen = true));
    const warnings: unknown[] = [];
    (helper.getNode('n1') as TestNode).on('call:warn', (call: { args: unknown[] }) => warnings.push(call.args[0]));
    const order = workOrder();
    order.payload.operations[1].equipmentCode = 'WC-OLD09';
    for (let i = 0; i < 2; i++) {
      const unmapped = nextMessage('unmapped');
      (helper.getNode('n1') as TestNode).receive(structuredClone(order));
      const msg = await unmapped;
      assert.deepEqual(msg.unmapped, [{ field: 'payload.operations[1].equipmentCode', code: 'WC-OLD09', table: 'equipment', reason: 'unknown' }]);
      assert.equal(msg.error.message, "ERP equipment code 'WC-OLD09' at payload.operations[1].equipmentCode has no MES code in table 'equipment'");
      assert.deepEqual(msg.payload, order.payload, 'output 2 carries the payload unchanged, not half mapped');
    }
    assert.equal(mappedSeen, false);
    assert.deepEqual(warnings, ["ERP equipment code 'WC-OLD09' at payload.operations[1].equipmentCode has no MES code in table 'equipment'"]);
  });

  it('maps MES progress codes back to ERP codes in the MES→ERP direction', async () => {
    const rules = [
      { path: 'payload.operationCode', table: 'operation' },
      { path: 'payload.equipmentCode', table: 'equipment' },
      { path: 'payload.site', table: 'plant' },
    ];
    await helper.load([codeMapTableNode, codeMapNode], flow({ direction: 'mes-to-erp', rules }));
    const mapped = nextMessage('mapped');
    (helper.getNode('n1') as TestNode).receive({ payload: { workOrderNo: 'WO-1000-000123', operationCode: 'MILL', equipmentCode: 'MC-B02', site: 'SZ01', goodQty: 120, scrapQty: 3 } });
    assert.deepEqual((await mapped).payload, { workOrderNo: 'WO-1000-000123', operationCode: '0020', equipmentCode: 'WC-03', site: '1000', goodQty: 120, scrapQty: 3 });
  });

  it('loads codes by message into the shared table, and rejects a bad entry naming it', async () => {
    await helper.load([codeMapTableNode, codeMapNode], flow());
    const n1 = helper.getNode('n1') as TestNode;
    const changed = nextTablesChange();
    n1.receive({ topic: 'code-map/load', payload: { mode: 'merge', entries: [{ table: 'equipment', erp: 'WC-OLD09', mes: 'CNC-A09', description: '旧数控车床 9 号' }] } });
    assert.equal((await changed).state, 'ok');
    const order = workOrder();
    order.payload.operations[1].equipmentCode = 'WC-OLD09';
    const mapped = nextMessage('mapped');
    n1.receive(order);
    const msg = await mapped;
    assert.deepEqual(
      msg.payload.operations.map((o: Msg) => o.equipmentCode),
      ['CNC-A01', 'CNC-A09'],
      'merge keeps the other equipment codes',
    );

    const failed = nextCall('n1', 'error');
    n1.receive({
      topic: 'code-map/load',
      payload: [
        { table: 'unit', erp: 'PCS', mes: 'EA' },
        { table: 'unit', mes: 'BOX' },
      ],
    });
    const call = await failed;
    assert.match(String(call.args[0]), /msg\.payload\[1\]: erp is required/);
    assert.equal((call.args[1] as Msg).topic, 'code-map/load', 'the error carries the msg for Catch nodes');
  });

  it('replaces a table loaded by message: codes only in the old table become unmapped', async () => {
    await helper.load([codeMapTableNode, codeMapNode], flow());
    const n1 = helper.getNode('n1') as TestNode;
    const changed = nextTablesChange();
    n1.receive({ topic: 'code-map/load', payload: [{ table: 'unit', erp: 'KG', mes: 'KGM' }] });
    await changed;
    const unmapped = nextMessage('unmapped');
    n1.receive(workOrder());
    assert.deepEqual(
      (await unmapped).unmapped.map((u: Msg) => `${u.table}:${u.code}`),
      ['unit:PCS'],
    );
  });

  it('reloads a CSV file edited on disk without a redeploy', async () => {
    const file = join(tempDir(), 'codes.csv');
    writeFileSync(file, '\uFEFFtable,erp,mes,description\r\nequipment,WC-03,MC-B02,加工中心 2 号\r\n');
    await helper.load([codeMapTableNode, codeMapNode], flow({ file }));
    const n1 = helper.getNode('n1') as TestNode;
    const changed = nextTablesChange();
    writeFileSync(file, '\uFEFFtable,erp,mes,description\r\nequipment,WC-03,"MC-B03","加工中心 3 号, 新"\r\n');
    assert.equal((await changed).state, 'ok');
    const mapped = nextMessage('mapped');
    n1.receive(workOrder());
    assert.equal((await mapped).payload.operations[1].equipmentCode, 'MC-B03', 'the file wins over the inline row for the same ERP code');
  });

  it('keeps the previous codes when a reloaded file has a bad row, and logs the file and row', async () => {
    const file = join(tempDir(), 'equipment.csv');
    writeFileSync(file, 'erp,mes\nWC-03,MC-B03\n');
    await helper.load([codeMapTableNode, codeMapNode], flow({ file, fileTable: 'equipment' }));
    const n1 = helper.getNode('n1') as TestNode;
    const changed = nextTablesChange();
    const logged = nextCall('t1', 'error');
    writeFileSync(file, 'erp,mes\nWC-03,MC-B04\nWC-07,\n');
    const status = await changed;
    assert.equal(status.state, 'stale');
    assert.match(String((await logged).args[0]), new RegExp(`${file.replace(/[.\\/]/g, '\\$&')} row 3: mes is required`));
    const mapped = nextMessage('mapped');
    n1.receive(workOrder());
    assert.equal((await mapped).payload.operations[1].equipmentCode, 'MC-B03');
  });

  it('fails every message with the reason when the table file cannot be loaded at deploy', async () => {
    const file = join(tempDir(), 'codes.csv');
    writeFileSync(file, 'table,erp,mes\nmaterial,100-2001,MAT-2001\nmaterial,100-2001,MAT-9999\n');
    await helper.load([codeMapTableNode, codeMapNode], flow({ file }));
    const failed = nextCall('n1', 'error');
    (helper.getNode('n1') as TestNode).receive(workOrder());
    assert.match(String((await failed).args[0]), /codes\.csv row 3: ERP material code '100-2001' is mapped to MES code 'MAT-9999' here but to 'MAT-2001' in .*codes\.csv row 2/);
  });

  it('reports an invalid field path at deploy and refuses messages', async () => {
    await helper.load([codeMapTableNode, codeMapNode], flow({ rules: [{ path: 'payload.operations[x].equipmentCode', table: 'equipment' }] }));
    const deployErrors = helper
      .log()
      .args.map((a: unknown[]) => a[0] as Msg)
      .filter((e: Msg) => e.level === 20 && e.type === 'code-map');
    assert.equal(deployErrors.length, 1);
    assert.match(String(deployErrors[0].msg), /field path 'payload\.operations\[x\]\.equipmentCode' is not valid/);
    const failed = nextCall('n1', 'error');
    (helper.getNode('n1') as TestNode).receive(workOrder());
    assert.match(String((await failed).args[0]), /is not valid/);
  });

  it('stops watching the file when the flow is stopped', async () => {
    const file = join(tempDir(), 'codes.csv');
    writeFileSync(file, 'table,erp,mes\nplant,1000,SZ01\n');
    const before = watchers();
    await helper.load([codeMapTableNode, codeMapNode], flow({ file }));
    assert.equal(watchers(), before + 1);
    const t1 = helper.getNode('t1') as TestNode & { listenerCount(event: string): number };
    assert.equal(t1.listenerCount('tables-changed'), 1, 'the code-map node listens to its table');
    await helper.unload();
    assert.equal(t1.listenerCount('tables-changed'), 0, 'the code-map node removed its listener');
    await until(() => watchers() === before, 'the file watcher to close');
  });
});
