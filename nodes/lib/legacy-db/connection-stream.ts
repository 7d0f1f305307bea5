// One ordered query per poll, read as it streams instead of page by page: each dialect's own way of not
// holding the whole result in memory (mysql2 row stream, a PostgreSQL cursor, better-sqlite3's iterator).
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

export async function* streamRows(
  client: LegacyDbClient,
  knex: Knex,
  connection: RawConnection,
  query: NativeQuery,
  batchSize: number,
  fixRow: (row: Row) => Row,
): AsyncGenerator<Row> {
  switch (client) {
    case 'mysql': {
      const rows = connection.query({ sql: query.sql, values: query.bindings }).stream({ highWaterMark: batchSize });
      // mysql2 does not pass a lost connection (KILL, server restart) on to a row stream paused for
      // backpressure: it would wait forever. End it with the connection's error instead.
      const lost = (err: Error) => rows.destroy(err);
      connection.once('error', lost);
      let finished = false;
      try {
        for await (const row of rows) yield row as Row;
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
          for (const row of batch.rows) yield row as Row;
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
      for (const row of connection.prepare(query.sql).iterate(...query.bindings)) yield row as Row;
      return;
    }
    case 'mssql': {
      const rows = knex.raw(query.original.sql, query.original.bindings as Knex.RawBinding[]).connection(connection).stream({ highWaterMark: batchSize });
      for await (const row of rows) yield fixRow(row as Row);
      return;
    }
  }
}
