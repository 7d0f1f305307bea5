// Per preset, in a real Node-RED runtime against its stock-shaped ERP dialect: 250 orders plus the cases real
// plants have (server/simulator/plant-cases.ts: drafts, a cancelled then amended order, a split that renames the
// Odoo MO, orders without a due date or a routing, Kingdee bills not audited yet). Exactly the released orders
// reach the MES, once each, with their predecessors; the orders a broken profile refuses are parked with their
// reasons, and each released one is delivered once after the fixed profile is deployed.
// (Confirmations per preset, written once per key and read back field by field: test/nodes/erp-confirm.test.ts.)
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import helper from 'node-red-node-test-helper';
import { preset } from '../../nodes/lib/erp/profile';
import type { ParkedOrder } from '../../nodes/lib/plan-sync/parked-orders';
import { validate } from '../../nodes/lib/validation';
import { type PlantCases, seedPlantCases } from '../../server/simulator/plant-cases';
import { usePlantFixture, type PlantFixture } from '../support/plant-fixture';
import { eventually } from '../support/temp';

helper.init(require.resolve('node-red'));
const nodes = [require('../../nodes/bridge-store/bridge-store'), require('../../nodes/erp-endpoint/erp-endpoint'), require('../../nodes/erp-order-fetch/erp-order-fetch'), require('@node-red/nodes/core/common/25-catch')];

type Order = Record<string, unknown> & { orderNo: string; orderKey?: string; status: string; operations: unknown[]; predecessor?: Record<string, unknown> };

interface PresetCase {
  preset: string;
  mount: string;
  username?: string;
  password?: string;
  token?: string;
  params: Record<string, unknown>;
  /** The ERP keeps orders without a due date (ERPNext, Odoo); SAP and Kingdee require one. */
  withoutDueDate: boolean;
  /** A field the preset would read that this stock install lacks: left out with one warning naming it. */
  lacks?: RegExp;
  /** Before the first pull: what this dialect alone has (Kingdee bills not audited). Returns orders the ERP holds back. */
  prepare?(plant: PlantFixture): string[];
  /** The simulator's order no for the order no the preset gives (Kingdee: bill no-line; Odoo: a renamed MO). */
  canonical?(plant: PlantFixture, orderNo: string): string;
  check(orders: Map<string, Order>, cases: PlantCases): void;
}

const kingdee = (plant: PlantFixture) => plant.sim.dialects.kingdee;

/** An amendment names what it amends; a split names the MO it was split off. */
function checkAmendment(orders: Map<string, Order>, cases: PlantCases) {
  assert.equal(orders.has(cases.cancelled), false, 'a cancel of an order the MES never had goes nowhere');
  assert.deepEqual(orders.get(cases.amendment)!.predecessor, { orderNo: cases.cancelled, relation: 'amendment' });
}

function checkShapes(orders: Map<string, Order>, cases: PlantCases) {
  assert.deepEqual(orders.get(cases.withoutOperations)!.operations, [], 'an order without a routing goes with no operations');
  for (const no of cases.withoutDueDate) assert.ok(orders.has(no), `${no} (no due date) reached the MES`);
}

function odooChecks(orders: Map<string, Order>, cases: PlantCases) {
  checkShapes(orders, cases);
  const origin = orders.get(cases.splitOrigin)!;
  const backorder = orders.get(cases.backorder)!;
  // _split_productions renamed the original NAME-001; the backorder is NAME-002 and names it, with its id.
  assert.equal(origin.orderNo, `${cases.splitOrigin}-001`);
  assert.equal(backorder.orderNo, `${cases.splitOrigin}-002`);
  assert.equal(origin.predecessor, undefined);
  assert.deepEqual(backorder.predecessor, { orderNo: `${cases.splitOrigin}-001`, orderKey: origin.orderKey, relation: 'split' });
}

