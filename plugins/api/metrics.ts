// Prometheus metrics for the bridge: messages sent and errors logged, per node type.
// Counting is a map increment (it runs on every send); formatting is pure and done per scrape.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { AuditWatchFigures } from '../../nodes/lib/audit/watch';
import type { LeaseState } from '../../nodes/lib/stores/lease-keeper';
import { auditLines } from './audit-metrics';
import { reconcileLines, type ReconcileFigures } from './reconcile-metrics';

/** One outbox's figures, labelled by its ERP endpoint. */
export interface OutboxMetrics {
  outbox: string;
  endpoint: string;
  depth: number;
  oldestAgeSeconds?: number;
  delivered: number;
  retries: number;
  deadLettered: number;
  deadLetters: number;
}

/** One erp-order-fetch's parked list. */
export interface ParkedMetrics {
  node: string;
  name: string;
  parked: number;
}

export interface MetricsSnapshot {
  messagesByNodeType: ReadonlyMap<string, number>;
  outboxes?: readonly OutboxMetrics[];
  parked?: readonly ParkedMetrics[];
  /** The leases this replica keeps (one per source): which replica holds which. */
  leases?: readonly LeaseState[];
  /** One per bridge store whose audit chain is watched. */
  audit?: readonly AuditWatchFigures[];
  /** One per running mes-reconcile node. */
  reconcile?: readonly ReconcileFigures[];
  errorsByNodeType: ReadonlyMap<string, number>;
  residentMemoryBytes: number;
  eventLoopLagSeconds?: number;
}

/** Node-RED's log levels: fatal 10, error 20 (see @node-red/util log.js). */
const LOG_ERROR_LEVEL = 20;

/** What the runtime hands a logging handler. */
export interface RuntimeLogEvent {
  level: number;
  type?: string;
  msg?: unknown;
}

/** Node-RED's onSend hook receives an array of these. */
export interface SendEventLike {
  source?: { node?: { type?: string } };
}

export class BridgeMetrics {
  private readonly messages = new Map<string, number>();
  private readonly errors = new Map<string, number>();
  private loopDelay: IntervalHistogram | undefined;

  /** Starts sampling event-loop delay (a cheap libuv histogram). */
  startEventLoopMonitor(): void {
    if (this.loopDelay) return;
    this.loopDelay = monitorEventLoopDelay({ resolution: 20 });
    this.loopDelay.enable();
  }

  stop(): void {
    this.loopDelay?.disable();
    this.loopDelay = undefined;
  }

  countSends(events: readonly SendEventLike[]): void {
    for (const e of events) increment(this.messages, e.source?.node?.type ?? 'unknown');
  }

  countLogEvent(event: RuntimeLogEvent): void {
    if (event.level <= LOG_ERROR_LEVEL) increment(this.errors, event.type ?? 'runtime');
  }

