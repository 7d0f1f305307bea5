// The tag map of an equipment-signal node: which machine and field each OPC UA node id or Modbus holding register
// stands for. Rows come from the editor (or a flow file) as plain objects; they are checked once, at deploy, and a
// bad row is refused with a sentence naming the row and the field, so a typo never turns into silent zeros.

import { EQUIPMENT_STATES, type EquipmentSignal, type EquipmentState } from '../oee/types';

// The reading the maps produce is schemas/equipment-signal, whose type the OEE side owns.
export { EQUIPMENT_STATES, type EquipmentSignal, type EquipmentState };
export const SIGNAL_FIELDS = ['state', 'partCounter', 'rejectCounter', 'spindleSpeed', 'temperature'] as const;
export type SignalField = (typeof SIGNAL_FIELDS)[number];
export const REGISTER_TYPES = ['uint16', 'int16', 'uint32', 'int32'] as const;
/** How a value sits in holding registers: 32-bit values take two registers, high word first (Modbus big-endian). */
export type RegisterType = (typeof REGISTER_TYPES)[number];

interface TagBase {
  /** 1-based row number in the editor's list, for error sentences. */
  row: number;
  equipment: string;
  field: SignalField;
  /** Raw value × scale (e.g. 0.1 for °C × 10); 1 when not set. */
  scale: number;
}
export interface OpcuaTag extends TagBase {
  source: 'opcua';
  nodeId: string;
}
export interface ModbusTag extends TagBase {
  source: 'modbus';
  /** The unit id the read went to; optional, the machine (the read's topic) is the key. */
  unitId?: number;
  /** Holding register address (zero-based, as in the read request). */
  register: number;
  type: RegisterType;
}
export type EquipmentTag = OpcuaTag | ModbusTag;

export interface TagMap {
  opcua: Map<string, OpcuaTag>;
  /** Per machine, its registers. */
  modbus: Map<string, ModbusTag[]>;
  /** Per Modbus unit id, the machine it belongs to. */
  modbusUnits: Map<number, string>;
  /** Modbus state register codes → state. */
  stateCodes: Map<number, EquipmentState>;
}

export class TagMapError extends Error {}

/** The plant's PLC convention (server/simulator/equipment-tags.ts): 0 unknown, 1 running, 2 idle, 3 fault, 4 maintenance. */
export const DEFAULT_STATE_CODES = '1=running,2=idle,3=fault,4=maintenance';

const EQUIPMENT_CODE = /^[\w.-]{1,40}$/;

