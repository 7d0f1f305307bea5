// End to end: the real server in demo mode, the demo plant flow deployed through the Admin API with a
// login, the simulated ERP's orders arriving at the simulated MES as mapped work orders — exactly once.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { demoCodeTable } from '../../server/simulator/demo-master-data';
import { deployFlow, login } from '../support/server-kit';
import { repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually } from '../support/temp';

interface Received {
  outcome: string;
  duplicate: boolean;
  workOrder: {
    workOrderNo: string;
    source: { revision: number };
    materialCode: string;
    unit: string;
    site: string;
    plannedQty: number;
    operations: Array<{ equipmentCode: string; operationCode: string }>;
    materials: Array<{ materialCode: string; unit: string }>;
  };
}
interface ErpOrder {
  orderNo: string;
  revision: number;
  status: string;
  productCode: string;
  quantity: number;
  operations: Array<{ workCentre: string }>;
}

const mes = (table: string, erp: string) => demoCodeTable.find((e) => e.table === table && e.erp === erp)?.mes;

describe('demo plant end to end', () => {
  let server: ServerProcess;
  let token: string;
  const erpAuth = `Basic ${Buffer.from('erp-bridge:demo-erp-pass').toString('base64')}`;

  before(async () => {
    server = await startServerProcess({ flows: [], env: { ADMIN_PASSWORD: 'e2e-admin-pass' } });
    token = await login(server.url, 'admin', 'e2e-admin-pass');
  });
  after(async () => {
    const code = await server.stop('SIGTERM');
    assert.equal(code, 0, `the server exits cleanly on SIGTERM:\n${server.output().slice(-2000)}`);
  });

  const received = async () => ((await (await fetch(`${server.simUrl}/mes/_sim/received`)).json()) as { items: Received[] }).items;
  const erpOrders = async () => ((await (await fetch(`${server.simUrl}/erp/api/v1/production-orders?limit=1000`, { headers: { authorization: erpAuth } })).json()) as { items: ErpOrder[] }).items;

  it('refuses to deploy without a login', async () => {
    const res = await fetch(`${server.url}/flows`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[]' });
    assert.equal(res.status, 401);
  });

  it('deploys flows/demo-plant.json through the Admin API and the MES receives exactly the mapped work orders', async () => {
    await deployFlow(server.url, token, JSON.parse(readFileSync(join(repoRoot, 'flows', 'demo-plant.json'), 'utf8')));

    const orders = await erpOrders();
    const unmapped = orders.filter((o) => !o.operations.every((op) => mes('equipment', op.workCentre)));
    assert.equal(unmapped.length, 1, 'the demo seeds exactly one order with an unmapped work centre');
    // Drafts are held back: the MES gets the released orders whose codes all map.
    const mappable = orders.filter((o) => o.status !== 'created' && !unmapped.includes(o));

    const got = await eventually(
      async () => {
        const items = await received();
        return items.length >= mappable.length ? items : undefined;
      },
      `${mappable.length} work orders at the MES`,
      20_000,
    );
    assert.equal(got.length, mappable.length, 'no extra posts');
    assert.ok(
      got.every((r) => r.outcome === 'created' && !r.duplicate),
      'every work order created once',
    );
    assert.deepEqual(got.map((r) => r.workOrder.workOrderNo).sort(), mappable.map((o) => o.orderNo).sort());

    for (const { workOrder } of got) {
      const order = orders.find((o) => o.orderNo === workOrder.workOrderNo)!;
      assert.equal(workOrder.materialCode, mes('material', order.productCode));
      assert.equal(workOrder.site, 'SZ01');
      assert.equal(workOrder.plannedQty, order.quantity);
      assert.deepEqual(
        workOrder.operations.map((op) => op.equipmentCode),
        order.operations.map((op) => mes('equipment', op.workCentre)),
      );
      for (const op of workOrder.operations) assert.match(op.operationCode, /^OP-/);
      for (const m of workOrder.materials)
        assert.ok(
          demoCodeTable.some((e) => e.table === 'material' && e.mes === m.materialCode),
          `${m.materialCode} is an MES material code`,
        );
    }
  });

  it('after the ERP revises an order, "Sync now" sends exactly that revision', async () => {
    const before = await received();
    const order = (await erpOrders()).find((o) => o.orderNo === before[0].workOrder.workOrderNo)!;
    const saved = await fetch(`${server.simUrl}/erp/_sim/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...order, quantity: order.quantity + 1000 }),
    });
    assert.equal(saved.status, 200, await saved.text());

    const inject = await fetch(`${server.url}/inject/sync-now`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    assert.equal(inject.status, 200);
    const afterSync = await eventually(async () => {
      const items = await received();
      return items.length > before.length ? items : undefined;
    }, 'the revised work order');
    const latest = afterSync.at(-1)!;
    assert.equal(afterSync.length, before.length + 1);
    assert.equal(latest.outcome, 'updated');
    assert.equal(latest.workOrder.workOrderNo, order.orderNo);
    assert.equal(latest.workOrder.source.revision, order.revision + 1);
    assert.equal(latest.workOrder.plannedQty, order.quantity + 1000);
  });

  it("offers the pack's flows in the editor's Import ▸ Examples", async () => {
    const res = await fetch(`${server.url}/library/examples/flows/node-red-contrib-erp-mes-bridge`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    const listed = ((await res.json()) as Array<{ fn?: string }>).map((e) => e.fn);
    assert.ok(listed.includes('demo-plant'), `examples: ${JSON.stringify(listed)}`);
  });

  it('parks the order with the unmapped code: GET /api/parked-orders lists it with the reason, /metrics counts it, viewers read, admins retry and it is parked again', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const unmapped = (await erpOrders()).find((o) => !o.operations.every((op) => mes('equipment', op.workCentre)))!;
    assert.equal((await fetch(`${server.url}/api/parked-orders`)).status, 401, 'the list needs a login');
    type Parked = { count: number; items: Array<{ key: string; stage: string; reason: string; node: string; revision: number }> };
    const list = await eventually(async () => {
      const body = (await (await fetch(`${server.url}/api/parked-orders`, { headers: auth })).json()) as Parked;
      return body.count === 1 ? body : undefined;
    }, 'the parked order');
    assert.equal(list.items[0].key, unmapped.orderNo);
    assert.equal(list.items[0].node, 'fetch-orders');
    assert.equal(list.items[0].stage, 'downstream');
    assert.equal(list.items[0].revision, unmapped.revision);
    assert.match(list.items[0].reason, /WC-OLD09/);
    assert.match(await (await fetch(`${server.url}/metrics`, { headers: auth })).text(), /^erp_mes_parked_orders\{node="fetch-orders",name="[^"]+"\} 1$/m);

    assert.equal((await fetch(`${server.url}/api/parked-orders/retry`, { method: 'POST' })).status, 401, 'a retry needs a login');
    const viewer = await login(server.url, 'admin', 'e2e-admin-pass', 'read');
    assert.equal((await fetch(`${server.url}/api/parked-orders`, { headers: { authorization: `Bearer ${viewer}` } })).status, 200, 'a viewer reads the list');
    assert.equal((await fetch(`${server.url}/api/mes-ledger`, { headers: { authorization: `Bearer ${viewer}` } })).status, 200, 'a viewer reads the ledger');
    const viewerRetry = await fetch(`${server.url}/api/parked-orders/retry`, { method: 'POST', headers: { authorization: `Bearer ${viewer}`, 'content-type': 'application/json' }, body: '{}' });
    // Node-RED's permission check answers 401 to a login that lacks the permission.
    assert.equal(viewerRetry.status, 401, 'a viewer may not retry');
    const before = (await received()).length;
    const retry = await fetch(`${server.url}/api/parked-orders/retry`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(retry.status, 202);
    assert.deepEqual(
      ((await retry.json()) as { retrying: Array<{ node: string }> }).retrying.map((r) => r.node),
      ['fetch-orders'],
    );
    // Sent again, refused again by code-map, parked again with a later time: the MES gets nothing.
    await eventually(async () => {
      const body = (await (await fetch(`${server.url}/api/parked-orders`, { headers: auth })).json()) as Parked & { items: Array<{ parkedAt: string }> };
      return body.count === 1 && body.items[0].parkedAt > (list.items[0] as unknown as { parkedAt: string }).parkedAt;
    }, 'the order parked again after the retry');
    assert.equal((await received()).length, before);

    const ledger = (await (await fetch(`${server.url}/api/mes-ledger`, { headers: auth })).json()) as { ledgers: Array<{ name: string; items: Array<{ orderNo: string }> }> };
    const mesLedger = ledger.ledgers.find((l) => l.name === 'mes')!;
    assert.equal(
      mesLedger.items.some((e) => e.orderNo === unmapped.orderNo),
      false,
      'the ledger does not count the refused order as held by the MES',
    );
    const atMes = new Set((await received()).map((r) => r.workOrder.workOrderNo));
    assert.deepEqual(mesLedger.items.map((e) => e.orderNo).sort(), [...atMes].sort(), 'the ledger holds exactly the orders the MES was sent');
  });

  it('counts the messages per node type in /metrics', async () => {
    const text = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    assert.match(text, /erp_mes_messages_total\{node_type="erp-order-fetch"\} \d+/);
    assert.match(text, /erp_mes_messages_total\{node_type="code-map"\} \d+/);
  });
});
