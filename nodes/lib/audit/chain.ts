// The chain: each entry's hash covers the previous entry's hash and the entry's own canonical JSON, so changing
// or removing any entry breaks every link after it. Keyed entries (with keyId) are HMAC-SHA256 under a key kept
// outside the store, so recomputing the chain after an edit needs the key; entries of the earlier, un-keyed
// chain (no keyId) are plain SHA-256, which anyone holding the store can recompute.
import { createHash, createHmac } from 'node:crypto';
import type { AuditKey } from './keys';
import type { AuditEntry } from './types';

/** prevHash of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every depth and no spaces: the same entry always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`${value} cannot be written to the audit log (numbers must be finite).`);
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The un-keyed (legacy) hash: sha256 hex of prevHash + canonical JSON of the entry without its hash. */
export function entryHash(entry: Omit<AuditEntry, 'hash'> | AuditEntry): string {
  const { hash: _hash, ...content } = entry as AuditEntry;
  return createHash('sha256').update(content.prevHash).update(canonicalJson(content)).digest('hex');
}

/** The keyed hash: HMAC-SHA256 hex under `key` of prevHash + canonical JSON of the entry (keyId included) without its hash. */
export function entryMac(entry: Omit<AuditEntry, 'hash'> | AuditEntry, key: AuditKey): string {
  const { hash: _hash, ...content } = entry as AuditEntry;
  return createHmac('sha256', key.secret).update(content.prevHash).update(canonicalJson(content)).digest('hex');
}
