// How deep and how big a value that came off a socket is, measured without recursion: a message nested
// thousands deep must be refused by this check, not crash the process in the next recursive walk (a deep
// clone, a JSON.stringify). The walk stops as soon as a limit is passed, so a hostile value costs little.

export interface PacketLimits {
  /** Deepest nesting of arrays and objects allowed (a flat object is depth 1). */
  maxDepth: number;
  /** Rough size allowed: characters of every string and key, plus 8 for every value. */
  maxBytes: number;
}

/** A sentence naming the limit a value passes, or undefined when it is within both. */
export function packetShapeProblem(value: unknown, limits: PacketLimits): string | undefined {
  const tooBig = `The message is larger than ${limits.maxBytes} bytes and was refused.`;
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  let bytes = 8;
  while (stack.length > 0) {
    const { value: v, depth } = stack.pop()!;
    if (typeof v === 'string') bytes += v.length;
    else if (typeof v === 'object' && v !== null) {
      const inner = depth + 1;
      if (inner > limits.maxDepth) return `The message is nested deeper than ${limits.maxDepth} levels and was refused.`;
      if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) bytes += v.byteLength;
      else if (Array.isArray(v)) {
        // Counted as they are pushed, so a very wide array stops the walk before it is all on the stack.
        for (const item of v) {
          bytes += 8;
          if (bytes > limits.maxBytes) return tooBig;
          stack.push({ value: item, depth: inner });
        }
      } else {
        for (const key of Object.keys(v)) {
          bytes += 8 + key.length;
          if (bytes > limits.maxBytes) return tooBig;
          stack.push({ value: (v as Record<string, unknown>)[key], depth: inner });
        }
      }
    }
    if (bytes > limits.maxBytes) return tooBig;
  }
  return undefined;
}
