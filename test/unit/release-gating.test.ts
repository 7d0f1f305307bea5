// Release gating's pure parts: which orders may reach the MES (drafts never by default, a cancel or close only
// for an order the MES holds), how each preset maps the ERP's own state to released or draft, and the ERP key
// a refused item is parked under.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { preset } from '../../nodes/lib/erp/profile';
import { compileExpression } from '../../nodes/lib/erp/profile/expressions';
import { gate, orderOf } from '../../nodes/lib/plan-sync/mes-ledger';
import { erpKeyOf } from '../../nodes/lib/plan-sync/parked-orders';

async function statusOf(presetId: string, item: Record<string, unknown>, details: Record<string, unknown> = {}): Promise<unknown> {
  const p = preset(presetId);
  const map = compileExpression(p.pull.map, 'pull.map', p.name, p.pull.changeTime.timeZone);
  return ((await map.evaluate(item, { details, params: {} })) as { status?: unknown }).status;
}

describe('release gating', () => {
  it('holds drafts back unless drafts are let through, and sends a cancel or close only for an order the MES holds', () => {
    assert.equal(gate('created', false, 'released'), 'draft');
    assert.equal(gate('created', true, 'released'), 'draft', 'a draft never goes, even of an order the MES holds');
    assert.equal(gate('created', false, 'all'), 'send');
    assert.equal(gate('released', false, 'released'), 'send');
    assert.equal(gate('completed', false, 'released'), 'send');
    for (const ending of ['cancelled', 'closed']) {
      assert.equal(gate(ending, false, 'released'), 'not-held');
      assert.equal(gate(ending, false, 'all'), 'not-held');
      assert.equal(gate(ending, true, 'released'), 'send');
    }
  });

  it('reads order no, revision and state from a work order or a production order, and names what is missing', () => {
    assert.deepEqual(orderOf({ workOrderNo: 'MO-1', status: 'released', source: { revision: 3 } }), { orderNo: 'MO-1', revision: 3, state: 'released' });
    assert.deepEqual(orderOf({ orderNo: 'MO-2', status: 'closed', revision: 7 }), { orderNo: 'MO-2', revision: 7, state: 'closed' });
    assert.match(orderOf({ workOrderNo: 'MO-3', status: 'released' }) as string, /order MO-3 has no revision/);
    assert.match(orderOf(null) as string, /payload\.workOrderNo .* is missing/);
  });

  it('ERPNext: docstatus 0 is a draft whatever the status says, docstatus 2 is cancelled, a submitted order is released, running once In Process, held when Stopped', async () => {
    assert.equal(await statusOf('erpnext', { docstatus: 0, status: 'Draft' }), 'created');
    assert.equal(await statusOf('erpnext', { docstatus: 0, status: 'Not Started' }), 'created');
    assert.equal(await statusOf('erpnext', { docstatus: 1, status: 'Not Started' }), 'released');
    assert.equal(await statusOf('erpnext', { docstatus: 1, status: 'In Process' }), 'running');
    assert.equal(await statusOf('erpnext', { docstatus: 1, status: 'Stopped' }), 'held');
    assert.equal(await statusOf('erpnext', { docstatus: 2, status: 'Cancelled' }), 'cancelled');
  });

  it('Kingdee: a line of a bill not audited yet (FDocumentStatus A, B, D) is a draft; an audited line goes as released (3 下达), running (4 开工), completed (5 完工) or closed (6 结案, 7 结算)', async () => {
    for (const audit of ['Z', 'A', 'B', 'D']) assert.equal(await statusOf('kingdee-k3cloud', { FDocumentStatus: audit, FStatus: '3', FBillNo: 'MO1', FTreeEntity_FSeq: 1 }), 'created', audit);
    assert.equal(await statusOf('kingdee-k3cloud', { FDocumentStatus: 'C', FStatus: '1', FBillNo: 'MO1', FTreeEntity_FSeq: 1 }), 'created', 'audited but only planned');
    assert.equal(await statusOf('kingdee-k3cloud', { FDocumentStatus: 'C', FStatus: '3', FBillNo: 'MO1', FTreeEntity_FSeq: 1 }), 'released');
    // 4 开工 (started) is an order in process: running, not released.
    assert.equal(await statusOf('kingdee-k3cloud', { FDocumentStatus: 'C', FStatus: '4', FBillNo: 'MO1', FTreeEntity_FSeq: 1 }), 'running');
    assert.equal(await statusOf('kingdee-k3cloud', { FDocumentStatus: 'C', FStatus: '5', FBillNo: 'MO1', FTreeEntity_FSeq: 1 }), 'completed');
    for (const closed of ['6', '7']) assert.equal(await statusOf('kingdee-k3cloud', { FDocumentStatus: 'C', FStatus: closed, FBillNo: 'MO1', FTreeEntity_FSeq: 1 }), 'closed', closed);
    assert.ok(preset('kingdee-k3cloud').pull.columns?.includes('FDocumentStatus'), 'the query asks for FDocumentStatus');
  });

  it('Odoo: draft is a draft; confirmed is released, progress running, to_close completed; SAP: released only with OrderIsReleased', async () => {
    for (const id of ['odoo-jsonrpc', 'odoo-json2']) {
      assert.equal(await statusOf(id, { state: 'draft' }), 'created');
      assert.equal(await statusOf(id, { state: 'confirmed' }), 'released');
      assert.equal(await statusOf(id, { state: 'progress' }), 'running');
      assert.equal(await statusOf(id, { state: 'to_close' }), 'completed');
    }
    assert.equal(await statusOf('sap-s4hana-odata-v2', { OrderIsReleased: '' }), 'created');
    assert.equal(await statusOf('sap-s4hana-odata-v2', { OrderIsReleased: 'X' }), 'released');
  });

  it('parks an item the mapping could not read under its ERP key', () => {
    assert.equal(erpKeyOf({ orderNo: 'MO-2026-0001' }), 'MO-2026-0001');
    assert.equal(erpKeyOf({ ManufacturingOrder: '1000123' }), '1000123');
    assert.equal(erpKeyOf({ name: 'MFG-WO-2026-00001', id: 7 }), 'MFG-WO-2026-00001');
    assert.equal(erpKeyOf({ FBillNo: 'MO000123', FTreeEntity_FSeq: 2 }), 'MO000123-2');
    assert.equal(erpKeyOf({ id: 42 }), '42');
    assert.match(erpKeyOf({ qty: 1 }), /^item:[0-9a-f]{16}$/);
    assert.equal(erpKeyOf({ qty: 1 }), erpKeyOf({ qty: 1 }), 'the same item, the same key');
  });
});
