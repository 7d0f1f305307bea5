import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodeTableError, loadCodeFile, loadCodeFileSync, parseCsv, readCsvRows, readJsonRows } from '../../nodes/lib/code-map';

describe('parseCsv (RFC 4180)', () => {
  it('splits plain records on LF and CRLF and ignores a final line break', () => {
    assert.deepEqual(parseCsv('a,b\r\nc,d\ne,f\r\n'), [
      ['a', 'b'],
      ['c', 'd'],
      ['e', 'f'],
    ]);
  });

  it('reads quoted fields with commas, doubled quotes and line breaks inside', () => {
    const text = 'erp,description\r\n"M-1","Bolt, M8 ""hex"" head"\r\n"M-2","two\r\nlines"\r\n';
    assert.deepEqual(parseCsv(text), [
      ['erp', 'description'],
      ['M-1', 'Bolt, M8 "hex" head'],
      ['M-2', 'two\r\nlines'],
    ]);
  });

  it('strips the UTF-8 byte order mark Excel writes and keeps Chinese text', () => {
    assert.deepEqual(parseCsv('\uFEFFtable,erp,mes,description\nmaterial,100-2001,MAT-2001,不锈钢螺栓 M8\n'), [
      ['table', 'erp', 'mes', 'description'],
      ['material', '100-2001', 'MAT-2001', '不锈钢螺栓 M8'],
    ]);
  });

  it('keeps empty fields, including a trailing one', () => {
    assert.deepEqual(parseCsv('a,,c,\n'), [['a', '', 'c', '']]);
  });

  it('rejects a quoted field that is never closed, naming the row', () => {
    assert.throws(() => parseCsv('a,b\n"open,c\n'), /row 2: a quoted field is never closed/);
  });
});

describe('readCsvRows', () => {
  it('accepts the columns in any order with description optional', () => {
    const { rows } = readCsvRows('MES,ERP,Table\nMAT-1,100-1,material\n', 'codes.csv');
    assert.deepEqual(rows, [{ table: 'material', erp: '100-1', mes: 'MAT-1' }]);
  });

  it('fills the table of a file configured for one table and skips blank Excel rows', () => {
    const { rows } = readCsvRows('erp,mes,description\r\nPCS,EA,件\r\n,,\r\nKG,KGM,千克\r\n', 'units.csv', 'unit');
    assert.deepEqual(rows, [
      { table: 'unit', erp: 'PCS', mes: 'EA', description: '件' },
      { table: 'unit', erp: 'KG', mes: 'KGM', description: '千克' },
    ]);
  });

  it('labels rows with the spreadsheet row number, even after quoted line breaks', () => {
    const { rowLabel } = readCsvRows('table,erp,mes,description\nmaterial,A,B,"x\ny"\nmaterial,C,D,\n', 'codes.csv');
    assert.equal(rowLabel(1), 'codes.csv row 3');
  });

  it('requires a table column unless the file is configured for one table', () => {
    assert.throws(() => readCsvRows('erp,mes\nA,B\n', 'codes.csv'), /codes\.csv row 1: the header has no 'table' column/);
  });

  it('rejects an unknown column and a row whose table differs from the configured one', () => {
    assert.throws(() => readCsvRows('table,erp,mes,plant\n', 'codes.csv'), /codes\.csv row 1: unknown column 'plant'/);
    assert.throws(() => readCsvRows('table,erp,mes\nmaterial,A,B\nunit,PCS,EA\n', 'units.csv', 'material'), /units\.csv row 3: table is 'unit' but this file is configured for table 'material'/);
  });

  it('rejects an empty file', () => {
    assert.throws(
      () => readCsvRows('\uFEFF', 'codes.csv'),
      (err: unknown) => err instanceof CodeTableError && /codes\.csv is empty/.test(err.message),
    );
  });
});

describe('readJsonRows', () => {
  it('reads an array of entries, with the table filled for a one-table file', () => {
    const { rows } = readJsonRows('\uFEFF[{"erp":"OP10","mes":"CUT"}]', 'ops.json', 'operation');
    assert.deepEqual(rows, [{ table: 'operation', erp: 'OP10', mes: 'CUT' }]);
  });

  it('rejects text that is not a JSON array, naming the file', () => {
    assert.throws(() => readJsonRows('{"erp":"A"}', 'codes.json'), /codes\.json must hold a JSON array/);
    assert.throws(() => readJsonRows('[{', 'codes.json'), /codes\.json is not valid JSON/);
  });
});

describe('code files', () => {
  it('loads a CSV and a JSON file by extension and names the file and row of a bad row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'code-map-file-'));
    try {
      const csv = join(dir, 'codes.csv');
      writeFileSync(csv, '\uFEFFtable,erp,mes,description\r\nequipment,WC-01,CNC-A01,数控车床 1 号\r\n');
      assert.deepEqual(loadCodeFileSync(csv, 'codes.csv').lookup('equipment', 'WC-01', 'erp-to-mes'), { ok: true, code: 'CNC-A01' });
      const json = join(dir, 'codes.json');
      writeFileSync(json, JSON.stringify([{ table: 'plant', erp: '1000', mes: 'SZ01' }]));
      assert.deepEqual((await loadCodeFile(json, 'codes.json')).lookup('plant', '1000', 'erp-to-mes'), { ok: true, code: 'SZ01' });
      writeFileSync(csv, 'table,erp,mes\r\nequipment,WC-01,CNC-A01\r\nequipment,,CNC-A02\r\n');
      await assert.rejects(loadCodeFile(csv, 'codes.csv'), /^CodeTableError: codes\.csv row 3: erp is required$/);
      await assert.rejects(loadCodeFile(join(dir, 'missing.csv'), 'missing.csv'), /cannot read code file missing\.csv: the file does not exist/);
      assert.throws(() => loadCodeFileSync(join(dir, 'codes.txt'), 'codes.txt'), /unknown format: use a \.csv or \.json file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
