// erp-confirm in a real Node-RED runtime writes MES confirmations to the simulated ERPs over real HTTP,
// through each endpoint's preset and the bridge store's durable outbox: once per key when sent twice (read
// back from the ERP field by field), another key written, a permanent refusal dead-lettered with the ERP's
// words without blocking the confirmations after it, and queued confirmations kept across a restart.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import helper from 'node-red-node-test-helper';
import { openEndpoint } from '../../nodes/lib/erp/endpoint';
import { type Confirmation, profileOrdersReader } from '../../nodes/lib/erp/profile';
import { keyGuid } from '../../nodes/lib/erp/profile/expressions';
import { toWorkOrder } from '../../nodes/lib/plan-sync/work-order';
import type { ProductionOrder } from '../../server/simulator/types';
import { usePlantFixture, type PlantFixture } from '../support/plant-fixture';
import { eventually } from '../support/temp';

helper.init(require.resolve('node-red'));
const nodes = [require('../../nodes/bridge-store/bridge-store'), require('../../nodes/erp-endpoint/erp-endpoint'), require('../../nodes/erp-confirm/erp-confirm'), require('@node-red/nodes/core/common/25-catch')];

/** What the ERP holds for one written confirmation, in our words, read back over its own API. */
interface ReadBack {
  key: string;
  /** The good quantity the ERP recorded, where the preset writes one. */
  yieldQty?: number;
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
  /** A confirmation the ERP refuses for good (what is wrong in it), and the ERP's own words for it. */
  bad: Partial<Confirmation>;
  refusal: RegExp;
  /** How the ERP names the simulator's order, when not by its number (Kingdee: bill no-line). */
  orderNo?(plant: PlantFixture, c: PresetCase, order: ProductionOrder): Promise<string>;
  readBack(plant: PlantFixture, order: ProductionOrder): Promise<ReadBack[]>;
  /** What else the preset wrote for the two confirmations (e.g. Odoo's work order), and what it must be. */
  alsoWritten?(plant: PlantFixture): unknown[];
  alsoExpected?: unknown[];
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
    preset: 'sap-s4hana-odata-v2',
    mount: 'sap',
    username: 'erp-bridge',
    password: 'demo-erp-pass',
    params: { timeZone: 'Asia/Shanghai' },
    bad: { opNo: '9999' },
    refusal: /Operation 9999 does not exist in order .* \(RU\/107\)/,
    async readBack(plant, order) {
      const url = `${plant.sim.url}/sap/opu/odata/sap/API_PROD_ORDER_CONFIRMATION_2_SRV/ProdnOrdConf2?$filter=${encodeURIComponent(`OrderID eq '${order.orderNo}'`)}&$format=json`;
      const answer = (await getJson(url, { authorization: basic('erp-bridge', 'demo-erp-pass') })) as { d: { results: Array<Record<string, unknown>> } };
      return answer.d.results.map((r) => ({
        key: String(r.ConfirmationText).replace(/^MES \S+ /, ''),
        yieldQty: Number(r.ConfirmationYieldQuantity),
        fields: r,
      }));
    },
    expectFields: (c) => ({
      OrderOperation: c.opNo,
      ConfirmationScrapQuantity: String(c.scrapQty),
      IsFinalConfirmation: false,
      ExternalSystemConfirmation: keyGuid(c.key),
      ConfirmationUnit: c.unit,
      OpWorkQuantityUnit1: 'MIN',
      OpConfirmedWorkQuantity1: String(c.setupMin),
      OpWorkQuantityUnit2: 'MIN',
      OpConfirmedWorkQuantity2: String(c.machineMin),
      OpWorkQuantityUnit3: 'MIN',
      OpConfirmedWorkQuantity3: String(c.labourMin),
      ConfirmedExecutionStartTime: 'PT08H00M00S',
      ConfirmedExecutionEndTime: 'PT11H30M00S',
    }),
  },
  {
    preset: 'erpnext',
    mount: 'erpnext',
    username: 'mesbridge0a1b2c',
    password: 'demo-erpnext-secret',
    params: { plant: '1010', timeZone: 'Asia/Shanghai' },
    bad: { startedAt: '2026-11-25T12:00:00+08:00', finishedAt: '2026-11-25T08:00:00+08:00' },
    refusal: /answered with an error: .*From time must be less than to time/,
    readBack: async (plant, order) => jobCardLogs(plant, order.orderNo),
    // Site time (Asia/Shanghai): the work ran 08:00–11:30.
    expectFields: (c) => ({ work_order: c.orderNo, sequence_id: Number(c.opNo), from_time: '2026-11-25 08:00:00', to_time: '2026-11-25 11:30:00', completed_qty: c.yieldQty, time_in_mins: 210 }),
    // A goods receipt is a Manufacture Stock Entry instead.
    alsoWritten: (plant) => stockEntries(plant, plant.sim.erp.orders().find((o) => o.status === 'released' && o.operations.length >= 2)!.orderNo),
    alsoExpected: [],
  },
  ...(['odoo-jsonrpc', 'odoo-json2'] as const).map((preset): PresetCase => ({
    preset,
    mount: 'odoo',
    username: preset === 'odoo-json2' ? '' : 'mes-bridge',
    password: 'demo-odoo-pass',
    token: preset === 'odoo-json2' ? 'demo-odoo-api-key' : undefined,
    params: { database: 'plant1010' },
    bad: { orderNo: 'MO-2099-9999' },
    refusal: /answered with an error: /,
    readBack: async (plant) => timeLogs(plant),
    expectFields: (c) => ({ description: c.key, date_start: '2026-11-25 00:00:00', date_end: '2026-11-25 03:30:00' }),
    // The work order's produced quantity is raised by each confirmation's yield.
    alsoWritten: (plant) =>
      recordsWith(
        odooWrites(plant)
          .filter((w) => w.body.model === 'mrp.workorder' && w.body.method === 'write')
          .map((w) => w.body.args),
        'qty_producing',
      ).map((v) => v.qty_producing),
    alsoExpected: [480, 20],
  })),
  {
    preset: 'kingdee-k3cloud',
    mount: 'kingdee/k3cloud',
    username: 'mes-bridge',
    password: 'demo-kingdee-app-secret-0000001',
    params: { acctId: '6571d8f1a2c3e4', appId: '301451_demoMesBridge', lcid: 2052, plant: '1010', timeZone: 'Asia/Shanghai' },
    bad: { productCode: 'NO-SUCH-ITEM' },
    refusal: /answered with an error: .*NO-SUCH-ITEM/,
    orderNo: kingdeeOrderNo,
    readBack: async (plant) => kingdeeReports(plant),
    // Saved, submitted and audited: C.
    expectFields: (c) => ({ FDescription: `MES ${c.key} ${c.orderNo} op ${c.opNo}`, FQuaQty: c.yieldQty, FFailQty: c.scrapQty, FFinishQty: c.yieldQty + c.scrapQty, FDocumentStatus: 'C' }),
  },
];

