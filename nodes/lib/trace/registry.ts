// The trace stores open in this process (one per trace-record node), so the server's GET /api/trace/:code finds
// them without knowing which nodes made them.
import type { TraceAnswer, TraceStore } from './types';

export interface TraceDesk {
  /** The node's id. */
  nodeId: string;
  /** The node's name, for messages. */
  label: string;
  store: TraceStore;
}

const open = new Map<string, TraceDesk>();

export function registerTraceDesk(desk: TraceDesk): void {
  open.set(desk.nodeId, desk);
}

export function unregisterTraceDesk(desk: TraceDesk): void {
  if (open.get(desk.nodeId) === desk) open.delete(desk.nodeId);
}

export function traceDesks(): TraceDesk[] {
  return [...open.values()];
}

/** The first answer any open trace store has for the code (stores on the same book answer alike). */
export async function traceAnywhere(code: string): Promise<TraceAnswer | undefined> {
  for (const desk of traceDesks()) {
    const answer = await desk.store.trace(code);
    if (answer) return answer;
  }
  return undefined;
}
