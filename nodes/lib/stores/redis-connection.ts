// One ioredis connection for everything a bridge-store keeps in Redis (key-value state, outbox, leases).
// ioredis reconnects by itself; this tells the users when the link drops and comes back ('state' events),
// and checks on every (re)connection whether the server writes durably: Redis 7.0 has no WAITAOF, so an
// acknowledged write survives a crash only with appendonly yes + appendfsync always.
import { EventEmitter } from 'node:events';
import type Redis from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { requireOptional } from '../optional-package';
import type { StoreDurability } from '../outbox/types';
import { holdCommandsWhileAway, redisDeadlineOptions } from './redis-deadline';

export interface RedisSettings {
  /** redis://[user@]host:port/db or rediss:// (TLS); wins over host/port/db when set. */
  url?: string;
  host?: string;
  port?: number;
  db?: number;
  username?: string;
  password?: string;
  /** Every key the bridge writes starts with this, so plants (and tests) sharing one Redis keep apart. */
  keyPrefix: string;
  /** Refuse writes (with a sentence saying why) while the server is not known to write durably. */
  requireDurable?: boolean;
  /** Shown in CLIENT LIST, so an operator can tell the bridge's connections apart. */
  connectionName?: string;
  /** How long a write waits for the durability check of a connection still being made, ms. */
  connectTimeoutMs?: number;
  /**
   * How long a command waits for Redis (a lost link to come back, or a server to answer) before it fails, ms
   * (default 5000): a MES posting during an outage is answered 503 within this, and the command is never sent later.
   */
  commandDeadlineMs?: number;
  /**
   * Redis Sentinel: the sentinels to ask where the master of `sentinelName` is (host:port each). When set, the
   * bridge follows a failover to the new master by itself; url/host/port are then not used.
   */
  sentinels?: Array<{ host: string; port: number }>;
  /** The master's name as the sentinels know it (their `sentinel monitor <name> …`). */
  sentinelName?: string;
  /** The sentinels' own password, when they require one. */
  sentinelPassword?: string;
}

/** "10.0.0.5:26379, 10.0.0.6:26379" → [{ host, port }…]; throws a sentence naming the bad entry. */
export function parseSentinels(text: string | undefined): Array<{ host: string; port: number }> {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((entry) => {
      const m = /^(\[[^\]]+\]|[^:\s]+)(?::(\d{1,5}))?$/.exec(entry);
      const port = m?.[2] === undefined ? 26379 : Number(m[2]);
      if (!m || port < 1 || port > 65535) throw new Error(`the sentinel '${entry}' is not host:port`);
      return { host: m[1].replace(/^\[|\]$/g, ''), port };
    });
}

export const DEFAULT_REDIS_DEADLINE_MS = 5000;

export type RedisLinkState = 'connected' | 'dropped' | 'unreachable';

export interface RedisStateEvent {
  state: RedisLinkState;
  /** Why, for 'dropped' and 'unreachable': a sentence naming the server. */
  error?: Error;
}

/** "redis://127.0.0.1:6379/0", never with the password. */
export function redisLabel(settings: RedisSettings): string {
  if (settings.sentinels && settings.sentinels.length > 0) {
    return `redis-sentinel://${settings.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}/${settings.sentinelName ?? 'mymaster'}/${settings.db ?? 0}`;
  }
  if (settings.url) {
    const u = new URL(settings.url);
    u.password = '';
    u.username = '';
    return u.toString().replace(/\/$/, '');
  }
  return `redis://${settings.host || '127.0.0.1'}:${settings.port || 6379}/${settings.db ?? 0}`;
}

export class RedisConnection extends EventEmitter {
  readonly client: Redis;
  readonly label: string;
  readonly keyPrefix: string;
  readonly requireDurable: boolean;
  state: RedisLinkState | undefined;
  private current: StoreDurability = { durable: undefined, detail: 'not connected to Redis yet.' };
  private lastError: Error | undefined;
  private everConnected = false;
  private closing: Promise<void> | undefined;
  private checking: Promise<StoreDurability> | undefined;
  private readonly connectTimeoutMs: number;
  /** See RedisSettings.commandDeadlineMs. */
  readonly deadlineMs: number;

