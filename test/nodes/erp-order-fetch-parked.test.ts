// No ERP order silently skipped, and only released orders at the MES: erp-order-fetch in a real Node-RED
// runtime against the simulated ERP over HTTP parks what validation refuses (listed with reasons, counted in
// the status and /metrics), moves its watermark past them only because the parked list holds them, and
// delivers each once after the fix; drafts never go; a cancel goes only to an order the MES holds; parked list
// and ledger survive a restart on SQLite and on Redis; a reset refetches from a given time.
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import helper from 'node-red-node-test-helper';
import { preset } from '../../nodes/lib/erp/profile';
import { MesLedger } from '../../nodes/lib/plan-sync/mes-ledger';
import type { ParkedOrder } from '../../nodes/lib/plan-sync/parked-orders';
import { RedisStore } from '../../nodes/lib/stores/redis-store';
import { SqliteStore } from '../../nodes/lib/stores/sqlite-store';
import type { KeyValueStore } from '../../nodes/lib/stores/store';
import { formatPrometheus } from '../../plugins/api/metrics';
import { parkedFigures } from '../../plugins/api/plan-sync';
import { demoCodeTableCsv } from '../../server/simulator/demo-master-data';
import { UNMAPPED_WORK_CENTRE } from '../../server/simulator/seed';
import type { ProductionOrder } from '../../server/simulator/types';
import { connect, dropKeys, redisAvailable, redisUrl, testPrefix } from '../integration/redis-fixture';
import { usePlantFixture, type PlantFixture } from '../support/plant-fixture';
import { eventually } from '../support/temp';
import { statusKey } from '../support/locale';

helper.init(require.resolve('node-red'));
const nodes = [
  require('../../nodes/bridge-store/bridge-store'),
  require('../../nodes/erp-endpoint/erp-endpoint'),
  require('../../nodes/erp-order-fetch/erp-order-fetch'),
  require('../../nodes/code-map-table/code-map-table'),
  require('../../nodes/code-map/code-map'),
  require('@node-red/nodes/core/common/25-catch'),
];
const { WORK_ORDER_RULES } = require('../../nodes/lib/code-map');

type Status = { fill?: string; text?: string };
interface Sent {
  payload: { workOrderNo: string; status: string; source: { revision: number } };
}

/** The generic profile with a mapping that turns the plant of every FG-100234 order into a number (invalid). */
const BROKEN = 'productCode = "FG-100234" ? $merge([$, { "plant": 1010 }]) : $';

type StoreConfig = Record<string, unknown>;

