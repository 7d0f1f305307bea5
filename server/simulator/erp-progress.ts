// The simulated ERP's execution-feedback inbox: progress updates one at a time (Idempotency-Key header) or in
// batches (a key per item), each key applied once; a repeat is answered "duplicate", not an error, the way an
// outbox that retries after a timeout needs it. It keeps the arrival order per order no, for the tests.
import express, { type Request, type Response, type Router } from 'express';
import { validate } from '../../nodes/lib/validation';
import { BODY_LIMIT, sendError } from './http-util';
import { toPlantIso } from './plant-time';

export interface ReceivedProgressUpdate {
  key: string;
  orderNo: string;
  receivedAt: string;
  update: Record<string, unknown>;
}

export type ProgressItemOutcome = { idempotencyKey: string; status: 'accepted' | 'duplicate' } | { idempotencyKey: string; status: 'rejected'; error: string };

/** Most items one batch may carry. */
export const MAX_PROGRESS_BATCH = 1000;

export class ErpProgressInbox {
  private readonly byKey = new Map<string, ReceivedProgressUpdate>();
  private readonly log: ReceivedProgressUpdate[] = [];
  private duplicates = 0;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly now: () => Date) {}

  /** Updates accepted, in arrival order (duplicates not repeated). */
  received(): ReceivedProgressUpdate[] {
    return this.log.slice();
  }

  get duplicateCount(): number {
    return this.duplicates;
  }

  /** Calls `listener` after every accepted update; returns the function that removes it. */
  onReceive(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  reset(): void {
    this.byKey.clear();
    this.log.length = 0;
    this.duplicates = 0;
  }

  /** One update under one key: accepted once, then duplicate; a bad key or body is rejected naming the field. */
  apply(key: unknown, update: unknown): ProgressItemOutcome {
    const idempotencyKey = typeof key === 'string' ? key : '';
    if (idempotencyKey === '' || idempotencyKey.length > 200) return { idempotencyKey, status: 'rejected', error: 'every progress update needs an idempotency key of 1 to 200 characters' };
    if (this.byKey.has(idempotencyKey)) {
      this.duplicates += 1;
      return { idempotencyKey, status: 'duplicate' };
    }
    const check = validate('progress-update', update, 'update');
    if (!check.ok) return { idempotencyKey, status: 'rejected', error: check.message };
    const body = update as Record<string, unknown>;
    const saved: ReceivedProgressUpdate = { key: idempotencyKey, orderNo: String(body.orderNo), receivedAt: toPlantIso(this.now()), update: structuredClone(body) };
    this.byKey.set(idempotencyKey, saved);
    this.log.push(saved);
    for (const listener of this.listeners) listener();
    return { idempotencyKey, status: 'accepted' };
  }

  /** Routes under the ERP's /api/v1, behind its auth and faults (`guard` answers and returns false to stop). */
  router(guard: (req: Request, res: Response) => boolean): Router {
    const router = express.Router();
    const json = express.json({ limit: BODY_LIMIT });
    router.post('/api/v1/progress-updates', json, (req, res) => {
      if (!guard(req, res)) return;
      const outcome = this.apply(req.get('idempotency-key'), req.body);
      if (outcome.status === 'rejected') return sendError(res, 400, outcome.error);
      res.status(outcome.status === 'accepted' ? 201 : 200).json(outcome);
    });
    router.post('/api/v1/progress-updates/batch', json, (req, res) => {
      if (!guard(req, res)) return;
      const items = (req.body as { items?: unknown } | undefined)?.items;
      if (!Array.isArray(items) || items.length === 0 || items.length > MAX_PROGRESS_BATCH) {
        return sendError(res, 400, `a progress batch is {"items": [{"idempotencyKey", "update"}, …]} with 1 to ${MAX_PROGRESS_BATCH} items`);
      }
      const results = items.map((item) => {
        const { idempotencyKey, update } = (item ?? {}) as { idempotencyKey?: unknown; update?: unknown };
        return this.apply(idempotencyKey, update);
      });
      res.json({ results });
    });
    router.get('/_sim/progress-updates', (_req, res) => void res.json({ items: this.received(), duplicates: this.duplicates }));
    router.delete('/_sim/progress-updates', (_req, res) => {
      this.reset();
      res.json({ status: 'reset' });
    });
    return router;
  }
}