/** "1=running,2=idle" → code → state; a code or state that is not one names itself. */
export function parseStateCodes(text: unknown): Map<number, EquipmentState> {
  const codes = new Map<number, EquipmentState>();
  const source = typeof text === 'string' && text.trim() !== '' ? text : DEFAULT_STATE_CODES;
  for (const pair of source.split(',')) {
    const [code, state] = pair.split('=').map((s) => s.trim());
    const n = Number(code);
    if (code === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new TagMapError(`state codes: '${pair.trim()}' must be <register value 0–65535>=<state>`);
    if (!(EQUIPMENT_STATES as readonly string[]).includes(state)) throw new TagMapError(`state codes: '${pair.trim()}' names ${JSON.stringify(state ?? '')}, not one of ${EQUIPMENT_STATES.join(', ')}`);
    codes.set(n, state as EquipmentState);
  }
  return codes;
}

function rowError(row: number, what: string): TagMapError {
  return new TagMapError(`tag row ${row}: ${what}`);
}

function parseRow(raw: unknown, row: number): EquipmentTag {
  if (typeof raw !== 'object' || raw === null) throw rowError(row, 'must be an object');
  const r = raw as Record<string, unknown>;
  const equipment = typeof r.equipment === 'string' ? r.equipment.trim() : '';
  if (!EQUIPMENT_CODE.test(equipment)) throw rowError(row, `equipment must be an MES equipment code (letters, digits, '.', '_', '-', up to 40), not ${JSON.stringify(r.equipment ?? '')}`);
  const field = r.field as SignalField;
  if (!SIGNAL_FIELDS.includes(field)) throw rowError(row, `(${equipment}) field must be one of ${SIGNAL_FIELDS.join(', ')}, not ${JSON.stringify(r.field ?? '')}`);
  const scale = r.scale === undefined || r.scale === '' ? 1 : Number(r.scale);
  if (!Number.isFinite(scale) || scale === 0) throw rowError(row, `(${equipment} ${field}) scale must be a non-zero number, not ${JSON.stringify(r.scale)}`);
  if (field === 'state' && scale !== 1) throw rowError(row, `(${equipment} state) a state is not scaled; leave scale at 1`);
  if (r.source === 'opcua') {
    const nodeId = typeof r.nodeId === 'string' ? r.nodeId.trim() : '';
    // ns=<index>;<i|s|g|b>=<identifier>, or the i=/s= form of namespace 0 (OPC UA Part 6, 5.3.1.10).
    if (!/^(ns=\d+;)?[isgb]=.+$/.test(nodeId)) throw rowError(row, `(${equipment} ${field}) nodeId must be an OPC UA node id such as ns=1;s=${equipment}.State, not ${JSON.stringify(r.nodeId ?? '')}`);
    return { source: 'opcua', row, equipment, field, scale, nodeId };
  }
  if (r.source === 'modbus') {
    const register = Number(r.register);
    if (r.register === '' || r.register === undefined || !Number.isInteger(register) || register < 0 || register > 65535)
      throw rowError(row, `(${equipment} ${field}) register must be a holding register address 0–65535, not ${JSON.stringify(r.register ?? '')}`);
    const type = (r.type === undefined || r.type === '' ? 'uint16' : r.type) as RegisterType;
    if (!REGISTER_TYPES.includes(type)) throw rowError(row, `(${equipment} ${field}) type must be one of ${REGISTER_TYPES.join(', ')}, not ${JSON.stringify(r.type)}`);
    let unitId: number | undefined;
    if (r.unitId !== undefined && r.unitId !== '') {
      unitId = Number(r.unitId);
      if (!Number.isInteger(unitId) || unitId < 0 || unitId > 255) throw rowError(row, `(${equipment} ${field}) unitId must be a Modbus unit id 0–255, not ${JSON.stringify(r.unitId)}`);
    }
    return { source: 'modbus', row, equipment, field, scale, register, type, ...(unitId === undefined ? {} : { unitId }) };
  }
  throw rowError(row, `(${equipment} ${field}) source must be 'opcua' or 'modbus', not ${JSON.stringify(r.source ?? '')}`);
}

/** Checks every row; the first bad one is refused with its row number. */
export function parseTagMap(rows: unknown, stateCodes?: unknown): TagMap {
  if (!Array.isArray(rows) || rows.length === 0) throw new TagMapError('the tag map has no rows: add an OPC UA node id or a Modbus register per machine and field');
  const map: TagMap = { opcua: new Map(), modbus: new Map(), modbusUnits: new Map(), stateCodes: parseStateCodes(stateCodes) };
  rows.forEach((raw, i) => {
    const tag = parseRow(raw, i + 1);
    if (tag.source === 'opcua') {
      const twin = map.opcua.get(tag.nodeId);
      if (twin) throw rowError(tag.row, `node id ${tag.nodeId} is already row ${twin.row} (${twin.equipment} ${twin.field})`);
      map.opcua.set(tag.nodeId, tag);
      return;
    }
    const registers = map.modbus.get(tag.equipment) ?? [];
    const twin = registers.find((t) => t.field === tag.field);
    if (twin) throw rowError(tag.row, `${tag.equipment} ${tag.field} is already row ${twin.row}`);
    if (tag.unitId !== undefined) {
      const owner = map.modbusUnits.get(tag.unitId);
      if (owner !== undefined && owner !== tag.equipment) throw rowError(tag.row, `unit id ${tag.unitId} already belongs to ${owner}`);
      map.modbusUnits.set(tag.unitId, tag.equipment);
    }
    registers.push(tag);
    map.modbus.set(tag.equipment, registers);
  });
  return map;
}

/** How a tag names itself in an error: "OPC UA node ns=1;s=X.State (X state)" / "Modbus X temperature (register 6)". */
export function tagName(tag: EquipmentTag): string {
  return tag.source === 'opcua' ? `OPC UA node ${tag.nodeId} (${tag.equipment} ${tag.field})` : `Modbus ${tag.equipment} ${tag.field} (register ${tag.register}${tag.unitId === undefined ? '' : `, unit ${tag.unitId}`})`;
}
