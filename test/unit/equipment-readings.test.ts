// The equipment core (nodes/lib/equipment) on hand-made inputs: a tag map is refused naming the bad row and
// field; an OPC UA data change becomes a one-field signal, a Bad status code or a wrong value is refused naming the
// tag and value; a Modbus read decodes every field (32-bit counters high word first, an int16 temperature scaled),
// and too few registers or a word out of range are refused naming the machine.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { modbusSignal, opcuaSignal, parseStateCodes, parseTagMap, registerValue, statusCodeOf, EquipmentReadingError, TagMapError, type ModbusTag } from '../../nodes/lib/equipment';

const NOW = new Date('2026-12-01T08:00:00.000Z');
const OPCUA_ROWS = [
  { source: 'opcua', equipment: 'EQ-EXTR-01', field: 'state', nodeId: 'ns=1;s=EQ-EXTR-01.State' },
  { source: 'opcua', equipment: 'EQ-EXTR-01', field: 'partCounter', nodeId: 'ns=1;s=EQ-EXTR-01.PartCounter' },
  { source: 'opcua', equipment: 'EQ-EXTR-01', field: 'rejectCounter', nodeId: 'ns=1;s=EQ-EXTR-01.RejectCounter' },
  { source: 'opcua', equipment: 'EQ-EXTR-01', field: 'spindleSpeed', nodeId: 'ns=1;s=EQ-EXTR-01.SpindleSpeed' },
  { source: 'opcua', equipment: 'EQ-EXTR-01', field: 'temperature', nodeId: 'ns=1;s=EQ-EXTR-01.Temperature', scale: 1 },
];
const PLC_ROWS = (equipment: string, unitId: number) => [
  { source: 'modbus', equipment, unitId, field: 'state', register: 0, type: 'uint16' },
  { source: 'modbus', equipment, unitId, field: 'partCounter', register: 1, type: 'uint32' },
  { source: 'modbus', equipment, unitId, field: 'rejectCounter', register: 3, type: 'uint32' },
  { source: 'modbus', equipment, unitId, field: 'spindleSpeed', register: 5, type: 'uint16' },
  { source: 'modbus', equipment, unitId, field: 'temperature', register: 6, type: 'int16', scale: 0.1 },
];
const map = parseTagMap([...OPCUA_ROWS, ...PLC_ROWS('EQ-UVB-01', 1), ...PLC_ROWS('EQ-LEAK-01', 2)]);
const refused = (f: () => unknown, kind: new (m: string) => Error, pattern: RegExp) => assert.throws(f, (e: Error) => e instanceof kind && pattern.test(e.message), `expected ${pattern}`);

describe('equipment tag map', () => {
  it('keeps every row: OPC UA by node id, Modbus per machine and unit id, the default state codes', () => {
    assert.equal(map.opcua.size, 5);
    assert.deepEqual(map.opcua.get('ns=1;s=EQ-EXTR-01.Temperature'), { source: 'opcua', row: 5, equipment: 'EQ-EXTR-01', field: 'temperature', scale: 1, nodeId: 'ns=1;s=EQ-EXTR-01.Temperature' });
    assert.equal(map.modbus.get('EQ-LEAK-01')?.length, 5);
    assert.equal(map.modbusUnits.get(2), 'EQ-LEAK-01');
    assert.deepEqual(
      [...map.stateCodes],
      [
        [1, 'running'],
        [2, 'idle'],
        [3, 'fault'],
        [4, 'maintenance'],
      ],
    );
  });

  it('refuses a bad row naming its number and field', () => {
    refused(() => parseTagMap([]), TagMapError, /no rows/);
    refused(() => parseTagMap([OPCUA_ROWS[0], { ...OPCUA_ROWS[1], field: 'speed' }]), TagMapError, /^tag row 2: \(EQ-EXTR-01\) field must be one of state, partCounter.*not "speed"/);
    refused(() => parseTagMap([{ ...OPCUA_ROWS[0], equipment: '' }]), TagMapError, /^tag row 1: equipment must be an MES equipment code/);
    refused(() => parseTagMap([{ ...OPCUA_ROWS[0], nodeId: 'EQ-EXTR-01.State' }]), TagMapError, /^tag row 1: \(EQ-EXTR-01 state\) nodeId must be an OPC UA node id/);
    refused(() => parseTagMap([{ ...OPCUA_ROWS[0], source: 'profinet' }]), TagMapError, /^tag row 1: .*source must be 'opcua' or 'modbus', not "profinet"/);
    refused(() => parseTagMap([OPCUA_ROWS[0], OPCUA_ROWS[0]]), TagMapError, /^tag row 2: node id ns=1;s=EQ-EXTR-01.State is already row 1/);
    refused(() => parseTagMap([{ ...PLC_ROWS('EQ-UVB-01', 1)[1], register: -1 }]), TagMapError, /^tag row 1: \(EQ-UVB-01 partCounter\) register must be a holding register address 0–65535, not -1/);
    refused(() => parseTagMap([{ ...PLC_ROWS('EQ-UVB-01', 1)[1], type: 'float32' }]), TagMapError, /type must be one of uint16, int16, uint32, int32, not "float32"/);
    refused(() => parseTagMap([{ ...PLC_ROWS('EQ-UVB-01', 1)[4], scale: 'x' }]), TagMapError, /^tag row 1: \(EQ-UVB-01 temperature\) scale must be a non-zero number/);
    refused(() => parseTagMap([...PLC_ROWS('EQ-UVB-01', 1), PLC_ROWS('EQ-LEAK-01', 1)[0]]), TagMapError, /^tag row 6: unit id 1 already belongs to EQ-UVB-01/);
    refused(() => parseTagMap([{ ...PLC_ROWS('EQ-UVB-01', 1)[0], unitId: 300 }]), TagMapError, /unitId must be a Modbus unit id 0–255, not 300/);
  });

  it('reads a state code table and refuses a code or state that is not one', () => {
    assert.deepEqual(
      [...parseStateCodes('0=idle, 7=fault')],
      [
        [0, 'idle'],
        [7, 'fault'],
      ],
    );
    refused(() => parseStateCodes('1=running,2=stopped'), TagMapError, /state codes: '2=stopped' names "stopped", not one of running/);
    refused(() => parseStateCodes('x=running'), TagMapError, /state codes: 'x=running' must be/);
  });
});

