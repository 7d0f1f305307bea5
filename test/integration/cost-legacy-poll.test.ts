// The ERP's cost table read by legacy-db-poll (SQLite, DECIMAL columns as text, rates and unit costs as JSON
// columns) straight into cost-variance, inside a real Node-RED runtime against the simulated ERP: the hand-worked
// order (test/unit/cost-fixture.ts) completes and the ERP receives the same figures as from a standard-cost message.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import helper from 'node-red-node-test-helper';
import { completingReports, costPlan, issues, timeLogs } from '../unit/cost-fixture';
import { usePlantFixture } from '../support/plant-fixture';
import { eventually } from '../support/temp';

helper.init(require.resolve('node-red'));
const nodes = [
  require('../../nodes/legacy-db/legacy-db'),
  require('../../nodes/legacy-db-poll/legacy-db-poll'),
  require('../../nodes/bridge-store/bridge-store'),
  require('../../nodes/erp-endpoint/erp-endpoint'),
  require('../../nodes/cost-variance/cost-variance'),
  require('@node-red/nodes/core/function/15-change'),
];

describe('cost-variance fed by legacy-db-poll from the ERP cost table', () => {
  const plant = usePlantFixture(0);

  it('takes the rows of the cost table as standard costs and reports the hand-worked variance', async () => {
    const file = join(plant.dir.path, 'erp.db');
    const erp = new Database(file);
    erp.exec(`CREATE TABLE std_cost (product_code TEXT PRIMARY KEY, currency TEXT, lot_size DECIMAL(12,3), material_cost DECIMAL(18,4), labour_cost DECIMAL(18,4),
      machine_cost DECIMAL(18,4), labour_rate DECIMAL(12,4), machine_rate DECIMAL(12,4), machine_rates_json TEXT, material_costs_json TEXT, estimate_id TEXT, modified TEXT NOT NULL)`);
    erp.prepare('INSERT INTO std_cost VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
      'P-IVSET-20',
      'CNY',
      '1000',
      '2350.0000',
      '450.0000',
      '540.0000',
      '30.0000',
      null,
      JSON.stringify([
        { equipment: 'EQ-EXTR-01', ratePerHour: 60 },
        { equipment: 'EQ-ASSY-02', ratePerHour: 24 },
      ]),
      JSON.stringify([
        { materialCode: 'RM-PVC-TUBE', unitCost: 0.5, unit: 'M' },
        { materialCode: 'RM-NEEDLE-21G', unitCost: 1.55, unit: 'EA' },
      ]),
      'CE-2026-11',
      '2026-11-20 08:00:00.000000',
    );
    erp.close();
    await helper.load(
      nodes,
      [
        { id: 'erpdb', type: 'legacy-db', name: 'ERP', client: 'sqlite', database: file },
        { id: 'store', type: 'bridge-store', file: join(plant.dir.path, 'store.sqlite') },
        { id: 'erp', type: 'erp-endpoint', name: 'test ERP', baseUrl: plant.sim.erpUrl, authType: 'basic', username: 'erp-bridge', timeoutSec: 5, retryBaseSec: 0.05, retryMaxSec: 0.2 },
        {
          id: 'poll',
          type: 'legacy-db-poll',
          db: 'erpdb',
          store: 'store',
          table: 'std_cost',
          columns: '',
          watermarkColumn: 'modified',
          keyColumn: 'product_code',
          filter: '',
          filterBindings: '[]',
          pageSize: 100,
          schedule: 'manual',
          lookBackMinutes: 0,
          firstRunFrom: 'beginning',
          commit: 'emit',
          output: 'page',
          decimals: 'string',
          wires: [['topic']],
        },
        { id: 'topic', type: 'change', rules: [{ t: 'set', p: 'topic', pt: 'msg', to: 'standard-cost', tot: 'str' }], action: '', property: '', from: '', to: '', reg: false, wires: [['cost']] },
        { id: 'cost', type: 'cost-variance', endpoint: 'erp', store: 'store', path: 'cost-variances', thresholdPct: 5, settleMin: 0, maxAttempts: 10, wires: [['variances'], []] },
        { id: 'variances', type: 'helper' },
      ] as Array<Record<string, unknown>> as Parameters<typeof helper.load>[1],
      { erp: { password: 'demo-erp-pass' } },
    );
    const cost = helper.getNode('cost');
    cost.receive({ topic: 'plan', payload: costPlan() });
    cost.receive({ topic: 'cost-event', payload: timeLogs() });
    for (const i of issues()) cost.receive({ topic: 'requisition', payload: i });
    cost.receive({ topic: 'report', payload: completingReports() });
    // The order completed before its standard cost was read: it waits, and the poll's row settles it.
    helper.getNode('poll').receive({});
    const record = await eventually(() => plant.sim.erp.workflows.received('cost-variances')[0], 'the record at the ERP');
    const body = record.body as { elements: Array<{ element: string; standard: number; actual: number; variancePct: number }>; total: Record<string, unknown>; standard: Record<string, unknown> };
    assert.deepEqual(
      body.elements.map((e) => [e.element, e.standard, e.actual, e.variancePct]),
      [
        ['material', 2303, 2425, 5.3],
        ['labour', 441, 517.5, 17.35],
        ['machine', 529.2, 540, 2.04],
      ],
    );
    assert.deepEqual(body.total, { standard: 3273.2, actual: 3482.5, variance: 209.3, variancePct: 6.39, flagged: true });
    assert.deepEqual(body.standard, { source: 'product', estimateId: 'CE-2026-11', lotSize: 1000 });
  });
});
