// Each preset as a new user meets it: a stock-shaped ERP (server/simulator/dialects, modelled on each ERP's
// own published definitions: no custom fields, unknown fields refused as the ERP refuses them), the preset
// with only its documented settings filled in, erp-order-fetch in a real Node-RED runtime. Valid orders come
// out; a field the preset would use but this install lacks is left out with one warning; a permanent error
// stops the retries and shows the ERP's words; every status the node shows is translated (zh-CN here).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import helper from 'node-red-node-test-helper';
import { preset } from '../../nodes/lib/erp/profile';
import { validate } from '../../nodes/lib/validation';
import { usePlantFixture } from '../support/plant-fixture';
import { eventually } from '../support/temp';
import { inLanguage, statusReader } from '../support/locale';

helper.init(require.resolve('node-red'));

const nodes = [
  require('../../nodes/bridge-store/bridge-store'),
  require('../../nodes/erp-endpoint/erp-endpoint'),
  inLanguage(require('../../nodes/erp-order-fetch/erp-order-fetch'), 'erp-order-fetch', 'zh-CN'),
  require('@node-red/nodes/core/common/25-catch'),
];

interface StockCase {
  title: string;
  preset: string;
  mount: string;
  username?: string;
  password?: string;
  token?: string;
  /** Only what the preset's description tells an integrator to fill in. */
  params: Record<string, unknown>;
  /** A field the preset would use that this install lacks, named in the one warning. */
  lacks?: RegExp;
  /** Orders without a due date get the fallback (the dialect serves them as the ERP does: null / false). */
  dueDateFallback?: boolean;
  check?: (orders: Array<Record<string, unknown>>) => void;
}

const cases: StockCase[] = [
  {
    title: 'SAP S/4HANA: an unset ManufacturingOrderImportance ("") takes the default priority',
    preset: 'sap-s4hana-odata-v2',
    mount: 'sap',
    username: 'erp-bridge',
    password: 'demo-erp-pass',
    params: { timeZone: 'Asia/Shanghai', defaultPriority: 6 },
    check: (orders) => {
      assert.ok(
        orders.some((o) => o.priority === 6),
        'no order took the default priority',
      );
      // MfgOrderConfirmedYieldQty (an Edm.Decimal string) arrives as the produced quantity, a number.
      assert.ok(
        orders.every((o) => typeof o.producedQty === 'number'),
        'an order lacks producedQty',
      );
    },
  },
  {
    title: 'ERPNext: no custom fields; plant and priority from the settings; custom_plant/custom_priority left out with one warning',
    preset: 'erpnext',
    mount: 'erpnext',
    username: 'mesbridge0a1b2c',
    password: 'demo-erpnext-secret',
    params: { plant: '1010', timeZone: 'Asia/Shanghai' },
    lacks: /Work ?Order has no custom_plant, custom_priority/i,
    dueDateFallback: true,
    check: (orders) => {
      assert.ok(orders.every((o) => o.plant === '1010' && o.priority === 5));
      // produced_qty and process_loss_qty are in the stock doctype's meta, so they are read and passed on.
      assert.ok(
        orders.every((o) => typeof o.producedQty === 'number' && typeof o.processLossQty === 'number'),
        'an order lacks producedQty or processLossQty',
      );
      // ERPNext says "In Process" once something is produced and not all: that is running, not released.
      for (const o of orders.filter((x) => x.status === 'running' || x.status === 'released')) {
        assert.equal(o.status === 'running', (o.producedQty as number) > 0, `${String(o.orderNo)} is ${String(o.status)} with ${String(o.producedQty)} produced`);
      }
      // amended_from is empty on every stock seed order: no predecessor is made up.
      assert.ok(orders.every((o) => o.predecessor === undefined));
    },
  },
  {
    title: 'Odoo 19 (JSON-RPC): plant is the warehouse code, a false date_deadline falls back to the planned end',
    preset: 'odoo-jsonrpc',
    mount: 'odoo',
    username: 'mes-bridge',
    password: 'demo-odoo-pass',
    params: { database: 'plant1010' },
    dueDateFallback: true,
    check: (orders) => {
      assert.ok(orders.every((o) => o.plant === '1010'));
      // The record id is the stable key (a backorder renames the MO, not its id); qty_produced is the produced quantity.
      assert.ok(
        orders.every((o) => typeof o.orderKey === 'string' && /^[1-9][0-9]*$/.test(o.orderKey)),
        'an order lacks its Odoo id as orderKey',
      );
      assert.equal(new Set(orders.map((o) => o.orderKey)).size, orders.length, 'two orders share an orderKey');
      assert.ok(
        orders.every((o) => typeof o.producedQty === 'number'),
        'an order lacks producedQty',
      );
    },
  },
  {
    title: 'Odoo 17 (JSON-RPC): mrp.workorder has no sequence; operations numbered in date order, one warning',
    preset: 'odoo-jsonrpc',
    mount: 'odoo17',
    username: 'mes-bridge',
    password: 'demo-odoo-pass',
    params: { database: 'plant1010' },
    lacks: /workorder has no sequence/,
    dueDateFallback: true,
    check: (orders) => assert.deepEqual((orders[0].operations as Array<{ opNo: string }>).map((op) => op.opNo).slice(0, 2), ['0010', '0020']),
  },
  {
    title: 'Odoo 19 (JSON-2): the same, bearer API key',
    preset: 'odoo-json2',
    mount: 'odoo',
    token: 'demo-odoo-api-key',
    params: { database: 'plant1010' },
    dueDateFallback: true,
    check: (orders) => assert.ok(orders.every((o) => o.plant === '1010')),
  },
  {
    title: 'Kingdee K/3 Cloud: stock PRD_MO without F_PAEZ_ fields; an extension field named in the settings is left out with one warning',
    preset: 'kingdee-k3cloud',
    mount: 'kingdee/k3cloud',
    username: 'mes-bridge',
    password: 'demo-kingdee-app-secret-0000001',
    params: { acctId: '6571d8f1a2c3e4', appId: '301451_demoMesBridge', timeZone: 'Asia/Shanghai', priorityField: 'F_PAEZ_Priority' },
    lacks: /orders has no F_PAEZ_Priority/,
    check: (orders) => {
      assert.ok(orders.every((o) => o.priority === 5 && o.plant === '1010'));
      // Each bill line is an order: its key is the bill's FID with the line's entry id, unique per line.
      assert.ok(
        orders.every((o) => typeof o.orderKey === 'string' && /^[0-9]+\.[0-9]+$/.test(o.orderKey)),
        'an order lacks FID.FEntryId as orderKey',
      );
      assert.equal(new Set(orders.map((o) => o.orderKey)).size, orders.length, 'two order lines share an orderKey');
    },
  },
];

