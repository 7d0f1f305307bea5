import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toWorkOrder, type ProductionOrder } from '../../nodes/lib/plan-sync/work-order';
import { validate } from '../../nodes/lib/validation';

const order: ProductionOrder = {
  orderNo: 'MO-2026-0001',
  revision: 2,
  status: 'released',
  productCode: 'FG-100234',
  productName: '一次性使用输液器',
  quantity: 3,
  unit: 'PCS',
  dueDate: '2026-12-01T17:00:00+08:00',
  priority: 2,
  plant: '1010',
  operations: [{ opNo: '0010', opCode: 'EXTR', description: '挤出', workCentre: 'WC-EXT01', plannedStart: '2026-11-25T08:00:00+08:00', plannedEnd: '2026-11-25T12:00:00+08:00', stdTimePerUnitSec: 4.5, qcSpecRef: 'QS-EXT-01' }],
  bom: [{ materialCode: 'RM-200101', materialName: '医用PVC粒料', qtyPer: 0.1, unit: 'KG', opNo: '0010' }],
  updatedAt: '2026-11-20T08:00:00+08:00',
};

describe('toWorkOrder: ERP production order → MES work order', () => {
  it('renames the fields into MES terms, keeps the ERP codes and computes the BOM need', () => {
    const wo = toWorkOrder(order);
    assert.equal(wo.workOrderNo, 'MO-2026-0001');
    assert.equal(wo.contractVersion, 2);
    assert.deepEqual(wo.source, { system: 'erp', orderNo: 'MO-2026-0001', revision: 2, updatedAt: '2026-11-20T08:00:00+08:00' });
    assert.equal(wo.operations[0].equipmentCode, 'WC-EXT01');
    assert.equal(wo.operations[0].operationCode, 'EXTR');
    assert.equal(wo.materials[0].requiredQty, 0.3, '0.1 × 3 reads 0.3, not 0.30000000000000004');
    assert.equal(wo.materials[0].issueTolerancePct, 0, 'a BOM line without tolerance gets 0 %');
    assert.equal(wo.materials[0].sequence, '0010');
  });

  it('produces a work order that passes the work-order schema', () => {
    assert.deepEqual(validate('work-order', toWorkOrder(order)), { ok: true });
  });

  it('passes on an order without a due date and without operations, which contract v2 allows', () => {
    const { dueDate: _d, ...undated } = order;
    const wo = toWorkOrder({ ...undated, operations: [], bom: [] });
    assert.equal('dueDate' in wo, false, 'no due date key at all, not an undefined one');
    assert.deepEqual(wo.operations, []);
    assert.deepEqual(validate('work-order', wo), { ok: true });
  });

  it('keeps a date-only due date, the stable key, quantities, predecessor, successors and extensions', () => {
    const wo = toWorkOrder({
      ...order,
      dueDate: '2026-12-01',
      orderKey: '42',
      status: 'closed',
      producedQty: 2.5,
      scrapQty: 0.25,
      processLossQty: 0.1,
      predecessor: { orderNo: 'MO-2026-0000', relation: 'amendment' },
      successors: [{ orderNo: 'MO-2026-0001-002', orderKey: '57', relation: 'split' }],
      extensions: { x_studio_sterile: true, cleanroom: { class: 'ISO 7' } },
    });
    assert.equal(wo.dueDate, '2026-12-01');
    assert.equal(wo.source.orderKey, '42');
    assert.deepEqual([wo.status, wo.producedQty, wo.scrapQty, wo.processLossQty], ['closed', 2.5, 0.25, 0.1]);
    assert.deepEqual(wo.predecessor, { orderNo: 'MO-2026-0000', relation: 'amendment' });
    assert.deepEqual(wo.successors, [{ orderNo: 'MO-2026-0001-002', orderKey: '57', relation: 'split' }]);
    assert.deepEqual(wo.extensions, { x_studio_sterile: true, cleanroom: { class: 'ISO 7' } });
    assert.deepEqual(validate('work-order', wo), { ok: true });
  });
});
