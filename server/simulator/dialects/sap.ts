// Modelled on SAP's published service definitions (api.sap.com: OP_API_PRODUCTION_ORDER_2_SRV_0001 and
// OP_API_PROD_ORDER_CONFIRMATION_2_SRV_0001, their EDMX $metadata and OpenAPI): a stock service, no YY1_
// key-user extension fields; an unknown property in $select/$expand/$filter is SAP's 400 "Property … not found";
// an unset CHAR (ManufacturingOrderImportance) is "".
// The simulated ERP as SAP S/4HANA serves it over OData v2: API_PRODUCTION_ORDER_2_SRV (orders with
// $expand=to_ProductionOrderOperation,to_ProductionOrderComponent) and API_PROD_ORDER_CONFIRMATION_2_SRV
// (ProdnOrdConf2), behind Basic auth with SAP's CSRF token dance for writes. Mounted at /sap, so the
// paths are the real ones: `${sim.url}/sap/opu/odata/sap/API_PRODUCTION_ORDER_2_SRV/A_ProductionOrder_2`.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { randomBytes } from 'node:crypto';
import type { SimulatedErp } from '../erp';
import type { ProductionOrder } from '../types';
import { BODY_LIMIT, basicCredentials, secretEquals } from '../http-util';
import { ConfirmationBook, CONFIRMATION_TYPES } from './sap-confirmations';
import { ODataError, sendODataError, type ODataRecord } from './sap-odata';
import { atomEntry, atomFeed, collectionJson, edmx, filtered, page, shape, systemOptions, wantsJson, type EntitySet } from './sap-query';
import { COMPONENT_TYPES, operationTypes, orderTypes, toSapComponents, toSapOperations, toSapOrder, type ChangeTimeFormat, type RecordContext } from './sap-records';

export interface SapDialectOptions {
  user?: string; // default 'erp-bridge'
  password?: string; // default 'demo-erp-pass'
  client?: string; // sap-client, default '100'
  systemId?: string; // names the session cookie SAP_SESSIONID_<SID>_<client>; default 'S4H'
  now?: () => Date;
  timeZone?: string; // plant time zone of dates and times, default Asia/Shanghai
  /** LastChangeDateTime as this API's 14-character UTC string (default) or as Edm.DateTimeOffset like other SAP APIs. */
  changeTimeFormat?: ChangeTimeFormat;
  /** Server-driven paging: at most this many entries per answer, the rest behind d.__next. Default 1000. */
  serverPageSize?: number;
  /** Security session idle timeout (http/security_session_timeout), default 30 minutes. */
  sessionIdleMinutes?: number;
  /** SAP refuses a second confirmation with the same ExternalSystemConfirmation; default true. */
  rejectDuplicateExternalKey?: boolean;
}

export type SapErrorKind = 'internal-error' | 'service-unavailable' | 'no-authorization';
const ERROR_KINDS: SapErrorKind[] = ['internal-error', 'service-unavailable', 'no-authorization'];

export interface SapDialect {
  router: Router;
  writes(): Array<{ at: string; body: unknown; id: string }>;
  expireSessions(): void;
  injectError(kind: string): void;
  close(): void;
}

const ORDER_SERVICE = 'API_PRODUCTION_ORDER_2_SRV';
const CONFIRMATION_SERVICE = 'API_PROD_ORDER_CONFIRMATION_2_SRV';
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'MERGE', 'DELETE']);

interface Session {
  token: string;
  user: string;
  lastUsed: number;
}

