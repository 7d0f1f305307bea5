// Which protocol a message came from, by the tag map: an OPC UA node id of the map is a data change, a machine
// (or unit id) of the map's Modbus rows is a register read; anything else is refused naming its topic.
import { modbusSignal, isModbusRead, type ModbusRead } from './modbus-reading';
import { opcuaSignal, type OpcuaDataChange } from './opcua-reading';
import { EquipmentReadingError } from './readings';
import type { EquipmentSignal, TagMap } from './tag-map';

export function equipmentSignalOf(map: TagMap, msg: OpcuaDataChange & ModbusRead, now: Date = new Date()): EquipmentSignal {
  if (typeof msg.topic === 'string' && map.opcua.has(msg.topic)) return opcuaSignal(map, msg, now);
  if (isModbusRead(map, msg)) return modbusSignal(map, msg, now);
  throw new EquipmentReadingError(`msg.topic ${JSON.stringify(msg.topic ?? '')} is neither an OPC UA node id nor a Modbus machine of the tag map`);
}
