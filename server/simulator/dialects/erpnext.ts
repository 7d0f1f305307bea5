// Modelled on frappe/erpnext's doctype definitions (erpnext/manufacturing/doctype/work_order/work_order.json,
// job_card/job_card.json, erpnext/stock/doctype/stock_entry/stock_entry.json) and frappe's REST API v1: a stock
// site without custom fields; a field it lacks in `fields` is MariaDB's 500 "Unknown column"; the doctype meta
// is served by frappe.desk.form.load.getdoctype.
// The plant's orders served as ERPNext (Frappe REST, API v1) serves Work Orders: token or session
// auth, /api/resource list and document reads, Job Card time logs and Stock Entries written back,
// Frappe's error envelopes. Mounted by the plant simulator at /erpnext.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { randomBytes } from 'node:crypto';
import type { SimulatedErp } from '../erp';
import { BODY_LIMIT, secretEquals } from '../http-util';
import type { ProductionOrder } from '../types';
import { ERROR_KINDS, FrappeError, docFields, hashOf, notFound, sendInjectedError, type ErpnextErrorKind, parseListQuery, runListQuery, sendFrappe, sendFrappeError, type DoctypeMeta, type Row } from './erpnext-frappe';
import { API_USER, JOB_CARD, SiteClock, STOCK_ENTRY, WORK_ORDER, jobCardDoc, newJobCard, withoutNulls, workOrderDoc, workOrderRow, type JobCard } from './erpnext-records';
export type { ErpnextErrorKind } from './erpnext-frappe';
import { draftStockEntry, insertStockEntry, updateJobCard, type WorkOrderView } from './erpnext-writes';

export interface ErpnextDialectOptions {
  apiKey?: string; // default 'mesbridge0a1b2c'
  apiSecret?: string; // default 'demo-erpnext-secret'
  user?: string; // session login (POST /api/method/login): default 'mes-bridge@plant.local'
  password?: string; // default 'demo-erpnext-pass'
  now?: () => Date;
  timeZone?: string; // the site's System Settings time zone, default Asia/Shanghai
}

const MAKE_STOCK_ENTRY = 'erpnext.manufacturing.doctype.work_order.work_order.make_stock_entry';

interface Stamp {
  revision: unknown;
  updatedAt: unknown;
  creation: bigint;
  modified: bigint;
}
type Caller = { user: string; sessionExpired: boolean };

