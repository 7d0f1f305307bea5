// MES reconciliation in Prometheus text, per mes-reconcile node: the differences of its last run by kind, whether
// the run read the MES, when it ran, and the runs, failures and re-sent orders since the node started.
import type { ReconcileDesk } from '../../nodes/lib/plan-sync/registry';

const label = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export interface ReconcileFigures {
  node: string;
  name: string;
  ledger: string;
  lastOk?: boolean;
  lastRunAt?: number;
  differences?: { missing: number; unknown: number; revision: number; state: number };
  runs: number;
  failures: number;
  resent: number;
}

export function reconcileFigures(desks: readonly ReconcileDesk[]): ReconcileFigures[] {
  return desks.map((d) => {
    const last = d.last();
    return {
      node: d.nodeId,
      name: d.label,
      ledger: d.ledger,
      ...d.totals(),
      ...(last && { lastOk: last.ok, lastRunAt: Date.parse(last.checkedAt), ...(last.ok && { differences: last.counts }) }),
    };
  });
}

export function reconcileLines(figures: readonly ReconcileFigures[]): string[] {
  if (figures.length === 0) return [];
  const labels = (f: ReconcileFigures) => `node="${label(f.node)}",name="${label(f.name)}",ledger="${label(f.ledger)}"`;
  const lines: string[] = ['# HELP erp_mes_reconcile_differences Differences between the MES and its order ledger at the last reconciliation, by kind.', '# TYPE erp_mes_reconcile_differences gauge'];
  for (const f of figures) {
    if (!f.differences) continue;
    for (const [kind, n] of Object.entries(f.differences)) lines.push(`erp_mes_reconcile_differences{${labels(f)},kind="${kind}"} ${n}`);
  }
  const series: Array<[name: string, type: 'gauge' | 'counter', help: string, value: (f: ReconcileFigures) => number | undefined]> = [
    ['erp_mes_reconcile_last_ok', 'gauge', 'The last reconciliation read the MES and the ledger (1) or failed (0).', (f) => (f.lastOk === undefined ? undefined : f.lastOk ? 1 : 0)],
    ['erp_mes_reconcile_last_run_timestamp_seconds', 'gauge', 'When the last reconciliation ran (Unix time).', (f) => (f.lastRunAt === undefined ? undefined : f.lastRunAt / 1000)],
    ['erp_mes_reconcile_runs_total', 'counter', 'Reconciliations run since the node started.', (f) => f.runs],
    ['erp_mes_reconcile_failures_total', 'counter', 'Reconciliations that could not read the MES or the ledger.', (f) => f.failures],
    ['erp_mes_reconcile_resent_total', 'counter', 'Orders re-sent to the MES from the ledger.', (f) => f.resent],
  ];
  for (const [name, type, help, value] of series) {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const f of figures) {
      const v = value(f);
      if (v !== undefined) lines.push(`${name}{${labels(f)}} ${v}`);
    }
  }
  return lines;
}
