// Holds the flows' HTTP endpoints (http in nodes) while a deploy restarts nodes. Node-RED answers a deploy
// before it has started the modified nodes again ("return the new revision asynchronously to the actual
// start"), and a message sent meanwhile to a node that is stopped or not yet started is dropped without a
// word: a MES post taken by an unchanged http in and code-map in that window reached no exception-escalation,
// so it was never answered. Requests arriving between 'flows:stopping' and 'flows:started' wait for the start
// (at most holdMs, then they go on as before), so they enter a flow whose nodes are all there.
import type { RequestHandler } from 'express';

interface RuntimeEvents {
  on(event: string, listener: () => void): unknown;
  off(event: string, listener: () => void): unknown;
}

export interface DeployGate {
  middleware: RequestHandler;
  /** True between a deploy's stop and the start of the flows. */
  readonly restarting: boolean;
  detach(): void;
}

export function deployGate(events: RuntimeEvents, options: { holdMs?: number } = {}): DeployGate {
  const holdMs = options.holdMs ?? 15_000;
  let started: Promise<void> | undefined;
  let open: (() => void) | undefined;
  const onStopping = () => {
    started ??= new Promise<void>((resolve) => (open = resolve));
  };
  const onStarted = () => {
    open?.();
    open = undefined;
    started = undefined;
  };
  events.on('flows:stopping', onStopping);
  events.on('flows:starting', onStopping);
  events.on('flows:started', onStarted);
  return {
    get restarting() {
      return started !== undefined;
    },
    middleware: (_req, _res, next) => {
      if (!started) return next();
      let timer: NodeJS.Timeout | undefined;
      void Promise.race([started, new Promise<void>((resolve) => (timer = setTimeout(resolve, holdMs)))]).then(() => {
        clearTimeout(timer);
        next();
      });
    },
    detach() {
      events.off('flows:stopping', onStopping);
      events.off('flows:starting', onStopping);
      events.off('flows:started', onStarted);
      onStarted();
    },
  };
}
