// OPC UA monitored items/s that the equipment tab's client sustains: 100 tags each changing every 100 ms
// (1,000 values/s offered) through node-red-contrib-opcua's OpcUa-Client (subscribe, 100 ms) into a downstream
// node, side by side with a plain node-opcua client subscription in the same process on the same items.
// Each value carries a sequence number, so values the client never delivered are counted as dropped.
import helper from 'node-red-node-test-helper';
import { AttributeIds, ClientSubscription, OPCUAClient, TimestampsToReturn, type ClientSession } from 'node-opcua';
import { EquipmentModel } from '../../server/simulator/equipment-model';
import { startOpcuaMachines } from '../../server/simulator/opcua-machines';
import { disconnectOnClose, type OpcuaClientNodeLike } from '../../server/opcua-client-close';
import { eventually } from '../support/temp';
import { fmt, median } from './stats';

const TAGS = 100;
const PERIOD_MS = 100;
const ROUNDS = 5;
const WINDOW_MS = 4000;

const nodes = [require('node-red-contrib-opcua/opcua/102-opcuaclient'), require('node-red-contrib-opcua/opcua/105-opcuaendpoint')];

/** Notifications (tag, sequence) received, for windows of time. */
class Tally {
  private seen: Array<[string, number]> = [];
  private counting = false;
  add(tag: string, n: number): void {
    if (this.counting) this.seen.push([tag, n]);
  }
  start(): void {
    this.seen = [];
    this.counting = true;
  }
  /** The values of sequence numbers (from, to] the server wrote during a window of ms, as received. */
  stop(ms: number, from: number, to: number): { perSec: number; dropped: number; doubled: number } {
    this.counting = false;
    const inWindow = this.seen.filter(([, n]) => n > from && n <= to);
    const distinct = new Set(inWindow.map(([tag, n]) => `${tag}#${n}`)).size;
    return { perSec: (distinct * 1000) / ms, dropped: (to - from) * TAGS - distinct, doubled: inWindow.length - distinct };
  }
}

export async function benchOpcua(): Promise<Array<Record<string, string>>> {
  const model = new EquipmentModel({ machines: [], startMs: Date.now() });
  const server = await startOpcuaMachines({ model, machines: [], loadTags: TAGS, loadTagEveryMs: PERIOD_MS });
  const contrib = new Tally();
  const plain = new Tally();
  let client: OPCUAClient | undefined;
  let session: ClientSession | undefined;
  try {
    await helper.load(nodes, [
      { id: 't', type: 'tab' },
      { id: 'ep', type: 'OpcUa-Endpoint', endpoint: server.endpoint, secpol: 'None', secmode: 'None', none: true, login: false },
      { id: 'client', type: 'OpcUa-Client', z: 't', endpoint: 'ep', action: 'subscribe', time: PERIOD_MS, timeUnit: 'ms', certificate: 'n', name: 'bench client', x: 1, y: 1, wires: [['sink'], ['status'], []] },
      { id: 'sink', type: 'helper', z: 't', x: 1, y: 1 },
      { id: 'status', type: 'helper', z: 't', x: 1, y: 1 },
    ] as Parameters<typeof helper.load>[1]);
    const node = helper.getNode('client');
    disconnectOnClose(node as unknown as OpcuaClientNodeLike);
    let sessionActive = false;
    (helper.getNode('status') as unknown as { on(e: 'input', f: (m: { status?: string }) => void): void }).on('input', (m) => {
      if (m.status === 'session active') sessionActive = true;
    });
    (helper.getNode('sink') as unknown as { on(e: 'input', f: (m: { topic: string; payload: number }) => void): void }).on('input', (m) => {
      if (m.topic !== 'subscriptionId') contrib.add(m.topic, m.payload);
    });
    await eventually(() => sessionActive, 'the contrib client session', 30_000);
    for (const id of server.loadTagIds) node.receive({ topic: id, payload: '' });

    // The baseline: node-opcua's own client, one subscription, the same items and sampling.
    client = OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 2, initialDelay: 200 } });
    await client.connect(server.endpoint);
    session = await client.createSession();
    const sub = ClientSubscription.create(session, { requestedPublishingInterval: PERIOD_MS, requestedLifetimeCount: 100, requestedMaxKeepAliveCount: 10, maxNotificationsPerPublish: 0, publishingEnabled: true, priority: 10 });
    const group = await sub.monitorItems(
      server.loadTagIds.map((nodeId) => ({ nodeId, attributeId: AttributeIds.Value })),
      { samplingInterval: PERIOD_MS, queueSize: 10, discardOldest: true },
      TimestampsToReturn.Both,
    );
    group.on('changed', (item, value, index) => plain.add(server.loadTagIds[index], value.value.value as number));

    await new Promise((r) => setTimeout(r, 2000)); // both subscriptions settle before the first window
    const offeredRates: number[] = [];
    const rounds: Array<{ contrib: ReturnType<Tally['stop']>; plain: ReturnType<Tally['stop']> }> = [];
    for (let i = 0; i < ROUNDS; i++) {
      const from = server.loadValuesWritten() / TAGS;
      contrib.start();
      plain.start();
      await new Promise((r) => setTimeout(r, WINDOW_MS));
      const to = server.loadValuesWritten() / TAGS;
      offeredRates.push(((to - from) * TAGS * 1000) / WINDOW_MS);
      // The window's last values are still on their way: a second's grace for both clients alike.
      await new Promise((r) => setTimeout(r, 1000));
      rounds.push({ contrib: contrib.stop(WINDOW_MS, from, to), plain: plain.stop(WINDOW_MS, from, to) });
    }
    const m = (pick: (r: (typeof rounds)[number]) => number) => median(rounds.map(pick));
    const offered = median(offeredRates);
    const contribRate = m((r) => r.contrib.perSec);
    const plainRate = m((r) => r.plain.perSec);
    const drops = (r: ReturnType<Tally['stop']>) => `dropped ${fmt(r.dropped)}/window, doubled ${fmt(r.doubled)}`;
    const mid = (side: 'contrib' | 'plain') => ({ dropped: m((r) => r[side].dropped), doubled: m((r) => r[side].doubled), perSec: 0 });
    return [
      {
        measure: `OPC UA values/s, ${TAGS} tags × ${PERIOD_MS} ms (${fmt(offered)}/s written by the server), OpcUa-Client → node`,
        ours: `${fmt(contribRate)} (${drops(mid('contrib'))})`,
        baseline: `${fmt(plainRate)} (plain node-opcua subscription, ${drops(mid('plain'))})`,
        ratio: fmt(contribRate / plainRate, 2),
      },
    ];
  } finally {
    await helper.unload();
    await session?.close().catch(() => undefined);
    await client?.disconnect();
    await server.close();
  }
}
