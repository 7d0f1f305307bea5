// One OPC UA data change, as node-red-contrib-opcua's OpcUa-Client sends it in subscribe mode (topic = the
// monitored item's node id, payload = the value, statusCode, sourceTimestamp, serverTimestamp), turned into one
// equipment-signal holding that one field. A value whose status code is Bad (severity bits 30–31 = 10, OPC UA
// Part 4, 7.34) is refused: the server itself says the value is not the machine's.
import { fieldValue, EquipmentReadingError } from './readings';
import { tagName, type EquipmentSignal, type TagMap } from './tag-map';

export interface OpcuaDataChange {
  topic?: unknown;
  payload?: unknown;
  statusCode?: unknown;
  sourceTimestamp?: unknown;
  serverTimestamp?: unknown;
}

/** The client's notice of a new subscription (topic 'subscriptionId') is no reading. */
export function isSubscriptionNotice(msg: { topic?: unknown }): boolean {
  return msg.topic === 'subscriptionId';
}

/**
 * The numeric status code of a data change: a number, a node-opcua StatusCode (getter `value`) or one cloned by
 * Node-RED when the message went to several wires (the getter is gone, `_value` stays).
 */
export function statusCodeOf(statusCode: unknown): { value: number; name?: string } | undefined {
  if (typeof statusCode === 'number') return { value: statusCode >>> 0 };
  if (typeof statusCode !== 'object' || statusCode === null) return undefined;
  const s = statusCode as Record<string, unknown>;
  const value = typeof s.value === 'number' ? s.value : typeof s._value === 'number' ? s._value : undefined;
  if (value === undefined) return undefined;
  const name = typeof s.name === 'string' ? s.name : typeof s._name === 'string' ? s._name : undefined;
  return { value: value >>> 0, ...(name ? { name } : {}) };
}

export function isBad(code: number): boolean {
  return code >>> 30 >= 2;
}

function instant(value: unknown): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const d = value instanceof Date ? value : new Date(value as string | number);
  // node-opcua gives 1601-01-01 (the OPC UA minimum) for "no timestamp".
  return Number.isNaN(d.getTime()) || d.getUTCFullYear() <= 1601 ? undefined : d;
}

export function opcuaSignal(map: TagMap, msg: OpcuaDataChange, now: Date = new Date()): EquipmentSignal {
  const nodeId = typeof msg.topic === 'string' ? msg.topic : '';
  const tag = map.opcua.get(nodeId);
  if (!tag) throw new EquipmentReadingError(`OPC UA node ${JSON.stringify(msg.topic ?? '')} (msg.topic) is not in the tag map`);
  const status = statusCodeOf(msg.statusCode);
  if (status && isBad(status.value)) {
    const code = `0x${status.value.toString(16).padStart(8, '0')}`;
    throw new EquipmentReadingError(`${tagName(tag)} has bad quality ${status.name ? `${status.name} (${code})` : code}; its value ${JSON.stringify(msg.payload ?? null)} is not used`);
  }
  const value = fieldValue(tag, msg.payload, map.stateCodes);
  const at = instant(msg.sourceTimestamp) ?? instant(msg.serverTimestamp) ?? now;
  return { equipment: tag.equipment, at: at.toISOString(), [tag.field]: value, source: 'opcua' };
}
