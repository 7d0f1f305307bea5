// The outbox in Redis, for several Node-RED instances sharing one queue. A Stream per outbox with the
// consumer group 'delivery' decides which worker has which entry; a list per partition keeps the order, and
// only the worker holding a partition's head may deliver it, so order holds whoever holds what. A worker
// that dies stops renewing its entries; after claimIdleMs another worker claims them (XAUTOCLAIM) and goes on.
// Writes wait for the server's durability check when "require durable writes" is on (see RedisConnection).
import { randomUUID } from 'node:crypto';
import type { RedisConnection } from '../stores/redis-connection';
import { compareStreamIds } from './redis-held-entries';
import { entryOf, GROUP, GroupConsumer, type GroupConsumerOptions, type StreamEntries } from './redis-outbox-consumer';
import { outboxScripts, type OutboxScripts } from './redis-outbox-scripts';
import { withStoredPayload } from './stored-payload';
import type { DeadLetter, DeliveryFailure, NewOutboxItem, OutboxItem, OutboxStats, OutboxStore, StoreDurability, TakeRequest, TakeResult } from './types';

export { compareStreamIds } from './redis-held-entries';
export type RedisOutboxOptions = GroupConsumerOptions;

function parseTries(value: string): { attempts: number; nextAttemptAt: number; lastError?: string } {
  if (!value) return { attempts: 0, nextAttemptAt: 0 };
  const first = value.indexOf('\n');
  const second = value.indexOf('\n', first + 1);
  return { attempts: Number(value.slice(0, first)), nextAttemptAt: Number(value.slice(first + 1, second)), lastError: value.slice(second + 1) };
}

export class RedisOutboxStore implements OutboxStore {
  readonly kind = 'redis' as const;
  private readonly scripts: OutboxScripts;
  private readonly consumer: GroupConsumer;
  private closed = false;

  /** The connection belongs to the caller (the bridge-store node), which closes it after this store. */
  constructor(
    private readonly connection: RedisConnection,
    options: RedisOutboxOptions = {},
  ) {
    this.scripts = outboxScripts(connection.client);
    this.consumer = new GroupConsumer(connection, this.scripts, (outbox) => this.key(outbox, 'stream'), options);
  }

  /** This worker's name in the consumer groups. */
  get consumerName(): string {
    return this.consumer.name;
  }

  private key(outbox: string, ...parts: string[]): string {
    return this.connection.key('outbox', outbox, ...parts);
  }
  private queue(outbox: string, partition: string): string {
    return this.key(outbox, 'queue', partition);
  }
  private check(): void {
    if (this.closed) throw new Error(`the outbox in Redis at ${this.connection.label} is closed`);
  }

  async append(items: readonly NewOutboxItem[]): Promise<OutboxItem[]> {
    this.check();
    if (items.length === 0) return [];
    await this.connection.assertDurable();
    const now = Date.now();
    const entries = items.map((entry) => ({ ...entry, idempotencyKey: entry.idempotencyKey ?? randomUUID(), enqueuedAt: entry.enqueuedAt ?? now, payloadJson: entry.payloadJson ?? JSON.stringify(entry.payload) }));
    // One script per outbox named in the batch, all in one pipeline (usually there is just one).
    const byOutbox = new Map<string, number[]>();
    entries.forEach((e, i) => (byOutbox.get(e.outbox) ?? byOutbox.set(e.outbox, []).get(e.outbox)!).push(i));
    const pipeline = this.connection.client.pipeline();
    for (const [outbox, indexes] of byOutbox) {
      const room = this.consumer.room(outbox);
      const keys = [this.key(outbox, 'stream'), this.key(outbox, 'keys'), this.connection.key('outboxes'), ...indexes.map((i) => this.queue(outbox, entries[i].partition))];
      const args = [outbox, GROUP, this.consumer.name, room, ...indexes.flatMap((i) => [entries[i].partition, entries[i].idempotencyKey, entries[i].payloadJson, entries[i].enqueuedAt])];
      // Queued on the pipeline: its result comes from exec() below.
      void (pipeline as unknown as OutboxScripts).bridgeOutboxAppend(keys.length, ...keys, ...args);
    }
    const results = (await pipeline.exec()) ?? [];
    const ids: string[] = new Array(entries.length);
    [...byOutbox].forEach(([outbox, indexes], n) => {
      const [err, reply] = results[n] ?? [new Error('no reply')];
      if (err) throw new Error(`Redis at ${this.connection.label} did not store ${indexes.length} outbox item(s): ${err.message}.`);
      const [itemIds, held, others, added] = reply as [string[], string[], StreamEntries, number];
      indexes.forEach((i, j) => (ids[i] = itemIds[j]));
      if (added > 0 || others.length > 0)
        this.holdOwn(
          outbox,
          indexes.map((i) => [ids[i], entries[i]]),
          held,
          others,
          added - held.length,
        );
    });
    return entries.map((e, i) => ({ id: ids[i], outbox: e.outbox, partition: e.partition, idempotencyKey: e.idempotencyKey, payload: e.payload, enqueuedAt: e.enqueuedAt, attempts: 0, nextAttemptAt: 0 }));
  }

