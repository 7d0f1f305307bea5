// The parked list: ERP orders refused by validation, by the profile's mapping or further down the flow
// (an unmapped code), kept in bridge-store with their ERP key and reason until they are delivered. The
// watermark of a puller may pass a refused order only because this list holds it: a retry reads the ERP
// again from the earliest `readFrom` here.
import { createHash } from 'node:crypto';
import type { KeyValueStore } from '../stores/store';

/** Where an order was refused: the production-order schema, the profile's mapping, or a node after the puller. */
export type ParkedStage = 'validation' | 'mapping' | 'downstream';

export interface ParkedOrder {
  /** The ERP's key for the order (its order no where it has one). */
  key: string;
  orderNo?: string;
  revision?: number;
  reason: string;
  stage: ParkedStage;
  /** When it was (last) refused, ISO 8601. */
  parkedAt: string;
  /** The change time the puller read it from (inclusive); null = from the beginning. A retry rewinds to the earliest. */
  readFrom: string | null;
  /** Fingerprint of the profile, code tables and mapping it was refused under; a deploy that changes it retries. */
  configHash: string;
}

const namespace = (list: string) => `parked-orders/${list}`;

export class ParkedOrders {
  /** `list` names this puller's list (the node id). */
  constructor(
    private readonly store: KeyValueStore,
    readonly list: string,
  ) {}

  async all(): Promise<ParkedOrder[]> {
    const keys = await this.store.keys(namespace(this.list));
    const found = await this.store.getMany<ParkedOrder>(namespace(this.list), keys);
    return [...found.values()].sort((a, b) => a.parkedAt.localeCompare(b.parkedAt) || a.key.localeCompare(b.key));
  }

  async count(): Promise<number> {
    return (await this.store.keys(namespace(this.list))).length;
  }

  /** The entries among `keys` that are parked. */
  async find(keys: string[]): Promise<Map<string, ParkedOrder>> {
    return keys.length === 0 ? new Map() : this.store.getMany<ParkedOrder>(namespace(this.list), [...new Set(keys)]);
  }

  /** Parks (or re-parks, with the new reason and time) every entry in one atomic write. */
  async park(entries: ParkedOrder[]): Promise<void> {
    if (entries.length > 0)
      await this.store.putMany(
        namespace(this.list),
        entries.map((e) => [e.key, e]),
      );
  }

  async unpark(keys: Iterable<string>): Promise<void> {
    for (const key of new Set(keys)) await this.store.delete(namespace(this.list), key);
  }

  /** Where a retry of `entries` starts reading: the earliest readFrom (null = from the beginning). */
  static rewindPoint(entries: ParkedOrder[]): string | null {
    let earliest: string | undefined;
    for (const e of entries) {
      if (e.readFrom === null) return null;
      if (earliest === undefined || Date.parse(e.readFrom) < Date.parse(earliest)) earliest = e.readFrom;
    }
    return earliest ?? null;
  }
}

/**
 * The ERP's key of an item the puller could not turn into a production order: its order no, else the key
 * field of the ERP dialects we know (SAP ManufacturingOrder, ERPNext/Odoo name, Kingdee bill no-line seq, an id),
 * else a hash of the item (it still gets parked, and a complete retry clears it once it reads fine).
 */
export function erpKeyOf(item: unknown): string {
  const o = (item && typeof item === 'object' ? item : {}) as Record<string, unknown>;
  for (const field of ['orderNo', 'ManufacturingOrder', 'name']) {
    const value = o[field];
    if (typeof value === 'string' && value !== '') return value;
  }
  if (typeof o.FBillNo === 'string' && o.FBillNo !== '') return o.FTreeEntity_FSeq === undefined ? o.FBillNo : `${o.FBillNo}-${String(o.FTreeEntity_FSeq)}`;
  if (typeof o.id === 'number' || (typeof o.id === 'string' && o.id !== '')) return String(o.id);
  return `item:${createHash('sha1')
    .update(JSON.stringify(item) ?? 'undefined')
    .digest('hex')
    .slice(0, 16)}`;
}
