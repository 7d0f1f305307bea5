// erp-order-fetch inside a real Node-RED runtime, pulling from the demo plant's simulated ERP over real HTTP.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import helper from 'node-red-node-test-helper';
import { usePlantFixture } from '../support/plant-fixture';
import { eventually } from '../support/temp';
import { inLanguage, statusReader } from '../support/locale';

helper.init(require.resolve('node-red'));

const bridgeStore = require('../../nodes/bridge-store/bridge-store');
const erpEndpoint = require('../../nodes/erp-endpoint/erp-endpoint');
// Statuses as the planner reads them (en-US), not keys: the helper's own RED._ returns keys unchanged.
const erpOrderFetch = inLanguage(require('../../nodes/erp-order-fetch/erp-order-fetch'), 'erp-order-fetch', 'en-US');
const catchNode = require('@node-red/nodes/core/common/25-catch');
const nodes = [bridgeStore, erpEndpoint, erpOrderFetch, catchNode];

type Status = { fill?: string; shape?: string; text?: string };
interface Received {
  payload: Record<string, unknown> & { workOrderNo?: string; source?: { revision: number } };
  topic?: string;
  error?: { message: string };
}

describe('erp-order-fetch node', () => {
  const plant = usePlantFixture(24, () => delete process.env.TEST_ERP_PASSWORD);

  function flow(endpoint: Record<string, unknown> = {}, fetch: Record<string, unknown> = {}) {
    return [
      { id: 'tab', type: 'tab' },
      { id: 'store', type: 'bridge-store', z: 'tab', file: join(plant.dir.path, 'bridge.sqlite') },
      {
        id: 'erp',
        type: 'erp-endpoint',
        z: 'tab',
        name: 'Demo ERP',
        baseUrl: plant.sim.erpUrl,
        baseUrlType: 'str',
        authType: 'basic',
        username: 'erp-bridge',
        usernameType: 'str',
        timeoutSec: 2,
        retryBaseSec: 0.05,
        retryMaxSec: 0.2,
        ...endpoint,
      },
      { id: 'fetch', type: 'erp-order-fetch', z: 'tab', endpoint: 'erp', store: 'store', intervalMin: 0, pageSize: 5, fetchOnStart: false, output: 'work-order', wires: [['out']], ...fetch },
      { id: 'out', type: 'helper', z: 'tab' },
      { id: 'catcher', type: 'catch', z: 'tab', scope: ['fetch'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab' },
    ];
  }
  const credentials = { erp: { password: 'demo-erp-pass' } };
  /** Drafts (status created) are held back by default: these are the orders that reach the MES. */
  const released = () => plant.sim.erp.orders().filter((o) => o.status !== 'created');

  async function load(f = flow(), creds: Record<string, unknown> = credentials) {
    await helper.load(nodes, f, creds);
    const received: Received[] = [];
    const caught: Received[] = [];
    helper.getNode('out').on('input', (msg: unknown) => received.push(msg as Received));
    helper.getNode('caught').on('input', (msg: unknown) => caught.push(msg as Received));
    const fetchNode = helper.getNode('fetch');
    // Status texts are keys with parameters; they are read here as the editor renders them in English.
    const statuses: Status[] = [];
    const originalStatus = fetchNode.status.bind(fetchNode);
    const read = statusReader('erp-order-fetch', 'en-US');
    fetchNode.status = ((s: Status) => {
      statuses.push(read(s));
      return originalStatus(s as Parameters<typeof originalStatus>[0]);
    }) as typeof fetchNode.status;
    return { received, caught, fetchNode, statuses };
  }

  it('sends every released ERP order once as a work order, and nothing again on the next pull', async () => {
    const { received, fetchNode, statuses } = await load();
    fetchNode.receive({ payload: 'go', plant: '1010' });
    await eventually(() => received.length === released().length && statuses.at(-1)?.fill === 'green', 'the released work orders');
    assert.deepEqual(
      received.map((m) => m.payload.workOrderNo).sort(),
      released()
        .map((o) => o.orderNo)
        .sort(),
    );
    assert.equal((received[0] as unknown as { plant: string }).plant, '1010', 'the input message properties are kept');
    assert.equal(received[0].topic, received[0].payload.workOrderNo);
    assert.match(String(statuses.at(-1)?.text), new RegExp(`^${released().length} new · \\d\\d:\\d\\d$`));

    const before = plant.sim.erp.requestCount;
    fetchNode.receive({});
    await eventually(() => plant.sim.erp.requestCount > before && statuses.at(-1)?.fill === 'green', 'a second pull');
    assert.equal(received.length, released().length);
  });

  it('keeps its watermark across a redeploy and sends only the new revision of a changed order', async () => {
    let run = await load();
    run.fetchNode.receive({});
    await eventually(() => run.received.length === released().length, 'the first pull');
    await helper.unload();

    const changed = plant.sim.erp.order('MO-2026-0003')!;
    plant.sim.erp.upsertOrder({ ...changed, quantity: changed.quantity + 500 });
    run = await load();
    run.fetchNode.receive({});
    await eventually(() => run.statuses.at(-1)?.fill === 'green', 'the pull after redeploy');
    assert.deepEqual(
      run.received.map((m) => `${m.payload.workOrderNo}#${m.payload.source?.revision}`),
      [`MO-2026-0003#${changed.revision + 1}`],
    );
  });

  it('reports an order that violates the schema to a Catch node, naming the order and field, parks it and sends the others', async () => {
    const bad = structuredClone(plant.sim.erp.order('MO-2026-0005')!) as unknown as Record<string, unknown> & { operations: Array<Record<string, unknown>> };
    bad.orderNo = 'MO-2026-0999';
    bad.operations[1].workCentre = 42;
    plant.sim.erp.addRawOrder(bad);
    const { received, caught, fetchNode, statuses } = await load();
    fetchNode.receive({});
    await eventually(() => statuses.at(-1)?.fill === 'yellow', 'the pull to finish');
    assert.equal(received.length, released().length - 1, 'every released order but the refused one');
    assert.equal(caught.length, 1);
    assert.match(caught[0].error!.message, /order MO-2026-0999 \(revision \d+\) is not a valid production order: payload\.operations\[1\]\.workCentre must be a string/);
    assert.equal(caught[0].payload.orderNo, 'MO-2026-0999', 'the Catch node gets the raw order');
    assert.match(String(statuses.at(-1)?.text), /^\d+ new, 1 parked · \d\d:\d\d$/);
  });

  for (const fault of [
    { name: 'answers 503', inject: { kind: 'status', status: 503, times: 2 } as const, status: /^ERP answered 503 · retry in \d+ s$/, error: /answered HTTP 503/ },
    { name: 'sends malformed JSON', inject: { kind: 'malformed', times: 1 } as const, status: /^bad ERP answer · retry in \d+ s$/, error: /malformed JSON/ },
    { name: 'resets the connection', inject: { kind: 'reset', times: 1 } as const, status: /^ERP unreachable · retry in \d+ s$/, error: /is unreachable/ },
    { name: 'does not answer in time', inject: { kind: 'timeout', times: 1 } as const, status: /^ERP timed out · retry in \d+ s$/, error: /did not answer within 0\.5 s/ },
  ]) {
    it(`when the ERP ${fault.name}: red status, a clear error, a retry with backoff, and every order exactly once`, async () => {
      plant.sim.erp.injectFault(fault.inject);
      const { received, caught, fetchNode, statuses } = await load(flow({ timeoutSec: 0.5 }));
      fetchNode.receive({});
      await eventually(() => received.length === released().length && statuses.at(-1)?.fill === 'green', 'recovery');
      assert.ok(
        statuses.some((s) => s.fill === 'red' && s.shape === 'ring' && fault.status.test(String(s.text))),
        `statuses: ${JSON.stringify(statuses)}`,
      );
      assert.ok(caught.length >= 1);
      assert.match(caught[0].error!.message, /^ERP endpoint 'Demo ERP' \(http:\/\/127\.0\.0\.1:\d+\/erp\/api\/v1\/production-orders/);
      assert.match(caught[0].error!.message, fault.error);
      assert.equal(new Set(received.map((m) => m.payload.workOrderNo)).size, released().length, 'no order twice');
    });
  }

  it('a wrong password gives an error naming the endpoint and is not retried at once', async () => {
    const { received, caught, fetchNode, statuses } = await load(flow(), { erp: { password: 'wrong' } });
    fetchNode.receive({});
    await eventually(() => caught.length === 1, 'the error');
    assert.match(caught[0].error!.message, /^ERP endpoint 'Demo ERP' \(http:\/\/127\.0\.0\.1:\d+\/erp\/api\/v1\/production-orders\?offset=0&limit=5\) refused the credentials \(HTTP 401/);
    assert.deepEqual(statuses.at(-1), { fill: 'red', shape: 'ring', text: 'login refused' });
    await new Promise((r) => setTimeout(r, 400)); // several backoff periods: an auth failure schedules no retry
    assert.equal(plant.sim.erp.requestCount, 1);
    assert.equal(received.length, 0);
  });

  it('reads the password from the environment variable the endpoint names', async () => {
    process.env.TEST_ERP_PASSWORD = 'demo-erp-pass';
    const { received, fetchNode } = await load(flow({ passwordEnv: 'TEST_ERP_PASSWORD' }), { erp: {} });
    fetchNode.receive({});
    await eventually(() => received.length === released().length, 'orders with the env password');
  });

  it('names the missing environment variable when it is not set', async () => {
    const { caught, fetchNode, statuses } = await load(flow({ passwordEnv: 'TEST_ERP_PASSWORD' }), { erp: {} });
    fetchNode.receive({});
    await eventually(() => caught.length === 1, 'the configuration error');
    assert.match(caught[0].error!.message, /ERP endpoint 'Demo ERP': the environment variable TEST_ERP_PASSWORD for the password is not set/);
    assert.equal(statuses.at(-1)?.text, 'not configured');
  });

  it('serves inputs that arrive during a pull with one more pull, never two at once', async () => {
    const { received, fetchNode, statuses } = await load();
    for (let i = 0; i < 5; i++) fetchNode.receive({});
    await eventually(() => statuses.filter((s) => s.fill === 'green').length === 2, 'two pulls');
    assert.equal(received.length, released().length);
    assert.equal(statuses.filter((s) => s.text === 'fetching…').length, 2);
  });

  it('can send the ERP production order as received', async () => {
    const { received, fetchNode } = await load(flow({}, { output: 'production-order' }));
    fetchNode.receive({});
    await eventually(() => received.length === released().length, 'orders');
    assert.ok('orderNo' in received[0].payload && 'bom' in received[0].payload);
  });
});
