// The simulated ERP, "generic JSON REST" profile: production orders served page by page since a
// watermark, behind HTTP Basic auth, with faults a test or the demo can inject on purpose.
import express, { type Request, type Response, type Router } from 'express';
import { isDeepStrictEqual } from 'node:util';
import { validate } from '../../nodes/lib/validation';
import { BODY_LIMIT, basicCredentials, jsonBodyErrors, secretEquals, sendError } from './http-util';
import { DAY, HOUR_MS, parseIsoWithZone, plantMidnight, toPlantIso } from './plant-time';
import { PRODUCTS, buildOrder, dueDateAfter, orderNumber, randomInt, scheduleOperations, seedProductionOrders, type Prng } from './seed';
import type { ProductionOrder, ProductionOrderInput } from './types';
import { ErpProgressInbox } from './erp-progress';
import { ErpWorkflowInbox } from './erp-workflows';
import { erpCostsRouter } from './erp-costs';
import { ErpStock } from './erp-stock';

/** Which requests a fault hits: the production-order pages (default) or the progress-update inbox. */
export type ErpFaultTarget = 'orders' | 'progress';

export type ErpFault = { kind: 'status'; status: number; times?: number; message?: string; target?: ErpFaultTarget } | { kind: 'timeout' | 'malformed' | 'reset'; times?: number; target?: ErpFaultTarget };

export type LiveChange = { kind: 'revised' | 'released'; orderNo: string; revision: number };

export interface SimulatedErpOptions {
  user: string;
  password: string;
  seedOrders: number;
  now: () => Date;
  rng: Prng;
  /** When the first seeded order starts (ms); default tomorrow 08:00 plant time. */
  firstStartMs?: number;
}

const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 100;

class BadQuery extends Error {}

export class SimulatedErp {
  readonly router: Router;
  /** Progress updates the MES side wrote back (execution feedback). */
  readonly progress: ErpProgressInbox;
  /** Approval requests, exception notices and resolutions, emergency purchase requests (issue 6). */
  readonly workflows: ErpWorkflowInbox;
  /** Stock on hand per material, for material-overdraw's shortage check (issue 6). */
  readonly stock: ErpStock;
  private readonly store = new Map<string, unknown>();
  private pendingFaults: Array<{ fault: ErpFault; left: number }> = [];
  private readonly heldResponses = new Set<Response>();
  private served = 0;
  private changes = 0;
  private readonly confirmationsByKey = new Map<string, { id: string; key: string; body: unknown }>();
  private nextOrder: number;

  private readonly changeListeners: Array<(order: ProductionOrder) => void> = [];

  constructor(private readonly options: SimulatedErpOptions) {
    for (const order of seedProductionOrders(options.seedOrders, options.now(), options.rng, options.firstStartMs)) this.store.set(order.orderNo, order);
    this.nextOrder = options.seedOrders + 1;
    this.progress = new ErpProgressInbox(options.now);
    this.workflows = new ErpWorkflowInbox(options.now);
    this.stock = new ErpStock(options.now);
    this.router = this.buildRouter();
  }

  /** Goes up with every change to the orders: dialects cache what they derive from them until it moves. */
  get version(): number {
    return this.changes;
  }

  /** Requests to production-orders answered so far, faults and refusals included. */
  get requestCount(): number {
    return this.served;
  }

  orders(): ProductionOrder[] {
    return [...this.store.values()].map((o) => structuredClone(o) as ProductionOrder).sort((a, b) => compareText(a.orderNo, b.orderNo));
  }

  order(orderNo: string): ProductionOrder | undefined {
    const found = this.store.get(orderNo);
    return found === undefined ? undefined : (structuredClone(found) as ProductionOrder);
  }