  snapshot(): MetricsSnapshot {
    const lag = this.loopDelay && this.loopDelay.count > 0 ? this.loopDelay.mean / 1e9 : undefined;
    return {
      messagesByNodeType: new Map(this.messages),
      errorsByNodeType: new Map(this.errors),
      residentMemoryBytes: process.memoryUsage.rss(),
      ...(lag !== undefined ? { eventLoopLagSeconds: lag } : {}),
    };
  }
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function counterLines(name: string, help: string, counts: ReadonlyMap<string, number>): string[] {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} counter`];
  for (const [type, n] of [...counts.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`${name}{node_type="${escapeLabel(type)}"} ${n}`);
  }
  return lines;
}

/** Prometheus text exposition format 0.0.4. */
export function formatPrometheus(s: MetricsSnapshot): string {
  const lines = [
    '# HELP erp_mes_up 1 while the bridge server is running.',
    '# TYPE erp_mes_up gauge',
    'erp_mes_up 1',
    ...counterLines('erp_mes_messages_total', 'Messages sent by nodes, by node type.', s.messagesByNodeType),
    ...counterLines('erp_mes_errors_total', 'Errors logged by the runtime, by node type.', s.errorsByNodeType),
    '# HELP process_resident_memory_bytes Resident memory size in bytes.',
    '# TYPE process_resident_memory_bytes gauge',
    `process_resident_memory_bytes ${s.residentMemoryBytes}`,
  ];
  lines.push(...outboxLines(s.outboxes ?? []));
  if (s.parked && s.parked.length > 0) {
    lines.push('# HELP erp_mes_parked_orders ERP orders refused by validation or mapping, parked until they are delivered.', '# TYPE erp_mes_parked_orders gauge');
    for (const p of s.parked) lines.push(`erp_mes_parked_orders{node="${escapeLabel(p.node)}",name="${escapeLabel(p.name)}"} ${p.parked}`);
  }
  lines.push(...leaseLines(s.leases ?? []));
  lines.push(...auditLines(s.audit ?? []));
  lines.push(...reconcileLines(s.reconcile ?? []));
  if (s.eventLoopLagSeconds !== undefined) {
    lines.push('# HELP nodejs_eventloop_lag_seconds Mean event loop delay in seconds since start.', '# TYPE nodejs_eventloop_lag_seconds gauge', `nodejs_eventloop_lag_seconds ${s.eventLoopLagSeconds}`);
  }
  return lines.join('\n') + '\n';
}

function leaseLines(leases: readonly LeaseState[]): string[] {
  if (leases.length === 0) return [];
  const lines = ['# HELP erp_mes_lease_held 1 when this replica holds the lease of the source (it polls, fires its deadlines, computes its periods), else 0; holder names the replica that holds it.', '# TYPE erp_mes_lease_held gauge'];
  for (const l of leases) lines.push(`erp_mes_lease_held{lease="${escapeLabel(l.name)}",replica="${escapeLabel(l.replica)}",holder="${escapeLabel(l.holder ?? '')}"} ${l.held ? 1 : 0}`);
  lines.push("# HELP erp_mes_lease_epoch Fencing epoch of the source's lease as last seen (counts every change of holder).", '# TYPE erp_mes_lease_epoch gauge');
  for (const l of leases) lines.push(`erp_mes_lease_epoch{lease="${escapeLabel(l.name)}"} ${l.epoch ?? 0}`);
  lines.push('# HELP erp_mes_lease_acquisitions_total Times this replica took the lease of the source.', '# TYPE erp_mes_lease_acquisitions_total counter');
  for (const l of leases) lines.push(`erp_mes_lease_acquisitions_total{lease="${escapeLabel(l.name)}"} ${l.acquisitions}`);
  return lines;
}

function outboxLines(outboxes: readonly OutboxMetrics[]): string[] {
  const series: Array<[name: string, type: 'gauge' | 'counter', help: string, value: (o: OutboxMetrics) => number | undefined]> = [
    ['erp_mes_outbox_depth', 'gauge', 'Items waiting in the outbox for the ERP.', (o) => o.depth],
    ['erp_mes_outbox_oldest_age_seconds', 'gauge', 'Age of the oldest item waiting in the outbox.', (o) => o.oldestAgeSeconds ?? 0],
    ['erp_mes_outbox_delivered_total', 'counter', 'Items the ERP accepted.', (o) => o.delivered],
    ['erp_mes_outbox_retries_total', 'counter', 'Failed deliveries that will be tried again.', (o) => o.retries],
    ['erp_mes_outbox_dead_lettered_total', 'counter', 'Items moved to the dead letters.', (o) => o.deadLettered],
    ['erp_mes_outbox_dead_letters', 'gauge', 'Dead letters waiting to be replayed.', (o) => o.deadLetters],
  ];
  if (outboxes.length === 0) return [];
  const lines: string[] = [];
  for (const [name, type, help, value] of series) {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const o of outboxes) lines.push(`${name}{outbox="${escapeLabel(o.outbox)}",endpoint="${escapeLabel(o.endpoint)}"} ${value(o)}`);
  }
  return lines;
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
