// Writing MES results into a staging table the ERP reads: insert new rows, update existing ones on a key,
// many rows per statement, values always bound. Each dialect has its own statement for it.
import { type SqlDialect, columnName, quoteColumn, quoteTable } from './identifiers';
import type { SqlStatement } from './keyset';

export type UpsertRow = Record<string, unknown>;

export interface UpsertOptions {
  dialect: SqlDialect;
  /** The staging table, optionally schema-qualified. */
  table: string;
  /** The column(s) the table's primary key or unique index is on. */
  keyColumns: readonly string[];
  /** Columns written; absent = the first row's property names. Every row must have exactly these. */
  columns?: readonly string[];
  /** Columns overwritten when the key exists; absent = every column except the key. Empty = leave existing rows alone. */
  updateColumns?: readonly string[];
  /** Two rows with one key in a batch: 'fail' (default) names both rows; 'keep-last' writes the later one. */
  duplicateKeys?: 'fail' | 'keep-last';
}

/** Most bound values a statement may carry: SQL Server 2100 (minus headroom), the others far more. */
export const maxBindings: Record<SqlDialect, number> = { mssql: 2000, mysql: 65535, pg: 65535, sqlite: 32766 };

/** How many rows of `columnCount` columns fit in one statement. */
export function maxRowsPerStatement(dialect: SqlDialect, columnCount: number): number {
  return Math.max(1, Math.floor(maxBindings[dialect] / Math.max(1, columnCount)));
}

function rowLabel(rows: readonly UpsertRow[], index: number, keys: readonly string[]): string {
  const row = rows[index];
  const key = keys.map((k) => `${k} = ${JSON.stringify(row?.[k])}`).join(', ');
  return `row ${index + 1} (${key})`;
}

function bindable(value: unknown): boolean {
  if (value === null) return true;
  if (['string', 'number', 'boolean', 'bigint'].includes(typeof value)) return typeof value !== 'number' || Number.isFinite(value);
  return value instanceof Date || Buffer.isBuffer(value) || value instanceof Uint8Array;
}

/** Checks the rows and returns the ones to write, in order. Errors name the row (1-based) and its key. */
function checkedRows(options: UpsertOptions, rows: readonly UpsertRow[], columns: readonly string[], keys: readonly string[]): UpsertRow[] {
  const wanted = new Set(columns);
  const byKey = new Map<string, number>();
  const out: Array<UpsertRow | undefined> = [];
  rows.forEach((row, i) => {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new Error(`Row ${i + 1} of the batch for ${options.table} is not an object of column values.`);
    const extra = Object.keys(row).find((k) => !wanted.has(k));
    if (extra !== undefined) throw new Error(`${rowLabel(rows, i, keys)} has the column '${extra}', which is not among the columns written to ${options.table} (${columns.join(', ')}).`);
    for (const c of columns) {
      if (!(c in row) || row[c] === undefined) throw new Error(`${rowLabel(rows, i, keys)} has no value for '${c}' (use null to write NULL into ${options.table}).`);
      if (!bindable(row[c])) throw new Error(`${rowLabel(rows, i, keys)}: '${c}' is ${Array.isArray(row[c]) ? 'an array' : typeof row[c]}, which cannot be written into a column of ${options.table}.`);
    }
    for (const k of keys) if (row[k] === null) throw new Error(`${rowLabel(rows, i, keys)} has NULL in the key column '${k}' of ${options.table}.`);
    const id = JSON.stringify(keys.map((k) => (Buffer.isBuffer(row[k]) ? (row[k] as Buffer).toString('base64') : String(row[k]))));
    const earlier = byKey.get(id);
    if (earlier !== undefined) {
      // pg ON CONFLICT and MERGE both refuse to touch one row twice in a statement.
      if (options.duplicateKeys !== 'keep-last') throw new Error(`Rows ${earlier + 1} and ${i + 1} of the batch for ${options.table} have the same key (${rowLabel(rows, i, keys).replace(/^row \d+ \(|\)$/g, '')}).`);
      out[earlier] = undefined;
    }
    byKey.set(id, i);
    out.push(row);
  });
  return out.filter((r): r is UpsertRow => r !== undefined);
}