  /**
   * Stores an order as the ERP's planner would save it. A changed order gets revision + 1 and
   * updatedAt = now (to the second); saving identical content changes nothing.
   */
  upsertOrder(input: ProductionOrderInput): ProductionOrder {
    const now = toPlantIso(this.options.now());
    const existing = this.store.get(input.orderNo) as ProductionOrder | undefined;
    let stored: ProductionOrder;
    if (!existing) {
      stored = { ...structuredClone(input), revision: input.revision ?? 0, updatedAt: input.updatedAt ?? now };
    } else {
      const { revision: _r, updatedAt: _u, ...before } = existing;
      const { revision: _ri, updatedAt: _ui, ...after } = input;
      if (isDeepStrictEqual(before, after)) return structuredClone(existing);
      stored = { ...structuredClone(input), revision: existing.revision + 1, updatedAt: now };
    }
    const check = validate('production-order', stored, 'order');
    if (!check.ok) throw new Error(`production order ${String(input.orderNo)} was not stored: ${check.message}`);
    this.store.set(stored.orderNo, stored);
    this.changes += 1;
    for (const listener of this.changeListeners) listener(structuredClone(stored));
    return structuredClone(stored);
  }

  /** Calls `listener` with every order the ERP stores from now on (new or changed), e.g. to mirror them elsewhere. */
  onChange(listener: (order: ProductionOrder) => void): void {
    this.changeListeners.push(listener);
  }

  /** Stores an item exactly as given, unchecked: how tests make the ERP serve a broken order. */
  addRawOrder(item: unknown): void {
    const orderNo = (item as { orderNo?: unknown } | null)?.orderNo;
    this.store.set(typeof orderNo === 'string' ? orderNo : `raw-${this.store.size + 1}`, structuredClone(item));
    this.changes += 1;
  }

  /** The next `times` (default 1) production-orders requests fail as `fault.kind`. */
  injectFault(fault: ErpFault): void {
    const times = fault.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new Error(`fault.times must be a positive integer; got ${String(fault.times)}`);
    if (fault.target !== undefined && fault.target !== 'orders' && fault.target !== 'progress') throw new Error(`fault.target must be orders or progress; got ${JSON.stringify(fault.target)}`);
    if (!['status', 'timeout', 'malformed', 'reset'].includes(fault.kind)) {
      throw new Error(`fault.kind must be one of status, timeout, malformed, reset; got ${JSON.stringify(fault.kind)}`);
    }
    if (fault.kind === 'status' && !(Number.isInteger(fault.status) && fault.status >= 400 && fault.status <= 599)) {
      throw new Error(`fault.status must be an HTTP error status 400..599; got ${String(fault.status)}`);
    }
    this.pendingFaults.push({ fault: { ...fault }, left: times });
  }

  clearFaults(): void {
    this.pendingFaults = [];
  }

  /** One change a planner might make: revise a released order's quantity or due date, or release a new order. */
  liveChange(): LiveChange {
    const rng = this.options.rng;
    const released = this.orders().filter((o) => o.status === 'released' && validate('production-order', o).ok);
    if (released.length > 0 && rng() < 0.5) {
      const order = released[randomInt(rng, 0, released.length - 1)];
      if (rng() < 0.5) {
        const step = order.quantity >= 5000 ? 1000 : 500;
        const delta = (rng() < 0.5 ? -1 : 1) * step * randomInt(rng, 1, 2);
        order.quantity = Math.max(step, order.quantity + delta);
        scheduleOperations(order, Date.parse(order.operations[0].plannedStart));
        order.dueDate = dueDateAfter(order, randomInt(rng, 2, 4));
      } else {
        order.dueDate = toPlantIso(Date.parse(order.dueDate) + randomInt(rng, 1, 3) * DAY);
      }
      const saved = this.upsertOrder(order);
      return { kind: 'revised', orderNo: saved.orderNo, revision: saved.revision };
    }
    const now = this.options.now();
    const start = plantMidnight(now) + DAY + 8 * HOUR_MS + randomInt(rng, 0, 3) * 6 * HOUR_MS;
    const orderNo = orderNumber(this.nextOrder++);
    const order = buildOrder(orderNo, randomInt(rng, 0, PRODUCTS.length - 1), rng, start, toPlantIso(now));
    const saved = this.upsertOrder(order);
    return { kind: 'released', orderNo: saved.orderNo, revision: saved.revision };
  }

