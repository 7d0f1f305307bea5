// The flows' HTTP endpoints (http in nodes: /mes/* and any other) answer 503 with Retry-After and a JSON body
// until the flows run. Before, a request during start-up found no route and got Express's 404, which a MES may
// take as "this endpoint does not exist" and drop the report; 503 says "not now, come back".
import type { RequestHandler } from 'express';

export type FlowsState = 'starting' | 'started' | 'stopped' | 'stopping';

export interface FlowsReadinessOptions {
  /** Seconds the client is told to wait (Retry-After), default 2. */
  retryAfterSec?: number;
  /**
   * True while a deploy restarts the flows (deploy-gate.ts): Node-RED reports the flows 'stop'ped then, but the
   * gate holds the request until they are back, which is better than sending the MES away.
   */
  restarting?: () => boolean;
}

const WHY: Record<Exclude<FlowsState, 'started'>, string> = {
  starting: 'The flows are starting; this endpoint answers once they run.',
  stopped: 'The flows are stopped (see the server log or the editor); this endpoint answers once they run again.',
  stopping: 'The server is stopping; post again to this or another instance.',
};

export function flowsReadiness(state: () => FlowsState, options: FlowsReadinessOptions = {}): RequestHandler {
  const retryAfter = String(options.retryAfterSec ?? 2);
  return (_req, res, next) => {
    const now = state();
    if (now === 'started' || (now === 'stopped' && options.restarting?.())) return next();
    res.status(503).set('Retry-After', retryAfter).json({ error: WHY[now], flows: now });
  };
}