describe('OPC UA data change → equipment-signal', () => {
  const change = (topic: string, payload: unknown, extra: Record<string, unknown> = {}) => ({
    topic,
    payload,
    statusCode: { value: 0, description: 'Good' },
    sourceTimestamp: new Date('2026-12-01T07:59:59.500Z'),
    serverTimestamp: new Date('2026-12-01T07:59:59.600Z'),
    ...extra,
  });

  it('gives each field alone, stamped with the source time', () => {
    const expect = (topic: string, payload: unknown, field: string) => assert.deepEqual(opcuaSignal(map, change(topic, payload), NOW), { equipment: 'EQ-EXTR-01', at: '2026-12-01T07:59:59.500Z', [field]: payload, source: 'opcua' });
    expect('ns=1;s=EQ-EXTR-01.State', 'fault', 'state');
    expect('ns=1;s=EQ-EXTR-01.PartCounter', 4294967295, 'partCounter');
    expect('ns=1;s=EQ-EXTR-01.RejectCounter', 0, 'rejectCounter');
    expect('ns=1;s=EQ-EXTR-01.SpindleSpeed', 1187.5, 'spindleSpeed');
    expect('ns=1;s=EQ-EXTR-01.Temperature', -4.2, 'temperature');
  });

  it('falls back to the server time, then now; a status code cloned by Node-RED (_value) still counts', () => {
    assert.equal(opcuaSignal(map, change('ns=1;s=EQ-EXTR-01.State', 'idle', { sourceTimestamp: undefined }), NOW).at, '2026-12-01T07:59:59.600Z');
    assert.equal(opcuaSignal(map, change('ns=1;s=EQ-EXTR-01.State', 'idle', { sourceTimestamp: null, serverTimestamp: '1601-01-01T00:00:00Z' }), NOW).at, NOW.toISOString());
    assert.deepEqual(statusCodeOf({ _value: 0x80340000, _name: 'BadNodeIdUnknown' }), { value: 0x80340000, name: 'BadNodeIdUnknown' });
    // Uncertain (severity 01) is still the machine's value.
    assert.equal(opcuaSignal(map, change('ns=1;s=EQ-EXTR-01.SpindleSpeed', 10, { statusCode: 0x40000000 }), NOW).spindleSpeed, 10);
  });

  it('refuses a Bad status code naming the tag, the code and the value', () => {
    refused(
      () => opcuaSignal(map, change('ns=1;s=EQ-EXTR-01.Temperature', 65.2, { statusCode: { _value: 0x808b0000, _name: 'BadSensorFailure' } }), NOW),
      EquipmentReadingError,
      /^OPC UA node ns=1;s=EQ-EXTR-01.Temperature \(EQ-EXTR-01 temperature\) has bad quality BadSensorFailure \(0x808b0000\); its value 65.2 is not used$/,
    );
    refused(() => opcuaSignal(map, change('ns=1;s=EQ-EXTR-01.State', 'running', { statusCode: 0x80000000 }), NOW), EquipmentReadingError, /bad quality 0x80000000/);
  });

  it('refuses a value of the wrong kind and a node id outside the map', () => {
    refused(() => opcuaSignal(map, change('ns=1;s=EQ-EXTR-01.State', 'broken'), NOW), EquipmentReadingError, /EQ-EXTR-01 state\) gave "broken", not a state/);
    refused(() => opcuaSignal(map, change('ns=1;s=EQ-EXTR-01.PartCounter', -1), NOW), EquipmentReadingError, /gave -1, not a whole non-negative count for partCounter/);
    refused(() => opcuaSignal(map, change('ns=1;s=EQ-EXTR-01.PartCounter', 1.5), NOW), EquipmentReadingError, /gave 1.5, not a whole/);
    refused(() => opcuaSignal(map, change('ns=1;s=EQ-EXTR-01.Temperature', 'hot'), NOW), EquipmentReadingError, /gave "hot", not a number for temperature/);
    refused(() => opcuaSignal(map, change('ns=1;s=EQ-EXTR-01.Temperature', Number.NaN), NOW), EquipmentReadingError, /gave NaN, not a number/);
    refused(() => opcuaSignal(map, change('ns=1;s=EQ-X.State', 'idle'), NOW), EquipmentReadingError, /OPC UA node "ns=1;s=EQ-X.State" \(msg.topic\) is not in the tag map/);
  });
});

