// The idempotency key as it goes over the wire, for every outbox sender (Idempotency-Key header and the keys of
// a batch body alike, so the ERP sees one key for an item however it was sent). Keys come from event ids the MES
// chooses, and the schema lets those hold any text: a header can carry only visible ASCII, and a non-ASCII event
// id made an invalid header that dead-lettered the update and held up its order meanwhile.
// Keys of visible ASCII (no '%') go as they are; any other is percent-encoded as UTF-8 (reversible, still readable:
// "progress:WO-1:报工-7" → "progress:WO-1:%E6%8A%A5%E5%B7%A5-7"); one longer than an ERP takes keeps a readable
// start and ends in a SHA-256 of the whole key.
import { createHash } from 'node:crypto';

/** Longest key sent; the ERPs we speak to take 200 characters (e.g. the simulated one, Stripe-style APIs 255). */
export const MAX_WIRE_KEY_LENGTH = 200;

const PLAIN = /^[\x21-\x24\x26-\x7e]+$/;

export function wireIdempotencyKey(key: string): string {
  const encoded = PLAIN.test(key) ? key : encodeKey(key);
  if (encoded.length <= MAX_WIRE_KEY_LENGTH) return encoded;
  const digest = createHash('sha256').update(key, 'utf8').digest('hex');
  // Cut before a partial %XX so the readable start stays decodable.
  const start = encoded.slice(0, MAX_WIRE_KEY_LENGTH - digest.length - 1).replace(/%[0-9A-F]?$/, '');
  return `${start}~${digest}`;
}

/** Every byte outside visible ASCII, and '%' itself, as %XX of its UTF-8. */
function encodeKey(key: string): string {
  let out = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    out += byte > 0x20 && byte < 0x7f && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The key back from its wire form (not for keys that were cut and hashed). */
export function keyFromWire(wire: string): string {
  return wire.includes('%')
    ? Buffer.from(
        wire.replace(/%([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        'latin1',
      ).toString('utf8')
    : wire;
}
