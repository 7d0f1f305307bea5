// mes-order-ledger in a real Node-RED runtime: the MES order ledger for flows that read the ERP another way
// (legacy-db-poll). Drafts held back, a cancel only for an order the MES holds, the same ledger erp-order-fetch
// writes, kept across a restart.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import helper from 'node-red-node-test-helper';
import { usePlantFixture } from '../support/plant-fixture';
import { eventually } from '../support/temp';
import { MesLedger } from '../../nodes/lib/plan-sync/mes-ledger';

helper.init(require.resolve('node-red'));
const nodes = [
  require('../../nodes/bridge-store/bridge-store'),
  require('../../nodes/erp-endpoint/erp-endpoint'),
  require('../../nodes/erp-order-fetch/erp-order-fetch'),
  require('../../nodes/mes-order-ledger/mes-order-ledger'),
  require('@node-red/nodes/core/common/25-catch'),
];

interface Out {
  payload: { workOrderNo: string; status: string };
  withheld?: string;
  reason?: string;
  error?: { message: string };
}

const workOrder = (workOrderNo: string, status: string, revision = 1) => ({
  workOrderNo,
  status,
  source: { system: 'erp', orderNo: workOrderNo, revision, updatedAt: '2026-12-07T08:00:00+08:00' },
});

describe('mes-order-ledger node', () => {
  const plant = usePlantFixture(24);

  function flow(ledger: Record<string, unknown> = {}) {
    return [
      { id: 'tab', type: 'tab' },
      { id: 'store', type: 'bridge-store', z: 'tab', file: join(plant.dir.path, 'bridge.sqlite') },
      { id: 'erp', type: 'erp-endpoint', z: 'tab', name: 'Demo ERP', baseUrl: plant.sim.erpUrl, baseUrlType: 'str', authType: 'basic', username: 'erp-bridge', usernameType: 'str', timeoutSec: 10 },
      { id: 'fetch', type: 'erp-order-fetch', z: 'tab', endpoint: 'erp', store: 'store', intervalMin: 0, pageSize: 100, fetchOnStart: false, output: 'work-order', wires: [['fetched'], []] },
      { id: 'fetched', type: 'helper', z: 'tab' },
      { id: 'ledger', type: 'mes-order-ledger', z: 'tab', store: 'store', ledger: 'mes', wires: [['toMes'], ['held']], ...ledger },
      { id: 'toMes', type: 'helper', z: 'tab' },
      { id: 'held', type: 'helper', z: 'tab' },
      { id: 'catcher', type: 'catch', z: 'tab', scope: ['ledger'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab' },
    ];
  }

  async function load(ledger: Record<string, unknown> = {}) {
    await helper.load(nodes, flow(ledger) as Parameters<typeof helper.load>[1], { erp: { password: 'demo-erp-pass' } });
    const out = { fetched: [] as Out[], toMes: [] as Out[], held: [] as Out[], caught: [] as Out[] };
    for (const id of Object.keys(out) as Array<keyof typeof out>) helper.getNode(id).on('input', (m: unknown) => out[id].push(m as Out));
    const ledgerNode = helper.getNode('ledger');
    /** Sends one message through the ledger node and waits until it came out somewhere. */
    const pass = async (payload: unknown, topic?: string) => {
      const seen = out.toMes.length + out.held.length + out.caught.length;
      ledgerNode.receive({ payload, topic });
      if (topic === 'refused') return;
      await eventually(() => out.toMes.length + out.held.length + out.caught.length > seen, 'the ledger to answer');
    };
    return { out, pass, fetchNode: helper.getNode('fetch') };
  }

  it('holds drafts back, sends a cancel only for an order the MES holds, and takes a refused revision back', async () => {
    const { out, pass } = await load();
    await pass(workOrder('MO-L-0001', 'created'));
    await pass(workOrder('MO-L-0002', 'released'));
    await pass(workOrder('MO-L-0003', 'cancelled'));
    await pass(workOrder('MO-L-0002', 'cancelled', 2));
    assert.deepEqual(
      out.toMes.map((m) => `${m.payload.workOrderNo} ${m.payload.status}`),
      ['MO-L-0002 released', 'MO-L-0002 cancelled'],
    );
    assert.deepEqual(
      out.held.map((m) => [m.payload.workOrderNo, m.withheld]),
      [
        ['MO-L-0001', 'draft'],
        ['MO-L-0003', 'not-held'],
      ],
    );
    assert.match(out.held[0].reason!, /^order MO-L-0001 is not released in the ERP \(status created\); drafts are not sent to the MES\.$/);
    assert.match(out.held[1].reason!, /^order MO-L-0003 is cancelled in the ERP but the MES never received it; the cancel is not sent\.$/);

    // The MES refused MO-L-0002's first revision for good: after taking it back, the MES holds nothing of it.
    await pass(workOrder('MO-L-0004', 'released'));
    await pass(workOrder('MO-L-0004', 'released', 1), 'refused');
    await pass(workOrder('MO-L-0004', 'closed', 2));
    assert.equal(out.held.at(-1)?.withheld, 'not-held');

    await pass({ status: 'released' });
    assert.match(out.caught[0].error!.message, /mes-order-ledger: the message carries no order: payload\.workOrderNo .* is missing/);
  });

  it('shares its ledger with erp-order-fetch on the same store, across a restart: a cancel of an order the fetch sent goes on', async () => {
    let run = await load();
    run.fetchNode.receive({});
    const released = plant.sim.erp.orders().filter((o) => o.status !== 'created');
    await eventually(() => run.out.fetched.length === released.length, 'the released orders');
    // The fetch sends first and records in the ledger after (at least once): unload only once the ledger holds them.
    const storeNode = helper.getNode('store') as unknown as { store(): ConstructorParameters<typeof MesLedger>[0] };
    await eventually(async () => (await new MesLedger(storeNode.store(), 'mes').all()).length === released.length, 'the ledger to record the sends');
    await helper.unload();

    run = await load();
    await run.pass(workOrder(released[0].orderNo, 'cancelled', released[0].revision + 1));
    await run.pass(workOrder('MO-NEVER-SENT', 'cancelled'));
    assert.deepEqual(
      run.out.toMes.map((m) => m.payload.workOrderNo),
      [released[0].orderNo],
    );
    assert.deepEqual(
      run.out.held.map((m) => m.payload.workOrderNo),
      ['MO-NEVER-SENT'],
    );
  });

  it('with "drafts as well" a draft goes to the MES', async () => {
    const { out, pass } = await load({ release: 'all' });
    await pass(workOrder('MO-L-0001', 'created'));
    assert.equal(out.toMes.length, 1);
  });
});
