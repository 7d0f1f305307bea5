// The simulated plant's cost side: the ERP's standard cost estimate of an order worked out by hand, the
// standard-costs endpoint behind the ERP's auth (every item a valid standard-cost), and the MES's time logs
// derived from its job reports (valid cost-events, hours = standard seconds × units × the order's efficiency).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { validate } from '../../nodes/lib/validation';
import { orderStandardCost } from '../../server/simulator/erp-costs';
import { labourEfficiency, machineEfficiency, MesCostReporter } from '../../server/simulator/mes-costs';
import { startPlantSimulator, type PlantSimulator, type ProductionOrder } from '../../server/simulator/plant-simulator';

const ERP_AUTH = `Basic ${Buffer.from('erp-bridge:demo-erp-pass').toString('base64')}`;

describe('simulated plant: cost', () => {
  let sim: PlantSimulator;
  before(async () => {
    sim = await startPlantSimulator({ seedOrders: 6 });
  });
  after(async () => {
    await sim.close();
  });

  it("estimates an order per 1000 units from its BOM, routing and the ERP's prices and rates", () => {
    const order = { ...sim.erp.orders()[0], orderNo: 'MO-TEST', revision: 2 } as ProductionOrder;
    order.bom = [
      { materialCode: 'RM-200101', materialName: '医用PVC粒料', qtyPer: 0.014, unit: 'KG', issueTolerancePct: 3, opNo: '0010' },
      { materialCode: 'RM-200130', materialName: '滴斗', qtyPer: 1, unit: 'PCS', issueTolerancePct: 1, opNo: '0020' },
    ];
    order.operations = [
      { ...order.operations[0], opNo: '0010', opCode: 'EXTR', workCentre: 'WC-EXT01', stdTimePerUnitSec: 0.9 },
      { ...order.operations[0], opNo: '0020', opCode: 'ASSY', workCentre: 'WC-ASM01', stdTimePerUnitSec: 2.4 },
    ];
    const cost = orderStandardCost(order);
    // Material (0.014 KG × 18.50 + 1 × 0.35) × 1000 = 609.00; labour 3.3 s × 42 CNY/h × 1000 / 3600 = 38.50;
    // machine (0.9 s × 85 + 2.4 s × 60) × 1000 / 3600 = 61.25.
    assert.deepEqual(cost.perUnit, { material: 609, labour: 38.5, machine: 61.25 });
    assert.equal(cost.lotSize, 1000);
    assert.equal(cost.estimateId, 'CE-MO-TEST-R2');
    assert.deepEqual(cost.machineRates, [
      { equipment: 'WC-ASM01', ratePerHour: 60 },
      { equipment: 'WC-EXT01', ratePerHour: 85 },
    ]);
    assert.deepEqual(validate('standard-cost', cost), { ok: true });
  });

  it("serves the estimates behind the ERP's auth, one order with ?orderNo=", async () => {
    assert.equal((await fetch(`${sim.erpUrl}/standard-costs`)).status, 401);
    const all = (await (await fetch(`${sim.erpUrl}/standard-costs`, { headers: { authorization: ERP_AUTH } })).json()) as { items: Array<{ orderNo: string }> };
    assert.equal(all.items.length, 6);
    for (const item of all.items) assert.deepEqual(validate('standard-cost', item), { ok: true });
    const one = (await (await fetch(`${sim.erpUrl}/standard-costs?orderNo=MO-2026-0002`, { headers: { authorization: ERP_AUTH } })).json()) as { items: Array<{ orderNo: string }> };
    assert.deepEqual(
      one.items.map((i) => i.orderNo),
      ['MO-2026-0002'],
    );
  });

  it('logs labour and machine hours for the units of each job report', () => {
    const workOrder = { workOrderNo: 'MO-2026-0001', operations: [{ sequence: '0010', stdSecondsPerUnit: 0.9 }] };
    const costs = new MesCostReporter((no) => (no === workOrder.workOrderNo ? (workOrder as never) : undefined));
    const report = { eventId: 'MO-2026-0001/0010/ab-1', orderNo: 'MO-2026-0001', opNo: '0010', goodQty: 3960, scrapQty: 40, status: 'running' as const, operator: '张伟', equipment: 'EQ-EXTR-01', timestamp: '2026-11-25T10:00:00+08:00' };
    const [event] = costs.observe([report, { ...report, eventId: 'other', orderNo: 'MO-UNKNOWN' }]);
    assert.equal(costs.pending, 1);
    // 4000 units × 0.9 s = 1 h of standard, × the order's efficiency on the operation.
    assert.equal(event.labourHours, Math.round(labourEfficiency('MO-2026-0001', '0010') * 10_000) / 10_000);
    assert.equal(event.machineHours, Math.round(machineEfficiency('MO-2026-0001', '0010') * 10_000) / 10_000);
    assert.equal(event.eventId, 'MO-2026-0001/0010/ab-1/time');
    assert.deepEqual(validate('cost-event', event), { ok: true });
  });
});
