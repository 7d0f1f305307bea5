// flows/plant-legacy-erp.json, unchanged but for its ack timeout and store file, inside a real Node-RED
// runtime against a legacy ERP database on the machine's MariaDB and PostgreSQL (a throwaway database each,
// the same schema and integration view as the demo's SQLite one) and the simulated MES: one flow file for
// every dialect. An order the MES could not take (503) is delivered again after the ack timeout; every
// order ends up at the MES once, and the MES's progress lands in the ERP's staging table in local time.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import helper from 'node-red-node-test-helper';
import { openLegacyDb } from '../../nodes/lib/legacy-db/connection';
import { parseChangeTime } from '../../nodes/lib/time-format';
import { createLegacyErpSchema, writeLegacyOrders } from '../../server/simulator/legacy-erp-db';
import { demoCodeTable } from '../../server/simulator/demo-master-data';
import { startPlantSimulator, type PlantSimulator } from '../../server/simulator/plant-simulator';
import { throwawayDatabase } from '../support/databases';
import { repoRoot } from '../support/server-process';
import { eventually, tempDir } from '../support/temp';

helper.init(require.resolve('node-red'));
const nodes = [
  require('../../nodes/legacy-db/legacy-db'),
  require('../../nodes/legacy-db-poll/legacy-db-poll'),
  require('../../nodes/legacy-db-write/legacy-db-write'),
  require('../../nodes/bridge-store/bridge-store'),
  require('../../nodes/code-map-table/code-map-table'),
  require('../../nodes/code-map/code-map'),
  require('../../nodes/mes-order-ledger/mes-order-ledger'),
  require('../../nodes/mes-reconcile/mes-reconcile'),
  require('@node-red/nodes/core/common/20-inject'),
  require('@node-red/nodes/core/common/21-debug'),
  require('@node-red/nodes/core/common/25-catch'),
  require('@node-red/nodes/core/common/90-comment'),
  require('@node-red/nodes/core/function/15-change'),
  require('@node-red/nodes/core/function/10-switch'),
  require('@node-red/nodes/core/network/21-httprequest'),
];

const ENV = ['LEGACY_ERP_DB_CLIENT', 'LEGACY_ERP_DB_HOST', 'LEGACY_ERP_DB_PORT', 'LEGACY_ERP_DB_NAME', 'LEGACY_ERP_DB_USER', 'LEGACY_ERP_DB_PASSWORD', 'MES_BASE_URL', 'MES_TOKEN'];
const mes = (table: string, erp: string) => demoCodeTable.find((e) => e.table === table && e.erp === erp)?.mes;

