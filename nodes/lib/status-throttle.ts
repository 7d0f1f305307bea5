// A node's status under load: at most one update per interval, the latest one. A status is an event the runtime
// sends to every editor (and translates first); per message, at hundreds of messages a second, it cost more than
// some of the work it reported. The first update goes at once, later ones within the interval wait for its end,
// so what is shown is never older than the interval.
export interface StatusThrottle<T> {
  /** Shows `value` now, or as the latest one at the end of the current interval. */
  show(value: T): void;
  /** Drops a waiting update (on close). */
  cancel(): void;
}

export function statusThrottle<T>(apply: (value: T) => void, intervalMs = 500): StatusThrottle<T> {
  let timer: NodeJS.Timeout | undefined;
  let waiting: { value: T } | undefined;
  const open = () => {
    timer = setTimeout(() => {
      timer = undefined;
      if (!waiting) return;
      const { value } = waiting;
      waiting = undefined;
      apply(value);
      open();
    }, intervalMs);
  };
  return {
    show(value) {
      if (timer) {
        waiting = { value };
        return;
      }
      apply(value);
      open();
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
      waiting = undefined;
    },
  };
}
