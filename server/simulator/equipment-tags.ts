// The address map of the demo plant's machines: which machine speaks which protocol, its OPC UA node ids
// and its Modbus unit id and holding registers. The simulator serves exactly this map; the demo flow's
// equipment tab and the tests read it from here, so the three cannot drift apart.
import type { MachineSpec, MachineState } from './equipment-model';

/** The machines and their ideal cycle times: the routing's std time per unit of the operation each runs (seed.ts). */
export const DEMO_MACHINES: MachineSpec[] = [
  { equipment: 'EQ-EXTR-01', name: '挤出机1号', idealCycleSec: 0.9, nominalSpeedRpm: 1200, nominalTemperatureC: 185, rejectRate: 0.015 },
  { equipment: 'EQ-ASM-01', name: '自动组装线1', idealCycleSec: 2.4, nominalSpeedRpm: 600, nominalTemperatureC: 38, rejectRate: 0.01 },
  { equipment: 'EQ-UVB-01', name: 'UV粘接机', idealCycleSec: 1.5, nominalSpeedRpm: 300, nominalTemperatureC: 45, rejectRate: 0.008 },
  { equipment: 'EQ-LEAK-01', name: '密封性测试台', idealCycleSec: 2.0, nominalSpeedRpm: 0, nominalTemperatureC: 28, rejectRate: 0.02 },
];

/** The OPC UA server's path; the endpoint is opc.tcp://127.0.0.1:<port>/UA/DemoPlant. */
export const OPCUA_RESOURCE_PATH = '/UA/DemoPlant';

export type EquipmentField = 'state' | 'partCounter' | 'rejectCounter' | 'spindleSpeed' | 'temperature';
export const EQUIPMENT_FIELDS: readonly EquipmentField[] = ['state', 'partCounter', 'rejectCounter', 'spindleSpeed', 'temperature'];

/** OPC UA variable browse names per field (node id ns=1;s=<equipment>.<name>). */
const OPCUA_NAMES: Record<EquipmentField, string> = {
  state: 'State',
  partCounter: 'PartCounter',
  rejectCounter: 'RejectCounter',
  spindleSpeed: 'SpindleSpeed',
  temperature: 'Temperature',
};

export interface OpcuaTag {
  equipment: string;
  field: EquipmentField;
  browseName: string;
  nodeId: string;
  dataType: 'String' | 'UInt32' | 'Double';
}

/**
 * Modbus holding registers of each PLC unit (function code 3, zero-based addresses, big-endian words).
 * 32-bit counters are two registers, high word first.
 */
export const MODBUS_REGISTERS = {
  state: 0, // 0 unknown, 1 running, 2 idle, 3 fault, 4 maintenance
  partCounter: 1, // uint32 at 1–2
  rejectCounter: 3, // uint32 at 3–4
  spindleSpeed: 5, // uint16, rpm
  temperature: 6, // int16, °C × 10
  count: 7, // one read of registers 0–6 gets a unit's whole reading
} as const;

export const MODBUS_STATE_CODES: Record<MachineState, number> = { running: 1, idle: 2, fault: 3, maintenance: 4 };

export interface ModbusUnit {
  equipment: string;
  unitId: number;
}

export function opcuaTagsOf(equipment: string): OpcuaTag[] {
  return EQUIPMENT_FIELDS.map((field) => ({
    equipment,
    field,
    browseName: OPCUA_NAMES[field],
    nodeId: `ns=1;s=${equipment}.${OPCUA_NAMES[field]}`,
    dataType: field === 'state' ? 'String' : field.endsWith('Counter') ? 'UInt32' : 'Double',
  }));
}
const OPCUA_MACHINES = ['EQ-EXTR-01', 'EQ-ASM-01'];

export const DEMO_EQUIPMENT_TAGS = {
  opcua: {
    resourcePath: OPCUA_RESOURCE_PATH,
    machines: OPCUA_MACHINES,
    tags: OPCUA_MACHINES.flatMap(opcuaTagsOf),
  },
  modbus: {
    units: [
      { equipment: 'EQ-UVB-01', unitId: 1 },
      { equipment: 'EQ-LEAK-01', unitId: 2 },
    ] as ModbusUnit[],
    registers: MODBUS_REGISTERS,
    stateCodes: MODBUS_STATE_CODES,
  },
};

/** The state a unit's state register holds, or undefined for 0 and unknown codes. */
export function stateOfCode(code: number): MachineState | undefined {
  return (Object.keys(MODBUS_STATE_CODES) as MachineState[]).find((s) => MODBUS_STATE_CODES[s] === code);
}