  /** What an append read into this consumer: its own new entries are held with the payload text it sent. */
  private holdOwn(outbox: string, appended: Array<[id: string, entry: NewOutboxItem & { payloadJson: string; idempotencyKey: string; enqueuedAt: number }]>, heldIds: string[], others: StreamEntries, left: number): void {
    const byId = new Map(appended);
    const own = heldIds.map((id) => {
      const e = byId.get(id)!;
      return { id, partition: e.partition, idempotencyKey: e.idempotencyKey, enqueuedAt: e.enqueuedAt, payloadJson: e.payloadJson };
    });
    this.consumer.holdAppended(outbox, own, others, left);
  }

  async take(outbox: string, request: TakeRequest): Promise<TakeResult> {
    this.check();
    const held = await this.consumer.refresh(outbox);

    // The partitions this worker holds something of, in the order it got them (oldest first, but for claims).
    const heldCounts = new Map<string, number>();
    for (const [partition, count] of held.partitions()) if (!request.busyPartitions.has(partition)) heldCounts.set(partition, count);
    const partitions = [...heldCounts.keys()];
    const items: OutboxItem[] = [];
    let nextDueAt: number | undefined;
    // Heads are looked up a slice at a time, so a take for a few items does not read every held partition.
    const slice = Math.max(64, request.limit * 2);
    for (let from = 0; from < partitions.length && items.length < request.limit; from += slice) {
      const some = partitions.slice(from, from + slice);
      const queues = some.map((p) => this.queue(outbox, p));
      // No more of a queue than this worker holds of it: a run only goes on through held entries.
      const counts = some.map((p) => Math.max(1, Math.min(request.perPartition, heldCounts.get(p)!)));
      const heads = (await this.scripts.bridgeOutboxHeads(1 + queues.length, this.key(outbox, 'tries'), ...queues, ...counts)) as string[][];
      some.forEach((partition, i) => {
        const row = heads[i] ?? [];
        const headId = row[0];
        // What this worker holds ahead of the head was settled by another worker that claimed it.
        held.dropBefore(partition, headId);
        if (headId === undefined || !held.has(headId) || items.length >= request.limit) return;
        const head = parseTries(row[1]);
        if (head.nextAttemptAt > request.now) {
          nextDueAt = Math.min(nextDueAt ?? Infinity, head.nextAttemptAt);
          return;
        }
        for (let j = 0; j < row.length && items.length < request.limit; j += 2) {
          const entry = held.get(row[j]);
          if (!entry) break;
          const tries = j === 0 ? head : parseTries(row[j + 1]);
          const { id, partition: p, idempotencyKey, enqueuedAt } = entry;
          const item: Omit<OutboxItem, 'payload'> = { id, outbox, partition: p, idempotencyKey, enqueuedAt, attempts: tries.attempts, nextAttemptAt: tries.nextAttemptAt };
          if (tries.lastError !== undefined) item.lastError = tries.lastError;
          items.push(withStoredPayload(item, entry.payloadJson));
        }
      });
    }
    return nextDueAt === undefined ? { items } : { items, nextDueAt };
  }

  async markDelivered(items: readonly OutboxItem[]): Promise<void> {
    this.check();
    const byOutbox = new Map<string, OutboxItem[]>();
    for (const item of items) (byOutbox.get(item.outbox) ?? byOutbox.set(item.outbox, []).get(item.outbox)!).push(item);
    for (const [outbox, batch] of byOutbox) {
      const keys = [this.key(outbox, 'stream'), this.key(outbox, 'tries'), this.key(outbox, 'keys'), this.key(outbox, 'counters'), ...batch.map((i) => this.queue(outbox, i.partition))];
      await this.scripts.bridgeOutboxDelivered(keys.length, ...keys, GROUP, ...batch.flatMap((i) => [i.id, i.idempotencyKey]));
      this.consumer.forget(
        outbox,
        batch.map((i) => i.id),
      );
    }
  }

