// A lease lock in Redis, so that one poller per table runs across replicas: whoever holds the lease polls;
// the others try again later. The lease expires by itself when its holder dies; renew and release only act
// while the token still matches, so a holder whose lease already passed to another never frees that one.
import { randomBytes } from 'node:crypto';
import type { RedisConnection } from './redis-connection';

export interface Lease {
  /** The lease's Redis key. */
  key: string;
  /** This holder's secret; proves ownership to renew and release. */
  token: string;
}

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export class LeaseLock {
  constructor(private readonly connection: RedisConnection) {}

  /** The lease named `name` for ttlMs, or undefined when someone else holds it. */
  async acquire(name: string, ttlMs: number): Promise<Lease | undefined> {
    const key = this.connection.key('lease', name);
    const token = randomBytes(16).toString('hex');
    const ok = await this.connection.client.set(key, token, 'PX', ttlMs, 'NX');
    return ok === 'OK' ? { key, token } : undefined;
  }

  /** Extends the lease to ttlMs from now; false when it was lost (expired, or taken by another). */
  async renew(lease: Lease, ttlMs: number): Promise<boolean> {
    return (await this.connection.client.eval(RENEW, 1, lease.key, lease.token, ttlMs)) === 1;
  }

  /** Gives the lease up; false when it was no longer this holder's. */
  async release(lease: Lease): Promise<boolean> {
    return (await this.connection.client.eval(RELEASE, 1, lease.key, lease.token)) === 1;
  }
}
