// The SELECT of one poll: rows after the last committed (watermark, key) pair, ordered by both, so rows
// sharing one watermark value are neither repeated nor skipped across a page boundary. MariaDB ignores
// its index for a row-value comparison, so every dialect but PostgreSQL gets the expanded predicate.
import { type SqlDialect, columnName, quoteColumn, quoteTable } from './identifiers';

export type { SqlDialect } from './identifiers';

/** SQL text with `?` placeholders and the values bound to them, in order (LegacyDb.query takes it as is). */
export interface SqlStatement {
  sql: string;
  bindings: unknown[];
}

export type WatermarkValue = string | number;
export type KeyValue = string | number;

/** A position in the (watermark, key) order: the last row delivered / committed. */
export interface KeysetCursor {
  watermark: WatermarkValue;
  key: KeyValue;
}

/** A condition from configuration (`status = ? AND plant = ?`) and its values. */
export interface SqlFilter {
  sql: string;
  bindings?: readonly unknown[];
}

export interface KeysetQueryOptions {
  dialect: SqlDialect;
  /** Table or view, optionally schema-qualified (`dbo.PRD_ORDER`, `erp."tabWork Order"`). */
  table: string;
  /** Columns to read; empty or absent reads every column (*). The watermark and key are added when missing. */
  columns?: readonly string[];
  watermarkColumn: string;
  /** The tie-breaking key: unique together with the watermark. */
  keyColumn: string;
  filter?: SqlFilter;
  /** Only rows strictly after this position (the last committed pair, or the last row of the previous page). */
  after?: KeysetCursor;
  /**
   * Only rows whose watermark is at or above this value: a look-back poll (committed watermark minus N
   * minutes, with DeliveredWindow dropping rows already delivered) or a first run "from a given value".
   */
  watermarkFrom?: WatermarkValue;
  /** Rows per query; absent = one streamed query without a limit, cut into pages by the reader. */
  pageSize?: number;
}

/** Checks a configured filter: one expression, `?` placeholders only, as many values as placeholders. */
export function checkFilter(filter: SqlFilter): void {
  const text = filter.sql;
  const bindings = filter.bindings ?? [];
  if (typeof text !== 'string' || text.trim() === '') throw new Error('The filter is empty: leave it out or write a condition such as status = ?.');
  // A filter is one WHERE condition: a second statement or a comment would change what the poll reads.
  // Quoted names and string literals may hold these characters harmlessly, so they are looked for outside them.
  const bare = text.replace(/'(?:[^']|'')*'|"[^"]*"|`[^`]*`|\[[^\]]*\]/g, ' ');
  if (bare.includes(';')) throw new Error(`The filter '${text}' contains ';': it must be a single condition, values go in as ? placeholders.`);
  if (/--|\/\*|#/.test(bare)) throw new Error(`The filter '${text}' contains a comment marker (--, /*, #): it must be a single condition.`);
  // knex reads ?? as an identifier placeholder and \? as a literal: neither is a value binding.
  if (/\?\?|\\\?/.test(text)) throw new Error(`The filter '${text}' contains ?? or \\?: use ? for values and write column names directly.`);
  const placeholders = (text.match(/\?/g) ?? []).length;
  if (placeholders !== bindings.length) {
    throw new Error(`The filter '${text}' has ${placeholders} ? placeholder(s) but ${bindings.length} value(s) were given.`);
  }
}

function checkValue(what: string, value: unknown): void {
  if (typeof value === 'number' ? !Number.isFinite(value) : typeof value !== 'string') {
    throw new Error(`The ${what} must be a string or a finite number (got ${JSON.stringify(value)}).`);
  }
}

/** The column list of the SELECT: the configured columns plus the watermark and key when they were left out. */
function selectList(options: KeysetQueryOptions, wm: string, key: string): string {
  const { dialect, columns } = options;
  if (!columns || columns.length === 0) return '*';
  const names = columns.map((c) => columnName(c));
  const list = columns.map((c) => quoteColumn(dialect, c));
  if (!names.includes(columnName(options.watermarkColumn))) list.push(wm);
  if (!names.includes(columnName(options.keyColumn))) list.push(key);
  return list.join(', ');
}

