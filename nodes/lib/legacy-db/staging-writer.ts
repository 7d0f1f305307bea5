// Writes MES results into a staging table the ERP reads: upserts on a key, in batches, one transaction
// per batch. A batch the database refuses is rolled back whole, and the error names the row that broke
// it (found by trying its rows one by one, each rolled back), so nothing is half-written.
import type { Knex } from 'knex';
import type { LegacyDb } from './connection';
import { legacyDbError } from './connection-errors';
import { maxRowsPerStatement, upsertStatement, type UpsertOptions, type UpsertRow } from './upsert';
import { columnTypesQuery, isLocalDatetimeType, toLegacyDatetime } from './values';

export interface StagingWriteOptions extends Omit<UpsertOptions, 'dialect'> {
  /** Rows per batch (one statement, one transaction); capped by the dialect's bound-value limit. */
  batchSize: number;
}

export interface StagingWriteResult {
  rows: number;
  batches: number;
}

/** Thrown to roll a probing transaction back after the row went through. */
class ProbeRollback extends Error {}

export async function writeStaging(db: LegacyDb, options: StagingWriteOptions, input: unknown): Promise<StagingWriteResult> {
  const rows = await inDatabaseTime(db, options.table, toRows(input));
  if (rows.length === 0) return { rows: 0, batches: 0 };
  const columnCount = (options.columns ?? Object.keys(rows[0])).length;
  const size = Math.max(1, Math.min(options.batchSize, maxRowsPerStatement(db.dialect, columnCount)));
  const upsert: UpsertOptions = { ...options, dialect: db.dialect };
  let batches = 0;
  for (let start = 0; start < rows.length; start += size) {
    const batch = rows.slice(start, start + size);
    const where = `${db.label}: batch ${batches + 1} (rows ${start + 1}–${start + batch.length}) of ${options.table}`;
    let statement;
    try {
      statement = upsertStatement(upsert, batch);
    } catch (err) {
      throw new Error(`${where} was not written: ${renumber((err as Error).message, start)}${written(batches)}`, { cause: err });
    }
    try {
      await db.knex.transaction(async (trx) => {
        await trx.raw(statement.sql, statement.bindings as Knex.RawBinding[]);
      });
    } catch (err) {
      const cause = legacyDbError(err, db.label, 'query', '');
      const culprit = await findFailingRow(db, upsert, batch);
      const which = culprit ? `row ${start + culprit.index + 1} (${describeKey(batch[culprit.index], options.keyColumns)}) failed: ${culprit.message}` : cause.message;
      throw new Error(`${where} was not written: ${which}${written(batches)}`, { cause: err });
    }
    batches += 1;
  }
  return { rows: rows.length, batches };
}

/** Staging tables' local-datetime columns, per connection pool: looked up once, not per write. */
const localDatetimeColumns = new WeakMap<LegacyDb, Map<string, Promise<Set<string>>>>();

/**
 * ISO instants bound for columns without a zone (datetime, datetime2, timestamp without time zone) become the
 * database's wall-clock text: MariaDB refuses '…Z' and PostgreSQL's timestamp would drop the offset silently.
 */
async function inDatabaseTime(db: LegacyDb, table: string, rows: UpsertRow[]): Promise<UpsertRow[]> {
  if (rows.length === 0) return rows;
  let tables = localDatetimeColumns.get(db);
  if (!tables) localDatetimeColumns.set(db, (tables = new Map()));
  let lookup = tables.get(table);
  if (!lookup) {
    const { sql, bindings } = columnTypesQuery(db.dialect, table);
    lookup = db.query(sql, bindings).then((found) => new Set(found.filter((c) => isLocalDatetimeType(String(c.type ?? ''))).map((c) => String(c.name))));
    tables.set(table, lookup);
    lookup.catch(() => tables!.delete(table));
  }
  const columns = await lookup;
  if (columns.size === 0) return rows;
  return rows.map((row) => {
    if (!row || typeof row !== 'object' || Array.isArray(row)) return row;
    let out: UpsertRow | undefined;
    for (const c of columns) {
      if (!(c in row)) continue;
      const local = toLegacyDatetime(row[c], db.timeZone);
      if (local !== row[c]) (out ??= { ...row })[c] = local;
    }
    return out ?? row;
  });
}

function written(batches: number): string {
  return batches === 0 ? '; nothing was written.' : `; the ${batches} batch${batches === 1 ? '' : 'es'} before it were written.`;
}

function toRows(input: unknown): UpsertRow[] {
  const list = Array.isArray(input) ? input : [input];
  list.forEach((row, i) => {
    if (!row || typeof row !== 'object' || Array.isArray(row)) throw new Error(`msg.payload[${i}] must be an object of column values, not ${Array.isArray(row) ? 'an array' : JSON.stringify(row)}.`);
  });
  return list as UpsertRow[];
}

/** "row 3 of the batch" in upsert's messages → the row's number in the whole payload. */
function renumber(message: string, offset: number): string {
  return offset === 0 ? message : message.replace(/\brow (\d+)\b/g, (_m, n: string) => `row ${Number(n) + offset}`);
}

function describeKey(row: UpsertRow, keyColumns: readonly string[]): string {
  return keyColumns.map((k) => `${k} = ${JSON.stringify(row[k])}`).join(', ');
}

async function findFailingRow(db: LegacyDb, upsert: UpsertOptions, batch: UpsertRow[]): Promise<{ index: number; message: string } | undefined> {
  for (let i = 0; i < batch.length; i++) {
    const one = upsertStatement(upsert, [batch[i]]);
    try {
      await db.knex.transaction(async (trx) => {
        await trx.raw(one.sql, one.bindings as Knex.RawBinding[]);
        throw new ProbeRollback();
      });
    } catch (err) {
      if (err instanceof ProbeRollback) continue;
      const e = err as { sqlMessage?: string; message?: string };
      return { index: i, message: (e.sqlMessage ?? e.message ?? String(err)).split('\n')[0].replace(/^.* - /, '') };
    }
  }
  return undefined;
}
