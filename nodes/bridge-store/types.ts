// What other nodes may use of this config node.
import type { Node } from 'node-red';
import type { AuditLog } from '../lib/audit/log';
import type { AuditWatch } from '../lib/audit/watch';
import type { Outbox, OutboxOptions } from '../lib/outbox/outbox';
import type { OutboxStore, StoreDurability } from '../lib/outbox/types';
import type { LeaseKeeper } from '../lib/stores/lease-keeper';
import type { DeadlineGate } from '../lib/workflows/runner';
import type { KeyValueStore } from '../lib/stores/store';
import type { TraceStore, TraceStoreOptions } from '../lib/trace';

export type BridgeStoreType = 'sqlite' | 'redis';

/** 'connected' / 'dropped' / 'unreachable' of the Redis link (SQLite is always 'connected'). */
export interface BridgeStoreStateEvent {
  state: 'connected' | 'dropped' | 'unreachable';
  /** Why, for 'dropped' and 'unreachable': a sentence naming the server. */
  error?: Error;
}

export interface BridgeStoreNode extends Node<{ password?: string; sentinelPassword?: string }> {
  storeType: BridgeStoreType;
  /** The SQLite file, or redis://host:port/db (never with the password). */
  location: string;
  /** The last state seen; listen with on('state', (e: BridgeStoreStateEvent) => …) and on('durability', (d: StoreDurability) => …). */
  state: BridgeStoreStateEvent['state'] | undefined;
  /** Whether an acknowledged write survives a crash of the store (for a warning status). */
  durability(): StoreDurability;
  /** The open key-value store; throws a clear error when it could not be opened. */
  store(): KeyValueStore;
  /** The outbox store behind every outbox of this config (for statistics and dead letters). */
  outboxStore(): OutboxStore;
  /**
   * The outbox named `name` (one per ERP endpoint), made on first use; later calls get the same instance, and
   * their options apply while its worker is stopped (start() it once, stop() it in your close handler). It is
   * closed when this node closes.
   */
  outbox(name: string, options?: OutboxOptions): Outbox;
  /**
   * The store's audit log, HMAC-chained under the configured audit key (settings bridgeStoreAuditKeys, env
   * AUDIT_KEY / AUDIT_KEY_FILE, else a key generated in the userDir); its scheduled verification starts with it.
   * Throws a sentence when the key is unusable.
   */
  audit(): AuditLog;
  /** The scheduled verification of audit(): subscribe for verdicts (the alarm) and verified heads (the export). */
  auditWatch(): AuditWatch;
  /** This replica's name (setting bridgeStoreReplicaId, env BRIDGE_REPLICA_ID, default hostname:pid). */
  replicaId: string;
  /**
   * The lease of one source (`poll:<node id>`, `oee:<node id>`, `deadlines:<namespace>`), kept until this node
   * closes (or the caller stops it): one replica at a time holds it. With SQLite it is always held (one process).
   * The caller starts it, listens for 'change' and calls holds() before acting.
   */
  lease(name: string): LeaseKeeper;
  /** The store with every write fenced by `lease`: refused (LeaseLostError) once another replica took the lease over. */
  fencedStore(lease: LeaseKeeper): KeyValueStore;
  /**
   * The gate of a workflow's deadlines (namespace e.g. escalation/<node id>): only the replica holding its lease
   * fires them, each claimed once in Redis (undefined on SQLite: one process fires them all). `onTakeover` runs whenever this replica gains the lease (the first time
   * too): the node handles its due deadlines then. Kept until this node closes.
   */
  deadlineGate(namespace: string, onTakeover: () => void): DeadlineGate | undefined;
  /** The trace store of the book `book` (quality traceability), made on first use; closed when this node closes. */
  traceStore(book: string, options?: TraceStoreOptions): TraceStore;
}
