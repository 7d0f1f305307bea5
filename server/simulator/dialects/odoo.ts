// Modelled on odoo/odoo's own sources: addons/mrp/models/mrp_production.py, mrp_workorder.py (no `sequence`
// in 17.0), addons/stock/models/stock_move.py and stock_warehouse.py, odoo/service/model.py (execute_kw) and
// the 19.0 JSON-2 controller. `version` 17, 18 or 19; an unknown field is ValueError "Invalid field …".
// The simulated ERP speaking Odoo: the classic external API (POST /jsonrpc, services "common" and
// "object", credentials inside every call, errors as HTTP 200 with an `error` member) and the
// JSON-2 API of Odoo 19+ (POST /json/2/<model>/<method>, bearer API key, named arguments, bare
// results, real HTTP status codes). Both reach the same manufacturing data (see odoo-models.ts).
import express, { type Request, type Response, type Router } from 'express';
import { type SimulatedErp } from '../erp';
import { BODY_LIMIT, secretEquals } from '../http-util';
import { OdooPlant, type OdooVersion } from './odoo-models';
import { METHOD_SPECS, OdooMethods, READ_METHODS } from './odoo-methods';
import { OdooError, bindPositional, typeError } from './odoo-orm';

export interface OdooDialectOptions {
  database?: string; // default 'plant1010'
  login?: string; // default 'mes-bridge'
  password?: string; // default 'demo-odoo-pass'
  /** An API key of the same user: the bearer token of JSON-2, and accepted as a password on /jsonrpc. */
  apiKey?: string; // default 'demo-odoo-api-key'
  uid?: number; // default 7
  now?: () => Date;
  /** The integration user's tz preference (context_get); Odoo itself stores and serves UTC. */
  timeZone?: string; // default Asia/Shanghai
  /** 17 has no mrp.workorder.sequence and no JSON-2 API; 18 has the field; 19 both. Default 19. */
  version?: OdooVersion;
}

export type OdooErrorKind = 'server-error' | 'access-error' | 'access-denied' | 'missing-error' | 'user-error' | 'session-expired';
const ERROR_KINDS: OdooErrorKind[] = ['server-error', 'access-error', 'access-denied', 'missing-error', 'user-error', 'session-expired'];

/** Methods that exist in Odoo but which the integration user may not run: they answer AccessError. */
const REFUSED_METHODS = new Set(['unlink', 'copy', 'action_confirm', 'action_cancel', 'action_assign']);

interface WriteRecord {
  at: string;
  body: unknown;
  id: string;
}

type Api = 'jsonrpc' | 'json2';