describe('Modbus holding registers → equipment-signal', () => {
  const read = (topic: string, payload: unknown, unitid = 1, address = 0) => ({ topic, payload, input: { payload: { unitid, fc: 3, address, quantity: 7 } } });

  it('decodes every field: state code, 32-bit counters high word first, int16 temperature × 0.1', () => {
    // 70000 = 0x0001_1170, 65536 = 0x0001_0000; 0xFFD6 = −42 → −4.2 °C.
    assert.deepEqual(modbusSignal(map, read('EQ-UVB-01', [3, 1, 4464, 1, 0, 300, 0xffd6]), NOW), {
      equipment: 'EQ-UVB-01',
      at: NOW.toISOString(),
      state: 'fault',
      partCounter: 70000,
      rejectCounter: 65536,
      spindleSpeed: 300,
      temperature: -4.2,
      source: 'modbus',
    });
    assert.equal(modbusSignal(map, read('EQ-UVB-01', [1, 0, 0, 0, 0, 0, 652]), NOW).temperature, 65.2);
    assert.equal(modbusSignal(map, read('EQ-UVB-01', [1, 0xffff, 0xffff, 0, 0, 0, 0]), NOW).partCounter, 4294967295);
  });

  it('leaves the state out on code 0 (unknown) and refuses a code outside the table', () => {
    assert.equal('state' in modbusSignal(map, read('EQ-UVB-01', [0, 0, 5, 0, 0, 0, 0]), NOW), false);
    refused(() => modbusSignal(map, read('EQ-UVB-01', [9, 0, 5, 0, 0, 0, 0]), NOW), EquipmentReadingError, /^Modbus EQ-UVB-01 state \(register 0, unit 1\) gave 9, not a state/);
  });

  it('finds the machine by the unit id when the topic names none, and honours the read start address', () => {
    assert.equal(modbusSignal(map, read('polling', [2, 0, 7, 0, 1, 0, 280], 2), NOW).equipment, 'EQ-LEAK-01');
    // The same map read from address 0 into a longer block: registers are taken at their own addresses.
    assert.equal(modbusSignal(map, read('EQ-LEAK-01', [2, 0, 7, 0, 1, 0, 280, 99, 99]), NOW).partCounter, 7);
    refused(() => modbusSignal(map, read('EQ-LEAK-01', [0, 7, 0, 1, 0, 280], 2, 1), NOW), EquipmentReadingError, /returned 6 holding registers from 1; the tag map needs registers 0–6/);
    refused(() => modbusSignal(map, read('nobody', [1], 9), NOW), EquipmentReadingError, /Modbus read "nobody" \(msg.topic\) names no machine/);
  });

  it('refuses the wrong register count and a word that is no 16-bit value', () => {
    refused(() => modbusSignal(map, read('EQ-UVB-01', [1, 0, 5, 0, 0, 300]), NOW), EquipmentReadingError, /^Modbus EQ-UVB-01 returned 6 holding registers from 0; the tag map needs registers 0–6$/);
    refused(() => modbusSignal(map, read('EQ-UVB-01', 'timeout'), NOW), EquipmentReadingError, /returned "timeout", not holding registers/);
    refused(() => modbusSignal(map, read('EQ-UVB-01', [1, 0, 5, 0, 0, 70000, 0]), NOW), EquipmentReadingError, /EQ-UVB-01 spindleSpeed \(register 5, unit 1\) holds 70000 at register 5, not a 16-bit word/);
  });

  it('decodes int32 high word first', () => {
    const tag = { source: 'modbus', row: 1, equipment: 'X', field: 'temperature', scale: 1, register: 0, type: 'int32' } as ModbusTag;
    assert.equal(registerValue(tag, [0xffff, 0xfffe], 0), -2);
    assert.equal(registerValue(tag, [0x0001, 0x0000], 0), 65536);
  });
});