export function createErpnextDialect(erp: SimulatedErp, options: ErpnextDialectOptions = {}) {
  const apiKey = options.apiKey ?? 'mesbridge0a1b2c';
  const apiSecret = options.apiSecret ?? 'demo-erpnext-secret';
  const loginUser = options.user ?? API_USER;
  const loginPassword = options.password ?? 'demo-erpnext-pass';
  const now = options.now ?? (() => new Date());
  const clock = new SiteClock(options.timeZone ?? 'Asia/Shanghai');

  const stamps = new Map<string, Stamp>();
  const producedQty = new Map<string, number>();
  const jobCards = new Map<string, JobCard>();
  const cardsOfOrder = new Map<string, string[]>();
  const stockEntries = new Map<string, Row>();
  const sessions = new Map<string, string>();
  const pendingErrors: ErpnextErrorKind[] = [];
  const accepted: Array<{ at: string; body: unknown; id: string }> = [];
  let lastMicros = 0n;
  let stockEntrySeq = 0;

  /** Now as epoch microseconds, strictly increasing so two saves never share a `modified`. */
  const nowMicros = (): bigint => {
    const t = BigInt(now().getTime()) * 1000n;
    lastMicros = t > lastMicros ? t : lastMicros + 1n;
    return lastMicros;
  };

  // `modified` carries microseconds like MariaDB's datetime(6); the canonical updatedAt has seconds,
  // so the fraction is a stable hash of the version, kept monotonic across revisions.
  function stampOf(order: ProductionOrder): Stamp {
    const prev = stamps.get(order.orderNo);
    if (prev && prev.revision === order.revision && prev.updatedAt === order.updatedAt) return prev;
    const ms = Date.parse(String(order.updatedAt));
    const base = BigInt(Number.isNaN(ms) ? 0 : ms) * 1000n + BigInt(Number.parseInt(hashOf(`${order.orderNo}|${String(order.revision)}|${String(order.updatedAt)}`, 8), 16) % 1_000_000);
    const stamp: Stamp = {
      revision: order.revision,
      updatedAt: order.updatedAt,
      creation: prev?.creation ?? base - BigInt(Number(order.revision) || 0) * 3_600_000_000n,
      modified: prev && base <= prev.modified ? prev.modified + 1n : base,
    };
    stamps.set(order.orderNo, stamp);
    return stamp;
  }

  function rowOf(order: ProductionOrder): Row {
    const s = stampOf(order);
    return workOrderRow(order, { creation: clock.stamp(s.creation), modified: clock.stamp(s.modified), producedQty: producedQty.get(order.orderNo) ?? 0 }, clock);
  }

  function workOrders(): Array<{ order: ProductionOrder; row: Row }> {
    return erp
      .orders()
      .filter((o) => typeof o?.orderNo === 'string')
      .map((order) => ({ order, row: rowOf(order) }));
  }

  // One document's row alone: building every row for each single-document GET made a page of reads quadratic.
  function workOrderView(name: string): (WorkOrderView & { order: ProductionOrder }) | undefined {
    const order = erp.order(name);
    if (!order || typeof order.orderNo !== 'string') return undefined;
    const row = rowOf(order);
    return { order, row, doc: workOrderDoc(order, row, clock) };
  }

  // ERPNext creates a Job Card per operation when a Work Order is submitted.
  function ensureJobCards(): void {
    for (const { order, row } of workOrders()) {
      if (row.docstatus !== 1 || cardsOfOrder.has(order.orderNo) || !Array.isArray(order.operations)) continue;
      const doc = workOrderDoc(order, row, clock);
      const names = order.operations.map((_op, i) => {
        const name = `PO-JOB${String(jobCards.size + 1).padStart(5, '0')}`;
        jobCards.set(name, newJobCard(name, order, doc, i, String(row.modified)));
        return name;
      });
      cardsOfOrder.set(order.orderNo, names);
    }
  }

  function caller(req: Request): Caller {
    const header = req.headers.authorization ?? '';
    const parts = header.split(' ');
    if (parts.length === 2) {
      let pair: string[] = [];
      if (parts[0].toLowerCase() === 'token') pair = parts[1].split(':');
      else if (parts[0].toLowerCase() === 'basic') pair = Buffer.from(parts[1], 'base64').toString('utf8').split(':');
      if (pair.length === 2 && secretEquals(pair[0], apiKey) && secretEquals(pair[1], apiSecret)) return { user: loginUser, sessionExpired: false };
      throw new FrappeError(401, 'AuthenticationError', 'frappe.exceptions', '');
    }
    const sid = /(?:^|;\s*)sid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    if (sid && sid !== 'Guest') {
      const user = sessions.get(sid);
      if (user) return { user, sessionExpired: false };
      return { user: 'Guest', sessionExpired: true };
    }
    return { user: 'Guest', sessionExpired: false };
  }

  function requireUser(who: Caller, doctype: string): void {
    if (who.user !== 'Guest') return;
    const message = `User <strong>Guest</strong> does not have doctype access via role permission for document <strong>${doctype}</strong>`;
    throw new FrappeError(403, 'PermissionError', 'frappe.exceptions', message, message, who.sessionExpired ? { session_expired: 1 } : {});
  }

  const metaOf = (doctype: string): DoctypeMeta => {
    const meta = [WORK_ORDER, JOB_CARD, STOCK_ENTRY].find((m) => m.name === doctype);
    return meta ?? notFound('DocType', doctype);
  };

  function listRows(meta: DoctypeMeta): Row[] {
    if (meta === WORK_ORDER) return workOrders().map((w) => w.row);
    if (meta === JOB_CARD) return (ensureJobCards(), [...jobCards.values()].map((c) => c.row));
    return [...stockEntries.values()].map(({ items: _items, doctype: _d, ...row }) => row);
  }

  function readDoc(meta: DoctypeMeta, name: string): Row {
    if (meta === WORK_ORDER) return workOrderView(name)?.doc ?? notFound('Work Order', name);
    if (meta === JOB_CARD) {
      ensureJobCards();
      const card = jobCards.get(name);
      return card ? jobCardDoc(card) : notFound('Job Card', name);
    }
    const entry = stockEntries.get(name);
    return entry ? withoutNulls(entry) : notFound('Stock Entry', name);
  }

  const record = (id: string, body: unknown) => accepted.push({ at: now().toISOString(), body: structuredClone(body), id });

  // Frappe reads JSON bodies, form bodies, or a form field `data` holding JSON.
  function bodyOf(req: Request): Row {
    const body = (req.body ?? {}) as Row;
    if (typeof body.data === 'string') {
      try {
        return JSON.parse(body.data) as Row;
      } catch {
        return body;
      }
    }
    return body;
  }

  const handle = (fn: (req: Request, res: Response, who: Caller) => void) => (req: Request, res: Response) => {
    let who: Caller = { user: 'Guest', sessionExpired: false };
    try {
      who = caller(req);
      fn(req, res, who);
    } catch (err) {
      if (err instanceof FrappeError) {
        if (err.excType === 'AuthenticationError') res.setHeader('Set-Cookie', 'sid=Guest; Path=/; HttpOnly; SameSite=Lax');
        return sendFrappeError(res, err, who.user !== 'Guest');
      }
      sendFrappeError(res, new FrappeError(500, (err as Error).name || 'Exception', 'builtins', (err as Error).message), who.user !== 'Guest');
    }
  };

  const router = express.Router();
  router.use(express.json({ limit: BODY_LIMIT }), express.urlencoded({ extended: false, limit: BODY_LIMIT }));

  router.post(
    '/api/method/login',
    handle((req, res) => {
      const body = bodyOf(req);
      if (body.usr !== loginUser || typeof body.pwd !== 'string' || !secretEquals(body.pwd, loginPassword)) {
        return sendFrappe(res, 401, { message: 'Invalid login credentials', exc_type: 'AuthenticationError' });
      }
      const sid = randomBytes(28).toString('hex').slice(0, 56);
      sessions.set(sid, loginUser);
      res.setHeader('Set-Cookie', [
        `sid=${sid}; Expires=${new Date(now().getTime() + 3 * 86_400_000).toUTCString()}; Max-Age=259200; HttpOnly; Path=/; SameSite=Lax`,
        'system_user=yes; Path=/; SameSite=Lax',
        `user_id=${encodeURIComponent(loginUser)}; Path=/; SameSite=Lax`,
      ]);
      sendFrappe(res, 200, { message: 'Logged In', home_page: '/app', full_name: 'MES Bridge' });
    }),
  );

  router.all(
    '/api/method/frappe.auth.get_logged_user',
    handle((_req, res, who) => {
      if (who.user === 'Guest') throw new FrappeError(401, 'AuthenticationError', 'frappe.exceptions', 'Not Permitted', 'Not Permitted', who.sessionExpired ? { session_expired: 1 } : {});
      sendFrappe(res, 200, { message: who.user });
    }),
  );

  router.all(
    `/api/method/${MAKE_STOCK_ENTRY}`,
    handle((req, res, who) => {
      if (who.user === 'Guest') {
        const message = `<details><summary>You are not permitted to access this resource.</summary>Function <strong>${MAKE_STOCK_ENTRY}</strong> is not whitelisted.</details>`;
        throw new FrappeError(403, 'PermissionError', 'frappe.exceptions', message, message, who.sessionExpired ? { session_expired: 1 } : {});
      }
      const args = { ...(req.query as Row), ...bodyOf(req) };
      for (const param of ['work_order_id', 'purpose']) {
        if (args[param] === undefined) throw new FrappeError(500, 'TypeError', 'builtins', `make_stock_entry() missing 1 required positional argument: '${param}'`);
      }
      const wo = workOrderView(String(args.work_order_id)) ?? notFound('Work Order', String(args.work_order_id));
      sendFrappe(res, 200, { message: draftStockEntry(args, wo, clock.date(now().getTime())) });
    }),
  );

  // The form's meta, as the desk loads it: the doctype with its DocFields (and child doctypes after it).
  router.get(
    '/api/method/frappe.desk.form.load.getdoctype',
    handle((req, res, who) => {
      const doctype = String(req.query.doctype ?? '');
      requireUser(who, doctype);
      const meta = metaOf(doctype);
      sendFrappe(res, 200, { docs: [{ doctype: 'DocType', name: meta.name, module: 'Manufacturing', istable: 0, fields: docFields(meta) }] });
    }),
  );

  router.all(
    /^\/api\/method\/(.+)$/,
    handle((req, _res) => {
      const cmd = decodeURIComponent(String(req.params[0]));
      throw new FrappeError(
        417,
        'ValidationError',
        'frappe.exceptions',
        `Failed to get method for command ${cmd} with No module named '${cmd.split('.')[0]}'`,
        `Failed to get method for command ${cmd} with No module named '${cmd.split('.')[0]}'`,
      );
    }),
  );

  router.get(
    /^\/api\/resource\/([^/]+)\/?$/,
    handle((req, res, who) => {
      const kind = pendingErrors.shift();
      if (kind) return sendInjectedError(res, kind, loginUser);
      const meta = metaOf(decodeURIComponent(String(req.params[0])));
      requireUser(who, meta.name);
      const query = parseListQuery(meta, req.query as Record<string, unknown>);
      sendFrappe(res, 200, { data: runListQuery(meta, listRows(meta), query) });
    }),
  );

  router.get(
    /^\/api\/resource\/([^/]+)\/(.+?)\/?$/,
    handle((req, res, who) => {
      const kind = pendingErrors.shift();
      if (kind) return sendInjectedError(res, kind, loginUser);
      const meta = metaOf(decodeURIComponent(String(req.params[0])));
      requireUser(who, meta.name);
      sendFrappe(res, 200, { data: readDoc(meta, decodeURIComponent(String(req.params[1]))) });
    }),
  );

  router.put(
    /^\/api\/resource\/Job(?:%20| )Card\/(.+?)\/?$/,
    handle((req, res, who) => {
      requireUser(who, 'Job Card');
      ensureJobCards();
      const name = decodeURIComponent(String(req.params[0]));
      const card = jobCards.get(name) ?? notFound('Job Card', name);
      const body = bodyOf(req);
      updateJobCard(card, body, clock.stamp(nowMicros()), workOrderView(String(card.row.work_order))?.row.status as string | undefined);
      record(name, body);
      sendFrappe(res, 200, { data: jobCardDoc(card) });
    }),
  );

  router.post(
    /^\/api\/resource\/Stock(?:%20| )Entry\/?$/,
    handle((req, res, who) => {
      requireUser(who, 'Stock Entry');
      const body = bodyOf(req);
      const at = nowMicros();
      const year = clock.date(Number(at / 1000n)).slice(0, 4);
      const name = `MAT-STE-${year}-${String(stockEntrySeq + 1).padStart(5, '0')}`;
      const { doc, manufactured } = insertStockEntry(body, {
        name,
        stamp: clock.stamp(at),
        today: clock.date(Number(at / 1000n)),
        workOrder: (wo) => workOrderView(wo),
      });
      stockEntrySeq++;
      stockEntries.set(name, doc);
      if (manufactured > 0) {
        // Submitting a Manufacture entry updates the Work Order's produced_qty, and with it `modified`.
        const no = String(doc.work_order);
        producedQty.set(no, (producedQty.get(no) ?? 0) + manufactured);
        const s = stamps.get(no);
        if (s) s.modified = nowMicros();
      }
      record(name, body);
      sendFrappe(res, 200, { data: doc });
    }),
  );

  router.all(
    /^\/api\/resource\/.*/,
    handle((req, _res, who) => {
      requireUser(who, 'DocType');
      throw new FrappeError(405, 'MethodNotAllowed', 'werkzeug.exceptions', `405 Method Not Allowed: The method ${req.method} is not allowed for the requested URL.`);
    }),
  );

  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    const type = (err as { type?: string }).type;
    if (type === 'entity.parse.failed') {
      return sendFrappeError(res, new FrappeError(500, 'JSONDecodeError', 'json.decoder', `Expecting value: ${(err as Error).message} (body of ${req.method} ${req.originalUrl})`), false);
    }
    next(err);
  });

  return {
    router: router as Router,
    writes: () => accepted.map((w) => structuredClone(w)),
    /** Logs every session out, as an expired `sid` would; API key/secret auth is stateless and unaffected. */
    expireSessions: () => sessions.clear(),
    injectError(kind: string): void {
      if (!ERROR_KINDS.includes(kind as ErpnextErrorKind)) throw new Error(`ERPNext error kind must be one of ${ERROR_KINDS.join(', ')}; got ${JSON.stringify(kind)}`);
      pendingErrors.push(kind as ErpnextErrorKind);
    },
    close: () => {
      sessions.clear();
      pendingErrors.length = 0;
    },
  };
}
