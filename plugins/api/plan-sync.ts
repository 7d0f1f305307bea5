// Plan sync's REST API on Node-RED's admin app (its login and permissions): the parked ERP orders of every
// running erp-order-fetch (GET /api/parked-orders; viewers read, admins retry with POST
// /api/parked-orders/retry) and the MES order ledgers for reconciliation (GET /api/mes-ledger).
import type { Request, Response } from 'express';
import { ledgerDeskList, parkedDeskList } from '../../nodes/lib/plan-sync/registry';
import type { RedApp } from './red';

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
      ledgerDeskList().map(async (l) => ({ name: l.name, store: l.store, items: (await l.all()).filter((e) => orderNo === undefined || e.orderNo === orderNo) })),
    ).then(
      (ledgers) => res.json({ ledgers }),
      (err: Error) => fail(res, 503, `The bridge store did not answer: ${err.message}`),
    );
  });
}