function flow(plant: PlantFixture, store: StoreConfig, options: { map?: string; fetch?: Record<string, unknown>; codeMap?: string } = {}) {
  const profile = preset('generic-rest');
  profile.pull.map = options.map ?? '$';
  const codeMap = options.codeMap;
  return [
    { id: 'tab', type: 'tab' },
    { id: 'store', type: 'bridge-store', z: 'tab', ...store },
    {
      id: 'erp',
      type: 'erp-endpoint',
      z: 'tab',
      name: 'Demo ERP',
      baseUrl: plant.sim.erpUrl,
      baseUrlType: 'str',
      profile: 'custom',
      profileJson: JSON.stringify(profile),
      authType: 'basic',
      username: 'erp-bridge',
      usernameType: 'str',
      timeoutSec: 10,
      retryBaseSec: 0.05,
      retryMaxSec: 0.2,
    },
    {
      id: 'fetch',
      type: 'erp-order-fetch',
      z: 'tab',
      name: 'ERP orders',
      endpoint: 'erp',
      store: 'store',
      intervalMin: 0,
      pageSize: 40,
      fetchOnStart: false,
      output: 'work-order',
      wires: [[codeMap ? 'map' : 'out'], ['parked']],
      ...options.fetch,
    },
    ...(codeMap
      ? [
          { id: 'code-table', type: 'code-map-table', z: 'tab', name: 'codes', entries: [], file: codeMap, fileTable: '' },
          { id: 'map', type: 'code-map', z: 'tab', tables: 'code-table', direction: 'erp-to-mes', rules: WORK_ORDER_RULES, wires: [['out'], ['fetch']] },
        ]
      : []),
    { id: 'out', type: 'helper', z: 'tab' },
    { id: 'parked', type: 'helper', z: 'tab' },
    { id: 'catcher', type: 'catch', z: 'tab', scope: ['fetch'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab' },
  ];
}

async function load(f: ReturnType<typeof flow>) {
  await helper.load(nodes, f as Parameters<typeof helper.load>[1], { erp: { password: 'demo-erp-pass' } });
  const sent: Sent[] = [];
  const caught: unknown[] = [];
  const statuses: Status[] = [];
  helper.getNode('out').on('input', (m: unknown) => sent.push(m as Sent));
  helper.getNode('caught').on('input', (m: unknown) => caught.push(m));
  const fetchNode = helper.getNode('fetch');
  const status = fetchNode.status.bind(fetchNode);
  fetchNode.status = ((s: Status) => (statuses.push(statusKey(s)), status(s as Parameters<typeof status>[0]))) as typeof fetchNode.status;
  /** One pull (or any message) until the node shows a finished status again. */
  const run = async (msg: Record<string, unknown> = {}) => {
    const from = statuses.length;
    fetchNode.receive(msg);
    await eventually(() => statuses.slice(from).some((s) => s.fill === 'green' || s.fill === 'yellow' || s.fill === 'red'), 'the pull to finish', 60_000);
  };
  const parkedList = async (): Promise<ParkedOrder[]> => {
    const answer = new Promise<{ payload: ParkedOrder[] }>((resolve) => helper.getNode('parked').once('input', resolve));
    fetchNode.receive({ topic: 'parked' });
    return (await answer).payload;
  };
  return { sent, caught, statuses, run, parkedList, fetchNode };
}

const released = (orders: ProductionOrder[]) => orders.filter((o) => o.status !== 'created');
const counts = (sent: Sent[]) => sent.reduce((m, s) => m.set(s.payload.workOrderNo, (m.get(s.payload.workOrderNo) ?? 0) + 1), new Map<string, number>());

describe('erp-order-fetch parks refused orders and delivers them after the fix', () => {
  const plant = usePlantFixture(250);

  const backends: Array<{ name: string; setup(t: TestContext): Promise<{ store: StoreConfig; open(): KeyValueStore } | undefined> }> = [
    {
      name: 'SQLite',
      async setup(t) {
        const file = join(plant.dir.path, 'bridge.sqlite');
        const opened: KeyValueStore[] = [];
        t.after(() => Promise.all(opened.map((s) => s.close())));
        return { store: { storeType: 'sqlite', file }, open: () => (opened.push(new SqliteStore(file)), opened.at(-1)!) };
      },
    },
    {
      name: 'Redis',
      async setup(t) {
        if (!(await redisAvailable(t))) return undefined;
        const prefix = testPrefix('parked');
        t.after(() => dropKeys(prefix));
        return { store: { storeType: 'redis', url: redisUrl(), keyPrefix: prefix }, open: () => new RedisStore(connect(t, prefix)) };
      },
    },
  ];

  for (const backend of backends) {
    it(`${backend.name}: 250 orders, the refused ones parked with reasons past the watermark, kept across a restart, each delivered once after a deploy with the fixed profile`, async (t) => {
      const setup = await backend.setup(t);
      if (!setup) return;
      const orders = plant.sim.erp.orders();
      const broken = orders.filter((o) => o.productCode === 'FG-100234');
      assert.ok(broken.length > 20 && broken.length < 200, `some orders fail: ${broken.length}`);

      let r = await load(flow(plant, setup.store, { map: BROKEN }));
      await r.run();
      const fine = released(orders.filter((o) => o.productCode !== 'FG-100234'));
      assert.deepEqual([...counts(r.sent).keys()].sort(), fine.map((o) => o.orderNo).sort(), 'the valid released orders went on');
      assert.ok(
        r.sent.every((s) => s.payload.status !== 'created'),
        'no draft went on',
      );
      assert.equal(r.caught.length, broken.length, 'each refusal reached Catch');
      assert.deepEqual(r.statuses.at(-1), { fill: 'yellow', shape: 'ring', text: 'erp-order-fetch.status.doneParked' });

      let parked = await r.parkedList();
      assert.deepEqual(parked.map((p) => p.key).sort(), broken.map((o) => o.orderNo).sort());
      for (const p of parked) {
        const order = broken.find((o) => o.orderNo === p.key)!;
        assert.equal(p.orderNo, order.orderNo);
        assert.equal(p.revision, order.revision);
        assert.equal(p.stage, 'validation');
        assert.match(p.reason, new RegExp(`order ${p.key} \\(revision ${order.revision}\\) is not a valid production order: payload\\.plant must be a string`));
        assert.ok(!Number.isNaN(Date.parse(p.parkedAt)));
      }
      const figures = parkedFigures().filter((f) => f.node === 'fetch');
      assert.deepEqual(figures, [{ node: 'fetch', name: 'ERP orders', parked: broken.length }]);
      assert.match(formatPrometheus({ messagesByNodeType: new Map(), errorsByNodeType: new Map(), residentMemoryBytes: 1, parked: figures }), new RegExp(`^erp_mes_parked_orders\\{node="fetch",name="ERP orders"\\} ${broken.length}$`, 'm'));

      // The watermark passed the refused orders: the parked list holds them.
      const store = setup.open();
      const watermark = await store.get<{ updatedSince: string }>('order-fetch/watermark', 'fetch');
      assert.equal(Date.parse(watermark!.updatedSince), Math.max(...orders.map((o) => Date.parse(o.updatedAt))));

      // A restart with the same configuration keeps the list and retries nothing by itself.
      await helper.unload();
      r = await load(flow(plant, setup.store, { map: BROKEN }));
      parked = await r.parkedList();
      assert.equal(parked.length, broken.length);
      await r.run();
      assert.equal(r.sent.length, 0, 'an ordinary pull after the restart sends nothing');
      const firstSent = [...(await new MesLedger(store, 'mes').all())];
      assert.deepEqual(firstSent.map((e) => e.orderNo).sort(), fine.map((o) => o.orderNo).sort(), 'the ledger holds what the MES was sent');

      // The integrator fixes the profile and deploys: the changed endpoint retries the parked orders by itself.
      await helper.unload();
      r = await load(flow(plant, setup.store, { map: '$' }));
      const expected = released(broken);
      await eventually(() => r.sent.length >= expected.length && r.statuses.at(-1)?.fill === 'green', 'the parked orders after the fix', 60_000);
      const delivered = counts(r.sent);
      assert.deepEqual([...delivered.keys()].sort(), expected.map((o) => o.orderNo).sort(), 'every parked released order, and nothing else');
      assert.ok(
        [...delivered.values()].every((n) => n === 1),
        'each once',
      );
      assert.deepEqual(await r.parkedList(), [], 'the parked list is empty (drafts among them left it without being sent)');
      assert.equal((await new MesLedger(store, 'mes').all()).length, fine.length + expected.length);
      await r.run();
      assert.equal(r.sent.length, expected.length, 'nothing again on the next pull');
    });
  }
});

describe('erp-order-fetch release gating, MES ledger, retry and reset', () => {
  const plant = usePlantFixture(24);
  const sqlite = () => ({ storeType: 'sqlite', file: join(plant.dir.path, 'bridge.sqlite') });

  it('drafts never reach the MES; a cancel of an order never sent goes nowhere, a cancel of a sent one goes out once', async (t) => {
    const r = await load(flow(plant, sqlite()));
    await r.run();
    const orders = plant.sim.erp.orders();
    const drafts = orders.filter((o) => o.status === 'created');
    assert.ok(drafts.length >= 2);
    assert.deepEqual(
      [...counts(r.sent).keys()].sort(),
      released(orders)
        .map((o) => o.orderNo)
        .sort(),
    );

    // A draft is released later: then it goes.
    plant.sim.erp.upsertOrder({ ...drafts[0], status: 'released' });
    // Another draft is cancelled (the MES never had it); a released order that went out is cancelled.
    plant.sim.erp.upsertOrder({ ...drafts[1], status: 'cancelled' });
    const sentOne = released(orders)[3];
    plant.sim.erp.upsertOrder({ ...sentOne, status: 'cancelled' });
    const before = r.sent.length;
    await r.run();
    assert.deepEqual(
      r.sent
        .slice(before)
        .map((s) => `${s.payload.workOrderNo} ${s.payload.status}`)
        .sort(),
      [`${drafts[0].orderNo} released`, `${sentOne.orderNo} cancelled`].sort(),
    );
    await r.run();
    assert.equal(r.sent.length, before + 2, 'nothing twice');

    const file = new SqliteStore(join(plant.dir.path, 'bridge.sqlite'));
    t.after(() => file.close());
    const ledger = new MesLedger(file, 'mes');
    assert.equal((await ledger.get(sentOne.orderNo))?.state, 'cancelled');
    assert.equal((await ledger.get(sentOne.orderNo))?.previous?.state, 'released');
    assert.equal(await ledger.get(drafts[1].orderNo), undefined, 'the MES holds nothing of the cancelled draft');
  });

  it('with "drafts as well" every order goes to the MES', async () => {
    const r = await load(flow(plant, sqlite(), { fetch: { release: 'all' } }));
    await r.run();
    assert.equal(r.sent.length, 24);
  });

  it('an order the ERP repairs without a new change time is delivered once on a retry-parked command', async () => {
    const good = plant.sim.erp.order('MO-2026-0005')!;
    const bad = { ...structuredClone(good), orderNo: 'MO-2026-0999', status: 'released', quantity: -1 };
    plant.sim.erp.addRawOrder(bad);
    const r = await load(flow(plant, sqlite()));
    await r.run();
    assert.deepEqual(
      (await r.parkedList()).map((p) => [p.key, p.stage]),
      [['MO-2026-0999', 'validation']],
    );

    // Repaired in the ERP's database by a script that leaves the change time alone: an ordinary pull cannot see it.
    plant.sim.erp.addRawOrder({ ...bad, quantity: 500 });
    const before = r.sent.length;
    await r.run();
    assert.equal(r.sent.length, before);
    await r.run({ topic: 'retry-parked' });
    assert.deepEqual(
      r.sent.slice(before).map((s) => s.payload.workOrderNo),
      ['MO-2026-0999'],
    );
    assert.deepEqual(await r.parkedList(), []);
    await r.run({ topic: 'retry-parked' });
    assert.equal(r.sent.length, before + 1, 'a second retry sends nothing');
  });

  it('an unmapped code refused by code-map is parked through its second output, and delivered once when the code table file gains the code', async () => {
    const csv = join(plant.dir.path, 'codes.csv');
    writeFileSync(csv, demoCodeTableCsv());
    const r = await load(flow(plant, sqlite(), { codeMap: csv }));
    await r.run();
    const unmapped = plant.sim.erp.orders().filter((o) => o.operations.some((op) => op.workCentre === UNMAPPED_WORK_CENTRE));
    assert.equal(unmapped.length, 1);
    const parked = await eventually(async () => {
      const list = await r.parkedList();
      return list.length === 1 ? list : undefined;
    }, 'the refusal parked');
    assert.equal(parked[0].key, unmapped[0].orderNo);
    assert.equal(parked[0].stage, 'downstream');
    assert.match(parked[0].reason, new RegExp(UNMAPPED_WORK_CENTRE));
    assert.equal(counts(r.sent).has(unmapped[0].orderNo), false);

    const before = r.sent.length;
    appendFileSync(csv, `equipment,${UNMAPPED_WORK_CENTRE},EQ-LEAK-09,旧密封性测试台\n`);
    await eventually(() => r.sent.length > before, 'the order after the code table changed', 30_000);
    assert.deepEqual(
      r.sent.slice(before).map((s) => s.payload.workOrderNo),
      [unmapped[0].orderNo],
    );
    await eventually(async () => (await r.parkedList()).length === 0, 'the parked list empty');
  });

  it('a reset to a time sends again every order changed since then', async () => {
    const r = await load(flow(plant, sqlite()));
    await r.run();
    const orders = released(plant.sim.erp.orders());
    const times = orders.map((o) => Date.parse(o.updatedAt)).sort((a, b) => a - b);
    const from = new Date(times[Math.floor(times.length / 2)]).toISOString();
    const before = r.sent.length;
    await r.run({ topic: 'reset', payload: from });
    const again = r.sent
      .slice(before)
      .map((s) => s.payload.workOrderNo)
      .sort();
    assert.deepEqual(
      again,
      orders
        .filter((o) => Date.parse(o.updatedAt) >= Date.parse(from))
        .map((o) => o.orderNo)
        .sort(),
    );

    const errors = r.caught.length;
    await r.run({ topic: 'reset', payload: 'yesterday' });
    await eventually(() => r.caught.length > errors, 'the refused reset at Catch');
    assert.match((r.caught.at(-1) as { error: { message: string } }).error.message, /a reset needs a date and time \(ISO 8601/);
  });
});
