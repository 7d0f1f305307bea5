// Equipment signals (设备信号): turns what node-red-contrib-opcua's OpcUa-Client and node-red-contrib-modbus's
// modbus-read deliver into equipment-signal messages, one per reading, by the node's tag map. A thin adapter over
// lib/equipment: the map is checked at deploy (a bad row names itself), each reading is decoded there, and a bad
// reading goes to Catch naming the tag and value while the flow keeps running.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { isModbusRead, isSubscriptionNotice, modbusSignal, opcuaSignal, parseTagMap, EquipmentReadingError, type EquipmentSignal, type TagMap } from '../lib/equipment';

interface EquipmentSignalDef extends NodeDef {
  tags: unknown[];
  stateCodes: string;
}

type Msg = NodeMessageInFlow & { topic?: string; payload?: unknown };

export = function register(RED: NodeAPI): void {
  function EquipmentSignalNode(this: Node, config: EquipmentSignalDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let map: TagMap | undefined;
    let configError: Error | undefined;
    let signals = 0;

    const status = (fill: 'red' | 'green' | 'yellow', shape: 'dot' | 'ring', key: string) =>
      node.status({ fill, shape, text: RED._(`equipment-signal.status.${key}`, { n: String(signals) }) });

    try {
      map = parseTagMap(config.tags, config.stateCodes);
      status('yellow', 'ring', 'waiting');
    } catch (err) {
      configError = new Error(RED._('equipment-signal.errors.tagMap', { reason: (err as Error).message }));
      status('red', 'ring', 'config');
      node.error(configError.message);
    }

    function decode(m: TagMap, msg: Msg): EquipmentSignal {
      if (typeof msg.topic === 'string' && m.opcua.has(msg.topic)) return opcuaSignal(m, msg);
      if (isModbusRead(m, msg)) return modbusSignal(m, msg);
      throw new EquipmentReadingError(RED._('equipment-signal.errors.unknownTopic', { topic: JSON.stringify(msg.topic ?? '') }));
    }

    node.on('input', (incoming: NodeMessageInFlow, send, done) => {
      const msg = incoming as Msg;
      if (!map) return done(configError);
      if (isSubscriptionNotice(msg)) return done();
      let signal: EquipmentSignal;
      try {
        signal = decode(map, msg);
      } catch (err) {
        status('red', 'ring', 'bad');
        return done(err as Error);
      }
      signals += 1;
      msg.topic = signal.equipment;
      msg.payload = signal;
      send(msg);
      status('green', 'dot', 'signals');
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      node.status({});
      done();
    });
  }

  RED.nodes.registerType('equipment-signal', EquipmentSignalNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
