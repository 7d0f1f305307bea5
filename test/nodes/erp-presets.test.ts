// Every shipped ERP profile preset against the demo plant served in that ERP's own dialect (the fakes in
// server/simulator/dialects, built to the real APIs' documented shapes): erp-order-fetch inside a real
// Node-RED runtime pulls 250 orders across pages, then only what changed; sessions and CSRF tokens
// renew themselves; an error the ERP hides in an HTTP 200 becomes a clear error with the ERP's words;
// a confirmation is written back once per idempotency key.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import helper from 'node-red-node-test-helper';
import { openEndpoint, type EndpointSettings } from '../../nodes/lib/erp/endpoint';
import { profileConfirmationWriter } from '../../nodes/lib/erp/profile';
import { validate } from '../../nodes/lib/validation';
import { usePlantFixture } from '../support/plant-fixture';
import { eventually } from '../support/temp';

helper.init(require.resolve('node-red'));
const nodes = [require('../../nodes/bridge-store/bridge-store'), require('../../nodes/erp-endpoint/erp-endpoint'), require('../../nodes/erp-order-fetch/erp-order-fetch'), require('@node-red/nodes/core/common/25-catch')];

interface PresetCase {
  preset: string;
  mount: string;
  username: string;
  password: string;
  /** For presets that take an API key as a token instead of a user name and password. */
  token?: string;
  params?: Record<string, unknown>;
  /** An error the ERP puts inside an HTTP 200, and the words that must reach the flow. */
  errorIn200?: { kind: string; message: RegExp };
  /** An injected error with an HTTP status, and the words that must reach the flow. */
  errorStatus?: { kind: string; message: RegExp };
}