  /** Lets go of requests held by a 'timeout' fault. */
  close(): void {
    for (const res of this.heldResponses) res.destroy();
    this.heldResponses.clear();
  }

  private buildRouter(): Router {
    const router = express.Router();
    router.get('/api/v1/production-orders', (req, res) => this.productionOrders(req, res));
    router.use(
      this.progress.router((req, res) => {
        const fault = this.takeFault('progress');
        if (fault) {
          this.fail(req, res, fault);
          return false;
        }
        return this.authorized(req, res);
      }),
    );
    router.use(this.workflows.router((req, res) => this.authorized(req, res)));
    router.use(
      erpCostsRouter(
        () => this.orders(),
        (req, res) => this.authorized(req, res),
      ),
    );
    router.use(this.stock.router((req, res) => this.authorized(req, res)));
    router.post('/api/v1/confirmations', express.json({ limit: BODY_LIMIT }), (req, res) => this.confirm(req, res));
    router.use('/_sim', express.json({ limit: BODY_LIMIT }));
    router.get('/_sim/orders', (_req, res) => void res.json({ items: this.orders() }));
    router.get('/_sim/orders/:orderNo', (req, res) => {
      const found = this.order(req.params.orderNo);
      if (found) res.json(found);
      else sendError(res, 404, `production order ${req.params.orderNo} does not exist in the simulated ERP`);
    });
    router.post('/_sim/orders', (req, res) => this.control(res, () => this.upsertOrder(req.body as ProductionOrderInput)));
    router.post('/_sim/raw-orders', (req, res) => this.control(res, () => (this.addRawOrder(req.body), { status: 'stored' })));
    router.post('/_sim/faults', (req, res) => this.control(res, () => (this.injectFault(req.body as ErpFault), { status: 'armed' })));
    router.delete('/_sim/faults', (_req, res) => this.control(res, () => (this.clearFaults(), { status: 'cleared' })));
    router.get('/_sim/stats', (_req, res) => void res.json({ requestCount: this.served, pendingFaults: this.pendingFaults.map((f) => ({ ...f.fault, times: f.left })) }));
    router.post('/_sim/live-change', (_req, res) => this.control(res, () => this.liveChange()));
    router.use(jsonBodyErrors);
    return router;
  }

  /** Confirmations written back, in arrival order (the generic profile's push). */
  confirmations(): Array<{ id: string; key: string; body: unknown }> {
    return [...this.confirmationsByKey.values()];
  }

  private authorized(req: Request, res: Response): boolean {
    const credentials = basicCredentials(req);
    if (credentials && secretEquals(credentials.user, this.options.user) && secretEquals(credentials.password, this.options.password)) return true;
    res.setHeader('WWW-Authenticate', 'Basic realm="ERP"');
    sendError(res, 401, credentials ? `ERP user "${credentials.user}" or its password is wrong` : 'ERP request needs HTTP Basic credentials');
    return false;
  }

  // The key in the body is unique: a repeat is refused with 409 and the id of the first write.
  private confirm(req: Request, res: Response): void {
    if (!this.authorized(req, res)) return;
    const body = req.body as { key?: unknown; orderNo?: unknown; opNo?: unknown };
    const check = validate('confirmation', body);
    if (!check.ok) return sendError(res, 400, check.message);
    const key = String(body.key);
    const existing = this.confirmationsByKey.get(key);
    if (existing) return void res.status(409).json({ error: `confirmation ${key} was posted before`, id: existing.id });
    if (!this.store.has(String(body.orderNo))) return sendError(res, 404, `production order ${String(body.orderNo)} does not exist`);
    const saved = { id: `CONF-${String(this.confirmationsByKey.size + 1).padStart(6, '0')}`, key, body };
    this.confirmationsByKey.set(key, saved);
    res.status(201).json({ id: saved.id });
  }

