// From a raw value the machine gave to the value of an equipment-signal field, the same for OPC UA and Modbus:
// a state is one of the four (or a code of the state table), counters are whole non-negative numbers, measurements
// finite numbers, each scaled as its row says. A value that is none of these is refused naming the tag and value.
import { EQUIPMENT_STATES, tagName, type EquipmentState, type EquipmentTag } from './tag-map';

/** A reading the flow cannot use: the message is reported to Catch, nothing is sent. */
export class EquipmentReadingError extends Error {}

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));

function scaled(raw: number, scale: number): number {
  // toPrecision trims the float noise of e.g. 652 × 0.1 without rounding a real digit away.
  return scale === 1 ? raw : Number((raw * scale).toPrecision(12));
}

export function fieldValue(tag: EquipmentTag, raw: unknown, stateCodes: Map<number, EquipmentState>): EquipmentState | number {
  if (tag.field === 'state') {
    if (typeof raw === 'string' && (EQUIPMENT_STATES as readonly string[]).includes(raw)) return raw as EquipmentState;
    if (typeof raw === 'number' && stateCodes.has(raw)) return stateCodes.get(raw) as EquipmentState;
    const codes = [...stateCodes].map(([c, s]) => `${c}=${s}`).join(', ');
    throw new EquipmentReadingError(`${tagName(tag)} gave ${show(raw)}, not a state (${EQUIPMENT_STATES.join(', ')}; codes ${codes})`);
  }
  if (typeof raw !== 'number' || !Number.isFinite(raw)) throw new EquipmentReadingError(`${tagName(tag)} gave ${show(raw)}, not a number for ${tag.field}`);
  const value = scaled(raw, tag.scale);
  if ((tag.field === 'partCounter' || tag.field === 'rejectCounter') && (!Number.isInteger(value) || value < 0)) {
    throw new EquipmentReadingError(`${tagName(tag)} gave ${show(raw)}, not a whole non-negative count for ${tag.field}`);
  }
  return value;
}
