// The ERPNext preset's map on hand-made Work Order rows for the contract v2 states and fields the stock
// simulated site does not seed (Stopped, amended_from): what the site says is what the MES is told.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { preset } from '../../nodes/lib/erp/profile';
import { compileExpression } from '../../nodes/lib/erp/profile/expressions';
import { validate } from '../../nodes/lib/validation';

const erpnext = preset('erpnext');
const map = compileExpression(erpnext.pull.map, 'pull.map', erpnext.name, 'Asia/Shanghai');
const PARAMS = { plant: '1010', dueTime: '17:00:00', dueDateFallback: 'planned-end', defaultPriority: 5, plantField: 'custom_plant', priorityField: 'custom_priority' };
const ROW = {
  name: 'MO-2026-0007-1',
  status: 'Not Started',
  docstatus: 1,
  production_item: 'FG-1',
  item_name: 'Catheter',
  qty: 100,
  stock_uom: 'Nos',
  expected_delivery_date: '2026-12-10',
  planned_start_date: '2026-12-08 08:00:00',
  planned_end_date: '2026-12-09 17:00:00',
  company: 'Plant',
  modified: '2026-12-07 10:23:30.270000',
  amended_from: null,
  produced_qty: 40,
  process_loss_qty: 2,
};
const BOOKED = ['produced_qty', 'process_loss_qty'];

async function mapped(row: Record<string, unknown>, optional: string[] = BOOKED): Promise<Record<string, unknown>> {
  const order = (await map.evaluate(row, { params: PARAMS, optional: { workOrder: optional }, details: { doc: { operations: [], required_items: [] } } })) as Record<string, unknown>;
  assert.deepEqual(validate('production-order', order), { ok: true }, JSON.stringify(order));
  return order;
}

describe('the ERPNext preset map, contract v2', () => {
  it('maps In Process to running and Stopped to held; a draft or cancelled docstatus wins over the status text', async () => {
    assert.equal((await mapped({ ...ROW, status: 'In Process' })).status, 'running');
    assert.equal((await mapped({ ...ROW, status: 'Stopped' })).status, 'held');
    assert.equal((await mapped({ ...ROW, status: 'Not Started' })).status, 'released');
    assert.equal((await mapped({ ...ROW, status: 'In Process', docstatus: 0 })).status, 'created');
    assert.equal((await mapped({ ...ROW, status: 'Stopped', docstatus: 2 })).status, 'cancelled');
  });

  it('passes produced_qty and process_loss_qty on when the doctype has them, and leaves them out when it does not', async () => {
    const order = await mapped(ROW);
    assert.equal(order.producedQty, 40);
    assert.equal(order.processLossQty, 2);
    const older = await mapped({ ...ROW, process_loss_qty: undefined }, ['produced_qty']);
    assert.equal(older.producedQty, 40);
    assert.equal('processLossQty' in older, false);
    const without = await mapped({ ...ROW, produced_qty: undefined, process_loss_qty: undefined }, []);
    assert.equal('producedQty' in without, false);
  });

  it('names the Work Order an amended one came from as its predecessor (amendment), and none when amended_from is empty', async () => {
    assert.deepEqual({ ...((await mapped({ ...ROW, amended_from: 'MO-2026-0007' })).predecessor as object) }, { orderNo: 'MO-2026-0007', relation: 'amendment' });
    assert.equal('predecessor' in (await mapped(ROW)), false);
  });
});
