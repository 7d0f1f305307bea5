// What a workflow node does with its store's audit watch: a broken chain turns its status red and goes to its
// Catch nodes as an error naming the first bad entry (at start and at every scheduled check while it stays
// broken); a verified head that moved on is sent to the node's ERP through its outbox (the path, e.g.
// 'audit-heads'; empty = not sent), so a copy of the head lies outside the plant's reach.
import type { AuditVerdict } from '../audit/types';
import type { AuditWatch, HeadExport } from '../audit/watch';
import type { Outbox } from '../outbox/outbox';

/** The parts of a Node-RED node the alarm uses (lib code does not import Node-RED). */
export interface AlarmedNode {
  error(message: string, msg: { topic: string; payload: unknown; [key: string]: unknown }): void;
}

export interface AuditAlarm {
  /** The verdict while the chain is broken, else undefined (the node's status shows it first). */
  broken(): Extract<AuditVerdict, { ok: false }> | undefined;
  close(): void;
}

export function watchAuditChain(watch: AuditWatch, node: AlarmedNode, o: { outbox?: Outbox; path?: string; onChange(): void; sentence(verdict: Extract<AuditVerdict, { ok: false }>): string }): AuditAlarm {
  let broken: Extract<AuditVerdict, { ok: false }> | undefined;
  const path = o.path?.trim();
  const unsubscribe = watch.subscribe({
    verdict: (verdict) => {
      const was = broken;
      broken = verdict.ok ? undefined : verdict;
      if (broken) node.error(o.sentence(broken), { topic: 'audit-broken', payload: { store: watch.label, ...broken } });
      if (Boolean(was) !== Boolean(broken)) o.onChange();
    },
    ...(o.outbox &&
      path && {
        exportHead: (head: HeadExport) => o.outbox!.enqueue({ partition: 'audit-heads', idempotencyKey: `audit-head:${head.storeId}:${head.seq}`, payload: { path, body: head } }),
      }),
  });
  return { broken: () => broken, close: unsubscribe };
}
