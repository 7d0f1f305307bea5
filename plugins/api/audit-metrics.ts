// The audit chains in Prometheus text: whether each is whole, how many entries verified / legacy / broken, when
// it was last verified and which entry was last exported as its head. Labelled by the store's name, not its path.
import type { AuditWatchFigures } from '../../nodes/lib/audit/watch';

const label = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function auditLines(chains: readonly AuditWatchFigures[]): string[] {
  if (chains.length === 0) return [];
  const series: Array<[name: string, help: string, value: (c: AuditWatchFigures) => number | undefined]> = [
    ['erp_mes_audit_chain_ok', 'The audit chain verified whole at the last check (1) or found broken (0).', (c) => (c.ok === undefined ? undefined : c.ok ? 1 : 0)],
    ['erp_mes_audit_entries_verified', 'Entries whose HMAC under the audit key and link held at the last check.', (c) => c.verified],
    ['erp_mes_audit_entries_legacy', 'Entries of the earlier un-keyed SHA-256 chain at the last check.', (c) => c.legacy],
    ['erp_mes_audit_entries_broken', 'Entries found altered, forged or out of the chain at the last check.', (c) => c.broken],
    ['erp_mes_audit_last_verification_timestamp_seconds', 'When the audit chain was last verified (Unix time).', (c) => (c.lastVerifiedAt === undefined ? undefined : c.lastVerifiedAt / 1000)],
    ['erp_mes_audit_exported_head_seq', 'The entry last exported as the chain head (log, ERP, audit-heads.json).', (c) => c.exportedSeq],
  ];
  const lines: string[] = [];
  for (const [name, help, value] of series) {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const c of chains) {
      const v = value(c);
      if (v !== undefined) lines.push(`${name}{store="${label(c.chain)}"} ${v}`);
    }
  }
  return lines;
}
