// One poll of a PLC unit's holding registers, as node-red-contrib-modbus's modbus-read sends it (topic = the read's
// topic, here the machine; payload = the register words; input.payload = the request: unitid, address, quantity),
// turned into one equipment-signal with every field the tag map has for that machine. 32-bit values are two
// registers, high word first (Modbus is big-endian; most PLCs put the high word first too).
import { fieldValue, EquipmentReadingError } from './readings';
import { tagName, type EquipmentSignal, type ModbusTag, type TagMap } from './tag-map';

export interface ModbusRead {
  topic?: unknown;
  payload?: unknown;
  input?: { payload?: { unitid?: unknown; address?: unknown } };
}

const WORDS = { uint16: 1, int16: 1, uint32: 2, int32: 2 } as const;

/** The machine a read belongs to: its topic, or else the unit id it was sent to. */
function machineOf(map: TagMap, msg: ModbusRead): string | undefined {
  if (typeof msg.topic === 'string' && map.modbus.has(msg.topic)) return msg.topic;
  const unit = Number(msg.input?.payload?.unitid);
  return Number.isInteger(unit) ? map.modbusUnits.get(unit) : undefined;
}

export function isModbusRead(map: TagMap, msg: ModbusRead): boolean {
  return machineOf(map, msg) !== undefined;
}

export function registerValue(tag: ModbusTag, words: number[], index: number): number {
  const hi = words[index];
  if (tag.type === 'uint16') return hi;
  if (tag.type === 'int16') return (hi << 16) >> 16;
  const u32 = hi * 65536 + words[index + 1];
  return tag.type === 'uint32' ? u32 : u32 >= 2 ** 31 ? u32 - 2 ** 32 : u32;
}

export function modbusSignal(map: TagMap, msg: ModbusRead, now: Date = new Date()): EquipmentSignal {
  const equipment = machineOf(map, msg);
  if (!equipment) throw new EquipmentReadingError(`Modbus read ${JSON.stringify(msg.topic ?? '')} (msg.topic) names no machine of the tag map`);
  const tags = map.modbus.get(equipment) as ModbusTag[];
  const start = msg.input?.payload?.address === undefined ? 0 : Number(msg.input.payload.address);
  const words = msg.payload;
  const last = Math.max(...tags.map((t) => t.register + WORDS[t.type] - 1));
  const first = Math.min(...tags.map((t) => t.register));
  const wanted = `registers ${first}–${last}`;
  if (!Array.isArray(words)) throw new EquipmentReadingError(`Modbus ${equipment} returned ${JSON.stringify(words ?? null)}, not holding registers (${wanted} are mapped)`);
  if (!Number.isInteger(start) || first < start || last - start >= words.length) {
    throw new EquipmentReadingError(`Modbus ${equipment} returned ${words.length} holding registers from ${String(msg.input?.payload?.address ?? 0)}; the tag map needs ${wanted}`);
  }
  const signal: EquipmentSignal = { equipment, at: now.toISOString() };
  for (const tag of tags) {
    const index = tag.register - start;
    for (let i = index; i < index + WORDS[tag.type]; i += 1) {
      const w = words[i];
      if (!Number.isInteger(w) || w < 0 || w > 65535) throw new EquipmentReadingError(`${tagName(tag)} holds ${JSON.stringify(w ?? null)} at register ${start + i}, not a 16-bit word`);
    }
    const raw = registerValue(tag, words as number[], index);
    // State code 0 is the PLC's "unknown" (just powered up): the reading goes on without a state.
    if (tag.field === 'state' && raw === 0 && !map.stateCodes.has(0)) continue;
    (signal as unknown as Record<string, unknown>)[tag.field] = fieldValue(tag, raw, map.stateCodes);
  }
  signal.source = 'modbus';
  return signal;
}
