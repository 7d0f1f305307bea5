// A lease lock in Redis, so that one poller per source runs across replicas: whoever holds the lease polls;
// the others try again later. The lease expires by itself when its holder dies; renew and release only act
// while the token still matches, so a holder whose lease already passed to another never frees that one.
//
// The token is the fencing token: "<replica>#<epoch>", the epoch counted up in Redis on every acquisition, so
// two holders of one lease never share a token. Writes fenced by it (redis-fenced-store.ts) check it in the
// same script as the write: a replica that stalled past its lease cannot commit after the next one took over.
// Every key is passed to the scripts (KEYS), never built inside them: Redis Cluster accepts them when the key
// prefix is a hash tag (README, "Redis Cluster").
import { randomBytes } from 'node:crypto';
import type { RedisConnection } from './redis-connection';

export interface Lease {
  /** The lease's Redis key. */
  key: string;
  /** This holder's fencing token; proves ownership to renew, release and write. */
  token: string;
  /** How many times this lease was acquired so far (by anyone), this acquisition included. */
  epoch: number;
}

export interface LeaseHolding {
  /** The replica named in the holder's token (undefined when nobody holds the lease). */
  holder?: string;
  epoch?: number;
  /** Milliseconds until it expires unless renewed. */
  expiresInMs?: number;
}

// KEYS: lease, epoch counter. ARGV: holder, ttl ms. {1, token} when taken, {0, current token} when held by another.
const ACQUIRE = `
local current = redis.call('GET', KEYS[1])
if current then return {0, current} end
local epoch = redis.call('INCR', KEYS[2])
local token = ARGV[1] .. '#' .. epoch
redis.call('SET', KEYS[1], token, 'PX', ARGV[2])
return {1, token}`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

// KEYS: lease, claim. ARGV: token, ttl ms. Claimed (1) only while the token holds the lease, and unless a holder of
// the same or a later epoch claimed it already (a claim of an earlier holder that died before it was done is taken over).
const CLAIM = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local by = redis.call('GET', KEYS[2])
if by and by ~= ARGV[1] and tonumber(string.match(by, '#(%d+)$') or '0') >= tonumber(string.match(ARGV[1], '#(%d+)$') or '0') then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return 1`;

/** "replica-1#7" → { holder: 'replica-1', epoch: 7 }. */
export function parseLeaseToken(token: string): { holder: string; epoch: number } {
  const at = token.lastIndexOf('#');
  return at < 0 ? { holder: token, epoch: 0 } : { holder: token.slice(0, at), epoch: Number(token.slice(at + 1)) };
}

export class LeaseLock {
  constructor(private readonly connection: RedisConnection) {}

  /** The Redis key of the lease `name` (for fenced writes and listings). */
  keyOf(name: string): string {
    return this.connection.key('lease', name);
  }

  /** The lease named `name` for ttlMs, or undefined when someone else holds it. `holder` names this replica. */
  async acquire(name: string, ttlMs: number, holder = randomBytes(8).toString('hex')): Promise<Lease | undefined> {
    const key = this.keyOf(name);
    const [taken, token] = (await this.connection.client.eval(ACQUIRE, 2, key, this.connection.key('lease-epoch', name), holder, ttlMs)) as [number, string];
    return taken === 1 ? { key, token, epoch: parseLeaseToken(token).epoch } : undefined;
  }

  /** Who holds the lease `name` now, and for how long still. */
  async holding(name: string): Promise<LeaseHolding> {
    const key = this.keyOf(name);
    const [token, ttl] = (await this.connection.client.multi().get(key).pttl(key).exec())!.map(([, v]) => v) as [string | null, number];
    return token === null ? {} : { ...parseLeaseToken(token), expiresInMs: ttl };
  }

  /** Extends the lease to ttlMs from now; false when it was lost (expired, or taken by another). */
  async renew(lease: Lease, ttlMs: number): Promise<boolean> {
    return (await this.connection.client.eval(RENEW, 1, lease.key, lease.token, ttlMs)) === 1;
  }

  /**
   * Claims `what` (a deadline: "escalation/n1@2026-…Z") for the holder of `lease`, atomically with the check that
   * it still holds it: true means fire it, false means another holder fired or fires it.
   */
  async claim(lease: Lease, what: string, ttlMs: number): Promise<boolean> {
    return (await this.connection.client.eval(CLAIM, 2, lease.key, this.connection.key('claim', what), lease.token, ttlMs)) === 1;
  }

  /** Gives the lease up; false when it was no longer this holder's. */
  async release(lease: Lease): Promise<boolean> {
    return (await this.connection.client.eval(RELEASE, 1, lease.key, lease.token)) === 1;
  }
}