  private control(res: Response, action: () => unknown): void {
    try {
      res.json(action());
    } catch (err) {
      sendError(res, 400, (err as Error).message);
    }
  }

  private productionOrders(req: Request, res: Response): void {
    this.served++;
    const fault = this.takeFault();
    if (fault) return this.fail(req, res, fault);

    if (!this.authorized(req, res)) return;
    try {
      res.json(this.page(req));
    } catch (err) {
      if (err instanceof BadQuery) return sendError(res, 400, err.message);
      throw err;
    }
  }

  private page(req: Request): { items: unknown[]; offset: number; limit: number; total: number } {
    const since = queryParam(req, 'updatedSince');
    // An unencoded '+' in a query string arrives as a space; read "…08:30:00 08:00" as the +08:00 it was.
    const sinceMs = since === undefined ? undefined : parseIsoWithZone(since.replace(/ (\d{2}:\d{2})$/, '+$1'));
    if (since !== undefined && sinceMs === undefined) {
      throw new BadQuery(`query parameter updatedSince must be an ISO 8601 date-time with a time zone, e.g. 2026-11-20T08:30:00+08:00; got "${since}"`);
    }
    const offset = integerParam(req, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = integerParam(req, 'limit', DEFAULT_LIMIT, 1, MAX_LIMIT);
    const matching = [...this.store.values()]
      .map((item) => ({ item, at: Date.parse(String((item as { updatedAt?: unknown }).updatedAt)), no: String((item as { orderNo?: unknown }).orderNo) }))
      // An item without a readable updatedAt is always served (first), so clients meet it rather than it hiding.
      .filter((o) => sinceMs === undefined || Number.isNaN(o.at) || o.at >= sinceMs)
      .sort((a, b) => (Number.isNaN(a.at) ? -Infinity : a.at) - (Number.isNaN(b.at) ? -Infinity : b.at) || compareText(a.no, b.no));
    return { items: matching.slice(offset, offset + limit).map((o) => structuredClone(o.item)), offset, limit, total: matching.length };
  }

  /** The next armed fault for these requests, if any (faults for the other target wait their turn). */
  private takeFault(target: ErpFaultTarget = 'orders'): ErpFault | undefined {
    const index = this.pendingFaults.findIndex((f) => (f.fault.target ?? 'orders') === target);
    if (index < 0) return undefined;
    const next = this.pendingFaults[index];
    if (--next.left <= 0) this.pendingFaults.splice(index, 1);
    return next.fault;
  }

  private fail(req: Request, res: Response, fault: ErpFault): void {
    switch (fault.kind) {
      case 'status':
        if (fault.status === 503 || fault.status === 429) res.setHeader('Retry-After', '1');
        return sendError(res, fault.status, fault.message ?? `simulated ERP fault: HTTP ${fault.status} on ${req.originalUrl}`);
      case 'timeout':
        // Accept and never answer: the client's own timeout has to give up.
        this.heldResponses.add(res);
        res.on('close', () => this.heldResponses.delete(res));
        return;
      case 'malformed': {
        const body = JSON.stringify({ items: this.orders().slice(0, 5), offset: 0, limit: DEFAULT_LIMIT, total: this.store.size });
        res
          .status(200)
          .type('application/json')
          .send(body.slice(0, Math.floor(body.length / 2)));
        return;
      }
      case 'reset':
        req.socket.destroy();
        return;
    }
  }
}

function queryParam(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new BadQuery(`query parameter ${name} must be given once, as plain text`);
  return value;
}

function integerParam(req: Request, name: string, fallback: number, min: number, max: number): number {
  const text = queryParam(req, name);
  if (text === undefined) return fallback;
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
    throw new BadQuery(`query parameter ${name} must be ${range}; got "${text}"`);
  }
  return value;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