const cases: PresetCase[] = [
  {
    preset: 'sap-s4hana-odata-v2',
    mount: 'sap',
    username: 'erp-bridge',
    password: 'demo-erp-pass',
    params: { timeZone: 'Asia/Shanghai' },
    withoutDueDate: false,
    check: (orders, c) => checkShapes(orders, c),
  },
  {
    preset: 'erpnext',
    mount: 'erpnext',
    username: 'mesbridge0a1b2c',
    password: 'demo-erpnext-secret',
    params: { plant: '1010', timeZone: 'Asia/Shanghai' },
    withoutDueDate: true,
    lacks: /Work ?Order has no custom_plant, custom_priority/i,
    check: (orders, c) => {
      checkShapes(orders, c);
      checkAmendment(orders, c);
      assert.equal(orders.get(c.withoutDueDate[0])!.dueDate !== undefined, true, 'the due date falls back to the planned end');
    },
  },
  ...(['odoo-jsonrpc', 'odoo-json2'] as const).map((id): PresetCase => ({
    preset: id,
    mount: 'odoo',
    username: id === 'odoo-jsonrpc' ? 'mes-bridge' : undefined,
    password: id === 'odoo-jsonrpc' ? 'demo-odoo-pass' : undefined,
    token: id === 'odoo-json2' ? 'demo-odoo-api-key' : undefined,
    params: { database: 'plant1010' },
    withoutDueDate: true,
    canonical: (_plant, no) => no.replace(/^(MO-2026-0012)-001$/, '$1'),
    check: odooChecks,
  })),
  {
    preset: 'kingdee-k3cloud',
    mount: 'kingdee/k3cloud',
    username: 'mes-bridge',
    password: 'demo-kingdee-app-secret-0000001',
    params: { acctId: '6571d8f1a2c3e4', appId: '301451_demoMesBridge', timeZone: 'Asia/Shanghai', priorityField: 'F_PAEZ_Priority' },
    withoutDueDate: false,
    lacks: /orders has no F_PAEZ_Priority/,
    // Three bills short of audited: saved (A 创建), submitted (B 审核中), unaudited again (D 重新审核).
    prepare(plant) {
      const held: string[] = [];
      for (const [no, status] of [
        ['MO-2026-0020', 'A'],
        ['MO-2026-0041', 'B'],
        ['MO-2026-0062', 'D'],
      ] as const) {
        kingdee(plant).setBillAudit(no, status);
        held.push(...kingdee(plant).billMates(no));
      }
      assert.ok(held.length >= 6, `the held bills hold ${held.join(', ')}`);
      return held;
    },
    canonical(plant, no) {
      const [, bill, seq] = /^(.*)-(\d+)$/.exec(no)!;
      return kingdee(plant).orderNoOf(bill, Number(seq))!;
    },
    check: (orders, c) => checkShapes(orders, c),
  },
];

type Status = { fill?: string; text?: string };

