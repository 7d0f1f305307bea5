import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CodeTables, WORK_ORDER_RULES, compileRules, describeAllUnmapped, mapMessage } from '../../nodes/lib/code-map';

const tables = CodeTables.fromEntries(
  [
    { table: 'material', erp: '100-2001', mes: 'MAT-2001' },
    { table: 'material', erp: '300-0101', mes: 'RAW-0101' },
    { table: 'unit', erp: 'PCS', mes: 'EA' },
    { table: 'unit', erp: 'KG', mes: 'KGM' },
    { table: 'plant', erp: '1000', mes: 'SZ01' },
    { table: 'operation', erp: '0010', mes: 'TURN' },
    { table: 'operation', erp: '0020', mes: 'MILL' },
    { table: 'equipment', erp: 'WC-01', mes: 'CNC-A01' },
    { table: 'equipment', erp: 'WC-02', mes: 'CNC-A01' },
    { table: 'equipment', erp: 'WC-03', mes: 'MC-B02' },
  ],
  (i) => `test row ${i + 1}`,
);

const rules = compileRules(WORK_ORDER_RULES);

function workOrder(): { _msgid: string; topic: string; payload: Record<string, unknown> } {
  return {
    _msgid: 'm1',
    topic: 'work-order',
    payload: {
      workOrderNo: 'WO-1000-000123',
      source: { system: 'erp', orderNo: '000123', revision: 2, updatedAt: '2026-03-01T08:00:00+08:00' },
      status: 'released',
      materialCode: '100-2001',
      plannedQty: 500,
      unit: 'PCS',
      dueDate: '2026-03-05T18:00:00+08:00',
      priority: 3,
      site: '1000',
      operations: [
        { sequence: '0010', operationCode: '0010', equipmentCode: 'WC-01', plannedStart: '2026-03-02T08:00:00+08:00', plannedEnd: '2026-03-02T16:00:00+08:00', stdSecondsPerUnit: 42 },
        { sequence: '0020', operationCode: '0020', equipmentCode: 'WC-03', plannedStart: '2026-03-03T08:00:00+08:00', plannedEnd: '2026-03-03T16:00:00+08:00', stdSecondsPerUnit: 30 },
      ],
      materials: [{ materialCode: '300-0101', qtyPer: 0.25, requiredQty: 125, unit: 'KG', issueTolerancePct: 2 }],
    },
  };
}

