// The simulated MES: receives work orders over REST behind a bearer token, checks them against
// schemas/work-order.schema.json (contract v2, and v1 for messages without contractVersion, read as
// v2), and is idempotent by (workOrderNo, source.revision) the way a plan-sync client needs when it
// retries. An order whose display number changed (an Odoo backorder renames the MO) is found by its
// stable ERP key and moved to the new number.
import express, { type Request, type Response, type Router } from 'express';
import { readWorkOrder } from '../../nodes/lib/plan-sync/work-order-contract';
import { BODY_LIMIT, bearerToken, jsonBodyErrors, secretEquals, sendError } from './http-util';
import { progressAt, type OperationProgress } from './mes-progress';
import { MesReporter, type ProgressReport, type WebhookTarget } from './mes-reports';
import { MesWorkflowReporter } from './mes-workflows';
import { createPrng } from './seed';
import { toPlantIso } from './plant-time';
import type { WorkOrder } from './types';

export type ReceiveOutcome = 'created' | 'updated' | 'duplicate';

/** One accepted POST, in arrival order; a duplicate is logged (flagged) but not stored twice. */
export interface ReceivedWorkOrder {
  seq: number;
  receivedAt: string;
  outcome: ReceiveOutcome;
  duplicate: boolean;
  /** The contract version the message came in (1 when it had no contractVersion); workOrder is always v2. */
  contractVersion: 1 | 2;
  /** The number the MES held this order under before, when the ERP renamed it (same source.orderKey). */
  renamedFrom?: string;
  workOrder: WorkOrder;
}

export interface SimulatedMesOptions {
  token: string;
  now: () => Date;
  /** Where the MES posts its job reports (the bridge's webhook); none = reports only queue up. */
  webhook?: WebhookTarget;
  /** Stock on hand at the ERP per MES material code, for the occasional requisition above it (issue 6). */
  stockOf?: (mesMaterialCode: string) => number | undefined;
}

interface Waiter {
  check: () => void;
  fail: (err: Error) => void;
}

export class SimulatedMes {
  readonly router: Router;
  /** Job reports of the floor, posted to the webhook. */
  readonly reporter: MesReporter;
  /** Material requisitions, exception events and inspection records, posted to the bridge (issue 6). */
  readonly workflows: MesWorkflowReporter;
  private readonly current = new Map<string, WorkOrder>();
  private log: ReceivedWorkOrder[] = [];
  private readonly waiters = new Set<Waiter>();
  private seq = 0;
  /** Armed failures: the next POSTs of work orders answer this status instead of being received. */
  private faults: Array<{ status: number; left: number }> = [];
  private failedPosts = 0;

  constructor(private readonly options: SimulatedMesOptions) {
    this.reporter = new MesReporter(options.webhook);
    this.workflows = new MesWorkflowReporter(options.webhook, { now: options.now, rng: createPrng(20261201), stockOf: options.stockOf });
    this.router = this.buildRouter();
  }

  received(): ReceivedWorkOrder[] {
    return structuredClone(this.log);
  }

  workOrders(): WorkOrder[] {
    return [...this.current.values()].map((w) => structuredClone(w)).sort((a, b) => (a.workOrderNo < b.workOrderNo ? -1 : a.workOrderNo > b.workOrderNo ? 1 : 0));
  }

  workOrder(workOrderNo: string): WorkOrder | undefined {
    const found = this.current.get(workOrderNo);
    return found && structuredClone(found);
  }

  /** Every operation's progress on the simulated floor now (cancelled orders are not worked on). */
  progress(workOrderNo?: string): OperationProgress[] {
    const now = this.options.now();
    return this.workOrders()
      .filter((w) => w.status !== 'cancelled' && (workOrderNo === undefined || w.workOrderNo === workOrderNo))
      .flatMap((w) => progressAt(w, now));
  }

  /** The next `times` work-order POSTs answer `status` (e.g. 503) and are not received. */
  failNextPosts(status: number, times = 1): void {
    if (!Number.isInteger(status) || status < 400 || status > 599) throw new Error(`status must be an HTTP error status 400..599; got ${String(status)}`);
    if (!Number.isInteger(times) || times < 1) throw new Error(`times must be a positive integer; got ${String(times)}`);
    this.faults.push({ status, left: times });
  }