  constructor(settings: RedisSettings) {
    super();
    this.label = redisLabel(settings);
    this.keyPrefix = settings.keyPrefix;
    this.requireDurable = settings.requireDurable === true;
    this.connectTimeoutMs = settings.connectTimeoutMs ?? 10_000;
    this.deadlineMs = settings.commandDeadlineMs && settings.commandDeadlineMs > 0 ? settings.commandDeadlineMs : DEFAULT_REDIS_DEADLINE_MS;
    const options: RedisOptions = {
      // RESP2: reply shapes of stream commands as documented, whatever ioredis's default becomes.
      protocol: 2,
      connectionName: settings.connectionName,
      username: settings.username || undefined,
      password: settings.password || undefined,
      connectTimeout: this.connectTimeoutMs,
      ...redisDeadlineOptions(this.deadlineMs),
    };
    // Loaded here, not at the top: a pack installed without ioredis still loads every node but this store type.
    const RedisClient = requireOptional<{ default: typeof Redis }>('ioredis', `A bridge-store of type redis (${this.label})`).default;
    this.client =
      settings.sentinels && settings.sentinels.length > 0
        ? new RedisClient({ ...options, sentinels: settings.sentinels, name: settings.sentinelName || 'mymaster', sentinelPassword: settings.sentinelPassword || undefined, db: settings.db ?? 0 })
        : settings.url
          ? new RedisClient(settings.url, options)
          : new RedisClient({ ...options, host: settings.host || '127.0.0.1', port: settings.port || 6379, db: settings.db ?? 0 });
    holdCommandsWhileAway(this.client, this.deadlineMs, this.label);
    this.client.on('error', (err: Error) => {
      this.lastError = err;
      if (!this.everConnected) this.setState('unreachable', new Error(`Redis at ${this.label} is unreachable: ${err.message}.`));
    });
    this.client.on('ready', () => {
      this.everConnected = true;
      this.setState('connected');
      this.checking = this.checkDurability().finally(() => (this.checking = undefined));
    });
    this.client.on('close', () => {
      if (this.state === 'connected' && !this.closing) {
        this.setState('dropped', new Error(`Redis at ${this.label} dropped the connection${this.lastError ? `: ${this.lastError.message}` : ''}; reconnecting.`));
      }
    });
  }

  private setState(state: RedisLinkState, error?: Error): void {
    if (state === this.state) return;
    this.state = state;
    this.emit('state', { state, error } satisfies RedisStateEvent);
  }

  durability(): StoreDurability {
    return this.current;
  }

  /** Reads the server's persistence settings; emits 'durability' with the result. */
  async checkDurability(): Promise<StoreDurability> {
    try {
      const [appendonly, appendfsync] = await Promise.all([this.client.config('GET', 'appendonly'), this.client.config('GET', 'appendfsync')]);
      const on = (appendonly as string[])[1];
      const fsync = (appendfsync as string[])[1];
      this.current =
        on === 'yes' && fsync === 'always'
          ? { durable: true, detail: `Redis at ${this.label} writes durably (appendonly yes, appendfsync always): a write is on disk before it is acknowledged.` }
          : {
              durable: false,
              detail: `Redis at ${this.label} does not write durably (appendonly ${on}, appendfsync ${fsync}): acknowledged writes can be lost if the server stops; set appendonly yes and appendfsync always.`,
            };
    } catch (err) {
      this.current = { durable: undefined, detail: `cannot read the persistence settings of Redis at ${this.label} (CONFIG GET: ${(err as Error).message}).` };
    }
    this.emit('durability', this.current);
    return this.current;
  }

  /** Throws a sentence when durable writes are required and the server is not known to make them. */
  async assertDurable(): Promise<void> {
    if (!this.requireDurable || this.current.durable === true) return;
    if (this.checking) await this.checking;
    else if (this.current.durable === undefined) {
      // Not connected yet: wait (bounded) for the first check rather than refuse the first writes.
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.off('durability', done);
          resolve();
        };
        const timer = setTimeout(done, this.connectTimeoutMs);
        this.on('durability', done);
      });
    }
    // Re-read: the check above may have changed it.
    const now = this.durability();
    if (now.durable !== true) {
      throw new Error(`${now.detail.replace(/\.$/, '')}; "require durable writes" is on, so nothing is written.`);
    }
  }

  /** Every key of this bridge: prefix + parts joined by ':'. */
  key(...parts: string[]): string {
    return this.keyPrefix + parts.join(':');
  }

  /** Quits politely when connected (pending replies still arrive), else just drops the socket. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.client.status === 'ready') {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([this.client.quit().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, 2000)))]);
        clearTimeout(timer);
      }
      // Not again once ended: ioredis would arm a 2 s timer for a socket already closed.
      if (this.client.status !== 'end') this.client.disconnect();
    })();
    return this.closing;
  }
}