export function createOdooDialect(erp: SimulatedErp, options: OdooDialectOptions = {}) {
  const database = options.database ?? 'plant1010';
  const login = options.login ?? 'mes-bridge';
  const password = options.password ?? 'demo-odoo-pass';
  const apiKey = options.apiKey ?? 'demo-odoo-api-key';
  const uid = options.uid ?? 7;
  const now = options.now ?? (() => new Date());
  const timeZone = options.timeZone ?? 'Asia/Shanghai';
  const version = options.version ?? 19;
  const VERSION_INFO = [version, 0, 0, 'final', 0, ''];
  const plant = new OdooPlant(erp, uid, 'MES Bridge', version);
  const methods = new OdooMethods(plant, now);
  const log: WriteRecord[] = [];
  let injected: OdooErrorKind | undefined;

  const passwordOk = (given: unknown) => typeof given === 'string' && (secretEquals(given, password) || secretEquals(given, apiKey));

  function injectedError(kind: OdooErrorKind, modelName: string, api: Api): OdooError {
    switch (kind) {
      case 'server-error':
        return new OdooError('psycopg2.errors.SerializationFailure', 'could not serialize access due to concurrent update\n');
      case 'access-error': {
        const description = methods.model(modelName)?.description ?? modelName;
        return new OdooError(
          'odoo.exceptions.AccessError',
          `You are not allowed to access '${description}' (${modelName}) records.\n\nThis operation is allowed for the following groups:\n\t- Manufacturing/User\n\nContact your administrator to request access if necessary.`,
          403,
        );
      }
      case 'access-denied':
        return api === 'json2' ? new OdooError('werkzeug.exceptions.Unauthorized', 'Invalid apikey', 401, ['Invalid apikey', 401]) : new OdooError('odoo.exceptions.AccessDenied', 'Access Denied', 403);
      case 'missing-error':
        return new OdooError('odoo.exceptions.MissingError', `Record does not exist or has been deleted.\n(Record: ${modelName}(1,), User: ${uid})`, 404);
      case 'user-error':
        return new OdooError('odoo.exceptions.UserError', 'The database is being upgraded; try again in a few minutes.', 422);
      case 'session-expired':
        return new OdooError('odoo.http.SessionExpiredException', 'Session expired', 403);
    }
  }

  /** One model method call, whichever API carried it. `ids` is undefined for @api.model calls. */
  function invoke(api: Api, modelName: string, method: string, ids: number[], named: Record<string, unknown>, context: unknown = {}): unknown {
    if (modelName === 'res.users' && method === 'context_get') return { lang: 'zh_CN', tz: timeZone, uid };
    const model = methods.model(modelName)!;
    if (injected && READ_METHODS.has(method)) {
      const kind = injected;
      injected = undefined;
      throw injectedError(kind, modelName, api);
    }
    const ctx = typeof context === 'object' && context !== null && !Array.isArray(context) ? (context as Record<string, unknown>) : {};
    const { result, writeId } = methods.call(model, method, ids, named, ctx);
    if (writeId !== undefined) {
      log.push({ at: now().toISOString(), id: writeId, body: { api, model: modelName, method, ids, args: structuredClone(named) } });
    }
    return result;
  }

  /** get_public_method: the model and method a remote caller may reach, or the error Odoo raises. */
  function resolve(modelName: string, method: string): { spec: (typeof METHOD_SPECS)[string] } | OdooError {
    if (!methods.model(modelName) && !(modelName === 'res.users' && method === 'context_get')) return new OdooError('KeyError', `the model '${modelName}' does not exist`, 404);
    if (method.startsWith('_')) return new OdooError('odoo.exceptions.AccessError', `Private methods (such as '${method}') cannot be called remotely.`, 403);
    if (method === 'context_get') return { spec: { model: true, params: [] } };
    if (REFUSED_METHODS.has(method)) return { spec: { model: false, params: [], varKeywords: true } };
    const spec = METHOD_SPECS[method];
    if (!spec) return new OdooError('builtins.AttributeError', `The method '${method}' does not exist on the model '${modelName}'`, 404);
    return { spec };
  }

  // ---- /jsonrpc ----

  function jsonrpc(req: Request, res: Response): void {
    const mimetype = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (mimetype !== 'application/json' && mimetype !== 'application/json-rpc') {
      return void res
        .status(400)
        .type('text/html')
        .send(werkzeugPage(400, 'Bad Request', "Request inferred type is compatible with ['http'] but /jsonrpc is type=json."));
    }
    let body: unknown;
    try {
      body = JSON.parse(typeof req.body === 'string' ? req.body : '');
    } catch {
      return void res.status(400).type('text/html').send('Invalid JSON data');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return void res.status(400).type('text/html').send('Invalid JSON-RPC data');
    const envelope = body as { id?: unknown; params?: unknown };
    const requestId = envelope.id ?? null;
    try {
      const params = envelope.params ?? {};
      if (typeof params !== 'object' || params === null || Array.isArray(params)) throw typeError(`'${Array.isArray(params) ? 'list' : typeof params}' object is not a mapping`);
      const { service, method, args, ...extra } = params as Record<string, unknown>;
      for (const k of Object.keys(extra)) if (k !== 'context') throw typeError(`RPC.jsonrpc() got an unexpected keyword argument '${k}'`);
      const missing = (['service', 'method', 'args'] as const).filter((k) => (params as Record<string, unknown>)[k] === undefined);
      if (missing.length > 0) throw typeError(`RPC.jsonrpc() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${missing.map((m) => `'${m}'`).join(' and ')}`);
      const result = dispatchRpc(String(service), String(method), Array.isArray(args) ? args : []);
      res.json({ jsonrpc: '2.0', id: requestId, result });
    } catch (err) {
      const e = asOdooError(err);
      const data = { name: e.pyName, debug: traceback(e), message: e.message, arguments: e.args, context: {} };
      const expired = e.pyName === 'odoo.http.SessionExpiredException';
      res.json({ jsonrpc: '2.0', id: requestId, error: { code: expired ? 100 : 200, message: expired ? 'Odoo Session Expired' : 'Odoo Server Error', data } });
    }
  }

  function dispatchRpc(service: string, method: string, args: unknown[]): unknown {
    if (service === 'common') {
      if (method === 'version') return { server_version: `${version}.0`, server_version_info: VERSION_INFO, server_serie: `${version}.0`, protocol_version: 1 };
      if (method !== 'login' && method !== 'authenticate') throw new OdooError('builtins.KeyError', `'exp_${method}'`);
      const [db, user, secret] = args;
      checkDatabase(db);
      return user === login && passwordOk(secret) ? uid : false;
    }
    if (service === 'db') {
      if (method === 'list') return [database];
      if (method === 'server_version') return '19.0';
      throw new OdooError('builtins.KeyError', `'exp_${method}'`);
    }
    if (service !== 'object') throw new OdooError('builtins.KeyError', `'${service}'`);
    if (method !== 'execute_kw' && method !== 'execute') throw new OdooError('builtins.NameError', `'object' service has no method '${method}'`);
    const [db, callerUid, secret, modelName, ...rest] = args;
    checkDatabase(db);
    if (Number(callerUid) !== uid || !passwordOk(secret)) throw new OdooError('odoo.exceptions.AccessDenied', 'Access Denied', 403);
    const name = String(modelName);
    const methodName = String(rest[0]);
    const positional = method === 'execute_kw' ? (rest[1] ?? []) : rest.slice(1);
    const rawKwargs = method === 'execute_kw' ? (rest[2] ?? {}) : {};
    if (!Array.isArray(positional)) throw typeError(`'${typeof positional}' object is not iterable`);
    if (typeof rawKwargs !== 'object' || rawKwargs === null || Array.isArray(rawKwargs)) throw typeError('argument after ** must be a mapping');
    const resolved = resolve(name, methodName);
    if (resolved instanceof OdooError) throw resolved.httpStatus === 404 && resolved.pyName === 'KeyError' ? new OdooError('odoo.exceptions.UserError', `Object ${name} doesn't exist`, 422) : resolved;
    const { context, ...kwargs } = rawKwargs as Record<string, unknown>;
    let ids: number[] = [];
    let callArgs = positional;
    if (!resolved.spec.model) {
      if (positional.length === 0) throw new OdooError('builtins.IndexError', 'list index out of range');
      ids = normaliseIds(positional[0]);
      callArgs = positional.slice(1);
    }
    const named = bindPositional(`BaseModel.${methodName}`, resolved.spec, callArgs, kwargs);
    return invoke('jsonrpc', name, methodName, ids, named, context);
  }

  function checkDatabase(db: unknown): void {
    if (db !== database) {
      throw new OdooError('psycopg2.OperationalError', `connection to server at "localhost" (127.0.0.1), port 5432 failed: FATAL:  database "${String(db)}" does not exist\n`);
    }
  }

  // ---- /json/2 ----

  function json2(req: Request, res: Response): void {
    const fail = (e: OdooError) => {
      if (e.httpStatus === 401) res.setHeader('WWW-Authenticate', 'Bearer');
      res.status(e.httpStatus).json({ name: e.pyName, message: e.message, arguments: e.args, context: {}, debug: traceback(e) });
    };
    try {
      if (req.method !== 'POST') throw httpError(405, 'MethodNotAllowed', 'The method is not allowed for the requested URL.');
      const dbHeader = req.headers['x-odoo-database'];
      if (dbHeader !== undefined && dbHeader !== database) throw httpError(404, 'NotFound', 'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.');
      const raw = typeof req.body === 'string' ? req.body : '';
      const mimetype = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (mimetype !== 'application/json' && raw.length > 0) throw httpError(400, 'BadRequest', "State-changing json2 requests must use the 'application/json' Content-Type (CSRF protection).");
      let body: unknown = {};
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw);
        } catch (err) {
          throw httpError(400, 'BadRequest', `could not parse the body as json: ${(err as Error).message}`);
        }
      }
      const token = /^bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (token === undefined) throw httpError(401, 'Unauthorized', 'User not authenticated, use the "Authorization" header');
      if (!secretEquals(token.trim(), apiKey)) throw httpError(401, 'Unauthorized', 'Invalid apikey');
      // A body that is not an object is dropped silently, as Odoo does (`jsonrequest | args` fails).
      const params = typeof body === 'object' && body !== null && !Array.isArray(body) ? { ...(body as Record<string, unknown>) } : {};
      const { model: modelName, method } = req.params as { model: string; method: string };
      const resolved = resolve(modelName, method);
      if (resolved instanceof OdooError) throw resolved.httpStatus === 404 ? httpError(404, 'NotFound', resolved.message) : resolved;
      const { ids: rawIds, context, ...kwargs } = params;
      const ids = rawIds === undefined ? [] : normaliseIds(rawIds);
      if (resolved.spec.model && ids.length > 0) throw httpError(422, 'UnprocessableEntity', `cannot call ${modelName}.${method} with ids`);
      for (const k of Object.keys(kwargs)) {
        if (!resolved.spec.varKeywords && !resolved.spec.params.some((p) => p.name === k)) throw httpError(422, 'UnprocessableEntity', `got an unexpected keyword argument '${k}'`);
      }
      const missing = resolved.spec.params.find((p) => p.required && !(p.name in kwargs));
      if (missing) throw httpError(422, 'UnprocessableEntity', `missing a required argument: '${missing.name}'`);
      res.json(invoke('json2', modelName, method, ids, kwargs, context));
    } catch (err) {
      fail(asOdooError(err));
    }
  }

  const router = express.Router();
  // Raw text, so malformed JSON is answered the way Odoo answers it, not by a generic parser.
  router.use(express.text({ type: () => true, limit: BODY_LIMIT }));
  router.post('/jsonrpc', jsonrpc);
  // JSON-2 came with 19.0: older servers answer its paths with werkzeug's HTML 404.
  if (version >= 19) router.all('/json/2/:model/:method', json2);
  else router.all(/^\/json\/2(\/.*)?$/, (_req, res) => void res.status(404).type('text/html').send('<!doctype html><title>404 Not Found</title><h1>Not Found</h1><p>The requested URL was not found on the server.</p>'));
  router.all(/^\/json\/2(\/.*)?$/, (_req, res) => {
    res.status(404).json({ name: 'werkzeug.exceptions.NotFound', message: 'Did you mean POST /json/2/<model>/<method>?', arguments: ['Did you mean POST /json/2/<model>/<method>?', 404], context: {}, debug: '' });
  });

  return {
    router: router as Router,
    writes: (): WriteRecord[] => log.map((w) => structuredClone(w)),
    /** /jsonrpc carries the password in every call and JSON-2 a bearer key: Odoo has no session here to expire. */
    expireSessions: (): void => undefined,
    injectError(kind: string): void {
      if (!ERROR_KINDS.includes(kind as OdooErrorKind)) throw new Error(`Odoo error kind must be one of ${ERROR_KINDS.join(', ')}; got ${JSON.stringify(kind)}`);
      injected = kind as OdooErrorKind;
    },
    close(): void {
      injected = undefined;
    },
  };
}

function httpError(status: number, name: string, description: string): OdooError {
  return new OdooError(`werkzeug.exceptions.${name}`, description, status, [description, status]);
}

function normaliseIds(value: unknown): number[] {
  if (typeof value === 'number' && Number.isInteger(value)) return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isInteger(v))) return value as number[];
  throw typeError(`ids must be a list of integers; got ${JSON.stringify(value)}`);
}

function asOdooError(err: unknown): OdooError {
  return err instanceof OdooError ? err : new OdooError('builtins.Exception', (err as Error).message ?? String(err));
}

function traceback(e: OdooError): string {
  return `Traceback (most recent call last):\n  File "/usr/lib/python3/dist-packages/odoo/http.py", line 2138, in _serve_db\n    return service_model.retrying(self._serve_ir_http, self.env)\n${e.pyName}: ${e.message}\n`;
}

function werkzeugPage(status: number, title: string, description: string): string {
  return `<!doctype html>\n<html lang=en>\n<title>${status} ${title}</title>\n<h1>${title}</h1>\n<p>${description}</p>\n`;
}
