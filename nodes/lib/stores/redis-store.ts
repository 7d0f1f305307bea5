// Key-value state in Redis: one hash per namespace under the bridge's key prefix, values as JSON. Several
// Node-RED instances sharing the Redis see the same watermarks and workflow state.
import type { RedisConnection } from './redis-connection';
import type { KeyValueStore } from './store';

export class RedisStore implements KeyValueStore {
  private closed = false;

  /** The connection belongs to the caller (the bridge-store node), which closes it. */
  constructor(private readonly connection: RedisConnection) {}

  private hash(namespace: string): string {
    this.check();
    return this.connection.key('kv', namespace);
  }

  private check(): void {
    if (this.closed) throw new Error(`bridge store ${this.connection.label} is closed`);
  }

  async get<T>(namespace: string, key: string): Promise<T | undefined> {
    const value = await this.connection.client.hget(this.hash(namespace), key);
    return value === null ? undefined : (JSON.parse(value) as T);
  }

  async getMany<T>(namespace: string, keys: string[]): Promise<Map<string, T>> {
    const found = new Map<string, T>();
    if (keys.length === 0) return found;
    const values = await this.connection.client.hmget(this.hash(namespace), ...keys);
    keys.forEach((key, i) => {
      const value = values[i];
      if (value !== null && value !== undefined) found.set(key, JSON.parse(value) as T);
    });
    return found;
  }

  async put(namespace: string, key: string, value: unknown): Promise<void> {
    await this.putMany(namespace, [[key, value]]);
  }

  /** All entries in one MULTI/EXEC: another instance never sees half of them. */
  async putMany(namespace: string, entries: Array<[string, unknown]>): Promise<void> {
    const hash = this.hash(namespace);
    if (entries.length === 0) return;
    // Serialised now, before any wait: the caller may change its objects once the call returns.
    const fields = entries.flatMap(([key, value]) => [key, JSON.stringify(value)]);
    await this.connection.assertDurable();
    const results = await this.connection.client
      .multi()
      .hset(hash, ...fields)
      .exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw new Error(`Redis at ${this.connection.label} did not store ${entries.length} value(s) in '${namespace}': ${failed?.[0]?.message ?? 'the transaction was aborted'}.`);
  }

  async delete(namespace: string, key: string): Promise<void> {
    const hash = this.hash(namespace);
    await this.connection.assertDurable();
    await this.connection.client.hdel(hash, key);
  }

  async keys(namespace: string): Promise<string[]> {
    return (await this.connection.client.hkeys(this.hash(namespace))).sort();
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