describe('mapMessage', () => {
  it('maps every code of a work order ERP→MES into a new message and leaves the input untouched', () => {
    const input = workOrder();
    const before = structuredClone(input);
    const out = mapMessage(input, rules, tables, 'erp-to-mes');
    assert.ok(out.ok);
    const p = out.msg.payload as ReturnType<typeof workOrder>['payload'] & { operations: Array<Record<string, unknown>>; materials: Array<Record<string, unknown>> };
    assert.equal(p.materialCode, 'MAT-2001');
    assert.equal(p.unit, 'EA');
    assert.equal(p.site, 'SZ01');
    assert.deepEqual(
      p.operations.map((o) => [o.operationCode, o.equipmentCode]),
      [
        ['TURN', 'CNC-A01'],
        ['MILL', 'MC-B02'],
      ],
    );
    assert.deepEqual([p.materials[0].materialCode, p.materials[0].unit], ['RAW-0101', 'KGM']);
    assert.equal(out.msg._msgid, 'm1');
    assert.deepEqual(input, before);
    assert.equal(p.source, input.payload.source, 'an untouched branch is shared, not copied');
  });

  it('lists every unmapped code with its concrete field, code, table and reason, and maps none', () => {
    const input = workOrder();
    (input.payload.operations as Array<Record<string, unknown>>)[1].equipmentCode = 'WC-OLD09';
    input.payload.unit = 'BOX';
    const out = mapMessage(input, rules, tables, 'erp-to-mes');
    assert.ok(!out.ok);
    assert.deepEqual(out.unmapped, [
      { field: 'payload.unit', code: 'BOX', table: 'unit', reason: 'unknown' },
      { field: 'payload.operations[1].equipmentCode', code: 'WC-OLD09', table: 'equipment', reason: 'unknown' },
    ]);
    assert.equal(
      describeAllUnmapped(out.unmapped, 'erp-to-mes'),
      "ERP unit code 'BOX' at payload.unit has no MES code in table 'unit'; ERP equipment code 'WC-OLD09' at payload.operations[1].equipmentCode has no MES code in table 'equipment'",
    );
    assert.equal(input.payload.materialCode, '100-2001', 'the input is not partly mapped');
  });

  it('treats absent fields and arrays as nothing to map', () => {
    const out = mapMessage({ payload: { materialCode: '100-2001', site: null } }, rules, tables, 'erp-to-mes');
    assert.ok(out.ok);
    assert.deepEqual(out.msg, { payload: { materialCode: 'MAT-2001', site: null } });
    assert.ok(!('unit' in out.msg.payload), 'an absent field stays absent');
  });

  it('reports a code that is empty or not a string, and a container of the wrong kind', () => {
    const out = mapMessage({ payload: { materialCode: '', unit: 42, operations: { operationCode: '0010' }, materials: [{ materialCode: '300-0101', unit: 'KG' }, 'x'] } }, rules, tables, 'erp-to-mes');
    assert.ok(!out.ok);
    assert.deepEqual(
      out.unmapped.map((u) => [u.field, u.table, u.reason]),
      [
        ['payload.materialCode', 'material', 'empty'],
        ['payload.unit', 'unit', 'not-a-string'],
        ['payload.operations', 'operation', 'not-an-array'],
        ['payload.operations', 'equipment', 'not-an-array'],
        ['payload.materials[1]', 'material', 'not-an-object'],
        ['payload.materials[1]', 'unit', 'not-an-object'],
      ],
    );
    assert.match(describeAllUnmapped(out.unmapped, 'erp-to-mes'), /ERP unit code at payload\.unit is a number \(42\), not a string/);
  });

  it('maps MES→ERP and reports a MES code several ERP codes share as ambiguous', () => {
    const back = compileRules([
      { path: 'payload.equipmentCode', table: 'equipment' },
      { path: 'payload.operationCode', table: 'operation' },
    ]);
    const ok = mapMessage({ payload: { equipmentCode: 'MC-B02', operationCode: 'MILL', goodQty: 40 } }, back, tables, 'mes-to-erp');
    assert.ok(ok.ok);
    assert.deepEqual(ok.msg.payload, { equipmentCode: 'WC-03', operationCode: '0020', goodQty: 40 });
    const ambiguous = mapMessage({ payload: { equipmentCode: 'CNC-A01', operationCode: 'TURN' } }, back, tables, 'mes-to-erp');
    assert.ok(!ambiguous.ok);
    assert.deepEqual(ambiguous.unmapped, [{ field: 'payload.equipmentCode', code: 'CNC-A01', table: 'equipment', reason: 'ambiguous' }]);
    assert.match(describeAllUnmapped(ambiguous.unmapped, 'mes-to-erp', tables), /MES equipment code 'CNC-A01' at payload\.equipmentCode stands for several ERP codes in table 'equipment' \(WC-01, WC-02\)/);
  });

  it('maps fixed indexes, nested wildcards and arrays of codes', () => {
    const nested = compileRules([
      { path: 'payload.lines[1].code', table: 'material' },
      { path: 'payload.routes[*].ops[*].wc', table: 'equipment' },
      { path: 'payload.units[*]', table: 'unit' },
    ]);
    const input = { payload: { lines: [{ code: 'not mapped' }, { code: '300-0101' }], routes: [{ ops: [{ wc: 'WC-01' }, { wc: 'WC-03' }] }, { ops: [{ wc: 'WC-09' }] }], units: ['PCS', 'KG'] } };
    const out = mapMessage(input, nested, tables, 'erp-to-mes');
    assert.ok(!out.ok);
    assert.deepEqual(
      out.unmapped.map((u) => u.field),
      ['payload.routes[1].ops[0].wc'],
    );
    input.payload.routes[1].ops[0].wc = 'WC-02';
    const fixed = mapMessage(input, nested, tables, 'erp-to-mes');
    assert.ok(fixed.ok);
    assert.deepEqual(fixed.msg.payload, { lines: [{ code: 'not mapped' }, { code: 'RAW-0101' }], routes: [{ ops: [{ wc: 'CNC-A01' }, { wc: 'MC-B02' }] }, { ops: [{ wc: 'CNC-A01' }] }], units: ['EA', 'KGM'] });
    assert.equal(fixed.msg.payload.lines[0], input.payload.lines[0], 'an untouched array element is shared');
  });

  it('returns the same message object when there is nothing to map', () => {
    const input = { payload: { workOrderNo: 'WO-1' } };
    const out = mapMessage(input, rules, tables, 'erp-to-mes');
    assert.ok(out.ok);
    assert.equal(out.msg, input);
  });
});
