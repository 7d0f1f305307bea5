// The simulated MES reads work-order contract v2 and still takes v1 (no contractVersion), over its REST API.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startPlantSimulator, type PlantSimulator } from '../../server/simulator/plant-simulator';
import { schemasDirectory } from '../../nodes/lib/validation';

const MES_AUTH = 'Bearer demo-mes-token';
const fixture = (name: string) => JSON.parse(readFileSync(join(dirname(schemasDirectory()), 'test', 'schemas', 'work-order', 'valid', `${name}.json`), 'utf8'));

async function post(sim: PlantSimulator, body: unknown) {
  const res = await fetch(`${sim.mesUrl}/work-orders`, { method: 'POST', headers: { authorization: MES_AUTH, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('simulated MES: work-order contract v2', () => {
  let sim: PlantSimulator;
  before(async () => {
    sim = await startPlantSimulator({ seedOrders: 1, now: () => new Date('2026-11-20T10:00:00+08:00') });
  });
  after(() => sim.close());

  it('takes a v1 work order and holds it as v2, noting that it came as v1', async () => {
    sim.mes.reset();
    const v1 = fixture('v1-mapped-infusion-set');
    assert.equal((await post(sim, v1)).status, 201);
    const [received] = sim.mes.received();
    assert.equal(received.contractVersion, 1);
    assert.deepEqual(sim.mes.workOrder(v1.workOrderNo), { contractVersion: 2, ...v1 });
  });

  it('takes v2 orders without a due date, with a date-only due date, without operations, held and closed short', async () => {
    sim.mes.reset();
    const cases = ['v2-no-due-date', 'v2-date-only-due-date', 'v2-no-operations', 'v2-held', 'v2-closed-short', 'v2-extensions', 'v2-amendment-predecessor'];
    for (const name of cases) {
      const order = fixture(name);
      // One number per case, so each is a new order in the MES.
      order.workOrderNo = order.source.orderNo = `${name.toUpperCase()}`.slice(0, 40);
      const answer = await post(sim, order);
      assert.equal(answer.status, 201, `${name}: ${JSON.stringify(answer.body)}`);
      assert.deepEqual(sim.mes.workOrder(order.workOrderNo), order, `${name} is held as sent`);
    }
    assert.deepEqual(
      sim.mes.received().map((r) => r.contractVersion),
      cases.map(() => 2),
    );
    assert.equal(sim.mes.workOrder('V2-CLOSED-SHORT')!.producedQty, 4200);
    assert.deepEqual(sim.mes.progress('V2-NO-OPERATIONS'), [], 'an order without operations has no operation progress');
  });

  it('moves an order the ERP renamed (same stable key, new number) instead of holding it twice', async () => {
    sim.mes.reset();
    const before = fixture('v2-split-backorder');
    before.workOrderNo = before.source.orderNo = 'WH/MO/00012';
    before.source.orderKey = '42';
    delete before.predecessor;
    assert.equal((await post(sim, before)).status, 201);
    const renamed = fixture('v2-renamed-with-successor');
    const answer = await post(sim, renamed);
    assert.deepEqual([answer.status, answer.body.status], [200, 'updated']);
    assert.deepEqual(
      sim.mes.workOrders().map((w) => [w.workOrderNo, w.source.orderKey]),
      [['WH/MO/00012-001', '42']],
    );
    assert.equal(sim.mes.received()[1].renamedFrom, 'WH/MO/00012');
  });

  it('refuses an unknown contract version and a v1 order that lacks a due date, naming why', async () => {
    sim.mes.reset();
    const v1 = fixture('v1-mapped-infusion-set');
    const v3 = await post(sim, { ...v1, contractVersion: 3 });
    assert.equal(v3.status, 400);
    assert.match(String(v3.body.error), /contractVersion 3 is not a work-order contract version this receiver reads/);
    const { dueDate: _d, ...noDue } = v1;
    const undated = await post(sim, noDue);
    assert.equal(undated.status, 400);
    assert.match(String(undated.body.error), /payload\.dueDate is required \(a work order without contractVersion is read as contract version 1\)/);
    assert.deepEqual(sim.mes.received(), []);
  });
});