describe('flows/plant-legacy-erp.json on server databases', () => {
  let sim: PlantSimulator;
  let dir: ReturnType<typeof tempDir>;
  const saved: Record<string, string | undefined> = {};

  before(async () => {
    await helper.startServer();
    for (const name of ENV) saved[name] = process.env[name];
  });
  after(async () => {
    await helper.stopServer();
    for (const name of ENV) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });
  afterEach(async () => {
    await helper.unload();
    await sim?.close();
    dir?.remove();
  });

  for (const kind of ['mysql', 'pg'] as const) {
    it(`${kind}: every order reaches the MES once (one refused with 503 comes again after the ack timeout), and progress lands in mes_progress`, async (t) => {
      const server = await throwawayDatabase(t, kind);
      if (!server) return;
      // Undone last first: the user before its database.
      const cleanups: Array<() => Promise<unknown>> = [() => server.drop()];
      t.after(async () => {
        for (const undo of cleanups.reverse()) await undo();
      });
      // The plant's ERP account: a user with a password, as a plant's DBA would create one.
      let user = server.user;
      let password = 'any-password-trust-auth';
      if (kind === 'mysql') {
        user = `mesbridge_${randomBytes(3).toString('hex')}`;
        password = 'Legacy-ERP-Pass-1';
        await server.admin(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
        await server.admin(`GRANT ALL ON \`${server.database}\`.* TO '${user}'@'%'`);
        cleanups.push(() => server.admin(`DROP USER IF EXISTS '${user}'@'%'`));
      }

      sim = await startPlantSimulator({ seedOrders: 12 });
      dir = tempDir();
      const seed = openLegacyDb({ client: kind, host: server.host, port: server.port, database: server.database, user: server.user, password: server.password });
      try {
        await createLegacyErpSchema(seed);
        await writeLegacyOrders(seed, sim.erp.orders());
      } finally {
        await seed.close();
      }
      Object.assign(process.env, {
        LEGACY_ERP_DB_CLIENT: kind,
        LEGACY_ERP_DB_HOST: server.host,
        LEGACY_ERP_DB_PORT: String(server.port),
        LEGACY_ERP_DB_NAME: server.database,
        LEGACY_ERP_DB_USER: user,
        LEGACY_ERP_DB_PASSWORD: password,
        MES_BASE_URL: sim.mesUrl,
        MES_TOKEN: 'demo-mes-token',
      });

      const flow = (JSON.parse(readFileSync(join(repoRoot, 'flows', 'plant-legacy-erp.json'), 'utf8')) as Array<Record<string, unknown>>).map((n) => {
        if (n.id === 'legacy-poll-orders') return { ...n, ackTimeoutMin: 0.02 }; // 1.2 s instead of 10 min
        if (n.type === 'bridge-store') return { ...n, file: join(dir.path, 'store.sqlite') };
        return n;
      });
      sim.mes.failNextPosts(503, 1);
      await helper.load(nodes, flow as Parameters<typeof helper.load>[1]);

      const orders = sim.erp.orders();
      // Drafts (P) are held back by the MES order ledger: the MES gets the released orders whose codes all map.
      const mappable = orders.filter((o) => o.status !== 'created' && o.operations.every((op) => mes('equipment', op.workCentre)));
      const readNow = () => helper.getNode('legacy-poll-now').receive({});
      readNow();
      await eventually(() => sim.mes.received().length === mappable.length - 1, `${mappable.length - 1} work orders (one refused with 503)`, 15_000);

      // The refused order was not acknowledged: once its ack is overdue, the next poll delivers its page again.
      await new Promise((resolve) => setTimeout(resolve, 1300));
      readNow();
      await eventually(() => sim.mes.workOrders().length === mappable.length, 'the refused order, delivered again', 15_000);
      const created = sim.mes
        .received()
        .filter((r) => r.outcome === 'created')
        .map((r) => r.workOrder.workOrderNo)
        .sort();
      assert.deepEqual(created, mappable.map((o) => o.orderNo).sort(), 'every order created exactly once; re-posts are duplicates the MES ignores');
      for (const w of sim.mes.workOrders()) {
        const order = orders.find((o) => o.orderNo === w.workOrderNo)!;
        assert.equal(w.plannedQty, order.quantity);
        assert.equal(w.source.revision, order.revision);
        assert.equal(w.operations[0].plannedStart, order.operations[0].plannedStart, 'the view turns local time into an instant with its offset');
        assert.deepEqual(
          w.materials.map((m) => m.requiredQty),
          order.bom.map((b) => Math.round(b.qtyPer * order.quantity * 1e6) / 1e6),
        );
      }

      // Progress, every 60 minutes (or by the inject button).
      helper.getNode('legacy-progress-tick').receive({});
      const progress = sim.mes.progress();
      const rows = await eventually(async () => {
        const found = await server.admin(
          kind === 'mysql' ? 'SELECT mo_code, op_no, work_centre, CAST(reported_at AS CHAR) AS reported_at FROM mes_progress' : 'SELECT mo_code, op_no, work_centre, reported_at::text AS reported_at FROM mes_progress',
        );
        return found.length === progress.length ? found : undefined;
      }, `${progress.length} rows in mes_progress`);
      const erpEquipment = new Set(demoCodeTable.filter((e) => e.table === 'equipment').map((e) => e.erp));
      for (const row of rows) {
        assert.ok(erpEquipment.has(String(row.work_centre)), `${row.work_centre} is an ERP work centre`);
        const reported = progress.find((p) => p.workOrderNo === row.mo_code && p.sequence === row.op_no)!;
        // Running operations report "now", so the MES's answer to the flow was a moment before ours.
        const written = Date.parse(parseChangeTime(String(row.reported_at), 'Asia/Shanghai')!);
        assert.ok(Math.abs(written - Date.parse(reported.reportedAt)) < 5000, `${row.reported_at} is the MES's ${reported.reportedAt} in Shanghai time`);
      }
    });
  }
});