  reset(): void {
    this.current.clear();
    this.faults = [];
    this.log = [];
    this.notify();
  }

  /**
   * Resolves with the received list as soon as `predicate` holds for it (checked now and after
   * every accepted POST); rejects after `timeoutMs` naming how many arrived.
   */
  waitFor(predicate: (received: ReceivedWorkOrder[]) => boolean, timeoutMs = 5000): Promise<ReceivedWorkOrder[]> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        fail: (err) => finish(err),
        check: () => {
          let satisfied: boolean;
          try {
            satisfied = predicate(this.received());
          } catch (err) {
            return finish(err as Error);
          }
          if (satisfied) finish();
        },
      };
      const timer = setTimeout(() => finish(new Error(`the simulated MES did not receive the expected work orders within ${timeoutMs} ms (${this.log.length} received)`)), timeoutMs);
      const finish = (err?: Error): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        if (err) reject(err);
        else resolve(this.received());
      };
      this.waiters.add(waiter);
      waiter.check();
    });
  }

  /**
   * The POST /work-orders decision: HTTP status and body. Validation failures name the field;
   * an older revision than the one held is a conflict, not silently ignored.
   */
  receive(body: unknown): { status: number; body: Record<string, unknown> } {
    const read = readWorkOrder(body);
    if (!read.ok) return { status: 400, body: { error: read.message } };
    const workOrder: WorkOrder = read.workOrder;
    const renamedFrom = this.current.has(workOrder.workOrderNo) ? undefined : this.numberByKey(workOrder.source.orderKey);
    const held = this.current.get(renamedFrom ?? workOrder.workOrderNo);
    let outcome: ReceiveOutcome;
    if (!held) outcome = 'created';
    else if (workOrder.source.revision === held.source.revision) outcome = 'duplicate';
    else if (workOrder.source.revision > held.source.revision) outcome = 'updated';
    else {
      return {
        status: 409,
        body: {
          error: `work order ${workOrder.workOrderNo} revision ${workOrder.source.revision} is older than revision ${held.source.revision} the MES already holds`,
          currentRevision: held.source.revision,
        },
      };
    }
    if (outcome !== 'duplicate') {
      if (renamedFrom !== undefined) this.current.delete(renamedFrom);
      this.current.set(workOrder.workOrderNo, workOrder);
    }
    this.log.push({
      seq: ++this.seq,
      receivedAt: toPlantIso(this.options.now()),
      outcome,
      duplicate: outcome === 'duplicate',
      contractVersion: read.receivedVersion,
      ...(renamedFrom !== undefined && { renamedFrom }),
      workOrder,
    });
    this.notify();
    return { status: outcome === 'created' ? 201 : 200, body: { status: outcome, workOrderNo: workOrder.workOrderNo, revision: workOrder.source.revision } };
  }

  /** The number under which the MES holds the order with this stable ERP key, if any. */
  private numberByKey(orderKey: string | undefined): string | undefined {
    if (orderKey === undefined) return undefined;
    for (const [workOrderNo, held] of this.current) if (held.source.orderKey === orderKey) return workOrderNo;
    return undefined;
  }

  /** Rejects every pending waitFor: nothing more will arrive. */
  close(): void {
    for (const waiter of [...this.waiters]) waiter.fail(new Error('the simulated MES was closed while waiting for work orders'));
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter.check();
  }

  private buildRouter(): Router {
    const router = express.Router();
    router.use('/api', (req, res, next) => this.authorise(req, res, next));
    router.use(express.json({ limit: BODY_LIMIT }));
    router.post('/api/work-orders', (req, res) => {
      if (!req.is('application/json')) {
        return sendError(res, 415, `POST ${req.originalUrl} needs a JSON body (Content-Type: application/json); got ${JSON.stringify(req.headers['content-type'] ?? 'none')}`);
      }
      const fault = this.faults[0];
      if (fault) {
        if (--fault.left === 0) this.faults.shift();
        this.failedPosts += 1;
        return sendError(res, fault.status, `the simulated MES is failing on purpose (${fault.status})`);
      }
      const answer = this.receive(req.body);
      res.status(answer.status).json(answer.body);
    });
    // Paged as a real MES pages its lists: ?page= (from 1) and ?pageSize= (1..500, default 100), with the total.
    router.get('/api/work-orders', (req, res) => {
      const page = req.query.page === undefined ? 1 : Number(req.query.page);
      const pageSize = req.query.pageSize === undefined ? 100 : Number(req.query.pageSize);
      if (!Number.isInteger(page) || page < 1) return sendError(res, 400, `page must be a whole number from 1; got ${JSON.stringify(req.query.page)}`);
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 500) return sendError(res, 400, `pageSize must be a whole number from 1 to 500; got ${JSON.stringify(req.query.pageSize)}`);
      const all = this.workOrders();
      res.json({ items: all.slice((page - 1) * pageSize, page * pageSize), page, pageSize, total: all.length });
    });
    router.get('/api/work-orders/:workOrderNo', (req, res) => {
      const found = this.workOrder(req.params.workOrderNo);
      if (found) res.json(found);
      else sendError(res, 404, `work order ${req.params.workOrderNo} does not exist in the simulated MES`);
    });
    // The floor's progress per operation; ?workOrderNo= narrows it to one order.
    router.get('/api/progress', (req, res) => {
      const one = typeof req.query.workOrderNo === 'string' && req.query.workOrderNo !== '' ? req.query.workOrderNo : undefined;
      res.json({ asOf: toPlantIso(this.options.now()), items: this.progress(one) });
    });
    router.get('/_sim/received', (_req, res) => void res.json({ items: this.received() }));
    router.post('/_sim/faults', express.json(), (req, res) => {
      try {
        this.failNextPosts(Number(req.body?.status), req.body?.times === undefined ? 1 : Number(req.body.times));
        res.json({ status: 'armed' });
      } catch (err) {
        sendError(res, 400, (err as Error).message);
      }
    });
    // A report made by hand ({orderNo, opNo, goodQty, scrapQty, status, equipment[, timestamp]}), posted at once.
    router.post('/_sim/reports', express.json(), (req, res) => {
      const body = (req.body ?? {}) as Partial<ProgressReport>;
      const report = this.reporter.manual({
        orderNo: String(body.orderNo),
        opNo: String(body.opNo),
        goodQty: Number(body.goodQty ?? 0),
        scrapQty: Number(body.scrapQty ?? 0),
        status: body.status ?? 'running',
        equipment: String(body.equipment),
        timestamp: body.timestamp ?? toPlantIso(this.options.now()),
      });
      this.reporter.flush().then(
        () => res.json({ report, pending: this.reporter.pending, failures: this.reporter.failures }),
        (err: Error) => sendError(res, 502, `the simulated MES could not post the job report: ${err.message}`),
      );
    });
    router.use(
      this.workflows.router(
        () => this.workOrders(),
        () => this.progress(),
      ),
    );
    router.get('/_sim/faults', (_req, res) => void res.json({ armed: this.faults.reduce((n, f) => n + f.left, 0), failedPosts: this.failedPosts }));
    // The MES loses its work orders (a restore, a reinstall) but keeps its log and armed faults.
    router.post('/_sim/forget-work-orders', (_req, res) => {
      const forgotten = this.current.size;
      this.current.clear();
      res.json({ status: 'forgotten', forgotten });
    });
    router.post('/_sim/reset', (_req, res) => {
      this.reset();
      res.json({ status: 'reset' });
    });
    router.use(jsonBodyErrors);
    return router;
  }

  private authorise(req: Request, res: Response, next: () => void): void {
    const token = bearerToken(req);
    if (token !== undefined && secretEquals(token, this.options.token)) return next();
    res.setHeader('WWW-Authenticate', 'Bearer realm="MES"');
    sendError(res, 401, token === undefined ? 'MES request needs an Authorization: Bearer token' : 'MES bearer token is not valid');
  }
}
