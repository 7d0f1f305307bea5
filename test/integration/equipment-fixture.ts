// For the equipment tab's tests: the plant simulator with its machines (OPC UA server and Modbus PLC), and
// the tab as scripts/equipment-flow.mjs generates it, running in a real Node-RED runtime with the real
// node-red-contrib-opcua and node-red-contrib-modbus nodes. Signals arriving at the OEE side's link in are
// collected, every node's statuses recorded.
import { after, afterEach, before, beforeEach } from 'node:test';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import helper from 'node-red-node-test-helper';
import { startPlantSimulator, type PlantSimulator } from '../../server/simulator/plant-simulator';
import type { EquipmentPlant } from '../../server/simulator/equipment-plant';
import { schemasDirectory } from '../../nodes/lib/validation';
import { disconnectOnClose, type OpcuaClientNodeLike } from '../../server/opcua-client-close';

helper.init(require.resolve('node-red'));

export const EQUIPMENT_NODE_MODULES = [
  require('node-red-contrib-opcua/opcua/101-opcuaitem'),
  require('node-red-contrib-opcua/opcua/102-opcuaclient'),
  require('node-red-contrib-opcua/opcua/105-opcuaendpoint'),
  require('node-red-contrib-modbus/modbus/modbus-client'),
  require('node-red-contrib-modbus/modbus/modbus-read'),
  require('../../nodes/equipment-signal/equipment-signal'),
  require('../../nodes/opcua-watchdog/opcua-watchdog'),
  require('@node-red/nodes/core/common/21-debug'),
  require('@node-red/nodes/core/common/60-link'),
  require('@node-red/nodes/core/common/90-comment'),
  require('@node-red/nodes/core/function/10-switch'),
  require('@node-red/nodes/core/function/rbe'),
]; // catch the helper loads by itself

export interface Signal {
  equipment: string;
  at: string;
  state?: string;
  partCounter?: number;
  rejectCounter?: number;
  spindleSpeed?: number;
  temperature?: number;
  source?: string;
}
export interface NodeStatus {
  fill?: string;
  shape?: string;
  text?: string;
}

export interface EquipmentFixture {
  sim: PlantSimulator;
  equipment: EquipmentPlant;
  signals: Signal[];
  errors: Array<{ error: { message: string } }>;
  statuses: Map<string, NodeStatus[]>;
  lastStatus(id: string): NodeStatus | undefined;
  /** POST to the simulator's /equipment/_sim control. */
  control(path: string, body: unknown): Promise<Response>;
}

export interface FlowTimings {
  staleMs?: number;
  reconnectEveryMs?: number;
  publishMs?: number;
  modbusRateMs?: number;
}

type FlowNode = Record<string, unknown>;
// A real ESM import of the generator (tsc would turn import() into require()).
const importEsm = new Function('url', 'return import(url)') as (url: string) => Promise<{ equipmentFlow(root: string, t: FlowTimings): FlowNode[] }>;

export function useEquipmentFlow(timings: FlowTimings): EquipmentFixture {
  const fixture = { signals: [], errors: [], statuses: new Map() } as unknown as EquipmentFixture;
  const root = join(schemasDirectory(), '..');
  before(async () => {
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
  });
  beforeEach(async () => {
    fixture.sim = await startPlantSimulator({ seedOrders: 0, equipment: {} });
    fixture.equipment = fixture.sim.equipment as EquipmentPlant;
    process.env.OPCUA_ENDPOINT = fixture.equipment.opcuaEndpoint;
    process.env.MODBUS_HOST = fixture.equipment.modbusHost;
    process.env.MODBUS_PORT = String(fixture.equipment.modbusPort);
    fixture.signals = [];
    fixture.errors = [];
    fixture.statuses = new Map();
    fixture.lastStatus = (id) => fixture.statuses.get(id)?.at(-1);
    fixture.control = (path, body) => fetch(`${fixture.sim.url}/equipment/_sim/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const { equipmentFlow } = await importEsm(pathToFileURL(join(root, 'scripts', 'equipment-flow.mjs')).href);
    const tab = equipmentFlow(root, timings);
    const flow: FlowNode[] = [
      ...tab,
      // The OEE side's link in, and what it passes on.
      { id: 'equipment-signals-link-in', type: 'link in', z: 'equipment', links: ['equipment-signals-link-out'], x: 10, y: 10, wires: [['signals']] },
      { id: 'signals', type: 'helper', z: 'equipment', x: 10, y: 10 },
    ];
    await helper.load(EQUIPMENT_NODE_MODULES, flow as Parameters<typeof helper.load>[1]);
    // As the server does on flows:started: the contrib client's close would leave it connected.
    disconnectOnClose(helper.getNode('opcua-client') as unknown as OpcuaClientNodeLike);
    const listen = (id: string, f: (m: never) => void) => (helper.getNode(id) as unknown as { on(e: 'input', f: (m: never) => void): void }).on('input', f);
    listen('signals', (m: { payload: Signal }) => fixture.signals.push(m.payload));
    // The tab's own catch node feeds its errors debug node: what reaches it is what the flow reports.
    listen('equipment-errors', (m: { error: { message: string } }) => fixture.errors.push(m));
    for (const n of tab.filter((t) => typeof t.z === 'string')) {
      const node = helper.getNode(n.id as string) as unknown as { on(e: string, f: (c: { args: NodeStatus[] }) => void): void } | null;
      node?.on('call:status', (c) => {
        const list = fixture.statuses.get(n.id as string) ?? [];
        list.push(c.args[0]);
        fixture.statuses.set(n.id as string, list);
      });
    }
  });
  afterEach(async () => {
    await helper.unload();
    await fixture.sim.close();
  });
  return fixture;
}