const cases: PresetCase[] = [
  { preset: 'generic-rest', mount: 'erp/api/v1', username: 'erp-bridge', password: 'demo-erp-pass' },
  {
    preset: 'sap-s4hana-odata-v2',
    mount: 'sap',
    username: 'erp-bridge',
    password: 'demo-erp-pass',
    params: { timeZone: 'Asia/Shanghai' },
    errorStatus: { kind: 'internal-error', message: /answered with an error: An exception was raised \(SY\/530\)/ },
  },
  {
    preset: 'erpnext',
    mount: 'erpnext',
    username: 'mesbridge0a1b2c',
    password: 'demo-erpnext-secret',
    params: { plant: '1010', timeZone: 'Asia/Shanghai' },
    errorIn200: { kind: 'messages-in-200', message: /answered with an error: / },
    errorStatus: undefined,
  },
  {
    preset: 'odoo-jsonrpc',
    mount: 'odoo',
    username: 'mes-bridge',
    password: 'demo-odoo-pass',
    params: { database: 'plant1010' },
    errorIn200: { kind: 'server-error', message: /answered with an error: .*\(psycopg2\./ },
  },
  {
    preset: 'odoo-json2',
    mount: 'odoo',
    username: '',
    password: '',
    token: 'demo-odoo-api-key',
    params: { database: 'plant1010' },
    errorStatus: { kind: 'user-error', message: /answered with an error: .*UserError/ },
  },
  {
    preset: 'kingdee-k3cloud',
    mount: 'kingdee/k3cloud',
    username: 'mes-bridge',
    password: 'demo-kingdee-app-secret-0000001',
    params: { acctId: '6571d8f1a2c3e4', appId: '301451_demoMesBridge', lcid: 2052, plant: '1010', timeZone: 'Asia/Shanghai' },
    errorIn200: { kind: 'unknown-field', message: /answered with an error: .*字段不存在.*\(MsgCode 9\)/ },
  },
];

describe('ERP profile presets against their ERP dialects', () => {
  const plant = usePlantFixture(250);

  const settings = (c: PresetCase): EndpointSettings => ({
    name: c.preset,
    baseUrl: `${plant.sim.url}/${c.mount}`,
    baseUrlType: 'str',
    profile: c.preset,
    params: JSON.stringify(c.params ?? {}),
    authType: c.token ? 'bearer' : 'basic',
    username: c.username,
    usernameType: 'str',
    timeoutSec: 10,
  });
  const secrets = (c: PresetCase) => (c.token ? { token: c.token } : { password: c.password });
  /** Drafts are held back by default (release gating): the orders that go on are the released ones. */
  const releasedCount = () => plant.sim.erp.orders().filter((o) => o.status !== 'created').length;

  async function load(c: PresetCase) {
    await helper.load(
      nodes,
      [
        { id: 'store', type: 'bridge-store', file: join(plant.dir.path, 'store.sqlite') },
        { id: 'erp', type: 'erp-endpoint', ...settings(c), retryBaseSec: 0.05, retryMaxSec: 0.1 },
        { id: 'fetch', type: 'erp-order-fetch', endpoint: 'erp', store: 'store', intervalMin: 0, pageSize: 100, fetchOnStart: false, output: 'production-order', wires: [['out']] },
        { id: 'out', type: 'helper' },
        { id: 'catcher', type: 'catch', scope: ['fetch'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ] as Array<Record<string, unknown>> as Parameters<typeof helper.load>[1],
      { erp: secrets(c) },
    );
    const received: Array<{ payload: { orderNo: string; revision: number; quantity: number } }> = [];
    const caught: Array<{ error: { message: string } }> = [];
    const statuses: Array<{ fill?: string }> = [];
    helper.getNode('out').on('input', (m: unknown) => received.push(m as (typeof received)[number]));
    helper.getNode('caught').on('input', (m: unknown) => caught.push(m as (typeof caught)[number]));
    const fetchNode = helper.getNode('fetch');
    const status = fetchNode.status.bind(fetchNode);
    fetchNode.status = ((s: { fill?: string }) => (statuses.push(s), status(s as Parameters<typeof status>[0]))) as typeof fetchNode.status;
    const pull = async () => {
      const done = statuses.length;
      fetchNode.receive({});
      await eventually(() => statuses.slice(done).some((s) => s.fill === 'green' || s.fill === 'red' || s.fill === 'yellow'), 'the pull to finish', 30_000);
    };
    return { received, caught, statuses, pull };
  }

  for (const c of cases) {
    describe(c.preset, () => {
      it('pulls all 250 orders across pages as valid production orders, sends the released ones, then only what changed, nothing twice', async () => {
        const { received, caught, pull } = await load(c);
        await pull();
        assert.deepEqual(
          caught.map((m) => m.error.message),
          [],
        );
        assert.equal(received.length, releasedCount());
        assert.equal(new Set(received.map((m) => m.payload.orderNo)).size, releasedCount());
        for (const m of received) assert.deepEqual(validate('production-order', m.payload), { ok: true });

        // The planner changes three orders in the ERP.
        for (const no of ['MO-2026-0007', 'MO-2026-0100', 'MO-2026-0223']) {
          const order = plant.sim.erp.order(no)!;
          plant.sim.erp.upsertOrder({ ...order, quantity: order.quantity + 1000 });
        }
        const before = received.length;
        await pull();
        assert.deepEqual(
          caught.map((m) => m.error.message),
          [],
        );
        const changed = received.slice(before);
        assert.equal(changed.length, 3, `second pull sent ${changed.map((m) => m.payload.orderNo).join(', ')}`);
        assert.deepEqual(changed.map((m) => m.payload.quantity).sort(), ['MO-2026-0007', 'MO-2026-0100', 'MO-2026-0223'].map((no) => plant.sim.erp.order(no)!.quantity).sort());
      });

      if (c.errorIn200 || c.errorStatus) {
        const fault = (c.errorIn200 ?? c.errorStatus)!;
        it(`turns the ERP's ${c.errorIn200 ? 'error inside a 200 answer' : 'error answer'} into a clear error with its words, then recovers`, async () => {
          const { received, caught, pull } = await load(c);
          dialectOf(c).injectError(fault.kind);
          await pull();
          assert.ok(caught.length >= 1);
          assert.match(caught[0].error.message, new RegExp(`^ERP endpoint '${c.preset}'`));
          assert.match(caught[0].error.message, fault.message);
          // The next pull (a retry or the schedule) reads everything; nothing was skipped.
          await pull();
          await eventually(() => received.length === releasedCount(), 'every released order after the error', 30_000);
        });
      }

      it('recovers by itself when the ERP expires its session or CSRF token, for reads and writes', async () => {
        const { received, caught, pull } = await load(c);
        await pull();
        dialectOf(c).expireSessions();
        const order = plant.sim.erp.order('MO-2026-0042')!;
        plant.sim.erp.upsertOrder({ ...order, quantity: order.quantity + 10 });
        await pull();
        assert.deepEqual(
          caught.map((m) => m.error.message),
          [],
        );
        assert.equal(received.length, releasedCount() + 1);
        assert.equal(received.at(-1)!.payload.quantity, order.quantity + 10);

        const open = openEndpoint(settings(c), secrets(c), () => undefined);
        try {
          const write = profileConfirmationWriter(open.session);
          const base = { opNo: order.operations[0].opNo, yieldQty: 10, scrapQty: 0, unit: order.unit, finalConfirmation: false, postedAt: '2026-11-25T12:00:00+08:00', productCode: order.productCode, plant: order.plant };
          const orderNo = c.preset === 'kingdee-k3cloud' ? await kingdeeOrderNo(c, 'MO-2026-0042') : order.orderNo;
          assert.equal((await write({ ...base, orderNo, key: 'MES-EV-A' })).alreadyThere, false);
          dialectOf(c).expireSessions();
          assert.equal((await write({ ...base, orderNo, key: 'MES-EV-B' })).alreadyThere, false, 'a write after the session/token expired');
        } finally {
          open.client.close();
        }
      });

      it('writes a confirmation back once per idempotency key', async () => {
        const open = openEndpoint(settings(c), secrets(c), () => undefined);
        try {
          const write = profileConfirmationWriter(open.session);
          const order = plant.sim.erp.order('MO-2026-0003')!;
          const confirmation = {
            orderNo: c.preset === 'kingdee-k3cloud' ? await kingdeeOrderNo(c, 'MO-2026-0003') : order.orderNo,
            opNo: order.operations[0].opNo,
            yieldQty: 480,
            scrapQty: 20,
            unit: order.unit,
            finalConfirmation: false,
            postedAt: '2026-11-25T12:00:00+08:00',
            key: 'MES-EV-000042',
            productCode: order.productCode,
            plant: order.plant,
          };
          const first = await write(confirmation);
          assert.equal(first.alreadyThere, false);
          assert.ok(first.id, 'the ERP gave the confirmation an id');
          const again = await write(confirmation);
          assert.deepEqual(again, { id: first.id, alreadyThere: true });
        } finally {
          open.client.close();
        }
      });
    });
  }

  function dialectOf(c: PresetCase): { injectError(kind: string): void; expireSessions(): void } {
    const name = c.mount.split('/')[0];
    // The generic profile talks to the simulator's own ERP, which keeps no sessions.
    if (name === 'erp') return { injectError: () => assert.fail('no injected errors for the generic ERP'), expireSessions: () => {} };
    return (plant.sim.dialects as unknown as Record<string, { injectError(kind: string): void; expireSessions(): void }>)[name];
  }

  /** Kingdee's order no for a simulator order: the bill line that carries it (bill no-line seq). */
  async function kingdeeOrderNo(c: PresetCase, simOrderNo: string): Promise<string> {
    const open = openEndpoint(settings(c), secrets(c), () => undefined);
    try {
      const { profileOrdersReader } = await import('../../nodes/lib/erp/profile');
      const page = await profileOrdersReader(open.session)({ offset: 0, limit: 1000 });
      const match = (page.items as Array<{ orderNo: string; quantity: number; dueDate: string }>).find((o) => {
        const sim0 = plant.sim.erp.order(simOrderNo)!;
        return o.quantity === sim0.quantity && Date.parse(o.dueDate) === Date.parse(sim0.dueDate);
      });
      assert.ok(match, 'the order is served by Kingdee');
      return match.orderNo;
    } finally {
      open.client.close();
    }
  }
});
