// What other nodes (legacy-db-poll, legacy-db-write) may use of this config node.
import type { Node } from 'node-red';
import type { LegacyDb, LegacyDbClient, LegacyDbError, LegacyDbState } from '../lib/legacy-db/connection';

export interface LegacyDbStateEvent {
  state: LegacyDbState;
  /** Why, for 'dropped' and 'unreachable': a sentence naming the database, with a kind. */
  error?: LegacyDbError;
}

export interface LegacyDbNode extends Node<{ password?: string; connectionString?: string }> {
  /** "legacy DB 'ERP-SQL' (mysql://127.0.0.1:3306/erp)", for messages; no password. */
  title: string;
  dialect: LegacyDbClient;
  /** The last state seen (undefined until the first query). */
  state: LegacyDbState | undefined;
  /**
   * The shared pool, opened on first use (again after the last user deregistered). Throws a LegacyDbError
   * of kind 'config' when the settings are wrong or an environment variable is missing.
   */
  db(): LegacyDb;
  /** A node that uses this database; listen with on('state', (e: LegacyDbStateEvent) => …). */
  register(user: Node): void;
  /** Call from the user's close handler; the pool is destroyed when the last user has gone. */
  deregister(user: Node): Promise<void>;
}
