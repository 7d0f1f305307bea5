// The outboxes' REST API under /api/outbox on Node-RED's admin app (its login and permissions): list the
// outboxes with their figures, list an outbox's dead letters, replay them. Viewers read; admins replay.
import type { Request, Response } from 'express';
import { registeredOutbox, registeredOutboxes } from '../../nodes/lib/outbox/registry';
import type { OutboxStats } from '../../nodes/lib/outbox/types';
import type { RedApp } from './red';

/** Every open outbox's figures with its ERP endpoint: for the API and for /metrics. A store gone quiet fails it after timeoutMs. */
export async function outboxFigures(timeoutMs = 2000): Promise<Array<OutboxStats & { endpoint: string; oldestAgeSeconds?: number }>> {
  const now = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const quiet = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  const figures = Promise.all(
    registeredOutboxes().map(async ({ outbox, labels }) => {
      const stats = await outbox.stats();
      return { ...stats, endpoint: labels.endpoint, ...(stats.oldestEnqueuedAt !== undefined && { oldestAgeSeconds: Math.max(0, (now - stats.oldestEnqueuedAt) / 1000) }) };
    }),
  );
  try {
    return await Promise.race([figures, quiet]);
  } finally {
    clearTimeout(timer);
  }
}

function fail(res: Response, status: number, error: string): void {
  res.status(status).json({ error });
}

export function mountOutboxApi(red: RedApp): void {
  const read = red.auth.needsPermission('outbox.read');
  const write = red.auth.needsPermission('outbox.write');
  const named = (req: Request, res: Response) => {
    const found = registeredOutbox(req.params.name);
    if (!found)
      fail(
        res,
        404,
        `There is no outbox '${req.params.name}' in this bridge (open ones: ${
          registeredOutboxes()
            .map((o) => o.outbox.name)
            .join(', ') || 'none'
        }).`,
      );
    return found;
  };
  red.httpAdmin.get('/api/outbox', read, (_req: Request, res: Response) => {
    outboxFigures().then(
      (items) => res.json({ items }),
      (err: Error) => fail(res, 503, `The outbox store did not answer: ${err.message}`),
    );
  });
  red.httpAdmin.get('/api/outbox/:name/dead-letters', read, (req: Request, res: Response) => {
    const found = named(req, res);
    if (!found) return;
    const limit = req.query.limit === undefined ? undefined : Number(req.query.limit);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) return fail(res, 400, 'limit must be a whole number above 0.');
    const partition = typeof req.query.orderNo === 'string' ? req.query.orderNo : undefined;
    found.outbox.deadLetters({ partition, limit }).then(
      (items) => res.json({ items }),
      (err: Error) => fail(res, 503, `The outbox store did not answer: ${err.message}`),
    );
  });
  red.httpAdmin.post('/api/outbox/:name/dead-letters/replay', write, (req: Request, res: Response) => {
    const found = named(req, res);
    if (!found) return;
    const ids = (req.body as { ids?: unknown } | undefined)?.ids;
    if (ids !== undefined && !(Array.isArray(ids) && ids.every((id) => typeof id === 'string'))) return fail(res, 400, 'ids must be an array of dead-letter ids (or absent to replay them all).');
    found.outbox.replay(ids as string[] | undefined).then(
      (items) => res.json({ replayed: items.length, items }),
      (err: Error) => fail(res, 503, `The outbox store did not answer: ${err.message}`),
    );
  });
}
