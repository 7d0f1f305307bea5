// Items read back from a store carry their payload as the stored JSON text; the parsed value is made only when
// something reads `payload`. Delivering to an ERP sends the text as it is, so an item on its way through the
// outbox is parsed never (it used to be parsed on every take and serialised again for the HTTP body). Copy such
// an item with withStoredPayload again, not with a spread: a spread reads (so parses) the payload.
import type { OutboxItem } from './types';

/** The item with `payloadJson` set and `payload` parsed from it on first read (an own, enumerable property). */
export function withStoredPayload<T extends Partial<Omit<OutboxItem, 'payload' | 'payloadJson'>>>(fields: T, json: string): T & { payload: unknown; payloadJson: string } {
  const item = fields as T & { payload: unknown; payloadJson: string };
  item.payloadJson = json;
  Object.defineProperty(item, 'payload', {
    enumerable: true,
    configurable: true,
    get() {
      const value: unknown = JSON.parse(json);
      Object.defineProperty(item, 'payload', { value, enumerable: true, configurable: true, writable: true });
      return value;
    },
    set(value: unknown) {
      Object.defineProperty(item, 'payload', { value, enumerable: true, configurable: true, writable: true });
    },
  });
  return item;
}
