// A store that fails (Redis gone or too slow, SQLite locked or its disk full) is not the caller's fault: it is
// told apart from a refused input by its code, so a flow answers the MES 503 + Retry-After (try again) rather
// than 400 (your data is wrong, do not send it again).

export const STORE_UNAVAILABLE = 'STORE_UNAVAILABLE';

export class StoreUnavailableError extends Error {
  /** An own property: Node-RED copies `code` into msg.error for Catch nodes. */
  readonly code = STORE_UNAVAILABLE;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

export function isStoreUnavailable(err: unknown): err is StoreUnavailableError {
  return (err as { code?: unknown } | null)?.code === STORE_UNAVAILABLE;
}

/** The error as a StoreUnavailableError (unchanged when it is one, or a lost lease), its message a sentence naming the store. */
export function storeUnavailable(err: unknown, store: string): Error {
  // The store answered; a write refused by its fence (lease lost) is told as such (redis-fenced-store.ts).
  if (isStoreUnavailable(err) || (err as { code?: unknown } | null)?.code === 'LEASE_LOST') return err as Error;
  const said = (err as Error | null)?.message ?? String(err);
  return new StoreUnavailableError(`The ${store} did not answer: ${said.replace(/\.$/, '')}.`, { cause: err });
}

/**
 * The store with every failure of its methods (thrown or rejected) turned into a StoreUnavailableError. Inputs are
 * checked before they reach a store, so whatever fails in it is the store's state, not the data.
 */
export function guardStore<T extends object>(store: T, name: string): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || prop === 'constructor') return value;
      let fn = wrapped.get(prop);
      if (!fn) {
        fn = function (this: unknown, ...args: unknown[]) {
          let result: unknown;
          try {
            result = (value as (...a: unknown[]) => unknown).apply(this === receiver ? target : this, args);
          } catch (err) {
            throw storeUnavailable(err, name);
          }
          if (result instanceof Promise) return result.catch((err: unknown) => Promise.reject(storeUnavailable(err, name)));
          return result;
        };
        wrapped.set(prop, fn);
      }
      return fn;
    },
  });
}
