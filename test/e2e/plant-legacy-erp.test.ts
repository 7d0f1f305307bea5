// End to end: the real server in demo mode keeps a legacy ERP database (SQLite) in step with the simulated
// ERP; flows/plant-legacy-erp.json, deployed through the Admin API, reads the orders from that database into
// the MES exactly once, picks up a changed order once, and writes the MES's progress into the staging table.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { demoCodeTable } from '../../server/simulator/demo-master-data';
import { deployFlow, login } from '../support/server-kit';
import { repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually, tempDir } from '../support/temp';

interface Received {
  outcome: string;
  workOrder: { workOrderNo: string; source: { revision: number }; plannedQty: number; materialCode: string; operations: Array<{ equipmentCode: string; plannedStart: string }>; materials: Array<{ requiredQty: number }> };
}

const mes = (table: string, erp: string) => demoCodeTable.find((e) => e.table === table && e.erp === erp)?.mes;

describe('flows/plant-legacy-erp.json against the demo legacy ERP database', () => {
  let server: ServerProcess;
  let token: string;
  let erpDb: Database.Database;

  before(async () => {
    server = await startServerProcess({ flows: [], env: { ADMIN_PASSWORD: 'e2e-admin-pass' } });
    token = await login(server.url, 'admin', 'e2e-admin-pass');
    erpDb = new Database(join(server.userDir, 'legacy-erp.sqlite'), { readonly: true });
  });
  after(async () => {
    erpDb?.close();
    const code = await server.stop('SIGTERM');
    assert.equal(code, 0, `the server exits cleanly on SIGTERM:\n${server.output().slice(-2000)}`);
  });

  const received = async () => ((await (await fetch(`${server.simUrl}/mes/_sim/received`)).json()) as { items: Received[] }).items;
  // The Admin API answers a deploy before the new nodes exist: an inject button answers 404 until then.
  const press = (injectId: string) => eventually(async () => (await fetch(`${server.url}/inject/${injectId}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status === 200, `the button of inject node ${injectId}`);

  it('reads every order from the ERP database into the MES as mapped work orders, once each', async () => {
    await deployFlow(server.url, token, JSON.parse(readFileSync(join(repoRoot, 'flows', 'plant-legacy-erp.json'), 'utf8')));

    const orders = erpDb.prepare('SELECT mo_code, change_no, qty, product_code, status_code FROM mo_order ORDER BY mo_code').all() as Array<{ mo_code: string; change_no: number; qty: number; product_code: string; status_code: string }>;
    const routing = erpDb.prepare('SELECT mo_code, work_centre, plan_start FROM mo_routing ORDER BY mo_code, op_no').all() as Array<{ mo_code: string; work_centre: string; plan_start: string }>;
    const codesMap = (o: { mo_code: string }) => routing.filter((r) => r.mo_code === o.mo_code).every((r) => mes('equipment', r.work_centre));
    assert.equal(orders.filter((o) => !codesMap(o)).length, 1, 'the demo ERP database holds exactly one order with an unmapped work centre');
    // Drafts (status P) are held back by the MES order ledger.
    const mappable = orders.filter((o) => o.status_code !== 'P' && codesMap(o));
    assert.ok(mappable.length < orders.length - 1, 'the database holds drafts too');

    // The poll runs at deploy (first run from the beginning); "Read now" is the same poll.
    await press('legacy-poll-now');
    const got = await eventually(
      async () => {
        const items = await received();
        return items.length >= mappable.length ? items : undefined;
      },
      `${mappable.length} work orders at the MES`,
      20_000,
    );
    assert.equal(got.length, mappable.length, 'no order posted twice');
    assert.ok(got.every((r) => r.outcome === 'created'));
    for (const { workOrder } of got) {
      const order = mappable.find((o) => o.mo_code === workOrder.workOrderNo)!;
      assert.ok(order, `${workOrder.workOrderNo} is an order of the ERP database`);
      assert.equal(workOrder.plannedQty, order.qty);
      assert.equal(workOrder.source.revision, order.change_no);
      assert.equal(workOrder.materialCode, mes('material', order.product_code));
      const ops = routing.filter((r) => r.mo_code === order.mo_code);
      assert.deepEqual(
        workOrder.operations.map((op) => op.equipmentCode),
        ops.map((r) => mes('equipment', r.work_centre)),
      );
      // Stored as Shanghai wall-clock time, arriving as an instant with its offset.
      assert.equal(workOrder.operations[0].plannedStart, `${ops[0].plan_start.replace(' ', 'T')}+08:00`);
    }
  });

  it('picks up an order the ERP changed, once', async () => {
    const before = await received();
    const change = async (orderNo: string) => {
      const order = await (await fetch(`${server.simUrl}/erp/_sim/orders/${orderNo}`)).json();
      const saved = await fetch(`${server.simUrl}/erp/_sim/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...order, quantity: order.quantity + 500 }) });
      assert.equal(saved.status, 200, await saved.text());
      // The demo mirrors the ERP's change into its database; the poll reads it from there.
      await eventually(() => (erpDb.prepare('SELECT change_no FROM mo_order WHERE mo_code = ?').get(orderNo) as { change_no: number }).change_no === order.revision + 1, `the change of ${orderNo} in the ERP database`);
      return order as { orderNo: string; quantity: number };
    };
    const first = await change(before[0].workOrder.workOrderNo);
    await press('legacy-poll-now');
    await eventually(async () => (await received()).length > before.length, 'the changed work order');
    // A later poll must not send the first change again: change another order, poll, and count once it arrived.
    const second = await change(before[1].workOrder.workOrderNo);
    await press('legacy-poll-now');
    const final = await eventually(async () => {
      const items = await received();
      return items.length >= before.length + 2 ? items : undefined;
    }, 'the second changed work order');
    const posted = final.slice(before.length);
    assert.deepEqual(
      posted.map((r) => [r.workOrder.workOrderNo, r.outcome, r.workOrder.plannedQty]),
      [
        [first.orderNo, 'updated', first.quantity + 500],
        [second.orderNo, 'updated', second.quantity + 500],
      ],
    );
  });

  it('writes the MES progress into the staging table the ERP reads, in ERP codes and local time', async () => {
    await press('legacy-progress-tick');
    const progress = ((await (await fetch(`${server.simUrl}/mes/api/progress`, { headers: { authorization: 'Bearer demo-mes-token' } })).json()) as { items: Array<{ workOrderNo: string; sequence: string; goodQty: number }> }).items;
    assert.ok(progress.length > 0);
    const rows = await eventually(
      () => {
        const found = erpDb.prepare('SELECT * FROM mes_progress ORDER BY mo_code, op_no').all() as Array<Record<string, string | number>>;
        return found.length === progress.length ? found : undefined;
      },
      `${progress.length} progress rows in mes_progress`,
      15_000,
    );
    const erpCodes = new Set(demoCodeTable.filter((e) => e.table === 'equipment').map((e) => e.erp));
    for (const row of rows) {
      assert.ok(erpCodes.has(String(row.work_centre)), `work centre ${row.work_centre} is an ERP code`);
      assert.match(String(row.reported_at), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, 'local wall-clock time, as the ERP keeps it');
      const reported = progress.find((p) => p.workOrderNo === row.mo_code && p.sequence === row.op_no);
      assert.ok(reported, `${row.mo_code}/${row.op_no} was reported by the MES`);
    }
  });
});

