// RFC 4180 CSV as plants export it from Excel: quoted fields with "" escapes, commas and line
// breaks inside quotes, CRLF or LF, and often a UTF-8 byte order mark in front.
import { CodeTableError, type TableName } from './tables';

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;

export class CsvSyntaxError extends Error {
  /** 1-based record number, the row number a spreadsheet shows. */
  readonly row: number;
  constructor(row: number, problem: string) {
    super(`row ${row}: ${problem}`);
    this.name = 'CsvSyntaxError';
    this.row = row;
  }
}

export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Splits CSV text into records of fields. A trailing line break does not make an extra record. */
export function parseCsv(input: string): string[][] {
  const text = stripBom(input);
  const n = text.length;
  const records: string[][] = [];
  if (n === 0) return records;
  let record: string[] = [];
  let i = 0;
  for (;;) {
    let value: string;
    if (text.charCodeAt(i) === QUOTE) {
      value = '';
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q < 0) throw new CsvSyntaxError(records.length + 1, 'a quoted field is never closed');
        if (text.charCodeAt(q + 1) === QUOTE) {
          value += text.slice(from, q + 1);
          from = q + 2;
          continue;
        }
        value += text.slice(from, q);
        i = q + 1;
        break;
      }
      const next = text.charCodeAt(i);
      if (i < n && next !== COMMA && next !== CR && next !== LF) {
        throw new CsvSyntaxError(records.length + 1, `unexpected text after a closing quote: ${JSON.stringify(text.slice(i, i + 10))}`);
      }
    } else {
      let j = i;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === COMMA || c === CR || c === LF) break;
        j++;
      }
      value = text.slice(i, j);
      i = j;
    }
    record.push(value);
    if (i >= n) {
      records.push(record);
      return records;
    }
    const c = text.charCodeAt(i);
    i++;
    if (c === COMMA) continue;
    if (c === CR && text.charCodeAt(i) === LF) i++;
    records.push(record);
    record = [];
    if (i >= n) return records;
  }
}

const COLUMNS = ['table', 'erp', 'mes', 'description'] as const;
type Column = (typeof COLUMNS)[number];

/** Rows of a code file ready for CodeTables.fromEntries, with the label each row has in errors. */
export interface SourceRows {
  rows: unknown[];
  rowLabel: (index: number) => string;
}

function isBlank(record: string[]): boolean {
  for (const field of record) if (field.trim() !== '') return false;
  return true;
}

/**
 * Reads code rows from CSV text with a header `table,erp,mes,description` (any order, description
 * optional, table optional when the source is configured for one table). Errors start with the
 * source name and spreadsheet row ("codes.csv row 17: ...").
 */
export function readCsvRows(text: string, source: string, fixedTable?: TableName): SourceRows {
  let records: string[][];
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw new CodeTableError(`${source} ${err.message}`);
    throw err;
  }
  const headerAt = records.findIndex((r) => !isBlank(r));
  if (headerAt < 0) throw new CodeTableError(`${source} is empty: it needs a header row table,erp,mes,description`);
  const position = new Map<Column, number>();
  records[headerAt].forEach((raw, col) => {
    const name = raw.trim().toLowerCase();
    if (!(COLUMNS as readonly string[]).includes(name)) {
      throw new CodeTableError(`${source} row ${headerAt + 1}: unknown column '${raw}'; the columns are ${COLUMNS.join(', ')}`);
    }
    if (position.has(name as Column)) throw new CodeTableError(`${source} row ${headerAt + 1}: column '${name}' appears twice`);
    position.set(name as Column, col);
  });
  for (const required of ['erp', 'mes'] as const) {
    if (!position.has(required)) throw new CodeTableError(`${source} row ${headerAt + 1}: the header has no '${required}' column`);
  }
  const tableCol = position.get('table');
  if (tableCol === undefined && fixedTable === undefined) {
    throw new CodeTableError(`${source} row ${headerAt + 1}: the header has no 'table' column; add one or configure the file for one table`);
  }
  const erpCol = position.get('erp') as number;
  const mesCol = position.get('mes') as number;
  const descriptionCol = position.get('description');
  const width = records[headerAt].length;

  const rows: unknown[] = [];
  const rowNumbers: number[] = [];
  for (let r = headerAt + 1; r < records.length; r++) {
    const record = records[r];
    if (isBlank(record)) continue;
    if (record.length > width) {
      throw new CodeTableError(`${source} row ${r + 1}: ${record.length} fields but the header has ${width}`);
    }
    // Empty cells count as absent, so a missing code reads "erp is required".
    const row: Record<string, string> = {};
    const table = tableCol === undefined ? '' : (record[tableCol] ?? '');
    if (fixedTable !== undefined) {
      if (table !== '' && table !== fixedTable) {
        throw new CodeTableError(`${source} row ${r + 1}: table is '${table}' but this file is configured for table '${fixedTable}'`);
      }
      row.table = fixedTable;
    } else if (table !== '') row.table = table;
    const erp = record[erpCol] ?? '';
    if (erp !== '') row.erp = erp;
    const mes = record[mesCol] ?? '';
    if (mes !== '') row.mes = mes;
    const description = descriptionCol === undefined ? '' : (record[descriptionCol] ?? '');
    if (description !== '') row.description = description;
    rows.push(row);
    rowNumbers.push(r + 1);
  }
  return { rows, rowLabel: (i) => `${source} row ${rowNumbers[i]}` };
}

/** Reads code rows from a JSON array of entries; errors name "codes.json entry 3" (1-based). */
export function readJsonRows(text: string, source: string, fixedTable?: TableName): SourceRows {
  let data: unknown;
  try {
    data = JSON.parse(stripBom(text));
  } catch (err) {
    throw new CodeTableError(`${source} is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(data)) throw new CodeTableError(`${source} must hold a JSON array of entries {table, erp, mes, description}`);
  const rowLabel = (i: number): string => `${source} entry ${i + 1}`;
  if (fixedTable === undefined) return { rows: data, rowLabel };
  const rows = data.map((row: unknown, i) => {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) return row;
    const table = (row as { table?: unknown }).table;
    if (table !== undefined && table !== fixedTable) {
      throw new CodeTableError(`${rowLabel(i)}: table is ${JSON.stringify(table)} but this file is configured for table '${fixedTable}'`);
    }
    return { ...row, table: fixedTable };
  });
  return { rows, rowLabel };
}
