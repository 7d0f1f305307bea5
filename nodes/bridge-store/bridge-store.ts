// Config node: where durable state lives (watermarks, delivered keys, the outbox, workflow state).
// The embedded default is one SQLite file; Redis lets several Node-RED instances share the state and the
// outbox. Users listen for 'state' (the Redis link dropped or back) and 'durability' (writes not durable).
import { isAbsolute, join } from 'node:path';
import type { NodeAPI, NodeDef } from 'node-red';
import { openStoreAudit, type StoreAudit } from '../lib/audit/store-audit';
import { Outbox, type OutboxOptions } from '../lib/outbox/outbox';
import { RedisOutboxStore } from '../lib/outbox/redis-outbox-store';
import { SqliteOutboxStore } from '../lib/outbox/sqlite-outbox-store';
import type { OutboxStore, StoreDurability } from '../lib/outbox/types';
import { parseSentinels, RedisConnection, type RedisStateEvent } from '../lib/stores/redis-connection';
import { FencedRedisStore } from '../lib/stores/redis-fenced-store';
import { LeaseKeeper } from '../lib/stores/lease-keeper';
import { registerLease, unregisterLease } from '../lib/stores/lease-registry';
import { LeaseLock } from '../lib/stores/redis-lease';
import { replicaIdOf } from '../lib/stores/replica-id';
import { RedisStore } from '../lib/stores/redis-store';
import { SqliteStore } from '../lib/stores/sqlite-store';
import { RedisTraceStore, SqliteTraceStore, type TraceStore, type TraceStoreOptions } from '../lib/trace';
import type { KeyValueStore } from '../lib/stores/store';
import { guardStore } from '../lib/stores/store-unavailable';
import { openDeadlineGate } from './deadline-gate';
import type { BridgeStoreNode, BridgeStoreStateEvent, BridgeStoreType } from './types';

interface BridgeStoreDef extends NodeDef {
  storeType?: BridgeStoreType;
  file?: string;
  url?: string;
  host?: string;
  port?: string | number;
  db?: string | number;
  username?: string;
  keyPrefix?: string;
  requireDurable?: boolean;
  /** How long a Redis command waits for the server, s (default 5). */
  deadlineSec?: string | number;
  /** Redis Sentinel: "host:port, host:port" of the sentinels; empty = connect to url/host directly. */
  sentinels?: string;
  /** The master's name at the sentinels (default mymaster). */
  sentinelName?: string;
  /** How long a replica's lease on a source lasts without renewal, s (default 15): failover within 2 × this. */
  leaseSec?: string | number;
}

/** A positive number of seconds from a field that may be empty; the default when empty. */
function seconds(value: string | number | undefined, fallback: number, what: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`the time to ${what} must be a positive number of seconds, not '${value}'`);
  return n;
}

/** A whole number from a field that may be empty; the default when empty. */
function wholeNumber(value: string | number | undefined, fallback: number, what: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`the Redis ${what} must be a whole number, not '${value}'`);
  return n;
}

