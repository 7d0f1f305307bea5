import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CodeTableError, CodeTables, TABLE_NAMES } from '../../nodes/lib/code-map';

const label = (i: number): string => `codes.csv row ${i + 2}`;

describe('CodeTables', () => {
  it('looks codes up ERP→MES and MES→ERP in the named table only', () => {
    const tables = CodeTables.fromEntries(
      [
        { table: 'material', erp: '100-2001', mes: 'MAT-2001', description: '不锈钢螺栓' },
        { table: 'equipment', erp: '100-2001', mes: 'CNC-A01' },
      ],
      label,
    );
    assert.deepEqual(tables.lookup('material', '100-2001', 'erp-to-mes'), { ok: true, code: 'MAT-2001' });
    assert.deepEqual(tables.lookup('equipment', '100-2001', 'erp-to-mes'), { ok: true, code: 'CNC-A01' });
    assert.deepEqual(tables.lookup('material', 'MAT-2001', 'mes-to-erp'), { ok: true, code: '100-2001' });
    assert.deepEqual(tables.lookup('unit', '100-2001', 'erp-to-mes'), { ok: false, reason: 'unknown' });
    assert.deepEqual(tables.lookup('material', ' ', 'erp-to-mes'), { ok: false, reason: 'empty' });
    assert.equal(tables.size(), 2);
    assert.equal(tables.size('material'), 1);
  });

  it('names the source and row of an invalid row', () => {
    assert.throws(
      () =>
        CodeTables.fromEntries(
          [
            { table: 'material', erp: 'A', mes: 'B' },
            { table: 'material', mes: 'C' },
          ],
          label,
        ),
      (err: unknown) => err instanceof CodeTableError && err.message === 'codes.csv row 3: erp is required',
    );
    assert.throws(() => CodeTables.fromEntries([{ table: 'tooling', erp: 'A', mes: 'B' }], label), /^CodeTableError: codes\.csv row 2: table must be one of "material"/);
  });

  it('rejects the same ERP code twice in a table with different MES codes, naming both rows', () => {
    assert.throws(
      () =>
        CodeTables.fromEntries(
          [
            { table: 'unit', erp: 'PCS', mes: 'EA' },
            { table: 'unit', erp: 'KG', mes: 'KGM' },
            { table: 'unit', erp: 'PCS', mes: 'PC' },
          ],
          label,
        ),
      /codes\.csv row 4: ERP unit code 'PCS' is mapped to MES code 'PC' here but to 'EA' in codes\.csv row 2/,
    );
  });

  it('accepts a repeated identical row and the same ERP code in two tables', () => {
    const tables = CodeTables.fromEntries(
      [
        { table: 'unit', erp: 'PCS', mes: 'EA' },
        { table: 'unit', erp: 'PCS', mes: 'EA' },
      ],
      label,
    );
    assert.equal(tables.size('unit'), 1);
  });

  it('allows several ERP codes for one MES code but reports the MES→ERP lookup as ambiguous', () => {
    const tables = CodeTables.fromEntries(
      [
        { table: 'equipment', erp: 'WC-01', mes: 'LINE-1' },
        { table: 'equipment', erp: 'WC-02', mes: 'LINE-1' },
        { table: 'equipment', erp: 'WC-03', mes: 'LINE-1' },
      ],
      label,
    );
    assert.deepEqual(tables.lookup('equipment', 'WC-02', 'erp-to-mes'), { ok: true, code: 'LINE-1' });
    assert.deepEqual(tables.lookup('equipment', 'LINE-1', 'mes-to-erp'), { ok: false, reason: 'ambiguous' });
    assert.deepEqual(tables.erpCodesSharing('equipment', 'LINE-1'), ['WC-01', 'WC-02', 'WC-03']);
  });

  it('combines tables: the overlay wins per ERP code, and a replaced table comes from the overlay alone', () => {
    const base = CodeTables.fromEntries(
      [
        { table: 'material', erp: 'A', mes: 'MA' },
        { table: 'material', erp: 'B', mes: 'MB' },
        { table: 'unit', erp: 'PCS', mes: 'EA' },
      ],
      label,
    );
    const overlay = CodeTables.fromEntries(
      [
        { table: 'material', erp: 'B', mes: 'MB2' },
        { table: 'unit', erp: 'KG', mes: 'KGM' },
      ],
      label,
    );
    const merged = CodeTables.combine(base, overlay);
    assert.deepEqual(merged.lookup('material', 'B', 'erp-to-mes'), { ok: true, code: 'MB2' });
    assert.deepEqual(merged.lookup('material', 'MB', 'mes-to-erp'), { ok: false, reason: 'unknown' });
    assert.deepEqual(merged.lookup('unit', 'PCS', 'erp-to-mes'), { ok: true, code: 'EA' });
    const replaced = CodeTables.combine(base, overlay, new Set(['unit'] as const));
    assert.deepEqual(replaced.lookup('unit', 'PCS', 'erp-to-mes'), { ok: false, reason: 'unknown' });
    assert.deepEqual(replaced.lookup('material', 'A', 'erp-to-mes'), { ok: true, code: 'MA' });
    assert.equal(base.size(), 3, 'combining leaves its inputs unchanged');
  });

  it('builds 100,000 rows into lookups that all resolve', () => {
    const rows = Array.from({ length: 100_000 }, (_, i) => ({ table: TABLE_NAMES[i % 5], erp: `E${i}`, mes: `M${i}` }));
    const tables = CodeTables.fromEntries(rows, label);
    assert.equal(tables.size(), 100_000);
    assert.deepEqual(tables.lookup('plant', 'E99999', 'erp-to-mes'), { ok: true, code: 'M99999' });
    assert.deepEqual(tables.lookup('plant', 'M99999', 'mes-to-erp'), { ok: true, code: 'E99999' });
  });
});
