// node-opcua-client 2.160 creates monitored items on a setImmediate after the subscription is ready, and its
// toolbox reads `subscription.session`, a getter that *asserts* a session instead of answering "none". When the
// session closes in between — a redeploy or SIGTERM while node-red-contrib-opcua is subscribing, or a machine
// rebooting at that moment — the assertion is thrown from a timer and takes the whole runtime down. The toolbox
// already means to answer "Invalid subscription" to its callback then; this makes it do so.
import { createRequire } from 'node:module';

type Done = (err?: Error) => void;
interface SubscriptionLike {
  hasSession?: boolean;
}
interface Toolbox {
  _toolbox_monitor(subscription: SubscriptionLike | undefined, timestamps: unknown, items: unknown[], done: Done): void;
  __sessionGuard?: boolean;
}

/** Installs the guard once per process; false when node-opcua-client is not installed (nothing to guard). */
export function guardOpcuaMonitoringAfterSessionClose(): boolean {
  let toolbox: Toolbox;
  try {
    const require = createRequire(__filename);
    ({ ClientMonitoredItemToolbox: toolbox } = require('node-opcua-client/dist/client_monitored_item_toolbox') as { ClientMonitoredItemToolbox: Toolbox });
  } catch {
    return false;
  }
  if (toolbox.__sessionGuard) return true;
  const monitor = toolbox._toolbox_monitor.bind(toolbox);
  toolbox._toolbox_monitor = (subscription, timestamps, items, done) => {
    if (subscription && subscription.hasSession === false) return done(new Error('Invalid subscription: its OPC UA session closed before the monitored items were created'));
    monitor(subscription, timestamps, items, done);
  };
  toolbox.__sessionGuard = true;
  return true;
}
