// opcua-watchdog inside a real Node-RED runtime, fed the OpcUa-Client's status messages and data changes as the
// client sends them: one subscribe per new session or lost subscription and none into a live one; a reconnect from
// its own clock when nothing came for staleMs; the status telling each phase; a bad setting refused by name.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import helper from 'node-red-node-test-helper';
import { eventually } from '../support/temp';
import { statusKey } from '../support/locale';

helper.init(require.resolve('node-red'));
const nodes = [require('../../nodes/opcua-watchdog/opcua-watchdog'), require('@node-red/nodes/core/common/25-catch')];

type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface TestNode {
  receive(msg: Msg): void;
  on(event: string, f: (x: any) => void): void; // eslint-disable-line @typescript-eslint/no-explicit-any
  once(event: string, f: (x: any) => void): void; // eslint-disable-line @typescript-eslint/no-explicit-any
}
const node = (id: string) => helper.getNode(id) as unknown as TestNode;
/** A status message of the OpcUa-Client (its second output). */
const clientStatus = (status: string) => ({ status, endpoint: 'opc.tcp://127.0.0.1:4840/UA/DemoPlant', payload: '' });

async function load(settings: Record<string, unknown>) {
  const seen = { subscribes: [] as Msg[], reconnects: [] as Msg[], statuses: [] as Array<{ fill?: string; shape?: string; text?: string }> };
  await helper.load(nodes, [
    { id: 'watchdog', type: 'opcua-watchdog', name: 'OPC UA watchdog', ...settings, wires: [['items'], ['client']] },
    { id: 'items', type: 'helper' },
    { id: 'client', type: 'helper' },
    { id: 'catcher', type: 'catch', scope: ['watchdog'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ] as Parameters<typeof helper.load>[1]);
  node('items').on('input', (m: Msg) => seen.subscribes.push(m));
  node('client').on('input', (m: Msg) => seen.reconnects.push(m));
  node('watchdog').on('call:status', (c: { args: Array<{ fill?: string; text?: string }> }) => seen.statuses.push(statusKey(c.args[0])));
  return seen;
}

describe('opcua-watchdog', () => {
  before(async () => helper.startServer());
  after(async () => helper.stopServer());
  afterEach(async () => helper.unload());

  it('subscribes once per new session, not into a live one, and shows the subscription live', async () => {
    const seen = await load({ staleMs: 60000, reconnectEveryMs: 60000, checkEveryMs: 1000 });
    node('watchdog').receive(clientStatus('session active'));
    await eventually(() => seen.subscribes.length === 1, 'the subscribe request');
    assert.deepEqual(seen.subscribes[0].payload, '');
    assert.deepEqual(seen.statuses.at(-1), { fill: 'yellow', shape: 'ring', text: 'opcua-watchdog.status.subscribing' });
    node('watchdog').receive({ topic: 'subscriptionId', payload: 12 });
    node('watchdog').receive(clientStatus('keepalive'));
    node('watchdog').receive({ topic: 'ns=1;s=EQ-EXTR-01.State', payload: 'running' });
    await eventually(() => seen.statuses.at(-1)?.fill === 'green', 'live');
    assert.deepEqual(seen.statuses.at(-1), { fill: 'green', shape: 'dot', text: 'opcua-watchdog.status.live' });
    // The client's reconnection after a short outage: no subscribe while it reconnects, none once it is live again.
    node('watchdog').receive(clientStatus('reconnect'));
    await eventually(() => seen.statuses.at(-1)?.text === 'opcua-watchdog.status.connecting', 'connecting');
    node('watchdog').receive(clientStatus('terminated'));
    node('watchdog').receive(clientStatus('keepalive'));
    node('watchdog').receive({ topic: 'ns=1;s=EQ-EXTR-01.State', payload: 'idle' });
    await eventually(() => seen.statuses.at(-1)?.text === 'opcua-watchdog.status.live', 'live again');
    assert.equal(seen.subscribes.length, 1, 'no subscribe while the client repaired its own subscription');
    // A subscription lost inside a live session is subscribed again, once.
    node('watchdog').receive(clientStatus('terminated'));
    await eventually(() => seen.subscribes.length === 2, 'the second subscribe');
    assert.deepEqual(seen.reconnects, []);
  });

  it('has the client reconnect when nothing came for staleMs, and subscribes the new session', async () => {
    const seen = await load({ staleMs: 300, reconnectEveryMs: 600, checkEveryMs: 50 });
    node('watchdog').receive(clientStatus('session active'));
    node('watchdog').receive({ topic: 'ns=1;s=EQ-EXTR-01.State', payload: 'running' });
    await eventually(() => seen.reconnects.length === 1, 'a reconnect after the silence', 5000);
    assert.equal(seen.reconnects[0].action, 'reconnect');
    assert.equal(seen.statuses.at(-1)?.text, 'opcua-watchdog.status.connecting');
    node('watchdog').receive(clientStatus('session active'));
    node('watchdog').receive(clientStatus('keepalive'));
    await eventually(() => seen.subscribes.length === 2, 'the new session subscribed');
    await eventually(() => seen.statuses.at(-1)?.fill === 'green', 'live again');
  });

  it('refuses a reconnect interval below the no-data time, naming the setting', async () => {
    await load({ staleMs: 3000, reconnectEveryMs: 1000, checkEveryMs: 500 });
    const logged = helper
      .log()
      .args.map((call: unknown[]) => call[0] as Msg)
      .filter((e: Msg) => e.id === 'watchdog' && e.level === 20);
    assert.deepEqual(
      logged.map((e: Msg) => e.msg),
      ['opcua-watchdog: reconnectEveryMs must be at least staleMs (3000 ms), not 1000'],
    );
    const caught = new Promise<Msg>((resolve) => node('caught').once('input', resolve));
    node('watchdog').receive(clientStatus('session active'));
    assert.match((await caught).error.message, /reconnectEveryMs must be at least staleMs/);
  });
});
