// Batch records (电子批记录) on Node-RED's admin app (its login and permissions): the list, one order's record with
// its gaps, deviations and signatures, the review / release / rejection signed by the logged-in user re-entering
// the password (checked against Node-RED's own users, signature.ts, as for approvals), amendments, and the print-ready record and certificate.
import type { Request, Response } from 'express';
import { batchDesks, type PrintLanguage, type RegisteredBatchDesk, type SignatureMeaning } from '../../nodes/lib/batch-record';
import { batchRecordList, printBatchDocument, viewWithTexts } from '../../nodes/lib/batch-record/documents';
import type { RedApp } from './red';
import { passwordMatches } from './signature';

type AuthedRequest = Request & { user?: { username?: string } };

const fail = (res: Response, status: number, error: string): void => {
  res.status(status).json({ error });
};
const textOf = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');
// eslint-disable-next-line no-control-regex -- an order no may be any text but control characters
const ORDER_NO = /^[^\u0000-\u001f]{1,40}$/;
const MEANINGS: readonly SignatureMeaning[] = ['reviewed', 'released', 'rejected'];
const languageOf = (req: Request): PrintLanguage => (/^zh/i.test(String(req.query.lang ?? req.headers['accept-language'] ?? '')) ? 'zh-CN' : 'en-US');

export function mountBatchRecordApi(red: RedApp): void {
  const read = red.auth.needsPermission('batch-records.read');
  const write = red.auth.needsPermission('batch-records.write');

  /** The one desk (or the one a ?node= names), else a 404 answered here. */
  function deskFor(req: Request, res: Response): RegisteredBatchDesk | undefined {
    const node = typeof req.query.node === 'string' ? req.query.node : undefined;
    const desks = batchDesks().filter((d) => node === undefined || d.nodeId === node);
    if (desks.length === 0) {
      fail(res, 404, node ? `There is no running batch-record node with id '${node}'.` : 'No batch-record node is running: add one to a flow and deploy.');
      return undefined;
    }
    return desks[0];
  }
  function orderOf(req: Request, res: Response): string | undefined {
    const orderNo = req.params.orderNo;
    if (!ORDER_NO.test(orderNo)) {
      fail(res, 400, `'${orderNo.slice(0, 60)}' cannot be an order number: 1 to 40 characters without control characters.`);
      return undefined;
    }
    return orderNo;
  }
  const storeDown = (res: Response) => (err: Error) => fail(res, 503, `The bridge store did not answer: ${err.message}`);

  red.httpAdmin.get('/api/batch-records', read, (req: Request, res: Response) => {
    const desk = deskFor(req, res);
    if (!desk) return;
    batchRecordList(desk).then((items) => res.json({ node: desk.nodeId, items }), storeDown(res));
  });

  red.httpAdmin.get('/api/batch-records/:orderNo', read, (req: Request, res: Response) => {
    const desk = deskFor(req, res);
    const orderNo = desk && orderOf(req, res);
    if (!desk || !orderNo) return;
    desk.desk.view(orderNo).then((view) => res.json(viewWithTexts(view)), storeDown(res));
  });

  red.httpAdmin.get('/api/batch-records/:orderNo/:document(print|certificate)', read, (req: Request, res: Response) => {
    const desk = deskFor(req, res);
    const orderNo = desk && orderOf(req, res);
    if (!desk || !orderNo) return;
    printBatchDocument(desk, orderNo, req.params.document === 'print' ? 'record' : 'certificate', languageOf(req)).then((printed) => {
      if (!printed.ok) return fail(res, 409, printed.error);
      res.type('text/html; charset=utf-8').send(printed.html);
    }, storeDown(res));
  });

  red.httpAdmin.post('/api/batch-records/:orderNo/:action(sign|amend)', write, (req: AuthedRequest, res: Response) => {
    const username = req.user?.username;
    if (typeof username !== 'string' || username === '') return fail(res, 401, 'This action needs a logged-in user: log in and send the bearer token.');
    const desk = deskFor(req, res);
    const orderNo = desk && orderOf(req, res);
    if (!desk || !orderNo) return;
    const body = (req.body ?? {}) as { meaning?: unknown; reason?: unknown; password?: unknown };
    const reason = textOf(body.reason);
    const signing = req.params.action === 'sign';
    if (signing && !MEANINGS.includes(body.meaning as SignatureMeaning)) return fail(res, 400, `meaning must be one of ${MEANINGS.join(', ')}, not ${JSON.stringify(body.meaning)}.`);
    if (reason === '') return fail(res, 400, `reason is required: ${signing ? 'a signature' : 'an amendment'} says why.`);
    (async () => {
      if (!(await passwordMatches(red.settings.adminAuth, username, body.password))) {
        return fail(res, 403, `The password did not match ${username}'s: nothing was signed and nothing changed.`);
      }
      const outcome = signing ? await desk.desk.sign(orderNo, { meaning: body.meaning as SignatureMeaning, signer: username, reason, signedAt: new Date().toISOString() }) : await desk.desk.amend(orderNo, username, reason);
      if (!outcome.ok) return fail(res, 409, outcome.problem);
      res.json(viewWithTexts(outcome.view));
    })().catch(storeDown(res));
  });
}