export = function register(RED: NodeAPI): void {
  function BridgeStore(this: BridgeStoreNode, config: BridgeStoreDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const title = `bridge store '${config.name || 'bridge-store'}'`;
    node.storeType = config.storeType === 'redis' ? 'redis' : 'sqlite';
    node.state = undefined;

    let store: KeyValueStore | undefined;
    let plainRedisStore: RedisStore | undefined;
    let leaseLock: LeaseLock | undefined;
    const leases = new Set<LeaseKeeper>();
    node.replicaId = replicaIdOf(RED.settings as unknown as Record<string, unknown>, process.env);
    let leaseMs = 15_000;
    let outboxStore: OutboxStore | undefined;
    let connection: RedisConnection | undefined;
    let openError: Error | undefined;
    const outboxes = new Map<string, Outbox>();
    const traceStores = new Map<string, TraceStore>();
    let audit: StoreAudit | undefined;

    if (node.storeType === 'sqlite') {
      const directory: string = (RED.settings as unknown as Record<string, string | undefined>).bridgeStoreDirectory ?? RED.settings.userDir ?? process.cwd();
      const file = config.file || 'bridge-store.sqlite';
      node.location = file === ':memory:' || isAbsolute(file) ? file : join(directory, file);
      try {
        store = guardStore(new SqliteStore(node.location), `bridge store SQLite file ${node.location}`);
        node.state = 'connected';
      } catch (err) {
        openError = new Error(`${title} cannot open ${node.location}: ${(err as Error).message}.`);
        node.error(openError.message);
      }
    } else {
      try {
        leaseMs = seconds(config.leaseSec, 15, 'hold a lease') * 1000;
        const sentinels = parseSentinels(config.sentinels);
        connection = new RedisConnection({
          sentinels,
          sentinelName: config.sentinelName || undefined,
          sentinelPassword: node.credentials?.sentinelPassword || undefined,
          url: config.url || undefined,
          host: config.host || '127.0.0.1',
          port: wholeNumber(config.port, 6379, 'port'),
          db: wholeNumber(config.db, 0, 'database number'),
          username: config.username || undefined,
          password: node.credentials?.password || undefined,
          keyPrefix: config.keyPrefix ?? 'erp-mes:',
          requireDurable: config.requireDurable === true,
          connectionName: `bridge-store:${node.id}`,
          commandDeadlineMs: seconds(config.deadlineSec, 5, 'wait for Redis') * 1000,
        });
        node.location = connection.label;
        plainRedisStore = new RedisStore(connection);
        store = guardStore(plainRedisStore, `bridge store Redis at ${connection.label}`);
        leaseLock = new LeaseLock(connection);
        connection.on('state', (event: RedisStateEvent) => {
          node.state = event.state;
          if (event.error) node.warn(event.error.message);
          node.emit('state', event satisfies BridgeStoreStateEvent);
        });
        let lastWarning: string | undefined;
        connection.on('durability', (durability: StoreDurability) => {
          // Not refusing: the machine's default Redis is not durable. Said once per change, not per reconnect.
          if (durability.durable !== true && durability.detail !== lastWarning) node.warn(`${title}: ${durability.detail}`);
          lastWarning = durability.durable === true ? undefined : durability.detail;
          node.emit('durability', durability);
        });
      } catch (err) {
        node.location = 'redis';
        openError = new Error(`${title} cannot use Redis: ${(err as Error).message}.`);
        node.error(openError.message);
      }
    }

    node.store = () => {
      if (openError) throw openError;
      return store!;
    };

    node.lease = (name: string) => {
      if (openError) throw openError;
      const keeper = new LeaseKeeper(leaseLock, name, { ttlMs: leaseMs, replica: node.replicaId, onError: (err) => node.warn(`${title}: ${err.message}`) });
      // Stopping (by its user or at close) gives the lease up and unlists it.
      const stop = keeper.stop.bind(keeper);
      keeper.stop = async () => {
        leases.delete(keeper);
        unregisterLease(keeper);
        await stop();
      };
      leases.add(keeper);
      registerLease(keeper);
      return keeper;
    };

    node.fencedStore = (lease: LeaseKeeper) => {
      if (openError) throw openError;
      if (!connection) return store!;
      return guardStore(new FencedRedisStore(plainRedisStore!, connection, () => lease.current(), lease.name), `bridge store Redis at ${connection.label}`);
    };

    node.deadlineGate = (namespace: string, onTakeover: () => void) => {
      // One process on SQLite: its runner fires every deadline itself.
      if (!connection || !leaseLock) return undefined;
      const keeper = node.lease(`deadlines:${namespace}`);
      return openDeadlineGate({ connection, lock: leaseLock, keeper, namespace, replica: node.replicaId, onTakeover, warn: (text) => node.warn(`${title}: ${text}`) });
    };

    node.outboxStore = () => {
      if (openError) throw openError;
      // How long a Node-RED instance may go silent before another takes over what it was delivering.
      const claimIdleMs = Number((RED.settings as unknown as Record<string, unknown>).bridgeStoreClaimIdleMs) || 30_000;
      outboxStore ??= connection ? guardStore(new RedisOutboxStore(connection, { claimIdleMs }), `outbox store Redis at ${connection.label}`) : guardStore(new SqliteOutboxStore(node.location), `outbox store SQLite file ${node.location}`);
      return outboxStore;
    };

    node.outbox = (name: string, options?: OutboxOptions) => {
      let outbox = outboxes.get(name);
      if (!outbox) {
        outbox = new Outbox(name, node.outboxStore(), options);
        outboxes.set(name, outbox);
      } else if (options && !outbox.delivering) {
        // A user node redeployed with new settings: they apply from its next start().
        outbox.configure(options);
      }
      return outbox;
    };

    node.audit = () => {
      audit ??= openStoreAudit({
        store: node.store(),
        storeId: node.id,
        label: config.name || node.id,
        chainId: `${node.storeType}:${node.location}|${node.storeType === 'redis' ? (config.keyPrefix ?? 'erp-mes:') : ''}|audit`,
        settings: RED.settings as unknown as Record<string, unknown>,
        env: process.env,
        logger: { info: (line) => node.log(line), warn: (line) => node.warn(line) },
      });
      return audit.log;
    };
    node.auditWatch = () => {
      node.audit();
      return audit!.watch;
    };

    node.traceStore = (book: string, options?: TraceStoreOptions) => {
      if (openError) throw openError;
      let trace = traceStores.get(book);
      if (!trace) {
        trace = guardStore(connection ? new RedisTraceStore(connection, book, options) : new SqliteTraceStore(node.location, book, options), `trace store '${book}' at ${node.location}`);
        traceStores.set(book, trace);
      }
      return trace;
    };

    node.durability = () => {
      if (openError) return { durable: false, detail: openError.message };
      if (connection) return connection.durability();
      return node.location === ':memory:' ? { durable: false, detail: `${title} keeps its state in memory (:memory:); it is lost when the process ends.` } : { durable: true, detail: `SQLite file ${node.location} (WAL).` };
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      // Outboxes first (their workers finish what is in flight), then the stores, then the connection.
      (async () => {
        await audit?.watch.stop();
        await Promise.all([...leases].map((l) => l.stop()));
        await Promise.all([...outboxes.values()].map((o) => o.close()));
        outboxes.clear();
        await Promise.all([...traceStores.values()].map((t) => t.close()));
        traceStores.clear();
        await outboxStore?.close();
        await store?.close();
        await connection?.close();
      })().then(
        () => done(),
        (err) => {
          node.error(`${title} did not close cleanly: ${(err as Error).message}`);
          connection?.client.disconnect();
          done();
        },
      );
    });
  }

  RED.nodes.registerType('bridge-store', BridgeStore as unknown as Parameters<NodeAPI['nodes']['registerType']>[1], {
    credentials: {
      password: { type: 'password' },
      sentinelPassword: { type: 'password' },
    },
  });
};