/** Time logs of one Work Order's Job Cards, read over ERPNext's REST API: the n-th key in a card's remarks is its n-th log. */
async function jobCardLogs(plant: PlantFixture, orderNo: string): Promise<ReadBack[]> {
  const auth = { authorization: 'token mesbridge0a1b2c:demo-erpnext-secret' };
  const base = `${plant.sim.url}/erpnext/api/resource/Job%20Card`;
  const list = (await getJson(`${base}?filters=${encodeURIComponent(JSON.stringify([['work_order', '=', orderNo]]))}&fields=${encodeURIComponent('["name"]')}`, auth)) as { data: Array<{ name: string }> };
  const out: ReadBack[] = [];
  for (const { name } of list.data) {
    const doc = ((await getJson(`${base}/${encodeURIComponent(name)}`, auth)) as { data: Record<string, unknown> & { remarks?: string; time_logs?: Array<Record<string, unknown>> } }).data;
    const keys = [...String(doc.remarks ?? '').matchAll(/MES (\S+);/g)].map((m) => m[1]);
    (doc.time_logs ?? []).forEach((log, i) => out.push({ key: keys[i], yieldQty: Number(log.completed_qty), fields: { ...doc, ...log } }));
  }
  return out;
}

/** Manufacture Stock Entries of one Work Order as the simulated ERPNext accepted them (the key is in the remarks). */
function stockEntries(plant: PlantFixture, orderNo: string): ReadBack[] {
  const writes = (plant.sim.dialects as unknown as { erpnext: { writes(): Array<{ body: Record<string, unknown> }> } }).erpnext.writes();
  return writes.filter((w) => w.body.work_order === orderNo && typeof w.body.remarks === 'string').map((w) => ({ key: /^MES (\S+) op/.exec(String(w.body.remarks))![1], yieldQty: Number(w.body.fg_completed_qty), fields: w.body }));
}

