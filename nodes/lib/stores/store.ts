// The durable state every node keeps in bridge-store: watermarks, delivered keys, later the outbox
// and workflow state. Stores are namespaced key→JSON maps; each implementation is durable on return.

export interface KeyValueStore {
  /** The value stored under key in namespace, or undefined. */
  get<T = unknown>(namespace: string, key: string): Promise<T | undefined>;
  /** Several keys at once; missing ones are absent from the map. */
  getMany<T = unknown>(namespace: string, keys: string[]): Promise<Map<string, T>>;
  /**
   * Writes all entries in one atomic step (all or nothing). The values are serialised during the call, so the
   * caller may change its objects as soon as it returns (the books hand over their live state, not copies).
   */
  putMany(namespace: string, entries: Array<[key: string, value: unknown]>): Promise<void>;
  put(namespace: string, key: string, value: unknown): Promise<void>;
  delete(namespace: string, key: string): Promise<void>;
  /** Every key of a namespace (for listings and tests). */
  keys(namespace: string): Promise<string[]>;
  close(): Promise<void>;
  /**
   * Stores that group commits (SQLite) call `fn` right before their next commit, so that a writer batching
   * its own writes (the audit log) joins the same commit instead of the next one. Absent elsewhere.
   */
  beforeCommit?(fn: () => void): void;
}
