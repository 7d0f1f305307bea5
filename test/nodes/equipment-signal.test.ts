// equipment-signal inside a real Node-RED runtime, fed messages shaped as node-red-contrib-opcua's OpcUa-Client and
// node-red-contrib-modbus's modbus-read send them: each reading leaves as a valid equipment-signal; a bad reading
// reaches Catch naming the tag and value, nothing is sent for it, and the next reading passes; a bad tag map is
// refused at deploy naming the row.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import helper from 'node-red-node-test-helper';
import { assertEquipmentSignal } from '../support/equipment-signal';
import { statusKey } from '../support/locale';

helper.init(require.resolve('node-red'));
const nodes = [require('../../nodes/equipment-signal/equipment-signal'), require('@node-red/nodes/core/common/25-catch')];

type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface TestNode {
  receive(msg: Msg): void;
  on(event: string, f: (x: any) => void): void; // eslint-disable-line @typescript-eslint/no-explicit-any
  once(event: string, f: (x: any) => void): void; // eslint-disable-line @typescript-eslint/no-explicit-any
}
const node = (id: string) => helper.getNode(id) as unknown as TestNode;
const ERROR = 20; // Node-RED's log level numbers: 20 error, 30 warn
const next = (id: string, event = 'input') => new Promise<Msg>((resolve) => node(id).once(event, resolve));

const TAGS = [
  { source: 'opcua', equipment: 'EQ-EXTR-01', field: 'state', nodeId: 'ns=1;s=EQ-EXTR-01.State', scale: 1 },
  { source: 'opcua', equipment: 'EQ-EXTR-01', field: 'temperature', nodeId: 'ns=1;s=EQ-EXTR-01.Temperature', scale: 1 },
  { source: 'modbus', equipment: 'EQ-LEAK-01', unitId: 2, field: 'state', register: 0, type: 'uint16', scale: 1 },
  { source: 'modbus', equipment: 'EQ-LEAK-01', unitId: 2, field: 'partCounter', register: 1, type: 'uint32', scale: 1 },
  { source: 'modbus', equipment: 'EQ-LEAK-01', unitId: 2, field: 'rejectCounter', register: 3, type: 'uint32', scale: 1 },
  { source: 'modbus', equipment: 'EQ-LEAK-01', unitId: 2, field: 'spindleSpeed', register: 5, type: 'uint16', scale: 1 },
  { source: 'modbus', equipment: 'EQ-LEAK-01', unitId: 2, field: 'temperature', register: 6, type: 'int16', scale: 0.1 },
];

/** A data change as the OpcUa-Client sends it after Node-RED cloned it (the StatusCode's getters are gone). */
const dataChange = (topic: string, payload: unknown, statusCode: Record<string, unknown> = { _value: 0, _name: 'Good' }) => ({
  topic,
  payload,
  statusCode,
  sourceTimestamp: new Date('2026-12-01T08:00:00.250Z'),
  serverTimestamp: new Date('2026-12-01T08:00:00.300Z'),
});
const modbusRead = (payload: unknown) => ({ topic: 'EQ-LEAK-01', payload, responseBuffer: {}, input: { topic: 'EQ-LEAK-01', payload: { unitid: '2', fc: 3, address: '0', quantity: '7' } }, sendingNodeId: 'read' });