  async markFailed(item: OutboxItem, failure: DeliveryFailure): Promise<void> {
    this.check();
    const o = item.outbox;
    await this.scripts.bridgeOutboxFailed(3, this.key(o, 'tries'), this.key(o, 'counters'), this.queue(o, item.partition), item.id, failure.nextAttemptAt, failure.error);
  }

  async deadLetter(item: OutboxItem, reason: string): Promise<void> {
    this.check();
    const o = item.outbox;
    const letter: DeadLetter = { ...item, reason, deadLetteredAt: Date.now() };
    await this.scripts.bridgeOutboxDeadLetter(5, this.key(o, 'stream'), this.key(o, 'tries'), this.key(o, 'dead'), this.key(o, 'counters'), this.queue(o, item.partition), GROUP, item.id, JSON.stringify(letter));
    this.consumer.forget(o, [item.id]);
  }

  async listDeadLetters(outbox: string, options: { partition?: string; limit?: number } = {}): Promise<DeadLetter[]> {
    this.check();
    const all = Object.values(await this.connection.client.hgetall(this.key(outbox, 'dead'))).map((json) => JSON.parse(json) as DeadLetter);
    const wanted = all.filter((d) => options.partition === undefined || d.partition === options.partition).sort((a, b) => compareStreamIds(a.id, b.id));
    return wanted.slice(0, options.limit ?? wanted.length);
  }

  async replayDeadLetters(outbox: string, ids?: readonly string[]): Promise<OutboxItem[]> {
    this.check();
    await this.connection.assertDurable();
    const letters = (await this.listDeadLetters(outbox)).filter((d) => !ids || ids.includes(d.id));
    if (letters.length === 0) return [];
    const keys = [this.key(outbox, 'stream'), this.key(outbox, 'dead'), this.key(outbox, 'keys'), ...letters.map((d) => this.queue(outbox, d.partition))];
    const args = letters.flatMap((d) => [d.id, d.partition, d.idempotencyKey, JSON.stringify(d.payload), d.enqueuedAt]);
    const pairs = (await this.scripts.bridgeOutboxReplay(keys.length, ...keys, ...args)) as string[];
    this.consumer.expectUnread(outbox);
    const newIds = new Map<string, string>();
    for (let i = 0; i < pairs.length; i += 2) newIds.set(pairs[i], pairs[i + 1]);
    return letters.filter((d) => newIds.has(d.id)).map((d) => ({ id: newIds.get(d.id)!, outbox, partition: d.partition, idempotencyKey: d.idempotencyKey, payload: d.payload, enqueuedAt: d.enqueuedAt, attempts: 0, nextAttemptAt: 0 }));
  }

  async stats(outbox: string): Promise<OutboxStats> {
    this.check();
    const results = (await this.connection.client.pipeline().xlen(this.key(outbox, 'stream')).xrange(this.key(outbox, 'stream'), '-', '+', 'COUNT', 1).hgetall(this.key(outbox, 'counters')).hlen(this.key(outbox, 'dead')).exec())!;
    const failed = results.find(([err]) => err);
    if (failed) throw new Error(`Redis at ${this.connection.label} did not answer the statistics of outbox '${outbox}': ${failed[0]!.message}.`);
    const [[, depth], [, first], [, counters], [, deadLetters]] = results as Array<[null, unknown]>;
    const oldest = entryOf(...((first as Array<[string, string[]]>)[0] ?? ['', null]));
    const count = counters as Record<string, string>;
    return {
      outbox,
      depth: depth as number,
      ...(oldest ? { oldestEnqueuedAt: oldest.enqueuedAt } : {}),
      delivered: Number(count.delivered ?? 0),
      retries: Number(count.retries ?? 0),
      deadLettered: Number(count.deadLettered ?? 0),
      deadLetters: deadLetters as number,
    };
  }

  async outboxes(): Promise<string[]> {
    this.check();
    return (await this.connection.client.smembers(this.connection.key('outboxes'))).sort();
  }

  durability(): StoreDurability {
    return this.connection.durability();
  }

  /** Hands what this worker holds over to the other workers at once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.consumer.close();
  }
}
