// One worker's place in an outbox's consumer group: which stream entries it holds (its pending list), kept
// alive by a heartbeat so that no other worker claims them, read again after a lost reply, and handed over
// at once when it closes. Entries of workers that stopped renewing theirs are claimed (XAUTOCLAIM) after
// claimIdleMs. Which held entry may be delivered is the store's business (redis-outbox-store.ts).
// A working consumer takes its own appends as they are written (the append script reads them into its pending
// list, see holdAppended), so the stream is read with XREADGROUP only for entries nobody took that way: from
// other processes that were full or not delivering, replays, or a recovery.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { RedisConnection } from '../stores/redis-connection';
import { HeldEntries, type HeldEntry } from './redis-held-entries';
import type { OutboxScripts } from './redis-outbox-scripts';

export const GROUP = 'delivery';

/** This worker's view of one outbox. */
interface OutboxWork {
  held: HeldEntries;
  groupReady: boolean;
  lastClaimAt: number;
  /**
   * The pending list may hold entries this worker does not know: a read whose reply was lost when the
   * connection dropped (ioredis sends it again, and the second read gets the next entries). Read it again.
   */
  recover: boolean;
  /** The stream may hold entries no worker has read: read it on the next refresh, not only every readEveryMs. */
  unread: boolean;
  lastReadAt: number;
}

export type StreamEntries = Array<[id: string, fields: string[] | null]>;

/** A stream entry as the append script wrote it (p, k, d, t); undefined for an entry deleted meanwhile. */
export function entryOf(id: string, fields: string[] | null): HeldEntry | undefined {
  if (!fields) return undefined;
  const f: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) f[fields[i]] = fields[i + 1];
  return { id, partition: f.p, idempotencyKey: f.k, enqueuedAt: Number(f.t), payloadJson: f.d };
}

export interface GroupConsumerOptions {
  /** This worker's name in the consumer group; unique per process by default. */
  consumer?: string;
  /** Entries a worker has not renewed for this long are claimed by another (its owner is taken as dead), ms. */
  claimIdleMs?: number;
  /**
   * Entries a worker holds at most, read or appended by it (default 10,000: their payload texts stay in memory,
   * ~15 MB of 1.5 KB updates). Past it, its appends are left in the stream, read back later or by other workers.
   */
  readAhead?: number;
  /** How often the stream is read for entries nobody took when nothing says there are some, ms. */
  readEveryMs?: number;
}