/** `(wm > ? OR (wm = ? AND key > ?))`, or `(wm, key) > (?, ?)` for PostgreSQL, which indexes the row-value form. */
export function keysetPredicate(dialect: SqlDialect, watermarkColumn: string, keyColumn: string, after: KeysetCursor): SqlStatement {
  checkValue('watermark of the cursor', after.watermark);
  checkValue('key of the cursor', after.key);
  const wm = quoteColumn(dialect, watermarkColumn);
  const key = quoteColumn(dialect, keyColumn);
  if (dialect === 'pg') return { sql: `(${wm}, ${key}) > (?, ?)`, bindings: [after.watermark, after.key] };
  return { sql: `(${wm} > ? OR (${wm} = ? AND ${key} > ?))`, bindings: [after.watermark, after.watermark, after.key] };
}

/** The SELECT of one page (pageSize) or of one streamed poll (no pageSize). */
export function keysetQuery(options: KeysetQueryOptions): SqlStatement {
  const { dialect, pageSize } = options;
  const table = quoteTable(dialect, options.table);
  const wm = quoteColumn(dialect, options.watermarkColumn);
  const key = quoteColumn(dialect, options.keyColumn);
  if (columnName(options.watermarkColumn) === columnName(options.keyColumn)) {
    throw new Error(`The watermark column and the key column are both '${columnName(options.keyColumn)}': the key must break ties between rows sharing one watermark.`);
  }
  if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize < 1)) {
    throw new Error(`The page size must be a whole number of rows above 0 (got ${String(pageSize)}).`);
  }
  const conditions: string[] = [];
  const bindings: unknown[] = [];
  if (options.watermarkFrom !== undefined) {
    checkValue('lower bound of the watermark', options.watermarkFrom);
    conditions.push(`${wm} >= ?`);
    bindings.push(options.watermarkFrom);
  }
  if (options.after) {
    const predicate = keysetPredicate(dialect, options.watermarkColumn, options.keyColumn, options.after);
    conditions.push(predicate.sql);
    bindings.push(...predicate.bindings);
  }
  if (options.filter) {
    checkFilter(options.filter);
    conditions.push(`(${options.filter.sql.trim()})`);
    bindings.push(...(options.filter.bindings ?? []));
  }
  const where = conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '';
  const order = ` ORDER BY ${wm}, ${key}`;
  const columns = selectList(options, wm, key);
  if (pageSize === undefined) return { sql: `SELECT ${columns} FROM ${table}${where}${order}`, bindings };
  if (dialect === 'mssql') return { sql: `SELECT TOP (?) ${columns} FROM ${table}${where}${order}`, bindings: [pageSize, ...bindings] };
  return { sql: `SELECT ${columns} FROM ${table}${where}${order} LIMIT ?`, bindings: [...bindings, pageSize] };
}

/** The cursor a row leaves behind: where the next page or the next poll starts. */
export function cursorOf(row: Record<string, unknown>, watermarkColumn: string, keyColumn: string): KeysetCursor {
  const wmName = columnName(watermarkColumn);
  const keyName = columnName(keyColumn);
  const watermark = row[wmName];
  const key = row[keyName];
  if (watermark === null || watermark === undefined) {
    throw new Error(`A row has no value in the watermark column '${wmName}' (key ${JSON.stringify(key)}): rows with a NULL watermark cannot be polled incrementally.`);
  }
  if (key === null || key === undefined) throw new Error(`A row has no value in the key column '${keyName}' (watermark ${JSON.stringify(watermark)}).`);
  const asCursorValue = (v: unknown): string | number => (typeof v === 'number' ? v : typeof v === 'bigint' ? v.toString() : String(v));
  return { watermark: asCursorValue(watermark), key: asCursorValue(key) };
}

const datetimeText = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?$/;

/**
 * The look-back lower bound: a datetime watermark read as text ("YYYY-MM-DD HH:MM:SS[.ffffff]", the
 * database's own wall-clock time) moved back `minutes`, in the same shape so the database compares it
 * like its own values. Wall-clock arithmetic is right for zones without daylight saving (Asia/Shanghai);
 * across a DST change the window is an hour longer or shorter.
 */
export function watermarkMinusMinutes(watermark: WatermarkValue, minutes: number): string {
  if (!Number.isFinite(minutes) || minutes < 0) throw new Error(`The look-back must be 0 or more minutes (got ${String(minutes)}).`);
  const text = typeof watermark === 'string' ? watermark.trim() : '';
  const m = datetimeText.exec(text);
  if (!m) {
    throw new Error(`The look-back needs a datetime watermark such as '2026-11-20 08:30:00.000000'; '${String(watermark)}' is not one.`);
  }
  const [, y, mo, d, h, mi, s, frac = ''] = m;
  const date = new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +s) - Math.round(minutes * 60) * 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const sep = text[10];
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}${sep}${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}${frac}`;
}