/**
 * One statement that inserts or updates every row on the key: mysql INSERT … ON DUPLICATE KEY UPDATE,
 * pg/sqlite INSERT … ON CONFLICT (…) DO UPDATE SET … = EXCLUDED.…, mssql MERGE … WITH (HOLDLOCK) … ;
 * Run it inside the batch's transaction; split large batches with maxRowsPerStatement.
 */
export function upsertStatement(options: UpsertOptions, rows: readonly UpsertRow[]): SqlStatement {
  const { dialect } = options;
  const table = quoteTable(dialect, options.table);
  if (rows.length === 0) throw new Error(`The batch for ${options.table} has no rows to write.`);
  const columns = (options.columns ?? Object.keys(rows[0] ?? {})).map((c) => columnName(c));
  if (columns.length === 0) throw new Error(`The batch for ${options.table} names no columns to write.`);
  const keys = options.keyColumns.map((c) => columnName(c));
  if (keys.length === 0) throw new Error(`No key column is set for ${options.table}: an upsert needs the column(s) of its unique key.`);
  const missingKey = keys.find((k) => !columns.includes(k));
  if (missingKey) throw new Error(`The key column '${missingKey}' is not among the columns written to ${options.table} (${columns.join(', ')}).`);
  const updates = (options.updateColumns ?? columns.filter((c) => !keys.includes(c))).map((c) => columnName(c));
  const strayUpdate = updates.find((c) => !columns.includes(c) || keys.includes(c));
  if (strayUpdate) throw new Error(`The update column '${strayUpdate}' of ${options.table} is a key column or not among the columns written.`);
  const toWrite = checkedRows(options, rows, columns, keys);
  if (toWrite.length * columns.length > maxBindings[dialect]) {
    throw new Error(`The batch for ${options.table} needs ${toWrite.length * columns.length} bound values; ${dialect} takes at most ${maxBindings[dialect]}: send at most ${maxRowsPerStatement(dialect, columns.length)} rows per statement.`);
  }

  const q = (c: string) => quoteColumn(dialect, c);
  const columnList = columns.map(q).join(', ');
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const values = toWrite.map(() => tuple).join(', ');
  const bindings = toWrite.flatMap((row) => columns.map((c) => row[c]));

  switch (dialect) {
    case 'mysql': {
      // VALUES(col) rather than the row alias: MariaDB has no alias form. With nothing to update, k = k keeps the row.
      const set = updates.length ? updates.map((c) => `${q(c)} = VALUES(${q(c)})`) : [`${q(keys[0])} = ${q(keys[0])}`];
      return { sql: `INSERT INTO ${table} (${columnList}) VALUES ${values} ON DUPLICATE KEY UPDATE ${set.join(', ')}`, bindings };
    }
    case 'pg':
    case 'sqlite': {
      const action = updates.length ? `DO UPDATE SET ${updates.map((c) => `${q(c)} = EXCLUDED.${q(c)}`).join(', ')}` : 'DO NOTHING';
      return { sql: `INSERT INTO ${table} (${columnList}) VALUES ${values} ON CONFLICT (${keys.map(q).join(', ')}) ${action}`, bindings };
    }
    case 'mssql': {
      // HOLDLOCK: without it two concurrent MERGEs can both see "not matched" and insert the same key.
      const on = keys.map((k) => `[target].${q(k)} = [source].${q(k)}`).join(' AND ');
      const matched = updates.length ? ` WHEN MATCHED THEN UPDATE SET ${updates.map((c) => `[target].${q(c)} = [source].${q(c)}`).join(', ')}` : '';
      const insert = `WHEN NOT MATCHED THEN INSERT (${columnList}) VALUES (${columns.map((c) => `[source].${q(c)}`).join(', ')})`;
      return {
        sql: `MERGE INTO ${table} WITH (HOLDLOCK) AS [target] USING (VALUES ${values}) AS [source] (${columnList}) ON ${on}${matched} ${insert};`,
        bindings,
      };
    }
    default:
      throw new Error(`'${String(dialect)}' is not a SQL dialect.`);
  }
}
