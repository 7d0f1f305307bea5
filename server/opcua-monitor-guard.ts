// node-opcua-client 2.160 reads `subscription.session`, a getter that *asserts* a session instead of answering
// "none", in two places that run when a session has just closed — a redeploy or SIGTERM while
// node-red-contrib-opcua is subscribing, or a machine rebooting at that moment:
// - its toolbox creates monitored items on a setImmediate: the assertion is thrown from a timer and takes the whole
//   runtime down. The toolbox already means to answer "Invalid subscription" to its callback; this makes it do so.
// - ClientMonitoredItem.create asserts too; node-red-contrib-opcua 0.2.354 catches that, then calls `.on` on the
//   undefined item inside the subscription's "started" event (uncaught again). Without a session the item gets a
//   stand-in that reports the error once and never delivers; the contrib client subscribes anew on its next session.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';

type Done = (err?: Error) => void;
interface SubscriptionLike {
  hasSession?: boolean;
}
interface Toolbox {
  _toolbox_monitor(subscription: SubscriptionLike | undefined, timestamps: unknown, items: unknown[], done: Done): void;
  __sessionGuard?: boolean;
}

interface MonitoredItemFactory {
  create(subscription: SubscriptionLike | undefined, ...rest: unknown[]): unknown;
  __sessionGuard?: boolean;
}

const NO_SESSION = 'Invalid subscription: its OPC UA session closed before the monitored items were created';

/** What a monitored item asked for without a session gets: one "err" (as node-opcua reports a refused item), then nothing. */
class DetachedMonitoredItem extends EventEmitter {
  readonly statusCode = { name: 'BadSessionClosed' };
  monitoredItemId: number | undefined = undefined;
  constructor() {
    super();
    setImmediate(() => this.emit('err', NO_SESSION));
  }
  terminate(done?: (err?: Error) => void): Promise<void> {
    done?.();
    return Promise.resolve();
  }
  override toString(): string {
    return `monitored item not created (${NO_SESSION})`;
  }
}

/** Installs the guards once per process; false when node-opcua-client is not installed (nothing to guard). */
export function guardOpcuaMonitoringAfterSessionClose(): boolean {
  let toolbox: Toolbox;
  let factory: MonitoredItemFactory;
  try {
    const require = createRequire(__filename);
    ({ ClientMonitoredItemToolbox: toolbox } = require('node-opcua-client/dist/client_monitored_item_toolbox') as { ClientMonitoredItemToolbox: Toolbox });
    ({ ClientMonitoredItem: factory } = require('node-opcua-client') as { ClientMonitoredItem: MonitoredItemFactory });
  } catch {
    return false;
  }
  if (!factory.__sessionGuard) {
    const create = factory.create.bind(factory);
    factory.create = (subscription, ...rest) => (subscription && subscription.hasSession === false ? new DetachedMonitoredItem() : create(subscription, ...rest));
    factory.__sessionGuard = true;
  }
  if (toolbox.__sessionGuard) return true;
  const monitor = toolbox._toolbox_monitor.bind(toolbox);
  toolbox._toolbox_monitor = (subscription, timestamps, items, done) => {
    if (subscription && subscription.hasSession === false) return done(new Error(NO_SESSION));
    monitor(subscription, timestamps, items, done);
  };
  toolbox.__sessionGuard = true;
  return true;
}