export class GroupConsumer {
  readonly name: string;
  private readonly claimIdleMs: number;
  private readonly readAhead: number;
  private readonly readEveryMs: number;
  private readonly work = new Map<string, OutboxWork>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly connection: RedisConnection,
    private readonly scripts: OutboxScripts,
    private readonly streamOf: (outbox: string) => string,
    options: GroupConsumerOptions = {},
  ) {
    this.name = options.consumer ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.claimIdleMs = options.claimIdleMs ?? 30_000;
    this.readAhead = options.readAhead ?? 10_000;
    this.readEveryMs = options.readEveryMs ?? 250;
    connection.on('state', this.onLinkState);
    // Renew what this worker holds well within claimIdleMs, even while every delivery is slow.
    this.heartbeat = setInterval(() => void this.touchAll(0).catch(() => undefined), Math.max(50, Math.floor(this.claimIdleMs / 3)));
  }

  /** After a reconnection, replies lost with the old connection may have left entries this worker does not know. */
  private readonly onLinkState = ({ state }: { state: string }) => {
    if (state === 'connected') for (const work of this.work.values()) work.recover = true;
  };

  /**
   * The entries this worker holds of the outbox, after reading back lost ones, claiming those of dead workers
   * (every claimIdleMs / 3) and reading new ones up to readAhead. The map is live: forget() removes from it.
   */
  async refresh(outbox: string): Promise<HeldEntries> {
    const work = await this.workOf(outbox);
    try {
      await this.refreshWork(outbox, work);
    } catch (err) {
      // The group has gone (a Redis that lost its data): make it again, once.
      if (!/NOGROUP/.test((err as Error).message)) throw err;
      work.groupReady = false;
      work.held.clear();
      work.recover = true;
      work.unread = true;
      await this.refreshWork(outbox, await this.workOf(outbox));
    }
    return work.held;
  }

  /**
   * How many of its own new entries an append may read into this consumer now: none before this worker has
   * started on the outbox (a process that only appends leaves them to the workers), else up to readAhead.
   */
  room(outbox: string): number {
    const work = this.work.get(outbox);
    return work?.groupReady ? Math.max(0, this.readAhead - work.held.size) : 0;
  }

  /**
   * Entries an append read into this consumer: its own (fields known, payload text from memory) and any older
   * ones nobody had read (fields from the reply). `left` new entries stayed unread for a later refresh.
   */
  holdAppended(outbox: string, own: readonly HeldEntry[], others: StreamEntries, left: number): void {
    const work = this.work.get(outbox);
    if (!work) return;
    for (const entry of own) work.held.set(entry);
    this.hold(work, others);
    if (left > 0) work.unread = true;
  }

  /** Something appended entries without holding them (a replay): read the stream on the next refresh. */
  expectUnread(outbox: string): void {
    const work = this.work.get(outbox);
    if (work) work.unread = true;
  }

  /** Entries settled (by this worker or, after a claim, another): no longer held. */
  forget(outbox: string, ids: Iterable<string>): void {
    const held = this.work.get(outbox)?.held;
    if (held) for (const id of ids) held.delete(id);
  }

  /** Hands everything held over to the other workers at once (no claim timeout for them to wait). */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.connection.off('state', this.onLinkState);
    if (this.connection.client.status === 'ready') await this.touchAll(this.claimIdleMs + 1).catch(() => undefined);
    this.work.clear();
  }

  private async workOf(outbox: string): Promise<OutboxWork> {
    let work = this.work.get(outbox);
    if (!work) {
      work = { held: new HeldEntries(), groupReady: false, lastClaimAt: 0, recover: true, unread: true, lastReadAt: 0 };
      this.work.set(outbox, work);
    }
    if (!work.groupReady) {
      try {
        // From 0: entries appended before any worker existed are delivered too.
        await this.connection.client.xgroup('CREATE', this.streamOf(outbox), GROUP, '0', 'MKSTREAM');
      } catch (err) {
        if (!/BUSYGROUP/.test((err as Error).message)) throw err;
      }
      work.groupReady = true;
    }
    return work;
  }

  private async refreshWork(outbox: string, work: OutboxWork): Promise<void> {
    if (work.recover) {
      await this.readOwnPending(outbox, work);
      work.recover = false;
    }
    if (Date.now() - work.lastClaimAt >= this.claimIdleMs / 3) {
      work.lastClaimAt = Date.now();
      await this.claimFromDeadWorkers(outbox, work);
    }
    const room = this.readAhead - work.held.size;
    if (room > 0 && (work.unread || Date.now() - work.lastReadAt >= this.readEveryMs)) {
      work.unread = false;
      work.lastReadAt = Date.now();
      const read = (await this.connection.client.xreadgroup('GROUP', GROUP, this.name, 'COUNT', room, 'STREAMS', this.streamOf(outbox), '>')) as Array<[string, StreamEntries]> | null;
      const entries = read?.[0]?.[1] ?? [];
      this.hold(work, entries);
      // A full read may have left more behind.
      if (entries.length >= room) work.unread = true;
    }
  }

  /** Adds entries to what is held; answers the ids of entries deleted meanwhile. */
  private hold(work: OutboxWork, entries: StreamEntries): string[] {
    const gone: string[] = [];
    for (const [id, fields] of entries) {
      const entry = entryOf(id, fields);
      if (entry) work.held.set(entry);
      else gone.push(id);
    }
    return gone;
  }

  /** Reads this worker's whole pending list again; entries deleted meanwhile are acknowledged away. */
  private async readOwnPending(outbox: string, work: OutboxWork): Promise<void> {
    const client = this.connection.client;
    const stream = this.streamOf(outbox);
    for (let after = '0'; ;) {
      const read = (await client.xreadgroup('GROUP', GROUP, this.name, 'COUNT', 1000, 'STREAMS', stream, after)) as Array<[string, StreamEntries]> | null;
      const entries = read?.[0]?.[1] ?? [];
      const gone = this.hold(work, entries);
      if (gone.length > 0) await client.xack(stream, GROUP, ...gone);
      if (entries.length < 1000) return;
      after = entries[entries.length - 1][0];
    }
  }

  /** Claims entries of workers that stopped renewing them, and forgets workers long gone that hold nothing. */
  private async claimFromDeadWorkers(outbox: string, work: OutboxWork): Promise<void> {
    const stream = this.streamOf(outbox);
    let cursor = '0-0';
    for (let round = 0; round < 10; round++) {
      const [next, claimed] = (await this.connection.client.xautoclaim(stream, GROUP, this.name, this.claimIdleMs, cursor, 'COUNT', 500)) as [string, StreamEntries];
      this.hold(work, claimed);
      cursor = next;
      if (cursor === '0-0') break;
    }
    await this.scripts.bridgeOutboxForget(1, stream, GROUP, this.name, this.claimIdleMs * 10);
  }

  /** Renews (idle 0) or hands over (idle past claimIdleMs) everything this worker holds; drops what it lost. */
  private async touchAll(idleMs: number): Promise<void> {
    for (const [outbox, work] of this.work) {
      if (!work.groupReady) continue;
      const count = work.held.size + 100;
      const still = new Set((await this.scripts.bridgeOutboxTouch(1, this.streamOf(outbox), GROUP, this.name, count, idleMs)) as string[]);
      if (still.size < count) for (const id of [...work.held.ids()]) if (!still.has(id)) work.held.delete(id);
      for (const id of still) if (!work.held.has(id)) work.recover = true;
    }
  }
}
