// GET /healthz (anonymous: a load balancer's probe; it says only whether the flows run) and GET /metrics
// (Prometheus; a METRICS_TOKEN bearer or an admin login, metrics-access.ts) on the admin app.
import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import { auditWatches } from '../../nodes/lib/audit/watch';
import { metricsAccess } from './metrics-access';
import { BridgeMetrics, formatPrometheus, PROMETHEUS_CONTENT_TYPE, type RuntimeLogEvent, type SendEventLike } from './metrics';
import { outboxFigures } from './outbox';
import { parkedFigures } from './plan-sync';
import { reconcileFigures } from './reconcile-metrics';
import { reconcileDeskList } from '../../nodes/lib/plan-sync/registry';
import { leaseStates } from '../../nodes/lib/stores/lease-registry';
import type { RedApp } from './red';

// A deploy stops and starts the flows too; /healthz stays 200 through it, as a probe must not drop the instance.
export type FlowsState = 'starting' | 'started' | 'stopped';

const METRICS_HOOK = 'onSend.erpMesBridgeMetrics';

/** Follows the runtime's flows and counts sends and logged errors; detach() undoes all of it. */
export function watchRuntime(red: RedApp): { metrics: BridgeMetrics; state(): FlowsState; detach(): void } {
  const metrics = new BridgeMetrics();
  let flowsState: FlowsState = 'starting';
  const onStarted = () => {
    flowsState = 'started';
  };
  // A runtime-state "stop" means the flows are not running (missing node types, stopped by an admin).
  const onRuntimeEvent = (event: { id?: string; payload?: { state?: string } }) => {
    if (event.id === 'runtime-state' && (event.payload?.state === 'stop' || event.payload?.state === 'safe')) flowsState = 'stopped';
  };
  const logs = new EventEmitter();
  logs.on('log', (event: RuntimeLogEvent) => metrics.countLogEvent(event));
  red.events.on('flows:started', onStarted);
  red.events.on('runtime-event', onRuntimeEvent);
  red.log.addHandler(logs);
  red.hooks.add(METRICS_HOOK, (events) => {
    metrics.countSends(events as SendEventLike[]);
  });
  metrics.startEventLoopMonitor();
  return {
    metrics,
    state: () => flowsState,
    detach() {
      red.events.off('flows:started', onStarted);
      red.events.off('runtime-event', onRuntimeEvent);
      red.log.removeHandler(logs);
      red.hooks.remove(METRICS_HOOK);
      metrics.stop();
    },
  };
}

export function mountHealthAndMetrics(red: RedApp, runtime: { metrics: BridgeMetrics; state(): FlowsState }): void {
  red.httpAdmin.get('/healthz', (_req: Request, res: Response) => {
    const state = runtime.state();
    if (state === 'started') res.json({ status: 'ok', flows: 'started' });
    else res.status(503).json({ status: state, flows: state });
  });
  red.httpAdmin.get('/metrics', metricsAccess(red, red.settings.erpMesBridge?.metricsToken), (_req: Request, res: Response) => {
    // Outbox figures come from the store; a store that does not answer leaves them out rather than the page.
    const audit = auditWatches().map((w) => w.figures());
    const base = { ...runtime.metrics.snapshot(), audit, parked: parkedFigures(), reconcile: reconcileFigures(reconcileDeskList()), leases: leaseStates() };
    outboxFigures().then(
      (outboxes) => res.type(PROMETHEUS_CONTENT_TYPE).send(formatPrometheus({ ...base, outboxes })),
      () => res.type(PROMETHEUS_CONTENT_TYPE).send(formatPrometheus(base)),
    );
  });
}