describe('ERP presets against stock-shaped ERPs, documented settings only', () => {
  const plant = usePlantFixture(30);
  const WARN = 30;

  async function load(c: Pick<StockCase, 'mount' | 'username' | 'password' | 'token' | 'params'>, profile: { profile: string; profileJson?: string }) {
    await helper.load(
      nodes as Parameters<typeof helper.load>[0],
      [
        { id: 'store', type: 'bridge-store', file: join(plant.dir.path, 'store.sqlite') },
        {
          id: 'erp',
          type: 'erp-endpoint',
          name: 'stock',
          baseUrl: `${plant.sim.url}/${c.mount}`,
          baseUrlType: 'str',
          ...profile,
          params: JSON.stringify(c.params),
          authType: c.token ? 'bearer' : 'basic',
          username: c.username ?? '',
          usernameType: 'str',
          timeoutSec: 10,
          retryBaseSec: 0.05,
          retryMaxSec: 0.1,
        },
        { id: 'fetch', type: 'erp-order-fetch', endpoint: 'erp', store: 'store', intervalMin: 0, pageSize: 100, fetchOnStart: false, output: 'production-order', wires: [['out']] },
        { id: 'out', type: 'helper' },
        { id: 'catcher', type: 'catch', scope: ['fetch'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ] as unknown as Parameters<typeof helper.load>[1],
      { erp: c.token ? { token: c.token } : { password: c.password } },
    );
    const received: Array<Record<string, unknown>> = [];
    const caught: Array<{ error: { message: string } }> = [];
    const statuses: Array<{ fill?: string; text?: string }> = [];
    const readZh = statusReader('erp-order-fetch', 'zh-CN');
    helper.getNode('out').on('input', (m: unknown) => received.push((m as { payload: Record<string, unknown> }).payload));
    helper.getNode('caught').on('input', (m: unknown) => caught.push(m as (typeof caught)[number]));
    const fetchNode = helper.getNode('fetch');
    const status = fetchNode.status.bind(fetchNode);
    fetchNode.status = ((s: { fill?: string; text?: string }) => (statuses.push(readZh(s)), status(s as Parameters<typeof status>[0]))) as typeof fetchNode.status;
    const pull = async () => {
      const from = statuses.length;
      fetchNode.receive({});
      await eventually(() => statuses.slice(from).some((s) => s.fill === 'green' || s.fill === 'red' || s.fill === 'yellow'), 'the pull to finish', 60_000);
      return statuses.slice(from);
    };
    const warnings = () =>
      helper
        .log()
        .args.map((call: unknown[]) => call[0] as { id?: string; level?: number; msg?: unknown })
        .filter((e: { id?: string; level?: number }) => e.id === 'erp' && e.level === WARN)
        .map((e: { msg?: unknown }) => String(e.msg));
    return { received, caught, statuses, pull, warnings };
  }

  const releasedCount = () => plant.sim.erp.orders().filter((o) => o.status !== 'created').length;

  /** An order as a real plant has them: no due date (ERPNext's expected_delivery_date is optional; Odoo's date_deadline false). */
  function seedOrderWithoutDueDate(): string {
    const { dueDate: _gone, ...rest } = plant.sim.erp.order('MO-2026-0003')!;
    plant.sim.erp.addRawOrder({ ...rest, orderNo: 'MO-2026-0903' });
    return 'MO-2026-0903';
  }

  for (const c of cases) {
    it(c.title, async () => {
      const noDue = c.dueDateFallback ? seedOrderWithoutDueDate() : undefined;
      const { received, caught, statuses, pull, warnings } = await load(c, { profile: c.preset });
      const seen = await pull();
      assert.deepEqual(
        caught.map((m) => m.error.message),
        [],
      );
      // Drafts stay in the ERP (release gating): what reaches the MES is every released order.
      assert.equal(received.length, releasedCount());
      for (const order of received) assert.deepEqual(validate('production-order', order), { ok: true }, JSON.stringify(order).slice(0, 300));
      if (noDue) {
        const order = received.find((o) => o.orderNo === noDue)!;
        const operations = order.operations as Array<{ plannedEnd: string }>;
        assert.equal(Date.parse(String(order.dueDate)), Date.parse(operations[operations.length - 1].plannedEnd), 'the due date falls back to the planned end');
      }
      c.check?.(received);
      const logged = warnings();
      if (c.lacks) {
        assert.equal(logged.length, 1, logged.join('\n'));
        assert.match(logged[0], c.lacks);
        // Once per connection: a second pull says nothing more.
        await pull();
        assert.equal(warnings().length, 1);
      } else assert.deepEqual(logged, []);
      // Statuses in zh-CN: no raw key.
      for (const s of [...seen, ...statuses]) assert.doesNotMatch(String(s.text ?? ''), /erp-order-fetch\.status\./);
      assert.match(String(seen[seen.length - 1].text), /新增/);
    });
  }

  it('a permanent error (ERPNext 500 "Unknown column" for a custom field a stock site lacks) stops the retries and shows the ERP\'s words', async () => {
    // The old preset, as a custom profile that asks for custom_plant unconditionally.
    const old = preset('erpnext');
    old.id = 'custom-erpnext';
    delete old.pull.metadata;
    old.pull.request.query = old.pull.request.query!.replace('$optional.workOrder', '["custom_plant"]');
    const c = { mount: 'erpnext', username: 'mesbridge0a1b2c', password: 'demo-erpnext-secret', params: { plant: '1010', timeZone: 'Asia/Shanghai' } };
    const { received, caught, pull } = await load(c, { profile: 'custom', profileJson: JSON.stringify(old) });
    const seen = await pull();
    const red = seen.find((s) => s.fill === 'red')!;
    assert.match(String(red.text), /^已停止:.*Unknown column/);
    assert.doesNotMatch(String(red.text), /重试/, 'a permanent failure schedules no retry');
    await eventually(() => caught.length === 1, 'the error at the Catch node', 30_000);
    assert.match(caught[0].error.message, /Unknown column 'tabWork Order\.custom_plant' in 'field list'/);
    assert.equal(received.length, 0);
  });

  it('a transient error (ERPNext 500 without naming a field) backs off and says when it retries', async () => {
    const c = { mount: 'erpnext', username: 'mesbridge0a1b2c', password: 'demo-erpnext-secret', params: { plant: '1010', timeZone: 'Asia/Shanghai' } };
    const { received, statuses, pull } = await load(c, { profile: 'erpnext' });
    plant.sim.dialects.erpnext.injectError('server-error');
    const seen = await pull();
    assert.match(String(seen.find((s) => s.fill === 'red')!.text), /秒后重试/);
    // The retry reads everything by itself.
    // The orders are sent before the pull's closing status: wait for both.
    await eventually(() => received.length === releasedCount() && statuses.some((s) => s.fill === 'green'), 'the retry to deliver every order', 60_000);
  });
});
