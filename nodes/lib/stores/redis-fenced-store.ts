// The key-value store seen through a lease: reads as usual, but every write is one script that first checks
// that the lease still holds this replica's fencing token, and writes only then. A poller that stalled (a long
// GC, a frozen VM) while its lease expired and passed to another replica therefore cannot move the watermark,
// the delivered map or the MES ledger behind the new holder's back: its write is refused, nothing of it lands.
// Keys are passed as KEYS (lease, hash), so the script runs on Redis Cluster with a hash-tagged key prefix.
import type { Lease } from './redis-lease';
import type { RedisConnection } from './redis-connection';
import type { RedisStore } from './redis-store';
import type { KeyValueStore } from './store';

export const LEASE_LOST = 'LEASE_LOST';

/** A write refused because this replica no longer holds the lease it was made under. */
export class LeaseLostError extends Error {
  readonly code = LEASE_LOST;
  constructor(message: string) {
    super(message);
    this.name = 'LeaseLostError';
  }
}

export function isLeaseLost(err: unknown): boolean {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  return e?.code === LEASE_LOST || e?.cause?.code === LEASE_LOST;
}

// KEYS: lease, hash. ARGV: token, then field, value, field, value… A non-matching token writes nothing.
const FENCED_HSET = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
return 1`;
// KEYS: lease, hash. ARGV: token, field.
const FENCED_HDEL = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[2], ARGV[2])
return 1`;

export class FencedRedisStore implements KeyValueStore {
  constructor(
    private readonly plain: RedisStore,
    private readonly connection: RedisConnection,
    /** The lease this replica holds now, or undefined when it holds none. */
    private readonly lease: () => Lease | undefined,
    /** The lease's name, for messages. */
    private readonly leaseName: string,
  ) {}

  get<T>(namespace: string, key: string): Promise<T | undefined> {
    return this.plain.get<T>(namespace, key);
  }

  getMany<T>(namespace: string, keys: string[]): Promise<Map<string, T>> {
    return this.plain.getMany<T>(namespace, keys);
  }

  keys(namespace: string): Promise<string[]> {
    return this.plain.keys(namespace);
  }

  put(namespace: string, key: string, value: unknown): Promise<void> {
    return this.putMany(namespace, [[key, value]]);
  }

  async putMany(namespace: string, entries: Array<[string, unknown]>): Promise<void> {
    if (entries.length === 0) return;
    const fields = entries.flatMap(([key, value]) => [key, JSON.stringify(value)]);
    await this.fencedWrite(FENCED_HSET, namespace, fields, `${entries.length} value(s)`);
  }

  async delete(namespace: string, key: string): Promise<void> {
    await this.fencedWrite(FENCED_HDEL, namespace, [key], `the deletion of '${key}'`);
  }

  private async fencedWrite(script: string, namespace: string, args: string[], what: string): Promise<void> {
    const lease = this.lease();
    const refused = () => new LeaseLostError(`This replica no longer holds the lease '${this.leaseName}' (another replica took it over), so ${what} in '${namespace}' were not written.`);
    if (!lease) throw refused();
    await this.connection.assertDurable();
    const written = await this.connection.client.eval(script, 2, lease.key, this.connection.key('kv', namespace), lease.token, ...args);
    if (written !== 1) throw refused();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
