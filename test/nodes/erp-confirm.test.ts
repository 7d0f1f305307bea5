// erp-confirm in a real Node-RED runtime writes MES confirmations to the simulated ERPs over real HTTP,
// through each endpoint's preset and the bridge store's durable outbox: once per key when sent twice (read
// back from the ERP field by field), another key written, a permanent refusal dead-lettered with the ERP's
// words without blocking the confirmations after it, and queued confirmations kept across a restart.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import helper from 'node-red-node-test-helper';
import type { Confirmation } from '../../nodes/lib/erp/profile';
import { keyGuid } from '../../nodes/lib/erp/profile/expressions';
import type { ProductionOrder } from '../../server/simulator/types';
import { usePlantFixture, type PlantFixture } from '../support/plant-fixture';
import { eventually } from '../support/temp';

helper.init(require.resolve('node-red'));
const nodes = [require('../../nodes/bridge-store/bridge-store'), require('../../nodes/erp-endpoint/erp-endpoint'), require('../../nodes/erp-confirm/erp-confirm'), require('@node-red/nodes/core/common/25-catch')];

/** What the ERP holds for one written confirmation, in our words, read back over its own API. */
interface ReadBack {
  key: string;
  opNo: string;
  yieldQty: number;
  scrapQty: number;
  final: boolean;
  /** Fields particular to the ERP, compared as they are. */
  fields: Record<string, unknown>;
}

