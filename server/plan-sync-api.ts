// Plan sync's REST API on Node-RED's admin app (its login and permissions): the parked ERP orders of every
// running erp-order-fetch (GET /api/parked-orders; viewers read, admins retry with POST
// /api/parked-orders/retry), the MES order ledgers (GET /api/mes-ledger) and their reconciliation with the MES
// (GET /api/mes-reconcile: the last report of every mes-reconcile node; admins run one now with POST /api/mes-reconcile/run).
import type { Request, Response } from 'express';
import { ledgerDeskList, parkedDeskList, reconcileDeskList } from '../nodes/lib/plan-sync/registry';
import type { RedApp } from './red-types';

function fail(res: Response, status: number, error: string): void {
  res.status(status).json({ error });
}

/** The parked count per puller, for /metrics (from memory: a scrape never waits on the store). */
export function parkedFigures(): Array<{ node: string; name: string; parked: number }> {
  return parkedDeskList().map((d) => ({ node: d.nodeId, name: d.label, parked: d.count() }));
}

export function mountPlanSyncApi(red: RedApp): void {
  const read = red.auth.needsPermission('parked-orders.read');
  const write = red.auth.needsPermission('parked-orders.write');
  const readLedger = red.auth.needsPermission('mes-ledger.read');
  const reconcileNow = red.auth.needsPermission('mes-ledger.write');

  red.httpAdmin.get('/api/parked-orders', read, (req: Request, res: Response) => {
    const node = typeof req.query.node === 'string' ? req.query.node : undefined;
    const desks = parkedDeskList().filter((d) => node === undefined || d.nodeId === node);
    if (node !== undefined && desks.length === 0) return fail(res, 404, `There is no running erp-order-fetch node with id '${node}'.`);
    Promise.all(desks.map(async (d) => (await d.all()).map((entry) => ({ ...entry, node: d.nodeId, nodeName: d.label })))).then(
      (lists) => res.json({ count: lists.reduce((n, l) => n + l.length, 0), items: lists.flat() }),
      (err: Error) => fail(res, 503, `The bridge store did not answer: ${err.message}`),
    );
  });

  red.httpAdmin.post('/api/parked-orders/retry', write, (req: Request, res: Response) => {
    const node = (req.body as { node?: unknown } | undefined)?.node;
    if (node !== undefined && typeof node !== 'string') return fail(res, 400, 'node must be the id of an erp-order-fetch node (or absent to retry them all).');
    const desks = parkedDeskList().filter((d) => node === undefined || d.nodeId === node);
    if (node !== undefined && desks.length === 0) return fail(res, 404, `There is no running erp-order-fetch node with id '${node}'.`);
    for (const d of desks) d.retry();
    res.status(202).json({ retrying: desks.map((d) => ({ node: d.nodeId, name: d.label, parked: d.count() })) });
  });

  red.httpAdmin.get('/api/mes-ledger', readLedger, (req: Request, res: Response) => {
    const orderNo = typeof req.query.orderNo === 'string' ? req.query.orderNo : undefined;
    Promise.all(
      ledgerDeskList().map(async (l) => ({
        name: l.name,
        store: l.store,
        // The copy of each send stays in the store (reconciliation re-sends it); the list says only whether there is one.
        items: (await l.all()).filter((e) => orderNo === undefined || e.orderNo === orderNo).map(({ payload, ...e }) => ({ ...e, copy: payload !== undefined })),
      })),
    ).then(
      (ledgers) => res.json({ ledgers }),
      (err: Error) => fail(res, 503, `The bridge store did not answer: ${err.message}`),
    );
  });

  const reconcilers = (node: unknown) => reconcileDeskList().filter((d) => node === undefined || d.nodeId === node);

  red.httpAdmin.get('/api/mes-reconcile', readLedger, (req: Request, res: Response) => {
    const node = typeof req.query.node === 'string' ? req.query.node : undefined;
    const desks = reconcilers(node);
    if (node !== undefined && desks.length === 0) return fail(res, 404, `There is no running mes-reconcile node with id '${node}'.`);
    res.json({ reconcilers: desks.map((d) => ({ node: d.nodeId, name: d.label, ledger: d.ledger, ...d.totals(), last: d.last() ?? null })) });
  });

  red.httpAdmin.post('/api/mes-reconcile/run', reconcileNow, (req: Request, res: Response) => {
    const node = (req.body as { node?: unknown } | undefined)?.node;
    if (node !== undefined && typeof node !== 'string') return fail(res, 400, 'node must be the id of a mes-reconcile node (or absent to run them all).');
    const desks = reconcilers(node);
    if (node !== undefined && desks.length === 0) return fail(res, 404, `There is no running mes-reconcile node with id '${node}'.`);
    // A failed read of the MES is a report with ok false and the reason, not an error here.
    Promise.all(desks.map(async (d) => ({ node: d.nodeId, name: d.label, ledger: d.ledger, report: await d.run() }))).then(
      (reports) => res.json({ reports }),
      (err: Error) => fail(res, 503, `The reconciliation could not run: ${err.message}`),
    );
  });
}
