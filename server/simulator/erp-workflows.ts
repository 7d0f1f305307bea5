// The simulated ERP's workflow inboxes: approval requests for overdraws (超量领用审批), exception notices,
// resolutions with downtime, emergency purchase/transfer requests, cost variances of completed orders, the audit chain's exported heads and batch releases (电子批记录放行). Each is POSTed with an Idempotency-Key
// and applied once; a repeat is answered "duplicate". The tests read what arrived under /_sim/workflows.
import express, { type Request, type Response, type Router } from 'express';
import { BODY_LIMIT, sendError } from './http-util';
import { toPlantIso } from './plant-time';

export const WORKFLOW_INBOXES = ['approval-requests', 'exception-notices', 'exception-resolutions', 'emergency-requests', 'cost-variances', 'equipment-status', 'oee-reports', 'audit-heads', 'batch-releases'] as const;
export type WorkflowInboxName = (typeof WORKFLOW_INBOXES)[number];

/** The field every record of an inbox must carry, so a misrouted record is refused. */
const ID_FIELD: Record<WorkflowInboxName, string> = {
  'approval-requests': 'requisitionId',
  'exception-notices': 'exceptionId',
  'exception-resolutions': 'exceptionId',
  'emergency-requests': 'exceptionId',
  'cost-variances': 'orderNo',
  'equipment-status': 'equipment',
  'oee-reports': 'reportId',
  'audit-heads': 'chain',
  'batch-releases': 'orderNo',
};

export interface ReceivedWorkflowRecord {
  inbox: WorkflowInboxName;
  key: string;
  receivedAt: string;
  body: Record<string, unknown>;
}

export class ErpWorkflowInbox {
  private readonly byKey = new Map<string, ReceivedWorkflowRecord>();
  private readonly log: ReceivedWorkflowRecord[] = [];
  private duplicates = 0;

  constructor(private readonly now: () => Date) {}

  received(inbox?: WorkflowInboxName): ReceivedWorkflowRecord[] {
    return this.log.filter((r) => inbox === undefined || r.inbox === inbox);
  }

  get duplicateCount(): number {
    return this.duplicates;
  }

  apply(inbox: WorkflowInboxName, key: unknown, body: unknown): { status: 'accepted' | 'duplicate' } | { status: 'rejected'; error: string } {
    if (typeof key !== 'string' || key === '' || key.length > 200) return { status: 'rejected', error: `every ${inbox} record needs an Idempotency-Key header of 1 to 200 characters` };
    if (this.byKey.has(`${inbox}|${key}`)) {
      this.duplicates += 1;
      return { status: 'duplicate' };
    }
    const record = body as Record<string, unknown> | null;
    const field = ID_FIELD[inbox];
    if (!record || typeof record !== 'object' || typeof record[field] !== 'string') return { status: 'rejected', error: `a record for ${inbox} needs ${field} as a string` };
    const saved: ReceivedWorkflowRecord = { inbox, key, receivedAt: toPlantIso(this.now()), body: structuredClone(record) };
    this.byKey.set(`${inbox}|${key}`, saved);
    this.log.push(saved);
    return { status: 'accepted' };
  }

  reset(): void {
    this.byKey.clear();
    this.log.length = 0;
    this.duplicates = 0;
  }

  /** Routes under the ERP's /api/v1, behind its auth (`guard` answers and returns false to stop). */
  router(guard: (req: Request, res: Response) => boolean): Router {
    const router = express.Router();
    const json = express.json({ limit: BODY_LIMIT });
    for (const inbox of WORKFLOW_INBOXES) {
      router.post(`/api/v1/${inbox}`, json, (req, res) => {
        if (!guard(req, res)) return;
        const outcome = this.apply(inbox, req.get('idempotency-key'), req.body);
        if (outcome.status === 'rejected') return sendError(res, 400, outcome.error);
        res.status(outcome.status === 'accepted' ? 201 : 200).json(outcome);
      });
    }
    router.get('/_sim/workflows', (req, res) => {
      const inbox = typeof req.query.inbox === 'string' ? (req.query.inbox as WorkflowInboxName) : undefined;
      res.json({ items: this.received(inbox), duplicates: this.duplicates });
    });
    router.delete('/_sim/workflows', (_req, res) => {
      this.reset();
      res.json({ status: 'reset' });
    });
    return router;
  }
}
