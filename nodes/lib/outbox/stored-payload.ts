// Items read back from a store carry their payload as the stored JSON text; the parsed value is made only when
// something reads `payload`. Delivering to an ERP sends the text as it is, so an item on its way through the
// outbox is parsed never (it used to be parsed on every take and serialised again for the HTTP body).
// The text is kept beside the item (a WeakMap), not on it: a copy ({...item, payload: other}) has none, so what
// is sent is always the payload the item now has. Once `payload` has been read (and might be changed in place),
// the text is let go too.
import type { OutboxItem } from './types';

const storedText = new WeakMap<object, string>();

/** The item with `payload` parsed from `json` on first read (an own, enumerable property). */
export function withStoredPayload<T extends object>(fields: T, json: string): T & { payload: unknown } {
  const item = fields as T & { payload: unknown };
  const settle = (value: unknown) => {
    storedText.delete(item);
    Object.defineProperty(item, 'payload', { value, enumerable: true, configurable: true, writable: true });
  };
  Object.defineProperty(item, 'payload', {
    enumerable: true,
    configurable: true,
    get() {
      const value: unknown = JSON.parse(json);
      settle(value);
      return value;
    },
    set: settle,
  });
  storedText.set(item, json);
  return item;
}

/** The stored text of an item read back from a store, while it is still its payload. */
export function storedPayloadJson(item: object): string | undefined {
  return storedText.get(item);
}

/** The item's payload as JSON text: the stored text when it is still the payload, else serialised now. */
export function payloadJson(item: Pick<OutboxItem, 'payload'>): string {
  return storedText.get(item) ?? JSON.stringify(item.payload);
}