/** Work-centre time logs the simulated Odoo created (the key is the description). */
function odooWrites(plant: PlantFixture): Array<{ body: { model: string; method: string; args: Record<string, unknown> } }> {
  return (plant.sim.dialects as unknown as { odoo: { writes(): ReturnType<typeof odooWrites> } }).odoo.writes();
}

function timeLogs(plant: PlantFixture): ReadBack[] {
  return (
    odooWrites(plant)
      .filter((w) => w.body.model === 'mrp.workcenter.productivity' && w.body.method === 'create')
      // JSON-RPC and JSON-2 wrap the values differently (positional args, vals_list): take every record that has them.
      .flatMap((w) => recordsWith(w.body.args, 'description').map((v) => ({ key: String(v.description), fields: v })))
  );
}

function recordsWith(value: unknown, field: string): Array<Record<string, unknown>> {
  if (Array.isArray(value)) return value.flatMap((v) => recordsWith(v, field));
  if (!value || typeof value !== 'object') return [];
  return field in value ? [value as Record<string, unknown>] : Object.values(value).flatMap((v) => recordsWith(v, field));
}

/** PRD_MORPT bills the simulated Kingdee saved (the key leads the note, FDescription), one line each. */
function kingdeeReports(plant: PlantFixture): ReadBack[] {
  const kingdee = (plant.sim.dialects as unknown as { kingdee: { writes(): Array<{ id: string; body: { data: { Model: Record<string, unknown> } } }>; documentStatus(billNo: string): string | undefined } }).kingdee;
  return kingdee.writes().map((w) => {
    const m = w.body.data.Model;
    const line = (m.FEntity as Array<Record<string, unknown>>)[0];
    return { key: /^MES (\S+) /.exec(String(m.FDescription))![1], yieldQty: Number(line.FQuaQty), fields: { ...m, ...line, FDocumentStatus: kingdee.documentStatus(w.id) } };
  });
}

/** Kingdee's order no for a simulator order: the bill line that carries it (bill no-line seq), as its preset reads it. */
async function kingdeeOrderNo(plant: PlantFixture, c: PresetCase, order: ProductionOrder): Promise<string> {
  const open = openEndpoint(
    { name: c.preset, baseUrl: `${plant.sim.url}/${c.mount}`, baseUrlType: 'str', profile: c.preset, params: JSON.stringify(c.params ?? {}), authType: 'basic', username: c.username, usernameType: 'str', timeoutSec: 10 },
    { password: c.password },
    () => undefined,
  );
  try {
    const page = await profileOrdersReader(open.session)({ offset: 0, limit: 1000 });
    const match = (page.items as Array<{ orderNo: string; quantity: number; dueDate: string }>).find((o) => o.quantity === order.quantity && Date.parse(o.dueDate) === Date.parse(order.dueDate));
    assert.ok(match, 'the order is served by Kingdee');
    return match.orderNo;
  } finally {
    open.client.close();
  }
}