export function createSapDialect(erp: SimulatedErp, options: SapDialectOptions = {}): SapDialect {
  const user = options.user ?? 'erp-bridge';
  const password = options.password ?? 'demo-erp-pass';
  const client = options.client ?? '100';
  const cookieName = `SAP_SESSIONID_${options.systemId ?? 'S4H'}_${client}`;
  const now = options.now ?? (() => new Date());
  const timeZone = options.timeZone ?? 'Asia/Shanghai';
  const changeTime = options.changeTimeFormat ?? 'timestamp14';
  const pageSize = options.serverPageSize ?? 1000;
  const idleMs = (options.sessionIdleMinutes ?? 30) * 60_000;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new Error(`serverPageSize must be a positive integer; got ${String(options.serverPageSize)}`);

  const sessions = new Map<string, Session>();
  const pendingErrors: SapErrorKind[] = [];
  const orderSeq = new Map<string, number>();
  const workCentres = new Map<string, string>();
  const book = new ConfirmationBook({ erp, now, timeZone, rejectDuplicateExternalKey: options.rejectDuplicateExternalKey ?? true });

  function context(serviceUrl: string): RecordContext {
    return {
      timeZone,
      changeTime,
      serviceUrl,
      orderSeq: (no) => orderSeq.get(no) ?? 0,
      workCentreId: (code) => {
        if (!workCentres.has(code)) workCentres.set(code, String(10000001 + workCentres.size));
        return workCentres.get(code)!;
      },
      confirmed: (no, op) => book.confirmed(no, op),
    };
  }

  /** The production order service's entity sets over the ERP's orders as they are now. */
  function orderCatalogue(serviceUrl: string): { sets: Record<string, EntitySet>; rows: Record<string, ODataRecord[]>; orders: Map<string, ProductionOrder> } {
    const all = erp.orders();
    for (const o of all) if (!orderSeq.has(o.orderNo)) orderSeq.set(o.orderNo, 1000001 + orderSeq.size);
    const ctx = context(serviceUrl);
    const orders = new Map(all.map((o) => [o.orderNo, o]));
    const operations = new Map(all.map((o) => [o.orderNo, toSapOperations(o, ctx)]));
    const components = new Map(all.map((o) => [o.orderNo, toSapComponents(o, ctx)]));
    const none = (): ODataRecord[] => [];
    const checkLiteral: EntitySet['checkLiteral'] = (property, literal) =>
      property === 'LastChangeDateTime' && literal.type === 'String' && !/^\d{14}$/.test(String(literal.value))
        ? `Invalid value '${String(literal.value)}' for property LastChangeDateTime of type Edm.String (MaxLength 14, format yyyyMMddHHmmss)`
        : undefined;
    const order: EntitySet = {
      name: 'A_ProductionOrder_2',
      typeName: 'A_ProductionOrder_2Type',
      types: orderTypes(changeTime),
      keys: ['ManufacturingOrder'],
      checkLiteral,
      navigation: {
        to_ProductionOrderOperation: (r) => operations.get(String(r.ManufacturingOrder)) ?? [],
        to_ProductionOrderComponent: (r) => components.get(String(r.ManufacturingOrder)) ?? [],
        to_ProductionOrderItem: none,
        to_ProductionOrderStatus: none,
        to_ProductionRsceTools: none,
      },
    };
    const operation: EntitySet = {
      name: 'A_ProductionOrderOperation_2',
      typeName: 'A_ProductionOrderOperation_2Type',
      types: operationTypes(changeTime),
      keys: ['OrderInternalBillOfOperations', 'OrderIntBillOfOperationsItem'],
      checkLiteral,
    };
    const component: EntitySet = { name: 'A_ProductionOrderComponent_2', typeName: 'A_ProductionOrderComponent_2Type', types: COMPONENT_TYPES, keys: ['Reservation', 'ReservationItem'] };
    return {
      sets: { [order.name]: order, [operation.name]: operation, [component.name]: component },
      rows: {
        [order.name]: all.map((o) => toSapOrder(o, ctx)),
        [operation.name]: [...operations.values()].flat(),
        [component.name]: [...components.values()].flat(),
      },
      orders,
    };
  }

  const confirmationSet: EntitySet = { name: 'ProdnOrdConf2', typeName: 'ProdnOrdConf2Type', types: CONFIRMATION_TYPES, keys: ['ConfirmationGroup', 'ConfirmationCount'] };
  function confirmationRecord(serviceUrl: string, record: ODataRecord): ODataRecord {
    const uri = `${serviceUrl}/ProdnOrdConf2(ConfirmationGroup='${String(record.ConfirmationGroup)}',ConfirmationCount='${String(record.ConfirmationCount)}')`;
    return { __metadata: { id: uri, uri, type: `${CONFIRMATION_SERVICE}.ProdnOrdConf2Type` }, ...record, to_ProdnOrdConfMatlDocItm: { __deferred: { uri: `${uri}/to_ProdnOrdConfMatlDocItm` } } };
  }

  // ---- auth and CSRF ------------------------------------------------------------------------

  function sessionOf(req: Request): Session | undefined {
    const sid = cookie(req, cookieName);
    const session = sid ? sessions.get(sid) : undefined;
    if (!session) return undefined;
    if (now().getTime() - session.lastUsed > idleMs) {
      sessions.delete(sid!);
      return undefined;
    }
    session.lastUsed = now().getTime();
    return session;
  }

  function logonFailed(res: Response): void {
    res.status(401).setHeader('WWW-Authenticate', `Basic realm="SAP NetWeaver Application Server [${options.systemId ?? 'S4H'}/${client}]"`);
    res.type('text/html').send('<html><head><title>Logon Error Message</title></head><body><h1>Logon failed</h1><p>Logon failed</p></body></html>');
  }

  function handle(req: Request, res: Response, next: NextFunction): void {
    const json = wantsJson(req);
    const match = /^\/([^/]+)\/?(.*)$/.exec(req.path);
    const service = [ORDER_SERVICE, CONFIRMATION_SERVICE].find((s) => s === match?.[1].toUpperCase());
    const serviceId = service ?? match?.[1] ?? '';
    if (!match || !service) {
      return sendODataError(res, new ODataError(404, '/IWFND/MED/170', `No service found for namespace '/SAP/', name '${serviceId}', version '0001'`), serviceId, json);
    }
    const sapClient = new URLSearchParams(req.originalUrl.split('?')[1] ?? '').get('sap-client');
    const session = sessionOf(req);
    const credentials = basicCredentials(req);
    const basicOk = !!credentials && secretEquals(credentials.user.toLowerCase(), user.toLowerCase()) && secretEquals(credentials.password, password);
    if ((sapClient !== null && sapClient !== client) || (!session && !basicOk)) return logonFailed(res);
    const logonUser = session?.user ?? credentials!.user;
    const tokenHeader = req.headers['x-csrf-token'];
    if (WRITE_METHODS.has(req.method)) {
      // The token is bound to the security session in the cookie; Basic alone cannot validate it.
      if (!session || typeof tokenHeader !== 'string' || !secretEquals(tokenHeader, session.token)) {
        res.status(403).setHeader('x-csrf-token', 'Required');
        res.type('text/plain').send('CSRF token validation failed');
        return;
      }
    } else if (typeof tokenHeader === 'string' && tokenHeader.toLowerCase() === 'fetch') {
      let current = session;
      if (!current) {
        const sid = randomBytes(24).toString('base64url');
        current = { token: randomBytes(18).toString('base64'), user: logonUser, lastUsed: now().getTime() };
        sessions.set(sid, current);
        res.append('Set-Cookie', `${cookieName}=${sid}; path=/; HttpOnly`);
        res.append('Set-Cookie', `sap-usercontext=sap-client=${client}; path=/`);
      }
      res.setHeader('x-csrf-token', current.token);
    }
    const serviceUrl = `${req.protocol}://${req.get('host')}${req.baseUrl}/${service}`;
    const resource = decodeURIComponent(match[2]);
    try {
      if (service === ORDER_SERVICE) orderService(req, res, resource, serviceUrl, json, logonUser);
      else confirmationService(req, res, resource, serviceUrl, json, logonUser);
    } catch (err) {
      if (err instanceof ODataError) return sendODataError(res, err, service, json);
      next(err);
    }
  }

  function serviceRoot(res: Response, names: string[], json: boolean, serviceUrl: string): void {
    if (json) res.json({ d: { EntitySets: names } });
    else
      res
        .type('application/xml')
        .send(
          `<?xml version="1.0" encoding="utf-8"?><app:service xml:base="${serviceUrl}/" xmlns:app="http://www.w3.org/2007/app" xmlns:atom="http://www.w3.org/2005/Atom"><app:workspace><atom:title>Data</atom:title>${names.map((n) => `<app:collection href="${n}"><atom:title>${n}</atom:title></app:collection>`).join('')}</app:workspace></app:service>`,
        );
  }

  function orderService(req: Request, res: Response, resource: string, serviceUrl: string, json: boolean, logonUser: string): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new ODataError(405, '/IWBEP/CM_MGW_RT/011', `Method ${req.method} is not supported for ${resource || 'the service document'} in this system`);
    const { sets, rows, orders } = orderCatalogue(serviceUrl);
    if (resource === '') return serviceRoot(res, Object.keys(sets), json, serviceUrl);
    if (resource === '$metadata') return void res.type('application/xml').send(edmx(ORDER_SERVICE, Object.values(sets)));
    const injected = pendingErrors.shift();
    if (injected) return failAsInjected(res, injected, json, logonUser);
    const options = systemOptions(req);
    const selfUrl = `${req.protocol}://${req.get('host')}${req.originalUrl}`;
    const single = /^A_ProductionOrder_2\('((?:[^']|'')*)'\)(?:\/(\w+))?$/.exec(resource);
    if (single) {
      const orderSet = sets.A_ProductionOrder_2;
      const orderNo = single[1].replace(/''/g, "'");
      const record = orders.has(orderNo) ? rows.A_ProductionOrder_2.find((r) => r.ManufacturingOrder === orderNo) : undefined;
      if (!record) throw new ODataError(404, '/IWBEP/CM_MGW_RT/020', `Resource not found for segment 'A_ProductionOrder_2Type'`);
      if (!single[2]) return sendEntity(res, shape(orderSet, record, options), orderSet.typeName, json);
      const nav = orderSet.navigation?.[single[2]];
      if (!nav) throw new ODataError(404, '/IWBEP/CM_MGW_RT/020', `Resource not found for segment '${single[2]}'`);
      const childSet = single[2] === 'to_ProductionOrderOperation' ? sets.A_ProductionOrderOperation_2 : single[2] === 'to_ProductionOrderComponent' ? sets.A_ProductionOrderComponent_2 : undefined;
      const children = nav(record);
      return sendCollection(res, childSet ?? { ...orderSet, navigation: {} }, children, options, selfUrl, json);
    }
    const collection = /^(\w+)(\/\$count)?$/.exec(resource);
    const set = collection ? sets[collection[1]] : undefined;
    if (!collection || !set) throw new ODataError(404, '/IWBEP/CM_MGW_RT/020', `Resource not found for segment '${resource.split('/')[0]}'`);
    if (collection[2]) return void res.type('text/plain').send(String(filtered(set, rows[set.name], options).length));
    sendCollection(res, set, rows[set.name], options, selfUrl, json);
  }

  function confirmationService(req: Request, res: Response, resource: string, serviceUrl: string, json: boolean, logonUser: string): void {
    const records = () => book.list().map((c) => confirmationRecord(serviceUrl, c.record));
    if (resource === '' || resource === '$metadata') {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new ODataError(405, '/IWBEP/CM_MGW_RT/011', `Method ${req.method} is not supported for ${resource || 'the service document'}`);
      if (resource === '') return serviceRoot(res, ['ProdnOrdConf2'], json, serviceUrl);
      return void res.type('application/xml').send(edmx(CONFIRMATION_SERVICE, [confirmationSet]));
    }
    if (resource === 'ProdnOrdConf2' && req.method === 'POST') {
      if (!/^application\/json/i.test(req.headers['content-type'] ?? ''))
        throw new ODataError(415, '/IWBEP/CM_MGW_RT/004', `Content-Type '${req.headers['content-type'] ?? ''}' is not supported for POST ProdnOrdConf2; send application/json`);
      let body: unknown;
      try {
        body = JSON.parse(typeof req.body === 'string' ? req.body : '');
      } catch (err) {
        throw new ODataError(400, '/IWBEP/CM_MGW_RT/004', `Malformed JSON in the request body of POST ProdnOrdConf2: ${(err as Error).message}`);
      }
      const accepted = book.post(body, logonUser);
      const record = confirmationRecord(serviceUrl, accepted.record);
      res.status(201).setHeader('Location', (record.__metadata as { uri: string }).uri);
      return sendEntity(res, record, confirmationSet.typeName, true);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new ODataError(405, '/IWBEP/CM_MGW_RT/011', `Method ${req.method} is not supported for ${resource}`);
    const options = systemOptions(req);
    const key = /^ProdnOrdConf2\(ConfirmationGroup='(\d+)',ConfirmationCount='(\d+)'\)$/.exec(resource);
    if (key) {
      const found = records().find((r) => r.ConfirmationGroup === key[1] && r.ConfirmationCount === key[2]);
      if (!found) throw new ODataError(404, '/IWBEP/CM_MGW_RT/020', `Resource not found for segment 'ProdnOrdConf2Type'`);
      return sendEntity(res, shape(confirmationSet, found, options), confirmationSet.typeName, json);
    }
    const count = /^ProdnOrdConf2\/\$count$/.test(resource);
    if (resource !== 'ProdnOrdConf2' && !count) throw new ODataError(404, '/IWBEP/CM_MGW_RT/020', `Resource not found for segment '${resource.split(/[/(]/)[0]}'`);
    if (count) return void res.type('text/plain').send(String(filtered(confirmationSet, records(), options).length));
    sendCollection(res, confirmationSet, records(), options, `${req.protocol}://${req.get('host')}${req.originalUrl}`, json);
  }

  function sendCollection(res: Response, set: EntitySet, rows: ODataRecord[], options: Map<string, string>, selfUrl: string, json: boolean): void {
    const p = page(set, rows, options, pageSize, selfUrl);
    if (json) res.json(collectionJson(p));
    else res.type('application/atom+xml;type=feed; charset=utf-8').send(atomFeed(selfUrl, set, p));
  }

  function sendEntity(res: Response, record: ODataRecord, typeName: string, json: boolean): void {
    if (json) res.json({ d: record });
    else res.type('application/atom+xml;type=entry; charset=utf-8').send(`<?xml version="1.0" encoding="utf-8"?>${atomEntry(record, typeName, true)}`);
  }

  function failAsInjected(res: Response, kind: SapErrorKind, json: boolean, logonUser: string): void {
    switch (kind) {
      case 'internal-error':
        return sendODataError(res, new ODataError(500, 'SY/530', 'An exception was raised'), ORDER_SERVICE, json);
      case 'no-authorization':
        return sendODataError(res, new ODataError(403, '/IWFND/CM_CONSUMER/101', `No authorization to access Service '${ORDER_SERVICE}_0001' for user ${logonUser.toUpperCase()}`), ORDER_SERVICE, json);
      case 'service-unavailable':
        // The ICM answers, not Gateway: an HTML page, no OData envelope.
        res
          .status(503)
          .type('text/html')
          .send('<html><head><title>Service Unavailable</title></head><body><h2>503 Service Unavailable</h2><p>No server is available to handle this request, or the application server is not reachable.</p></body></html>');
    }
  }

  const router = express.Router();
  const mount = /^\/opu\/odata\/sap(?=\/|$)/i;
  router.use(mount, express.text({ type: () => true, limit: BODY_LIMIT }));
  router.use(mount, handle);

  return {
    router,
    writes: () => book.list().map(({ at, body, id }) => ({ at, body: structuredClone(body), id })),
    expireSessions: () => sessions.clear(),
    injectError(kind: string) {
      if (!ERROR_KINDS.includes(kind as SapErrorKind)) throw new Error(`SAP error kind must be one of ${ERROR_KINDS.join(', ')}; got ${JSON.stringify(kind)}`);
      pendingErrors.push(kind as SapErrorKind);
    },
    close: () => {
      sessions.clear();
      pendingErrors.length = 0;
    },
  };
}

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
