// One ordered query per poll, read as it streams instead of page by page: each dialect's own way of not
// holding the whole result in memory (mysql2 row stream, a PostgreSQL cursor, better-sqlite3's iterator).
import type { Readable } from 'node:stream';
import type { Knex } from 'knex';
import type { LegacyDbClient } from './connection-config';

export type Row = Record<string, unknown>;

/** Driver connections are untyped here: each branch knows its driver's API. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type RawConnection = any;

export interface NativeQuery {
  /** In the driver's placeholder form ($1 for pg). */
  sql: string;
  bindings: readonly unknown[];
  /** As the caller wrote it, with ? placeholders (knex rewrites these itself for mssql). */
  original: { sql: string; bindings: readonly unknown[] };
}

/**
 * What a row stream holds right now, as one array, then waits for more: a poll of a million rows pays one
 * promise per batch instead of one per row (per row, the promises were most of the poll's garbage).
 */
async function* bufferedBatches(readable: Readable, fixRow?: (row: Row) => Row): AsyncGenerator<Row[]> {
  for (;;) {
    const batch: Row[] = [];
    for (let row = readable.read() as Row | null; row !== null; row = readable.read() as Row | null) batch.push(fixRow ? fixRow(row) : row);
    if (batch.length > 0) {
      yield batch;
      continue;
    }
    if (readable.errored) throw readable.errored;
    if (readable.readableEnded || readable.destroyed) return;
    await new Promise<void>((resolve, reject) => {
      const settle = (err?: Error) => {
        readable.off('readable', settle).off('end', settle).off('close', settle).off('error', settle);
        if (err) reject(err);
        else resolve();
      };
      readable.on('readable', settle).on('end', settle).on('close', settle).on('error', settle);
    });
  }
}

/** The rows of one statement in order, in batches of at most about `batchSize` rows. */
export async function* streamRowBatches(client: LegacyDbClient, knex: Knex, connection: RawConnection, query: NativeQuery, batchSize: number, fixRow: (row: Row) => Row): AsyncGenerator<Row[]> {
  switch (client) {
    case 'mysql': {
      const rows: Readable = connection.query({ sql: query.sql, values: query.bindings }).stream({ highWaterMark: batchSize });
      // mysql2 does not pass a lost connection (KILL, server restart) on to a row stream paused for
      // backpressure: it would wait forever. End it with the connection's error instead.
      const lost = (err: Error) => rows.destroy(err);
      connection.once('error', lost);
      let finished = false;
      try {
        yield* bufferedBatches(rows);
        finished = true;
      } finally {
        connection.removeListener('error', lost);
        // A reader that stops early leaves unread rows on the wire: that connection cannot be reused.
        if (!finished) {
          connection.__knex__disposed = 'stream abandoned';
          rows.destroy();
          connection.destroy();
        }
      }
      return;
    }
    case 'pg': {
      const cursor = `legacy_db_cursor_${Date.now().toString(36)}`;
      await connection.query('BEGIN READ ONLY');
      let finished = false;
      try {
        await connection.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${query.sql}`, query.bindings);
        for (;;) {
          const batch = await connection.query(`FETCH ${batchSize} FROM ${cursor}`);
          if (batch.rows.length > 0) yield batch.rows as Row[];
          if (batch.rows.length < batchSize) break;
        }
        finished = true;
      } finally {
        // ROLLBACK closes the cursor too; on a dead connection it fails, and the pool drops that connection.
        await connection.query(finished ? 'COMMIT' : 'ROLLBACK').catch(() => undefined);
      }
      return;
    }
    case 'sqlite': {
      let batch: Row[] = [];
      for (const row of connection.prepare(query.sql).iterate(...query.bindings)) {
        batch.push(row as Row);
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
      return;
    }
    case 'mssql': {
      const rows: Readable = knex
        .raw(query.original.sql, query.original.bindings as Knex.RawBinding[])
        .connection(connection)
        .stream({ highWaterMark: batchSize });
      yield* bufferedBatches(rows, fixRow);
      return;
    }
  }
}
