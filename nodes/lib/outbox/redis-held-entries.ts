// What one worker holds of an outbox's stream (its pending entries), by id and by partition: a take looks at the
// partitions held, not at every entry held (a busy worker holds thousands).

/** Stream ids are "ms-seq": compare the numbers, not the strings. */
export function compareStreamIds(a: string, b: string): number {
  if (a === b) return 0;
  // Called on every take: no split() arrays.
  const ad = a.indexOf('-');
  const bd = b.indexOf('-');
  return Number(a.slice(0, ad)) - Number(b.slice(0, bd)) || Number(a.slice(ad + 1)) - Number(b.slice(bd + 1));
}

/** An entry this worker holds (it is in this consumer's pending list). */
export interface HeldEntry {
  id: string;
  partition: string;
  idempotencyKey: string;
  /** The payload as stored (JSON text): parsed only when a delivered item's payload is read (stored-payload.ts). */
  payloadJson: string;
  enqueuedAt: number;
}

/** One partition's entries in the order they were held; `ordered` while that is also id order. */
interface Group {
  entries: Map<string, HeldEntry>;
  ordered: boolean;
  last: string;
}

export class HeldEntries {
  private readonly byId = new Map<string, HeldEntry>();
  private readonly byPartition = new Map<string, Group>();

  get size(): number {
    return this.byId.size;
  }

  get(id: string): HeldEntry | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  ids(): IterableIterator<string> {
    return this.byId.keys();
  }

  set(entry: HeldEntry): void {
    if (this.byId.has(entry.id)) this.delete(entry.id);
    this.byId.set(entry.id, entry);
    const group = this.byPartition.get(entry.partition);
    if (!group) {
      this.byPartition.set(entry.partition, { entries: new Map([[entry.id, entry]]), ordered: true, last: entry.id });
      return;
    }
    // Appends and reads come in id order; a claim or a recovery may bring older ones.
    if (compareStreamIds(entry.id, group.last) < 0) group.ordered = false;
    group.entries.set(entry.id, entry);
    group.last = entry.id;
  }

  delete(id: string): boolean {
    const entry = this.byId.get(id);
    if (!entry) return false;
    this.byId.delete(id);
    const group = this.byPartition.get(entry.partition)!;
    group.entries.delete(id);
    if (group.entries.size === 0) this.byPartition.delete(entry.partition);
    return true;
  }

  clear(): void {
    this.byId.clear();
    this.byPartition.clear();
  }

  /** Each partition held and how many of its entries, in the order the partitions were first held. */
  *partitions(): IterableIterator<[partition: string, count: number]> {
    for (const [partition, group] of this.byPartition) yield [partition, group.entries.size];
  }

  /**
   * Lets go of the partition's entries before its queue's head (all of them when the queue is empty): another
   * worker claimed and settled them.
   */
  dropBefore(partition: string, headId: string | undefined): void {
    const group = this.byPartition.get(partition);
    if (!group) return;
    if (!group.ordered) {
      // Put in id order once, so the next takes stop at the first entry again.
      const sorted = [...group.entries.values()].sort((a, b) => compareStreamIds(a.id, b.id));
      group.entries = new Map(sorted.map((e) => [e.id, e]));
      group.ordered = true;
      group.last = sorted[sorted.length - 1].id;
    }
    const gone: string[] = [];
    for (const id of group.entries.keys()) {
      if (headId !== undefined && compareStreamIds(id, headId) >= 0) break;
      gone.push(id);
    }
    for (const id of gone) this.delete(id);
  }
}