async function load(tags: unknown[] = TAGS) {
  const statuses: Array<{ fill?: string; text?: string }> = [];
  await helper.load(nodes, [
    { id: 'signal', type: 'equipment-signal', name: 'signals', tags, stateCodes: '1=running,2=idle,3=fault,4=maintenance', wires: [['out']] },
    { id: 'out', type: 'helper' },
    { id: 'catcher', type: 'catch', scope: ['signal'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ] as Parameters<typeof helper.load>[1]);
  node('signal').on('call:status', (c: { args: Array<{ fill?: string; text?: string }> }) => statuses.push(statusKey(c.args[0])));
  return statuses;
}

describe('equipment-signal', () => {
  before(async () => helper.startServer());
  after(async () => helper.stopServer());
  afterEach(async () => helper.unload());

  it('turns an OPC UA data change into a one-field signal stamped with the source time', async () => {
    const statuses = await load();
    const out = next('out');
    node('signal').receive(dataChange('ns=1;s=EQ-EXTR-01.Temperature', 185.4));
    const msg = await out;
    assert.equal(msg.topic, 'EQ-EXTR-01');
    assert.deepEqual(msg.payload, { equipment: 'EQ-EXTR-01', at: '2026-12-01T08:00:00.250Z', temperature: 185.4, source: 'opcua' });
    assertEquipmentSignal(msg.payload);
    assert.deepEqual(statuses.at(-1), { fill: 'green', shape: 'dot', text: 'equipment-signal.status.signals' });
  });

  it('turns a Modbus read into a signal with every mapped field, the subscription notice into nothing', async () => {
    await load();
    const out = next('out');
    node('signal').receive({ topic: 'subscriptionId', payload: 7 });
    // 70000 = 0x0001_1170 (high word first); 0xFFEC = −20 → −2 °C.
    node('signal').receive(modbusRead([1, 1, 4464, 0, 12, 0, 0xffec]));
    const msg = await out;
    assert.equal(msg.topic, 'EQ-LEAK-01');
    assert.deepEqual({ ...msg.payload, at: 'now' }, { equipment: 'EQ-LEAK-01', at: 'now', state: 'running', partCounter: 70000, rejectCounter: 12, spindleSpeed: 0, temperature: -2, source: 'modbus' });
    assertEquipmentSignal(msg.payload);
  });

  it('a Bad OPC UA status goes to Catch naming the tag and value; nothing is sent and the next reading passes', async () => {
    const statuses = await load();
    const caught = next('caught');
    const out = next('out');
    node('signal').receive(dataChange('ns=1;s=EQ-EXTR-01.Temperature', 999, { _value: 0x808b0000, _name: 'BadSensorFailure' }));
    const err = await caught;
    assert.equal(err.error.message, 'Error: OPC UA node ns=1;s=EQ-EXTR-01.Temperature (EQ-EXTR-01 temperature) has bad quality BadSensorFailure (0x808b0000); its value 999 is not used');
    assert.equal(err.error.source.id, 'signal');
    assert.deepEqual(statuses.at(-1), { fill: 'red', shape: 'ring', text: 'equipment-signal.status.bad' });
    node('signal').receive(dataChange('ns=1;s=EQ-EXTR-01.State', 'idle'));
    assert.deepEqual((await out).payload, { equipment: 'EQ-EXTR-01', at: '2026-12-01T08:00:00.250Z', state: 'idle', source: 'opcua' });
    assert.equal(statuses.at(-1)?.fill, 'green');
  });

  it('too few registers, a wrong state and an unknown topic each go to Catch with the message', async () => {
    await load();
    const expect = async (msg: Msg, pattern: RegExp) => {
      const caught = next('caught');
      node('signal').receive(msg);
      const err = await caught;
      assert.match(err.error.message, pattern);
      assert.equal(err.topic, msg.topic, 'the message that failed reaches Catch');
    };
    await expect(modbusRead([1, 0, 5, 0, 0]), /Modbus EQ-LEAK-01 returned 5 holding registers from 0; the tag map needs registers 0–6$/);
    await expect(dataChange('ns=1;s=EQ-EXTR-01.State', 'exploded'), /EQ-EXTR-01 state\) gave "exploded", not a state/);
    await expect({ topic: 'ns=1;s=EQ-OTHER.State', payload: 'idle' }, /msg.topic "ns=1;s=EQ-OTHER.State" is neither an OPC UA node id nor a Modbus machine of the tag map/);
  });

  it('a bad tag map is refused at deploy naming the row, and every message with it', async () => {
    await load([TAGS[0], { ...TAGS[3], register: 'x' }]);
    const logged = helper
      .log()
      .args.map((call: unknown[]) => call[0] as Msg)
      .filter((e: Msg) => e.id === 'signal' && e.level === ERROR);
    assert.deepEqual(
      logged.map((e: Msg) => e.msg),
      ['equipment-signal: tag row 2: (EQ-LEAK-01 partCounter) register must be a holding register address 0–65535, not "x"'],
    );
    const caught = next('caught');
    node('signal').receive(dataChange('ns=1;s=EQ-EXTR-01.State', 'idle'));
    assert.match((await caught).error.message, /equipment-signal: tag row 2: \(EQ-LEAK-01 partCounter\) register must be a holding register address 0–65535, not "x"$/);
  });
});