interface PresetCase {
  preset: string;
  mount: string;
  username: string;
  password: string;
  token?: string;
  params?: Record<string, unknown>;
  /** The ERP's own words for a confirmation of an operation the order does not have. */
  refusal: RegExp;
  readBack(plant: PlantFixture, order: ProductionOrder): Promise<ReadBack[]>;
  /** The ERP fields a confirmation with activity times must have set. */
  expectFields(c: Confirmation): Record<string, unknown>;
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function getJson(url: string, headers: Record<string, string>): Promise<unknown> {
  const res = await fetch(url, { headers: { accept: 'application/json', ...headers } });
  const text = await res.text();
  assert.equal(res.status, 200, `GET ${url} answered ${res.status}: ${text}`);
  return JSON.parse(text);
}

const cases: PresetCase[] = [
  {
    preset: 'sap-s4hana-odata-v2', mount: 'sap', username: 'erp-bridge', password: 'demo-erp-pass', params: { timeZone: 'Asia/Shanghai' },
    refusal: /Operation 9999 does not exist in order .* \(RU\/107\)/,
    async readBack(plant, order) {
      const url = `${plant.sim.url}/sap/opu/odata/sap/API_PROD_ORDER_CONFIRMATION_2_SRV/ProdnOrdConf2?$filter=${encodeURIComponent(`OrderID eq '${order.orderNo}'`)}&$format=json`;
      const answer = (await getJson(url, { authorization: basic('erp-bridge', 'demo-erp-pass') })) as { d: { results: Array<Record<string, unknown>> } };
      return answer.d.results.map((r) => ({
        key: String(r.ConfirmationText).replace(/^MES \S+ /, ''),
        opNo: String(r.OrderOperation),
        yieldQty: Number(r.ConfirmationYieldQuantity),
        scrapQty: Number(r.ConfirmationScrapQuantity),
        final: r.IsFinalConfirmation === true,
        fields: r,
      }));
    },
    expectFields: (c) => ({
      ExternalSystemConfirmation: keyGuid(c.key),
      ConfirmationUnit: c.unit,
      OpWorkQuantityUnit1: 'MIN', OpConfirmedWorkQuantity1: String(c.setupMin),
      OpWorkQuantityUnit2: 'MIN', OpConfirmedWorkQuantity2: String(c.machineMin),
      OpWorkQuantityUnit3: 'MIN', OpConfirmedWorkQuantity3: String(c.labourMin),
      ConfirmedExecutionStartTime: 'PT08H00M00S',
      ConfirmedExecutionEndTime: 'PT11H30M00S',
    }),
  },
];

describe('erp-confirm writes MES confirmations through each preset', () => {
  const plant = usePlantFixture(12);

  function endpointNode(c: PresetCase, baseUrl = `${plant.sim.url}/${c.mount}`) {
    return {
      id: 'erp', type: 'erp-endpoint', name: c.preset, baseUrl, baseUrlType: 'str', profile: c.preset, params: JSON.stringify(c.params ?? {}),
      authType: c.token ? 'bearer' : 'basic', username: c.username, usernameType: 'str', timeoutSec: 10, retryBaseSec: 0.05, retryMaxSec: 0.2,
    };
  }

  async function load(c: PresetCase, baseUrl?: string) {
    await helper.load(
      nodes,
      ([
        { id: 'store', type: 'bridge-store', file: join(plant.dir.path, 'store.sqlite') },
        endpointNode(c, baseUrl),
        { id: 'confirm', type: 'erp-confirm', endpoint: 'erp', store: 'store', maxAttempts: 50, wires: [['accepted'], ['outcome']] },
        { id: 'accepted', type: 'helper' },
        { id: 'outcome', type: 'helper' },
        { id: 'catcher', type: 'catch', scope: ['confirm'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ] as Array<Record<string, unknown>>) as Parameters<typeof helper.load>[1],
      { erp: c.token ? { token: c.token } : { password: c.password } },
    );
    const accepted: Array<{ accepted: Array<{ key: string }> }> = [];
    const outcomes: Array<{ topic: string; payload: { key: string; erpId?: string; reason?: string } }> = [];
    const caught: Array<{ error: { message: string }; payload: { key: string } }> = [];
    const statuses: Array<{ fill?: string; shape?: string; text?: string }> = [];
    helper.getNode('accepted').on('input', (m: unknown) => accepted.push(m as (typeof accepted)[number]));
    helper.getNode('outcome').on('input', (m: unknown) => outcomes.push(m as (typeof outcomes)[number]));
    helper.getNode('caught').on('input', (m: unknown) => caught.push(m as (typeof caught)[number]));
    const node = helper.getNode('confirm');
    const status = node.status.bind(node);
    node.status = ((s: { fill?: string }) => (statuses.push(s), status(s as Parameters<typeof status>[0]))) as typeof node.status;
    /** Sends and waits until the confirmations are durable (output 1). */
    const send = async (payload: unknown) => {
      const before = accepted.length;
      node.receive({ payload });
      await eventually(() => accepted.length > before, 'the confirmations to be accepted', 30_000);
    };
    const outcomeOf = (key: string, topic?: string) => eventually(() => outcomes.find((o) => o.payload.key === key && (!topic || o.topic === topic)), `the ERP's answer to ${key}`, 60_000);
    return { accepted, outcomes, caught, statuses, send, outcomeOf };
  }

  /** A released order with at least two operations (ERPs refuse confirmations on others). */
  function releasedOrder(): ProductionOrder {
    const order = plant.sim.erp.orders().find((o) => o.status === 'released' && o.operations.length >= 2);
    assert.ok(order, 'the plant has a released order with operations');
    return order;
  }

  function confirmationFor(order: ProductionOrder, key: string, extra: Partial<Confirmation> = {}): Confirmation {
    return {
      orderNo: order.orderNo, opNo: order.operations[0].opNo, yieldQty: 480, scrapQty: 20, unit: order.unit, finalConfirmation: false,
      postedAt: '2026-11-25T11:30:00+08:00', key, productCode: order.productCode, plant: order.plant, workCentre: order.operations[0].workCentre,
      setupMin: 15, machineMin: 210, labourMin: 225.5, startedAt: '2026-11-25T08:00:00+08:00', finishedAt: '2026-11-25T11:30:00+08:00', ...extra,
    };
  }

  for (const c of cases) {
    describe(c.preset, () => {
      it('writes a confirmation sent twice once, with its quantities and activity times, and writes another key', async () => {
        const { send, outcomeOf, outcomes, caught } = await load(c);
        const order = releasedOrder();
        const first = confirmationFor(order, 'MES-EV-100');
        await send(first);
        const written = await outcomeOf('MES-EV-100', 'written');
        assert.ok(written.payload.erpId, 'the ERP gave the confirmation an id');
        await send(first);
        const again = await outcomeOf('MES-EV-100', 'already-there');
        assert.equal(again.payload.erpId, written.payload.erpId);
        // Another key on the same operation is another confirmation, even where the ERP's filter would not tell them apart.
        await send(confirmationFor(order, 'MES-EV-1000', { yieldQty: 20, scrapQty: 0, setupMin: undefined, machineMin: 10, labourMin: 10 }));
        await outcomeOf('MES-EV-1000', 'written');
        assert.deepEqual(caught.map((m) => m.error.message), []);
        assert.equal(outcomes.length, 3);

        const records = await c.readBack(plant, order);
        assert.deepEqual(records.map((r) => r.key).sort(), ['MES-EV-100', 'MES-EV-1000']);
        const one = records.find((r) => r.key === 'MES-EV-100')!;
        assert.deepEqual({ opNo: one.opNo, yieldQty: one.yieldQty, scrapQty: one.scrapQty, final: one.final }, { opNo: first.opNo, yieldQty: 480, scrapQty: 20, final: false });
        for (const [field, value] of Object.entries(c.expectFields(first))) assert.deepEqual(one.fields[field], value, `${field} of the written confirmation`);
        const other = records.find((r) => r.key === 'MES-EV-1000')!;
        assert.deepEqual({ yieldQty: other.yieldQty, scrapQty: other.scrapQty }, { yieldQty: 20, scrapQty: 0 });
      });

      it("dead-letters a confirmation the ERP refuses, with the ERP's words, and goes on with the next ones", async () => {
        const { send, outcomeOf, caught, statuses } = await load(c);
        const order = releasedOrder();
        await send([confirmationFor(order, 'MES-EV-BAD', { opNo: '9999' }), confirmationFor(order, 'MES-EV-GOOD')]);
        const refused = await outcomeOf('MES-EV-BAD', 'refused');
        assert.match(refused.payload.reason!, c.refusal);
        await outcomeOf('MES-EV-GOOD', 'written');
        await eventually(() => caught.length === 1, 'the refusal to reach Catch', 30_000);
        assert.match(caught[0].error.message, /^The ERP refused confirmation MES-EV-BAD for good/);
        assert.match(caught[0].error.message, c.refusal);
        assert.equal(caught[0].payload.key, 'MES-EV-BAD');
        await eventually(() => statuses.some((s) => s.fill === 'red' && s.shape === 'dot'), 'a red status with the refusal', 30_000);
        const records = await c.readBack(plant, order);
        assert.deepEqual(records.map((r) => r.key), ['MES-EV-GOOD']);
      });

      it('keeps queued confirmations across a restart and writes them once the ERP answers', async () => {
        const order = releasedOrder();
        // First run: the ERP cannot be reached; the confirmation waits in the outbox.
        const down = await load(c, 'http://127.0.0.1:9/unreachable');
        await down.send(confirmationFor(order, 'MES-EV-200'));
        await eventually(() => down.statuses.some((s) => s.fill === 'yellow'), 'the delivery to be retrying', 30_000);
        await helper.unload();
        // Second run, same store: the confirmation is delivered without being sent again.
        const up = await load(c);
        await up.outcomeOf('MES-EV-200', 'written');
        const records = await c.readBack(plant, order);
        assert.deepEqual(records.map((r) => r.key), ['MES-EV-200']);
      });

      it('refuses a malformed confirmation whole, naming the field, and queues nothing', async () => {
        const { caught, outcomes } = await load(c);
        const order = releasedOrder();
        helper.getNode('confirm').receive({ payload: [confirmationFor(order, 'MES-EV-300'), { ...confirmationFor(order, 'MES-EV-301'), yieldQty: -1 }] });
        await eventually(() => caught.length === 1, 'the refusal', 30_000);
        assert.match(caught[0].error.message, /payload\[1\]\.yieldQty must be >= 0/);
        assert.deepEqual(outcomes, []);
      });
    });
  }
});
