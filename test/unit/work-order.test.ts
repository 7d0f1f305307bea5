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
  operations: [
    { opNo: '0010', opCode: 'EXTR', description: '挤出', workCentre: 'WC-EXT01', plannedStart: '2026-11-25T08:00:00+08:00', plannedEnd: '2026-11-25T12:00:00+08:00', stdTimePerUnitSec: 4.5, qcSpecRef: 'QS-EXT-01' },
  ],
  bom: [{ materialCode: 'RM-200101', materialName: '医用PVC粒料', qtyPer: 0.1, unit: 'KG', opNo: '0010' }],
  updatedAt: '2026-11-20T08:00:00+08:00',
};

describe('toWorkOrder: ERP production order → MES work order', () => {
  it('renames the fields into MES terms, keeps the ERP codes and computes the BOM need', () => {
    const wo = toWorkOrder(order);
    assert.equal(wo.workOrderNo, 'MO-2026-0001');
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
});
