// One step at a time: a workflow node's messages, timer ticks and REST decisions all change one book and
// must not interleave across their awaits (persist, audit, enqueue), or "exactly one decision" would not hold.
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(step: () => Promise<T>): Promise<T> {
    const result = this.tail.then(step);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves when everything queued so far has finished. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}
