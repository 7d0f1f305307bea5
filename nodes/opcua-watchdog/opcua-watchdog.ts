// OPC UA watchdog (OPC UA 看门狗): supervises one node-red-contrib-opcua OpcUa-Client in subscribe mode. Wired
// after the client's two outputs (values and statuses), it alone triggers the OpcUa-Item nodes (output 1: once per
// new session or lost subscription) and asks the client to reconnect (output 2) when nothing, not even a keep-alive,
// came for staleMs. A thin adapter over lib/equipment's OpcuaWatchdog; its status is the truthful one while the
// client's own still shows its last word.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { isSubscriptionNotice, OpcuaWatchdog, watchdogOptions, type WatchdogAction } from '../lib/equipment';
import { statusText } from '../lib/i18n/status-text';

interface OpcuaWatchdogDef extends NodeDef {
  staleMs: string | number;
  reconnectEveryMs: string | number;
  checkEveryMs: string | number;
}

const TICK = 'watchdog-tick';
type Msg = NodeMessageInFlow & { topic?: string; status?: unknown; endpoint?: unknown };

export = function register(RED: NodeAPI): void {
  function OpcuaWatchdogNode(this: Node, config: OpcuaWatchdogDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let watchdog: OpcuaWatchdog | undefined;
    let configError: Error | undefined;
    let timer: NodeJS.Timeout | undefined;
    let shown = '';

    try {
      const options = watchdogOptions(config.staleMs, config.reconnectEveryMs);
      const every = Number(config.checkEveryMs || 2000);
      if (!Number.isFinite(every) || every < 50 || every > options.staleMs) throw new RangeError(`checkEveryMs must be between 50 ms and staleMs (${options.staleMs} ms), not ${JSON.stringify(config.checkEveryMs)}`);
      watchdog = new OpcuaWatchdog(options, Date.now());
      // The clock re-enters the input path, so ticks and messages share one status and one error path.
      timer = setInterval(() => node.emit('input', { _msgid: RED.util.generateId(), topic: TICK }), every);
    } catch (err) {
      configError = new Error(`opcua-watchdog: ${(err as Error).message}`);
      node.status({ fill: 'red', shape: 'ring', text: statusText('opcua-watchdog.status.config') });
      node.error(configError.message);
    }

    function show(w: OpcuaWatchdog, now: number) {
      const view = w.view(now);
      const look = { live: ['green', 'dot'], subscribing: ['yellow', 'ring'], connecting: ['yellow', 'ring'], silent: ['red', 'ring'] }[view.phase] as ['green' | 'yellow' | 'red', 'dot' | 'ring'];
      const text = statusText(`opcua-watchdog.status.${view.phase}`, { s: String(view.silentSec) });
      if (text === shown) return; // one status per change, not one per value
      shown = text;
      node.status({ fill: look[0], shape: look[1], text });
    }

    node.on('input', (incoming: NodeMessageInFlow, send, done) => {
      const msg = incoming as Msg;
      if (!watchdog) return done(configError);
      const now = Date.now();
      let action: WatchdogAction = null;
      if (msg.topic === TICK) action = watchdog.tick(now);
      else if (typeof msg.status === 'string' && Object.prototype.hasOwnProperty.call(msg, 'endpoint')) action = watchdog.status(msg.status, now);
      else if (!isSubscriptionNotice(msg)) watchdog.value(now);
      if (action === 'subscribe') send([{ payload: '' }, null]);
      else if (action === 'reconnect') send([null, { action: 'reconnect', payload: '' }]);
      show(watchdog, now);
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (timer) clearInterval(timer);
      node.status({});
      done();
    });
  }

  RED.nodes.registerType('opcua-watchdog', OpcuaWatchdogNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
