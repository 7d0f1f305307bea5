// The audit trail over REST: GET /api/audit lists entries each with its verification state (verified, legacy,
// broken, and the problem) and the verdict of each chain; GET /api/audit/verify checks every chain now, against
// the head exported last (a check found broken raises the nodes' alarm like a scheduled one).
import type { Request, RequestHandler, Response } from 'express';
import type { CheckedAuditEntry } from '../../nodes/lib/audit/log';
import type { AuditVerdict } from '../../nodes/lib/audit/types';
import { auditWatches } from '../../nodes/lib/audit/watch';
import type { RedApp } from './red';

const fail = (res: Response, status: number, error: string) => res.status(status).json({ error });
const query = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** A verdict as served: what the chain holds and, when broken, the first problem. */
function chainView(store: string, v: AuditVerdict) {
  const { ok, entries, verified, legacy, broken, head, keyedFrom, legacyNote } = v;
  return {
    store,
    ok,
    entries,
    verified,
    legacy,
    broken,
    ...(head && { head }),
    ...(keyedFrom !== undefined && { keyedFrom }),
    ...(legacyNote !== undefined && { note: legacyNote }),
    ...(!v.ok && { seq: v.seq, problem: v.message, problems: v.problems.slice(0, 20) }),
  };
}

export function mountAuditRoutes(red: RedApp, read: RequestHandler): void {
  red.httpAdmin.get('/api/audit', read, (req: Request, res: Response) => {
    const orderNo = query(req.query.orderNo);
    const subjectId = query(req.query.subjectId);
    const filter = { ...(orderNo !== undefined && { orderNo }), ...(subjectId !== undefined && { subjectId }) };
    Promise.all(auditWatches().map(async (w) => ({ store: w.label, ...(await w.log.inspect(filter, w.exported())) }))).then(
      (chains) => {
        const items: Array<CheckedAuditEntry & { store: string }> = chains.flatMap((c) => c.items.map((e) => ({ ...e, store: c.store })));
        res.json({ items, chains: chains.map((c) => chainView(c.store, c.verdict)) });
      },
      (err: Error) => fail(res, 503, `The audit log could not be read: ${err.message}`),
    );
  });

  red.httpAdmin.get('/api/audit/verify', read, (_req: Request, res: Response) => {
    const watches = auditWatches();
    Promise.all(watches.map((w) => w.verifyNow())).then(
      (verdicts) => {
        if (verdicts.some((v) => v === undefined)) return fail(res, 503, 'The audit log could not be read: a bridge store did not answer (see the log).');
        const chains = verdicts.map((v, i) => chainView(watches[i].label, v!));
        const sum = (k: 'entries' | 'verified' | 'legacy' | 'broken') => chains.reduce((n, c) => n + c[k], 0);
        const broken = chains.find((c) => !c.ok);
        const legacy = chains.find((c) => c.note !== undefined);
        res.json({
          ok: broken === undefined,
          entries: sum('entries'),
          verified: sum('verified'),
          legacy: sum('legacy'),
          broken: sum('broken'),
          ...(broken && { store: broken.store, seq: broken.seq, problem: broken.problem }),
          ...(legacy && { note: legacy.note }),
          chains,
        });
      },
      (err: Error) => fail(res, 503, `The audit log could not be read: ${err.message}`),
    );
  });
}