describe('each preset with the cases real plants have: 250 orders, exactly the released ones once, refused ones parked and delivered after the fix', () => {
  const plant = usePlantFixture(250);

  function flow(c: PresetCase, profile: { profile: string; profileJson?: string }) {
    return [
      { id: 'store', type: 'bridge-store', file: join(plant.dir.path, 'store.sqlite') },
      {
        id: 'erp',
        type: 'erp-endpoint',
        name: c.preset,
        baseUrl: `${plant.sim.url}/${c.mount}`,
        baseUrlType: 'str',
        ...profile,
        params: JSON.stringify(c.params),
        authType: c.token ? 'bearer' : 'basic',
        username: c.username ?? '',
        usernameType: 'str',
        timeoutSec: 20,
        retryBaseSec: 0.05,
        retryMaxSec: 0.2,
      },
      { id: 'fetch', type: 'erp-order-fetch', endpoint: 'erp', store: 'store', intervalMin: 0, pageSize: 100, fetchOnStart: false, output: 'production-order', wires: [['out'], ['parked']] },
      { id: 'out', type: 'helper' },
      { id: 'parked', type: 'helper' },
      { id: 'catcher', type: 'catch', scope: ['fetch'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ];
  }

  async function load(c: PresetCase, profile: { profile: string; profileJson?: string }) {
    await helper.load(nodes as Parameters<typeof helper.load>[0], flow(c, profile) as unknown as Parameters<typeof helper.load>[1], { erp: c.token ? { token: c.token } : { password: c.password } });
    const sent: Order[] = [];
    const statuses: Status[] = [];
    const caught: string[] = [];
    helper.getNode('out').on('input', (m: unknown) => sent.push((m as { payload: Order }).payload));
    helper.getNode('caught').on('input', (m: unknown) => caught.push((m as { error: { message: string } }).error.message));
    const fetchNode = helper.getNode('fetch');
    const status = fetchNode.status.bind(fetchNode);
    fetchNode.status = ((s: Status) => (statuses.push(s), status(s as Parameters<typeof status>[0]))) as typeof fetchNode.status;
    const run = async () => {
      const from = statuses.length;
      fetchNode.receive({});
      await eventually(() => statuses.slice(from).some((s) => s.fill === 'green' || s.fill === 'yellow' || s.fill === 'red'), 'the pull to finish', 120_000);
    };
    const parkedList = async (): Promise<ParkedOrder[]> => {
      const answer = new Promise<{ payload: ParkedOrder[] }>((resolve) => helper.getNode('parked').once('input', resolve));
      fetchNode.receive({ topic: 'parked' });
      return (await answer).payload;
    };
    return { sent, statuses, caught, run, parkedList };
  }

  /** The preset as shipped, its map refusing one product's orders (their plant made a number): a profile with a mistake. */
  function broken(c: PresetCase, productCode: string): string {
    const profile = preset(c.preset);
    profile.id = `${c.preset}-broken`;
    profile.pull.map = `( $order := ${profile.pull.map}; $order.productCode = "${productCode}" ? $merge([$order, { "plant": 1010 }]) : $order )`;
    return JSON.stringify(profile);
  }

  for (const c of cases) {
    it(`${c.preset} on /${c.mount}`, async () => {
      const seeded = seedPlantCases(plant.sim.erp, { withoutDueDate: c.withoutDueDate });
      const heldBack = new Set(c.prepare?.(plant) ?? []);
      const orders = plant.sim.erp.orders();
      // A product none of the cases uses, so the cases are checked on the first pull and the fix on the rest.
      const caseOrders = new Set([seeded.amendment, seeded.splitOrigin, seeded.backorder, seeded.withoutOperations, ...seeded.withoutDueDate]);
      const caseProducts = new Set(orders.filter((o) => caseOrders.has(o.orderNo)).map((o) => o.productCode));
      const byProduct = new Map<string, number>();
      for (const o of orders) byProduct.set(o.productCode, (byProduct.get(o.productCode) ?? 0) + 1);
      const candidates = [...byProduct].filter(([code, n]) => !caseProducts.has(code) && n >= 10 && n <= 150);
      assert.ok(candidates.length > 0, `a product the cases do not use, for the refused orders: ${JSON.stringify([...byProduct])}`);
      const refused = candidates[0][0];

      const goes = (o: (typeof orders)[number]) => o.status !== 'created' && o.status !== 'cancelled' && !heldBack.has(o.orderNo);
      const canonical = (no: string) => (c.canonical ? c.canonical(plant, no) : no);

      let r = await load(c, { profile: 'custom', profileJson: broken(c, refused) });
      await r.run();
      // Catch sees each parked refusal; any other error is a failure of this preset.
      const errors = r.caught.filter((m) => !/payload\.plant must be a string/.test(m));
      assert.deepEqual(errors, [], JSON.stringify(r.statuses.at(-1)));
      const first = new Map<string, Order>();
      for (const o of r.sent) {
        const no = canonical(o.orderNo);
        assert.equal(first.has(no), false, `${no} reached the MES twice`);
        assert.deepEqual(validate('production-order', o), { ok: true }, JSON.stringify(o).slice(0, 300));
        // JSONata builds objects without a prototype: compare plain copies.
        first.set(no, JSON.parse(JSON.stringify(o)) as Order);
      }
      const expectedFirst = orders
        .filter((o) => goes(o) && o.productCode !== refused)
        .map((o) => o.orderNo)
        .sort();
      assert.deepEqual([...first.keys()].sort(), expectedFirst, 'exactly the released orders, drafts, unaudited bills and the cancel the MES never had left out');
      c.check(first, seeded);
      if (c.lacks) {
        const WARN = 30;
        const warnings = helper
          .log()
          .args.map((call: unknown[]) => call[0] as { id?: string; level?: number; msg?: unknown })
          .filter((e: { id?: string; level?: number }) => e.id === 'erp' && e.level === WARN);
        assert.equal(warnings.length, 1, 'one warning for what the install lacks');
        assert.match(String(warnings[0].msg), c.lacks);
      }

      // The refused orders are parked with their reasons (drafts among them: every line the ERP served).
      const parked = await r.parkedList();
      const served = orders.filter((o) => o.productCode === refused);
      assert.deepEqual(parked.map((p) => canonical(p.orderNo ?? p.key)).sort(), served.map((o) => o.orderNo).sort());
      for (const p of parked) assert.match(p.reason, /is not a valid production order: payload\.plant must be a string/);

      // The integrator deploys the preset as shipped: each parked released order is delivered once, nothing else.
      await helper.unload();
      r = await load(c, { profile: c.preset });
      const expectedAfter = served
        .filter(goes)
        .map((o) => o.orderNo)
        .sort();
      await eventually(() => r.sent.length >= expectedAfter.length && r.statuses.at(-1)?.fill === 'green', 'the parked orders after the fix', 120_000);
      assert.deepEqual(r.sent.map((o) => canonical(o.orderNo)).sort(), expectedAfter, 'every parked released order once, and nothing else');
      assert.deepEqual(await r.parkedList(), [], 'the parked list is empty');
      await r.run();
      assert.equal(r.sent.length, expectedAfter.length, 'nothing again on the next pull');
    });
  }
});
