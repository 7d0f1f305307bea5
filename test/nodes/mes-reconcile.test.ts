// mes-reconcile in a real Node-RED runtime against the simulated MES: the ledger says three orders were sent, the MES
// holds one of them and one the ledger never sent; a run re-sends the ledger's copies of the two the MES lost (with
// erpOrder, for code-map's parking), reports every difference, and a message with topic "report" repeats the report
// without reading the MES again. A wrong token makes a failed run a sentence for Catch nodes.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import helper from 'node-red-node-test-helper';
import { usePlantFixture } from '../support/plant-fixture';
import { eventually } from '../support/temp';
import { MesLedger } from '../../nodes/lib/plan-sync/mes-ledger';
import { toWorkOrder } from '../../nodes/lib/plan-sync/work-order';
import type { ReconcileReport } from '../../nodes/lib/plan-sync/mes-reconcile';
import type { BridgeStoreNode } from '../../nodes/bridge-store/types';

helper.init(require.resolve('node-red'));
const nodes = [require('../../nodes/bridge-store/bridge-store'), require('../../nodes/mes-reconcile/mes-reconcile'), require('@node-red/nodes/core/common/25-catch')];

interface Out {
  topic?: string;
  payload: unknown;
  erpOrder?: { orderNo: string; revision: number };
  reconcile?: { kind: string };
  error?: { message: string };
}

describe('mes-reconcile node', () => {
  const plant = usePlantFixture(5);

  async function load(token: string) {
    const flow = [
      { id: 'tab', type: 'tab' },
      { id: 'store', type: 'bridge-store', z: 'tab', file: join(plant.dir.path, 'bridge.sqlite') },
      {
        id: 'reconcile',
        type: 'mes-reconcile',
        z: 'tab',
        store: 'store',
        ledger: 'mes',
        baseUrl: plant.sim.mesUrl,
        baseUrlType: 'str',
        listPath: '/work-orders',
        tokenEnv: '',
        intervalSec: '3600',
        graceSec: '0',
        pageSize: 2,
        wires: [['resent'], ['report']],
      },
      { id: 'resent', type: 'helper', z: 'tab' },
      { id: 'report', type: 'helper', z: 'tab' },
      { id: 'catcher', type: 'catch', z: 'tab', scope: ['reconcile'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab' },
    ];
    await helper.load(nodes, flow as Parameters<typeof helper.load>[1], { reconcile: { token } });
    const out = { resent: [] as Out[], report: [] as Out[], caught: [] as Out[] };
    for (const id of Object.keys(out) as Array<keyof typeof out>) helper.getNode(id).on('input', (m: unknown) => out[id].push(m as Out));
    const ledger = new MesLedger((helper.getNode('store') as unknown as BridgeStoreNode).store(), 'mes');
    return { out, ledger, node: helper.getNode('reconcile') };
  }

  it('re-sends what the MES lost from the ledger copies and reports every difference', async () => {
    const { out, ledger, node } = await load('demo-mes-token');
    const [a, b, c, d] = ['MO-2026-0001', 'MO-2026-0002', 'MO-2026-0003', 'MO-2026-0004'].map((no) => toWorkOrder(plant.sim.erp.order(no)!));
    await ledger.record(
      [a, b, c].map((w) => ({ orderNo: w.workOrderNo, revision: w.source.revision, state: w.status, source: 'fetch', payload: w })),
      new Date(Date.now() - 3600_000),
    );
    for (const w of [a, d]) assert.equal(plant.sim.mes.receive(w).status, 201);

    node.receive({ payload: 'now' });
    await eventually(() => out.report.length === 1, 'the report');
    const report = out.report[0].payload as ReconcileReport;
    assert.equal(report.ok, true, report.error);
    assert.deepEqual([report.mesOrders, report.ledgerOrders], [2, 3]);
    assert.deepEqual(report.counts, { missing: 2, unknown: 1, revision: 0, state: 0 });
    assert.deepEqual(
      report.differences.map((x) => [x.orderNo, x.kind]),
      [
        [b.workOrderNo, 'missing'],
        [c.workOrderNo, 'missing'],
        [d.workOrderNo, 'unknown'],
      ],
    );
    assert.deepEqual(
      out.resent.map((m) => m.topic),
      [b.workOrderNo, c.workOrderNo],
    );
    assert.deepEqual(out.resent[0].payload, b, 'the ledger copy goes out as it was sent');
    assert.deepEqual(out.resent[0].erpOrder, { orderNo: b.source.orderNo, revision: b.source.revision, updatedAt: b.source.updatedAt });
    assert.equal(out.resent[0].reconcile?.kind, 'missing');

    node.receive({ topic: 'report' });
    await eventually(() => out.report.length === 2, 'the repeated report');
    assert.deepEqual(out.report[1].payload, report);
    assert.equal(out.resent.length, 2, 'a report request re-sends nothing');
  });

  it('turns an MES that refuses the token into a failed report and an error for Catch nodes', async () => {
    const { out, node } = await load('wrong-token');
    node.receive({ payload: 'now' });
    await eventually(() => out.caught.length === 1 && out.report.length === 1, 'the failure');
    const report = out.report[0].payload as ReconcileReport;
    assert.equal(report.ok, false);
    assert.match(report.error!, /the MES order list at http:\/\/127\.0\.0\.1:\d+\/mes\/api\/work-orders answered 401/);
    assert.match(out.caught[0].error!.message, /mes-reconcile: the MES order list at .* answered 401: MES bearer token is not valid\./);
  });
});
