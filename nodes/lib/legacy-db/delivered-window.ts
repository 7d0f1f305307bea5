// A look-back poll re-reads the last N minutes below the committed watermark, to catch rows that a long
// ERP transaction committed late. This remembers which (key, watermark) pairs were already delivered in
// that window, so each of them goes out once; an updated row has a new watermark and goes out again.
import type { KeyValue, WatermarkValue } from './keyset';

export interface DeliveredWindowState {
  /** [watermark, key] pairs, oldest watermark first. */
  entries: Array<[WatermarkValue, KeyValue]>;
}

const datetimeText = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?$/;
const numberText = /^-?\d+(\.\d+)?$/;

/** Orders two watermark values the way the database does for datetime text and numbers (< 0, 0, > 0). */
export function compareWatermarks(a: WatermarkValue, b: WatermarkValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const ta = String(a).trim();
  const tb = String(b).trim();
  const da = datetimeText.exec(ta);
  const db = datetimeText.exec(tb);
  // "…:00.5" and "…:00.500000" are the same instant: compare with the fraction padded to 9 digits.
  if (da && db) {
    const norm = (m: RegExpExecArray) => `${m[1]} ${m[2]}.${(m[3] ?? '').padEnd(9, '0')}`;
    const na = norm(da);
    const nb = norm(db);
    return na < nb ? -1 : na > nb ? 1 : 0;
  }
  if (numberText.test(ta) && numberText.test(tb)) {
    const diff = Number(ta) - Number(tb);
    if (diff !== 0 || (Number.isSafeInteger(Number(ta)) && Number.isSafeInteger(Number(tb)))) return diff;
    // Beyond double precision (rowversion, bigint ids): compare as integers of equal length.
    if (ta.startsWith('-') !== tb.startsWith('-')) return ta.startsWith('-') ? -1 : 1;
    const [ia, fa = ''] = ta.replace('-', '').split('.');
    const [ib, fb = ''] = tb.replace('-', '').split('.');
    const width = Math.max(ia.length, ib.length);
    const fw = Math.max(fa.length, fb.length);
    const sa = ia.padStart(width, '0') + fa.padEnd(fw, '0');
    const sb = ib.padStart(width, '0') + fb.padEnd(fw, '0');
    const sign = ta.startsWith('-') ? -1 : 1;
    return sa === sb ? 0 : (sa < sb ? -1 : 1) * sign;
  }
  return ta < tb ? -1 : ta > tb ? 1 : 0;
}

function identity(key: KeyValue, watermark: WatermarkValue): string {
  const wm = String(watermark).trim();
  const dt = datetimeText.exec(wm);
  const normal = dt ? `${dt[1]} ${dt[2]}.${(dt[3] ?? '').padEnd(9, '0')}` : wm;
  return JSON.stringify([String(key), normal]);
}

export class DeliveredWindow {
  private readonly delivered = new Map<string, [WatermarkValue, KeyValue]>();

  /** Remembers that this row version (key at this watermark) was delivered. */
  add(key: KeyValue, watermark: WatermarkValue): void {
    this.delivered.set(identity(key, watermark), [watermark, key]);
  }

  /** True when this row version was already delivered: a look-back re-read drops it. */
  has(key: KeyValue, watermark: WatermarkValue): boolean {
    return this.delivered.has(identity(key, watermark));
  }

  /** Forgets row versions below the look-back's lower bound: the next poll does not read them again. */
  prune(lowestWatermark: WatermarkValue): number {
    let removed = 0;
    for (const [id, [wm]] of this.delivered) {
      if (compareWatermarks(wm, lowestWatermark) < 0) {
        this.delivered.delete(id);
        removed += 1;
      }
    }
    return removed;
  }

  get size(): number {
    return this.delivered.size;
  }

  /** For the bridge-store, next to the committed watermark. */
  toJSON(): DeliveredWindowState {
    const entries = [...this.delivered.values()].sort((x, y) => compareWatermarks(x[0], y[0]));
    return { entries: entries.map(([wm, key]) => [wm, key]) };
  }

  static fromJSON(state: unknown): DeliveredWindow {
    const window = new DeliveredWindow();
    if (state === undefined || state === null) return window;
    const entries = (state as DeliveredWindowState).entries;
    if (!Array.isArray(entries)) throw new Error('The stored delivered-row window has no entries list: it was not written by DeliveredWindow.toJSON.');
    entries.forEach((entry, i) => {
      const ok = Array.isArray(entry) && entry.length === 2 && entry.every((v) => typeof v === 'string' || typeof v === 'number');
      if (!ok) throw new Error(`The stored delivered-row window entry ${i} is not a [watermark, key] pair: ${JSON.stringify(entry)}.`);
      window.add(entry[1], entry[0]);
    });
    return window;
  }
}
