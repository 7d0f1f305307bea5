// The demo plant's equipment tab in a real Node-RED runtime with the real node-red-contrib-opcua and
// node-red-contrib-modbus nodes against the simulated OPC UA server and Modbus PLC: every reading becomes a
// valid equipment-signal at the OEE side's link in; a forced fault arrives once; a Modbus unit that stops
// answering leaves the other unit's reads untouched and shows in its read node's status, and comes back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEMO_EQUIPMENT_TAGS } from '../../server/simulator/equipment-tags';
import { assertEquipmentSignal } from '../support/equipment-signal';
import { eventually } from '../support/temp';
import { useEquipmentFlow, type Signal } from './equipment-fixture';

const OPCUA = DEMO_EQUIPMENT_TAGS.opcua.tags;
const fromOpcua = (s: Signal[], equipment: string, field: string) => s.filter((x) => x.source === 'opcua' && x.equipment === equipment && field in x);
const fromModbus = (s: Signal[], equipment: string) => s.filter((x) => x.source === 'modbus' && x.equipment === equipment);

describe('equipment tab (OPC UA and Modbus through the contrib nodes)', () => {
  const f = useEquipmentFlow({ publishMs: 200, modbusRateMs: 200, staleMs: 3000, reconnectEveryMs: 5000 });

  it('turns every OPC UA tag of both machines and both Modbus units into valid equipment-signals', async () => {
    await eventually(() => OPCUA.every((t) => fromOpcua(f.signals, t.equipment, t.field).length > 0), 'a signal from every OPC UA tag', 20_000);
    await eventually(() => DEMO_EQUIPMENT_TAGS.modbus.units.every((u) => fromModbus(f.signals, u.equipment).length > 1), 'signals from both Modbus units');
    for (const s of f.signals) assertEquipmentSignal(s);
    // The values are the machines' own: a Modbus reading carries the whole register map, decoded.
    const leak = fromModbus(f.signals, 'EQ-LEAK-01').at(-1) as Signal;
    const model = f.equipment.model.reading('EQ-LEAK-01');
    assert.equal(leak.state, model.state);
    assert.ok(leak.partCounter! <= model.partCounter && leak.partCounter! > model.partCounter - 20, `part counter ${leak.partCounter} near the machine's ${model.partCounter}`);
    assert.equal(typeof leak.temperature, 'number');
    // An OPC UA signal is one tag at one instant, stamped with the server's source time.
    const extr = fromOpcua(f.signals, 'EQ-EXTR-01', 'partCounter').at(-1) as Signal;
    assert.deepEqual(Object.keys(extr).sort(), ['at', 'equipment', 'partCounter', 'source']);
    assert.equal(f.lastStatus('opcua-watchdog')?.fill, 'green');
    assert.deepEqual(f.errors, []);
  });

  it('a fault forced on a machine reaches the flow once over OPC UA and over Modbus', async () => {
    await eventually(() => fromOpcua(f.signals, 'EQ-ASM-01', 'state').length > 0 && fromModbus(f.signals, 'EQ-UVB-01').length > 0, 'first readings', 20_000);
    const before = f.signals.length;
    assert.equal((await f.control('machines/EQ-ASM-01/state', { state: 'fault', durationSec: 600 })).status, 200);
    assert.equal((await f.control('machines/EQ-UVB-01/state', { state: 'fault', durationSec: 600 })).status, 200);
    await eventually(() => f.signals.slice(before).some((s) => s.equipment === 'EQ-ASM-01' && s.state === 'fault'), 'the OPC UA fault');
    await eventually(() => f.signals.slice(before).some((s) => s.equipment === 'EQ-UVB-01' && s.state === 'fault'), 'the Modbus fault');
    // One change, one notification: the subscription holds each monitored item once.
    await eventually(() => fromOpcua(f.signals.slice(before), 'EQ-ASM-01', 'spindleSpeed').some((s) => s.spindleSpeed === 0), 'the spindle stopping');
    assert.equal(f.signals.slice(before).filter((s) => s.equipment === 'EQ-ASM-01' && s.state === 'fault').length, 1);
    // The control refuses what it cannot do, naming the field.
    const bad = await f.control('machines/EQ-ASM-01/state', { state: 'broken', durationSec: 5 });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /state must be one of/);
  });

  it('a Modbus unit that stops answering does not stall the other unit, shows in its status, and comes back', async () => {
    await eventually(() => fromModbus(f.signals, 'EQ-LEAK-01').length > 2 && fromModbus(f.signals, 'EQ-UVB-01').length > 2, 'both units read', 20_000);
    assert.equal((await f.control('modbus/units/2', { answering: false })).status, 200);
    await eventually(
      () => ['failure', 'broken'].some((t) => f.lastStatus('modbus-eq-leak-01-read')?.text?.startsWith(t) || f.lastStatus('modbus-eq-leak-01-read')?.text?.startsWith('reconnecting')),
      "the silent unit's read showing its failure",
    );
    // While unit 2 is silent, unit 1 keeps its pace: 200 ms polls, at least 10 readings in 3 s.
    const uvbBefore = fromModbus(f.signals, 'EQ-UVB-01').length;
    const leakBefore = fromModbus(f.signals, 'EQ-LEAK-01').length;
    const answeredBefore = f.equipment.modbus.answered(1);
    await eventually(() => f.equipment.modbus.answered(1) - answeredBefore >= 10, 'unit 1 answering ten polls', 10_000);
    assert.ok(fromModbus(f.signals, 'EQ-UVB-01').length - uvbBefore >= 9, 'unit 1 readings keep arriving');
    assert.equal(fromModbus(f.signals, 'EQ-LEAK-01').length, leakBefore, 'nothing from the silent unit');
    assert.equal(f.lastStatus('modbus-eq-uvb-01-read')?.fill, 'green');
    assert.notEqual(f.lastStatus('modbus-eq-leak-01-read')?.fill, undefined);
    assert.notEqual(f.lastStatus('modbus-eq-leak-01-read')?.text?.startsWith('active'), true);
    // Back again: its own client reconnects and its reads resume.
    assert.equal((await f.control('modbus/units/2', { answering: true })).status, 200);
    await eventually(() => fromModbus(f.signals, 'EQ-LEAK-01').length > leakBefore + 2, 'unit 2 readings again', 15_000);
    await eventually(() => f.lastStatus('modbus-eq-leak-01-read')?.text?.startsWith('active'), 'unit 2 active again');
  });
});