describe('erp-confirm writes MES confirmations through each preset', () => {
  const plant = usePlantFixture(12);

  function endpointNode(c: PresetCase, baseUrl = `${plant.sim.url}/${c.mount}`) {
    return {
      id: 'erp',
      type: 'erp-endpoint',
      name: c.preset,
      baseUrl,
      baseUrlType: 'str',
      profile: c.preset,
      params: JSON.stringify(c.params ?? {}),
      authType: c.token ? 'bearer' : 'basic',
      username: c.username,
      usernameType: 'str',
      timeoutSec: 10,
      retryBaseSec: 0.05,
      retryMaxSec: 0.2,
    };
  }

  async function load(c: PresetCase, baseUrl?: string) {
    await helper.load(
      nodes,
      [
        { id: 'store', type: 'bridge-store', file: join(plant.dir.path, 'store.sqlite') },
        endpointNode(c, baseUrl),
        { id: 'confirm', type: 'erp-confirm', endpoint: 'erp', store: 'store', maxAttempts: 50, wires: [['accepted'], ['outcome']] },
        { id: 'accepted', type: 'helper' },
        { id: 'outcome', type: 'helper' },
        { id: 'catcher', type: 'catch', scope: ['confirm'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ] as Array<Record<string, unknown>> as Parameters<typeof helper.load>[1],
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

  /** A released order with at least two operations (ERPs refuse confirmations on others), under the ERP's number. */
  async function releasedOrder(c: PresetCase): Promise<ProductionOrder> {
    const order = plant.sim.erp.orders().find((o) => o.status === 'released' && o.operations.length >= 2);
    assert.ok(order, 'the plant has a released order with operations');
    if (c.orderNo) erpOrderNo.set(order.orderNo, await c.orderNo(plant, c, order));
    return order;
  }

  const erpOrderNo = new Map<string, string>();
  function confirmationFor(order: ProductionOrder, key: string, extra: Partial<Confirmation> = {}): Confirmation {
    return {
      orderNo: erpOrderNo.get(order.orderNo) ?? order.orderNo,
      opNo: order.operations[0].opNo,
      yieldQty: 480,
      scrapQty: 20,
      unit: order.unit,
      finalConfirmation: false,
      postedAt: '2026-11-25T11:30:00+08:00',
      key,
      productCode: order.productCode,
      plant: order.plant,
      workCentre: order.operations[0].workCentre,
      setupMin: 15,
      machineMin: 210,
      labourMin: 225.5,
      startedAt: '2026-11-25T08:00:00+08:00',
      finishedAt: '2026-11-25T11:30:00+08:00',
      ...extra,
    };
  }

  for (const c of cases) {
    describe(c.preset, () => {
      it('writes a confirmation sent twice once, with its quantities and activity times, and writes another key', async () => {
        const { send, outcomeOf, outcomes, caught } = await load(c);
        const order = await releasedOrder(c);
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
        assert.deepEqual(
          caught.map((m) => m.error.message),
          [],
        );
        assert.equal(outcomes.length, 3);

        const records = await c.readBack(plant, order);
        assert.deepEqual(records.map((r) => r.key).sort(), ['MES-EV-100', 'MES-EV-1000']);
        const one = records.find((r) => r.key === 'MES-EV-100')!;
        for (const [field, value] of Object.entries(c.expectFields(first))) assert.deepEqual(one.fields[field], value, `${field} of the written confirmation`);
        if (c.alsoWritten) assert.deepEqual(c.alsoWritten(plant), c.alsoExpected);
        if (one.yieldQty !== undefined) {
          const other = records.find((r) => r.key === 'MES-EV-1000')!;
          assert.deepEqual([one.yieldQty, other.yieldQty], [480, 20]);
        }
      });

      it("dead-letters a confirmation the ERP refuses, with the ERP's words, and goes on with the next ones", async () => {
        const { send, outcomeOf, caught, statuses } = await load(c);
        const order = await releasedOrder(c);
        await send([confirmationFor(order, 'MES-EV-BAD', c.bad), confirmationFor(order, 'MES-EV-GOOD')]);
        const refused = await outcomeOf('MES-EV-BAD', 'refused');
        assert.match(refused.payload.reason!, c.refusal);
        await outcomeOf('MES-EV-GOOD', 'written');
        await eventually(() => caught.length === 1, 'the refusal to reach Catch', 30_000);
        assert.match(caught[0].error.message, /^The ERP refused confirmation MES-EV-BAD for good/);
        assert.match(caught[0].error.message, c.refusal);
        assert.equal(caught[0].payload.key, 'MES-EV-BAD');
        await eventually(() => statuses.some((s) => s.fill === 'red' && s.shape === 'dot'), 'a red status with the refusal', 30_000);
        const records = await c.readBack(plant, order);
        assert.deepEqual(
          records.map((r) => r.key),
          ['MES-EV-GOOD'],
        );
      });

      it('keeps queued confirmations across a restart and writes them once the ERP answers', async () => {
        const order = await releasedOrder(c);
        // First run: the ERP cannot be reached; the confirmation waits in the outbox.
        const down = await load(c, 'http://127.0.0.1:9/unreachable');
        await down.send(confirmationFor(order, 'MES-EV-200'));
        await eventually(() => down.statuses.some((s) => s.fill === 'yellow'), 'the delivery to be retrying', 30_000);
        await helper.unload();
        // Second run, same store: the confirmation is delivered without being sent again.
        const up = await load(c);
        await up.outcomeOf('MES-EV-200', 'written');
        const records = await c.readBack(plant, order);
        assert.deepEqual(
          records.map((r) => r.key),
          ['MES-EV-200'],
        );
      });

      if (c.preset === 'sap-s4hana-odata-v2') {
        it('writes a start as a zero-quantity partial confirmation, a finish as final, an order finish clearing reservations', async () => {
          const { send, outcomeOf } = await load(c);
          const order = await releasedOrder(c);
          const [first, last] = [order.operations[0].opNo, order.operations[order.operations.length - 1].opNo];
          await send([
            confirmationFor(order, 'MES-ST-1', { activity: 'start', yieldQty: 0, scrapQty: 0 }),
            confirmationFor(order, 'MES-FI-1', { activity: 'finish' }),
            confirmationFor(order, 'MES-OF-1', { activity: 'order-finish', opNo: last }),
          ]);
          await outcomeOf('MES-OF-1', 'written');
          const byKey = new Map((await c.readBack(plant, order)).map((r) => [r.key, r.fields]));
          const pick = (key: string) => {
            const f = byKey.get(key)!;
            return { op: f.OrderOperation, yieldQty: f.ConfirmationYieldQuantity, final: f.FinalConfirmationType, cleared: f.OpenReservationsIsCleared };
          };
          assert.deepEqual(pick('MES-ST-1'), { op: first.padStart(4, '0'), yieldQty: '0', final: '', cleared: false });
          assert.deepEqual(pick('MES-FI-1'), { op: first.padStart(4, '0'), yieldQty: '480', final: 'X', cleared: false });
          assert.deepEqual(pick('MES-OF-1'), { op: last.padStart(4, '0'), yieldQty: '480', final: 'X', cleared: true });
        });
      }

      if (c.preset === 'erpnext') {
        it('receives the finished goods by a Manufacture Stock Entry, once per key, leaving the job cards alone', async () => {
          const { send, outcomeOf } = await load(c);
          const order = await releasedOrder(c);
          const receipt = confirmationFor(order, 'MES-GR-1', { activity: 'goods-receipt', yieldQty: 50, scrapQty: 0, opNo: order.operations[order.operations.length - 1].opNo });
          await send(receipt);
          await outcomeOf('MES-GR-1', 'written');
          await send(receipt);
          await outcomeOf('MES-GR-1', 'already-there');
          const entries = stockEntries(plant, order.orderNo);
          assert.deepEqual(
            entries.map((e) => [e.key, e.yieldQty, e.fields.purpose, e.fields.docstatus]),
            [['MES-GR-1', 50, 'Manufacture', 1]],
          );
          assert.deepEqual(await jobCardLogs(plant, order.orderNo), []);
        });
      }

      if (c.preset === 'erpnext') {
        it("submits the operation's Job Card when it finishes with the card's quantity, and a short finish gets ERPNext's own refusal", async () => {
          const { send, outcomeOf } = await load(c);
          const order = await releasedOrder(c);
          const auth = { authorization: 'token mesbridge0a1b2c:demo-erpnext-secret' };
          const cardOf = async (orderNo: string) => {
            const base = `${plant.sim.url}/erpnext/api/resource/Job%20Card`;
            const list = (await getJson(
              `${base}?filters=${encodeURIComponent(
                JSON.stringify([
                  ['work_order', '=', orderNo],
                  ['sequence_id', '=', 10],
                ]),
              )}&fields=${encodeURIComponent('["name"]')}`,
              auth,
            )) as { data: Array<{ name: string }> };
            return ((await getJson(`${base}/${encodeURIComponent(list.data[0].name)}`, auth)) as { data: Record<string, unknown> }).data;
          };
          // 480 good so far, then the rest with the finish: completed equals the card's quantity, so it is submitted.
          await send([confirmationFor(order, 'MES-JC-1'), confirmationFor(order, 'MES-JC-2', { activity: 'finish', yieldQty: order.quantity - 480, scrapQty: 0 })]);
          await outcomeOf('MES-JC-2', 'written');
          const card = await cardOf(order.orderNo);
          assert.deepEqual([card.docstatus, card.status, card.total_completed_qty, card.for_quantity], [1, 'Completed', order.quantity, order.quantity]);

          // Another order finished with 10 of its quantity: ERPNext refuses the submit, in its own words, for good.
          const short = plant.sim.erp.orders().filter((o) => o.status === 'released' && o.operations.length >= 2)[1];
          await send(confirmationFor(short, 'MES-JC-3', { activity: 'finish', yieldQty: 10, scrapQty: 0 }));
          const refused = await outcomeOf('MES-JC-3', 'refused');
          assert.match(refused.payload.reason!, new RegExp(`Total Completed Qty.*\\(.*10\\.0.*\\) must be equal to .*Qty to Manufacture.*${short.quantity}\\.0`));
          assert.equal((await cardOf(short.orderNo)).docstatus, 0, 'the card stays a draft');
        });

        it('refuses a confirmation for a Work Order without Job Cards (no operations), naming the order and the missing card', async () => {
          const { send, outcomeOf, caught } = await load(c);
          const template = await releasedOrder(c);
          plant.sim.erp.upsertOrder({ ...template, orderNo: 'MO-2026-0904', revision: 0, operations: [], bom: template.bom.map(({ opNo: _op, ...line }) => line) });
          await send(confirmationFor({ ...template, orderNo: 'MO-2026-0904' }, 'MES-NJ-1', { opNo: '0010' }));
          const refused = await outcomeOf('MES-NJ-1', 'refused');
          assert.match(refused.payload.reason!, /Work Order MO-2026-0904 has no open \(draft\) Job Card for operation 0010/);
          await eventually(() => caught.length === 1, 'the refusal at Catch', 30_000);
          assert.match(caught[0].error.message, /^The ERP refused confirmation MES-NJ-1 for good/);
        });
      }

      if (c.preset === 'odoo-jsonrpc') {
        it("on Odoo 17 (no mrp.workorder.sequence) finds the operation's work order in date order, as the pull numbers it", async () => {
          const { send, outcomeOf, caught } = await load(c, `${plant.sim.url}/odoo17`);
          const order = await releasedOrder(c);
          const second = order.operations[1];
          await send(confirmationFor(order, 'MES-17-1', { opNo: second.opNo }));
          await outcomeOf('MES-17-1', 'written');
          assert.deepEqual(
            caught.map((m) => m.error.message),
            [],
          );
          const rpc = async (service: string, method: string, args: unknown[]) => {
            const res = await fetch(`${plant.sim.url}/odoo17/jsonrpc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 1, params: { service, method, args } }) });
            return ((await res.json()) as { result: unknown }).result;
          };
          const uid = await rpc('common', 'login', ['plant1010', 'mes-bridge', 'demo-odoo-pass']);
          const logs = (await rpc('object', 'execute_kw', ['plant1010', uid, 'demo-odoo-pass', 'mrp.workcenter.productivity', 'search_read', [[['description', '=', 'MES-17-1']]], { fields: ['workorder_id'] }])) as Array<{
            workorder_id: [number, string];
          }>;
          assert.equal(logs.length, 1);
          assert.match(logs[0].workorder_id[1], new RegExp(`^${order.orderNo} - ${second.opCode}`), 'the time log is on the second operation');
        });
      }

      if (c.preset.startsWith('odoo')) {
        it('marks the MO done on an order finish; what it did not produce goes to a backorder NAME-002 (orderFinishRemainder)', async () => {
          const { send, outcomeOf, caught } = await load(c);
          const order = await releasedOrder(c);
          const last = order.operations[order.operations.length - 1].opNo;
          await send(confirmationFor(order, 'MES-OF-9', { activity: 'order-finish', opNo: last }));
          await outcomeOf('MES-OF-9', 'written');
          assert.deepEqual(
            caught.map((m) => m.error.message),
            [],
          );
          const calls = odooWrites(plant).filter((w) => w.body.model === 'mrp.production' && w.body.method === 'button_mark_done');
          assert.equal(calls.length, 1, 'button_mark_done called once');
          const res = await fetch(`${plant.sim.url}/odoo/json/2/mrp.production/search_read`, {
            method: 'POST',
            headers: { authorization: 'Bearer demo-odoo-api-key', 'content-type': 'application/json' },
            body: JSON.stringify({ domain: [['name', 'like', order.orderNo]], fields: ['name', 'state', 'qty_produced', 'product_qty', 'backorder_sequence'], order: 'name' }),
          });
          const mos = (await res.json()) as Array<Record<string, unknown>>;
          assert.deepEqual(
            mos.map((m) => [m.name, m.state, m.backorder_sequence]),
            [
              [`${order.orderNo}-001`, 'done', 1],
              [`${order.orderNo}-002`, 'confirmed', 2],
            ],
          );
          assert.deepEqual([mos[0].qty_produced, mos[1].product_qty], [480, order.quantity - 480]);
        });
      }

      if (c.preset === 'kingdee-k3cloud') {
        it('finishes a report whose Submit failed after the Save on the retry: saved once, submitted and audited', async () => {
          const { send, outcomeOf } = await load(c);
          const order = await releasedOrder(c);
          const kingdee = (plant.sim.dialects as unknown as { kingdee: { failNextSubmit(): void } }).kingdee;
          kingdee.failNextSubmit();
          await send(confirmationFor(order, 'MES-EV-400'));
          // The first attempt saved, then met the outage; the retry finds the saved bill (the key is there), so the
          // ERP's answer is "already there", and runs the steps it still lacks.
          const outcome = await outcomeOf('MES-EV-400');
          assert.equal(outcome.topic, 'already-there');
          const records = await c.readBack(plant, order);
          assert.deepEqual(
            records.map((r) => [r.key, r.fields.FDocumentStatus]),
            [['MES-EV-400', 'C']],
          );
        });
      }

      it('refuses a malformed confirmation whole, naming the field, and queues nothing', async () => {
        const { caught, outcomes } = await load(c);
        const order = await releasedOrder(c);
        helper.getNode('confirm').receive({ payload: [confirmationFor(order, 'MES-EV-300'), { ...confirmationFor(order, 'MES-EV-301'), yieldQty: -1 }] });
        await eventually(() => caught.length === 1, 'the refusal', 30_000);
        assert.match(caught[0].error.message, /payload\[1\]\.yieldQty must be >= 0/);
        assert.deepEqual(outcomes, []);
      });
    });
  }
});

describe('progress-push through the endpoint preset', () => {
  const plant = usePlantFixture(12);
  const sap = cases[0];

  it('confirms each job report in SAP once, however often the MES sends it, instead of posting a generic update', async () => {
    const pushNodes = [require('../../nodes/bridge-store/bridge-store'), require('../../nodes/erp-endpoint/erp-endpoint'), require('../../nodes/progress-push/progress-push'), require('@node-red/nodes/core/common/25-catch')];
    await helper.load(
      pushNodes,
      [
        { id: 'store', type: 'bridge-store', file: join(plant.dir.path, 'store.sqlite') },
        {
          id: 'erp',
          type: 'erp-endpoint',
          name: 'sap',
          baseUrl: `${plant.sim.url}/sap`,
          baseUrlType: 'str',
          profile: sap.preset,
          params: JSON.stringify(sap.params),
          authType: 'basic',
          username: sap.username,
          usernameType: 'str',
          timeoutSec: 10,
          retryBaseSec: 0.05,
          retryMaxSec: 0.2,
        },
        { id: 'push', type: 'progress-push', endpoint: 'erp', store: 'store', target: 'preset', path: '', batchPath: '', wires: [['accepted'], []] },
        { id: 'accepted', type: 'helper' },
        { id: 'catcher', type: 'catch', scope: ['push'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ] as Array<Record<string, unknown>> as Parameters<typeof helper.load>[1],
      { erp: { password: sap.password } },
    );
    const accepted: Array<{ accepted: Record<string, number> }> = [];
    const caught: Array<{ error: { message: string } }> = [];
    helper.getNode('accepted').on('input', (m: unknown) => accepted.push(m as (typeof accepted)[number]));
    helper.getNode('caught').on('input', (m: unknown) => caught.push(m as (typeof caught)[number]));
    const push = helper.getNode('push');
    const order = plant.sim.erp.orders().find((o) => o.status === 'released' && o.operations.length >= 2)!;
    const workOrder = toWorkOrder(order);
    const opNo = workOrder.operations[0].sequence;
    const report = (eventId: string, goodQty: number, status: string, timestamp: string) => ({ eventId, orderNo: order.orderNo, opNo, goodQty, scrapQty: 1, status, operator: 'OP-7', equipment: 'EQ-1', timestamp });
    push.receive({ payload: workOrder });
    await eventually(() => accepted.length === 1, 'the plan');
    const reports = [report('ev-1', 0, 'started', '2026-11-23T09:00:00+08:00'), report('ev-2', 120, 'running', '2026-11-23T10:00:00+08:00')];
    push.receive({ payload: reports });
    await eventually(() => accepted.length === 2, 'the reports');
    assert.equal(accepted[1].accepted.confirmations, 2);
    push.receive({ payload: reports });
    await eventually(() => accepted.length === 3, 'the repeated reports');
    const written = await eventually(
      async () => {
        const records = await sap.readBack(plant, order);
        return records.length >= 2 ? records : undefined;
      },
      'both confirmations in SAP',
      60_000,
    );
    // Per order the outbox keeps order: once a later report is in SAP, the repeats before it were looked up and found.
    push.receive({ payload: report('ev-3', 30, 'running', '2026-11-23T11:00:00+08:00') });
    await eventually(async () => ((await sap.readBack(plant, order)).length === 3 ? true : undefined), 'the third confirmation', 60_000);
    const records = await sap.readBack(plant, order);
    assert.deepEqual(records.map((r) => r.key).sort(), ['ev-1', 'ev-2', 'ev-3']);
    assert.deepEqual(
      records.map((r) => r.yieldQty),
      [0, 120, 30],
    );
    assert.ok(written.length >= 2);
    assert.deepEqual(
      caught.map((m) => m.error.message),
      [],
    );
  });
});
