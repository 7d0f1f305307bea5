// Equipment signals (设备信号): turns what node-red-contrib-opcua's OpcUa-Client and node-red-contrib-modbus's
// modbus-read deliver into equipment-signal messages, one per reading, by the node's tag map. A thin adapter over
// lib/equipment: the map is checked at deploy (a bad row names itself), each reading is decoded there, and a bad
// reading goes to Catch naming the tag and value while the flow keeps running.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { equipmentSignalOf, isSubscriptionNotice, parseTagMap, type EquipmentSignal, type TagMap } from '../lib/equipment';
import { statusText } from '../lib/i18n/status-text';

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

    const status = (fill: 'red' | 'green' | 'yellow', shape: 'dot' | 'ring', key: string) => node.status({ fill, shape, text: statusText(`equipment-signal.status.${key}`, { n: String(signals) }) });

    try {
      map = parseTagMap(config.tags, config.stateCodes);
      status('yellow', 'ring', 'waiting');
    } catch (err) {
      // The lib's sentence names the row and field; it is English like every error the runtime logs.
      configError = new Error(`equipment-signal: ${(err as Error).message}`);
      status('red', 'ring', 'config');
      node.error(configError.message);
    }

    node.on('input', (incoming: NodeMessageInFlow, send, done) => {
      const msg = incoming as Msg;
      if (!map) return done(configError);
      if (isSubscriptionNotice(msg)) return done();
      let signal: EquipmentSignal;
      try {
        signal = equipmentSignalOf(map, msg);
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