describe('plant-legacy-erp after the process is killed (SIGKILL) between emit and ack', () => {
  it('delivers the unacknowledged orders again after the restart, and none of the acknowledged ones', async (t) => {
    const dir = tempDir('erp-mes-kill-');
    const env = { ADMIN_PASSWORD: 'e2e-admin-pass' };
    let server = await startServerProcess({ flows: [], env, userDir: dir.path });
    t.after(async () => {
      await server.stop('SIGKILL');
      dir.remove();
    });
    let token = await login(server.url, 'admin', 'e2e-admin-pass');
    await deployFlow(server.url, token, JSON.parse(readFileSync(join(repoRoot, 'flows', 'plant-legacy-erp.json'), 'utf8')));
    const received = async () => ((await (await fetch(`${server.simUrl}/mes/_sim/received`)).json()) as { items: Received[] }).items;
    const press = (id: string) => eventually(async () => (await fetch(`${server.url}/inject/${id}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status === 200, `the button of ${id}`);

    // Everything the database holds now reaches the MES and is acknowledged.
    await press('legacy-poll-now');
    const first = await eventually(
      async () => {
        const items = await received();
        return items.length >= 20 ? items : undefined;
      },
      'the first 20 work orders (24, less 3 drafts and the unmapped one)',
      20_000,
    );

    // The ERP changes three orders in its database; the MES refuses them (503), so nothing acknowledges that page.
    const changed = first.slice(0, 3).map((r) => r.workOrder.workOrderNo);
    const erpDb = new Database(join(dir.path, 'legacy-erp.sqlite'));
    erpDb.prepare(`UPDATE mo_order SET qty = qty + 100, change_no = change_no + 1, modified_at = '2099-01-01 08:00:00' WHERE mo_code IN (?, ?, ?)`).run(...changed);
    erpDb.close();
    const armed = await fetch(`${server.simUrl}/mes/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 503, times: 3 }) });
    assert.equal(armed.status, 200);
    await press('legacy-poll-now');
    await eventually(async () => ((await (await fetch(`${server.simUrl}/mes/_sim/faults`)).json()) as { failedPosts: number }).failedPosts === 3, 'the three refused posts');

    // Killed before any ack of that page; a new process on the same folder, a new (empty) simulated MES.
    assert.equal(await server.stop('SIGKILL'), null, 'killed by the signal');
    server = await startServerProcess({ env, userDir: dir.path });
    token = await login(server.url, 'admin', 'e2e-admin-pass');
    await press('legacy-poll-now');
    const again = await eventually(
      async () => {
        const items = await received();
        return items.length >= 3 ? items : undefined;
      },
      'the three unacknowledged orders after the restart',
      20_000,
    );
    assert.deepEqual(again.map((r) => r.workOrder.workOrderNo).sort(), [...changed].sort(), 'exactly the unacknowledged orders; the acknowledged 17 are not read again');
    for (const r of again) {
      const before = first.find((f) => f.workOrder.workOrderNo === r.workOrder.workOrderNo)!;
      assert.equal(r.workOrder.plannedQty, before.workOrder.plannedQty + 100);
      assert.equal(r.workOrder.source.revision, before.workOrder.source.revision + 1);
    }
  });
});
