// Modelled on Kingdee's published K/3 Cloud WebAPI (open.kingdee.com: ExecuteBillQuery, Save, QueryBusinessInfo
// on PRD_MO, SFC_OperationPlanning, PRD_PPBOM, PRD_MORPT): a stock account set without F_PAEZ_ extension fields
// unless `extensions` is set; an unknown field key is refused inside the 200 with 元数据中标识为…的字段不存在.
// The simulated ERP as Kingdee K/3 Cloud (金蝶云星空) WebAPI serves it: POST *.common.kdsvc stubs,
// session login setting the kdservice-sessionid cookie (20 min idle), ExecuteBillQuery answering
// arrays of arrays in FieldKeys order with its errors hidden inside an HTTP 200 array, and
// DynamicFormService.Save of production reports (PRD_MORPT).
import express, { type Request, type Response, type Router } from 'express';
import { randomUUID } from 'node:crypto';
import type { SimulatedErp } from '../erp';
import { BODY_LIMIT, secretEquals } from '../http-util';
import { BillBook, MO_FIELDS, MO_FIELDS_EXTENDED, OPERATION_PLAN_FIELDS, OPERATION_PLAN_FIELDS_EXTENDED, PPBOM_FIELDS, orderForms } from './kingdee-forms';
import { FieldCatalogue, KingdeeQueryError, compileFilter, compileOrder, type Row, unknownField, zoneOffsetMs } from './kingdee-query';
import { REPORT_FIELDS, REPORT_FIELDS_EXTENDED, ReportBook, type SaveError } from './kingdee-report';
import { MorptWorkflow } from './kingdee-morpt';

export interface KingdeeDialectOptions {
  acctId?: string; // 数据中心 (账套) id, default '6571d8f1a2c3e4'
  username?: string; // integration user, default 'mes-bridge'
  appId?: string; // 第三方系统登录授权 app id, default '301451_demoMesBridge'
  appSecret?: string; // default 'demo-kingdee-app-secret-0000001'
  password?: string; // for AuthService.ValidateUser, default 'demo-kingdee-pass'
  sessionIdleMinutes?: number; // default 20
  now?: () => Date;
  timeZone?: string; // the K/3 Cloud server's zone, default Asia/Shanghai
  /** An install with one customer's BOS extensions (F_PAEZ_Priority on PRD_MO, F_PAEZ_QCSpec on the operation plan). Default: stock. */
  extensions?: boolean;
}

export type KingdeeErrorKind = 'session-lost' | 'unknown-field' | 'sql-timeout' | 'response-error';
const ERROR_KINDS: KingdeeErrorKind[] = ['session-lost', 'unknown-field', 'sql-timeout', 'response-error'];

/** ExecuteBillQuery returns at most this many rows per call, whatever Limit asks for. */
export const KINGDEE_MAX_ROWS = 10000;
const SESSION_COOKIE = 'kdservice-sessionid';
const SESSION_LOST = '会话信息已丢失，请重新登录';

type Status = { ErrorCode?: number; IsSuccess: boolean; Errors: SaveError[]; SuccessEntitys: unknown[]; SuccessMessages: unknown[]; MsgCode: number };
const failed = (errors: SaveError[], msgCode: number): { Result: { ResponseStatus: Status } } => ({
  Result: { ResponseStatus: { ErrorCode: 500, IsSuccess: false, Errors: errors, SuccessEntitys: [], SuccessMessages: [], MsgCode: msgCode } },
});
const oneError = (message: string, msgCode: number, field: string | null = null) => failed([{ FieldName: field, Message: message, DIndex: 0 }], msgCode);

/** A request the stub could not even read: K/3 Cloud answers `response_error:` + the serialized exception. */
class MalformedRequest extends Error {}

export function createKingdeeDialect(erp: SimulatedErp, options: KingdeeDialectOptions = {}) {
  const cfg = {
    acctId: options.acctId ?? '6571d8f1a2c3e4',
    username: options.username ?? 'mes-bridge',
    appId: options.appId ?? '301451_demoMesBridge',
    appSecret: options.appSecret ?? 'demo-kingdee-app-secret-0000001',
    password: options.password ?? 'demo-kingdee-pass',
    idleMs: (options.sessionIdleMinutes ?? 20) * 60_000,
    now: options.now ?? (() => new Date()),
    timeZone: options.timeZone ?? 'Asia/Shanghai',
  };
  const sessions = new Map<string, number>(); // session id → last use (ms)
  const bills = new BillBook();
  const reports = new ReportBook(cfg.timeZone);
  const morpt = new MorptWorkflow(() => reports.rows());
  const accepted: Array<{ at: string; body: unknown; id: string }> = [];
  const pendingErrors: KingdeeErrorKind[] = [];
  const unaudited = new Map<string, 'A' | 'B' | 'D'>();

  const router = express.Router();
  // K/3 Cloud reads the body whatever Content-Type says (its own Java SDK sends "applicatin/json").
  router.use(express.text({ type: () => true, limit: BODY_LIMIT }));
  router.post(/^\/k3cloud\/(.+)\.common\.kdsvc$/i, (req, res) => {
    const service = String((req.params as Record<string, string>)[0]).toLowerCase();
    try {
      const body = readBody(req.body);
      switch (service) {
        case 'kingdee.bos.webapi.servicesstub.authservice.loginbyappsecret':
          return login(res, body, 'app');
        case 'kingdee.bos.webapi.servicesstub.authservice.validateuser':
          return login(res, body, 'password');
        case 'kingdee.bos.webapi.servicesstub.dynamicformservice.executebillquery':
          return executeBillQuery(req, res, body);
        case 'kingdee.bos.webapi.servicesstub.dynamicformservice.save':
          return save(req, res, body);
        case 'kingdee.bos.webapi.servicesstub.dynamicformservice.submit':
        case 'kingdee.bos.webapi.servicesstub.dynamicformservice.audit':
          if (morpt.down(service.endsWith('audit') ? 'audit' : 'submit')) return void res.status(500).type('text/html').send('<html><body><h1>500 - Internal server error.</h1></body></html>');
          return void res.json(
            !authenticated(req) ? oneError(SESSION_LOST, 1) : morpt.act(service.endsWith('audit') ? 'audit' : 'submit', String(ci(body, 'formid') ?? ''), jsonArg(ci(body, 'data'), 'data') as Record<string, unknown> | undefined),
          );
        case 'kingdee.bos.webapi.servicesstub.dynamicformservice.querybusinessinfo':
          return queryBusinessInfo(req, res, body);
        default:
          res.status(404).type('text/plain').send(`the simulated K/3 Cloud has no service ${req.params[0]}.common.kdsvc`);
      }
    } catch (err) {
      if (err instanceof MalformedRequest) return responseError(res, err.message);
      throw err;
    }
  });

  function login(res: Response, body: Record<string, unknown>, kind: 'app' | 'password'): void {
    const names = kind === 'app' ? ['acctid', 'username', 'appid', 'appsecret', 'lcid'] : ['acctid', 'username', 'password', 'lcid'];
    const args = positional(body, names);
    const [acctId, username, secret] = [String(args[0] ?? ''), String(args[1] ?? ''), String(args[kind === 'app' ? 3 : 2] ?? '')];
    let message: string | undefined;
    if (!secretEquals(acctId, cfg.acctId)) message = `数据中心“${acctId}”不存在或已被禁用，请检查账套ID。`;
    else if (kind === 'app' && !secretEquals(String(args[2] ?? ''), cfg.appId)) message = '第三方系统登录授权验证信息不存在，请检查应用ID。';
    else if (!secretEquals(username, cfg.username)) message = kind === 'app' ? `第三方系统登录授权中的集成用户“${username}”与登录用户不一致。` : '用户名或密码错误！';
    else if (!secretEquals(secret, kind === 'app' ? cfg.appSecret : cfg.password)) message = kind === 'app' ? '应用密钥(AppSecret)不正确，第三方系统登录授权验证失败。' : '用户名或密码错误！';
    if (message) {
      res.json({
        Message: message,
        MessageCode: null,
        LoginResultType: 0,
        Context: null,
        KDSVCSessionId: null,
        FormId: null,
        RedirectFormParam: null,
        FormInputObject: null,
        ErrorStackTrace: null,
        Lcid: 0,
        AccessToken: null,
        CustomParam: {},
        KdAccessResult: null,
        IsSuccessByAPI: false,
      });
      return;
    }
    const sessionId = randomUUID();
    const aspSession = randomUUID().replace(/-/g, '').slice(0, 24);
    sessions.set(sessionId, cfg.now().getTime());
    res.cookie(SESSION_COOKIE, sessionId, { path: '/', httpOnly: true });
    res.cookie('ASP.NET_SessionId', aspSession, { path: '/', httpOnly: true });
    const offsetTicks = zoneOffsetMs(cfg.now().getTime(), cfg.timeZone) * 10_000;
    const zone = { OffsetTicks: offsetTicks, StandardName: `(UTC${offsetTicks >= 0 ? '+' : '-'}${hhmm(offsetTicks)}) ${cfg.timeZone}`, Id: 230, Number: '1078_SYS', CanBeUsed: true };
    res.json({
      Message: null,
      MessageCode: 'CheckPasswordPolicy',
      LoginResultType: 1,
      Context: {
        UserLocale: 'zh-CN',
        LogLocale: 'zh-CN',
        DBid: cfg.acctId,
        DatabaseType: 3,
        SessionId: aspSession,
        UseLanguages: [{ LocaleId: 2052, LocaleName: '中文(简体)', Alias: 'CN' }],
        UserId: 100008,
        UserName: cfg.username,
        CustomName: '苏州医疗器械有限公司',
        DisplayVersion: '8.2.0.20231215',
        DataCenterName: '苏州工厂正式账套',
        UserToken: randomUUID(),
        CurrentOrganizationInfo: { ID: 100001, AcctOrgType: '1', Name: '苏州工厂', FunctionIds: [101, 102, 103, 104, 106, 107, 108, 109, 110, 111, 112, 113, 114] },
        IsCH_ZH_AutoTrans: false,
        ClientType: 32,
        WeiboAuthInfo: null,
        UTimeZone: zone,
        STimeZone: zone,
        GDCID: cfg.acctId,
        Gsid: null,
        TRLevel: 0,
        ProductEdition: 0,
        DataCenterNumber: '01',
      },
      KDSVCSessionId: sessionId,
      FormId: null,
      RedirectFormParam: null,
      FormInputObject: null,
      ErrorStackTrace: null,
      Lcid: 0,
      AccessToken: null,
      CustomParam: {},
      KdAccessResult: null,
      IsSuccessByAPI: true,
    });
  }

  /** True when the request carries a live session; refreshes its idle clock, as IIS session state does. */
  function authenticated(req: Request): boolean {
    const id = cookie(req, SESSION_COOKIE);
    const last = id === undefined ? undefined : sessions.get(id);
    const now = cfg.now().getTime();
    if (id === undefined || last === undefined) return false;
    if (now - last > cfg.idleMs) {
      sessions.delete(id);
      return false;
    }
    sessions.set(id, now);
    return true;
  }

  function executeBillQuery(req: Request, res: Response, body: Record<string, unknown>): void {
    const injected = pendingErrors.shift();
    if (injected === 'response-error') return responseError(res, '服务器内部错误：未将对象引用设置到对象的实例。');
    if (injected === 'session-lost') return void res.json([[oneError(SESSION_LOST, 1)]]);
    if (injected === 'sql-timeout') return void res.json([[oneError('执行超时已过期。完成操作之前已超时或服务器未响应。', 9)]]);
    if (!authenticated(req)) return void res.json([[oneError(SESSION_LOST, 1)]]);
    const query = queryArgs(body);
    try {
      if (injected === 'unknown-field') throw unknownField(String(query.FieldKeys).split(',')[0]?.trim() || 'FBillNo');
      res.json(runQuery(query));
    } catch (err) {
      if (err instanceof KingdeeQueryError) return void res.json([[oneError(err.message, 9)]]);
      throw err;
    }
  }

  function runQuery(q: Record<string, unknown>): unknown[][] {
    const formId = String(q.FormId ?? '').trim();
    if (formId === '') throw new KingdeeQueryError('FormId 不能为空，请指定要查询的业务对象表单标识。');
    const { catalogue, rows } = form(formId);
    if (typeof q.FieldKeys !== 'string' || q.FieldKeys.trim() === '') throw new KingdeeQueryError('FieldKeys 不能为空，请指定要查询的字段。');
    const keys = q.FieldKeys.split(',').map((k) => catalogue.resolve(k));
    const filter = compileFilter(text(q.FilterString, 'FilterString'), catalogue, cfg.timeZone);
    const order = compileOrder(text(q.OrderString, 'OrderString'), catalogue, cfg.timeZone);
    const top = count(q.TopRowCount, 'TopRowCount');
    const start = count(q.StartRow, 'StartRow');
    const limit = count(q.Limit, 'Limit');
    let matched = rows.filter(filter);
    if (order)
      matched = matched
        .map((row, i) => ({ row, i }))
        .sort((a, b) => order(a.row, b.row) || a.i - b.i)
        .map((x) => x.row);
    if (top > 0) matched = matched.slice(0, top);
    const pageSize = Math.min(limit > 0 ? limit : KINGDEE_MAX_ROWS, KINGDEE_MAX_ROWS);
    return matched.slice(start, start + pageSize).map((row) => keys.map((k) => row[k] ?? null));
  }

  // The forms are derived from the orders once per change of them, not once per query.
  let cached: { version: number; snapshot: ReturnType<typeof orderForms> } | undefined;

  function form(formId: string): { catalogue: FieldCatalogue; rows: Row[] } {
    const id = formId.toUpperCase();
    if (id === 'PRD_MORPT') return { catalogue: options.extensions ? REPORT_FIELDS_EXTENDED : REPORT_FIELDS, rows: morpt.withStatus(reports.rows()) };
    if (id !== 'PRD_MO' && id !== 'SFC_OPERATIONPLANNING' && id !== 'PRD_PPBOM') throw new KingdeeQueryError('业务对象不存在');
    if (!cached || cached.version !== erp.version) cached = { version: erp.version, snapshot: orderForms(erp.orders(), bills, cfg.timeZone, unaudited) };
    const { snapshot } = cached;
    if (id === 'PRD_MO') return { catalogue: options.extensions ? MO_FIELDS_EXTENDED : MO_FIELDS, rows: snapshot.mo };
    if (id === 'PRD_PPBOM') return { catalogue: PPBOM_FIELDS, rows: snapshot.ppbom };
    return { catalogue: options.extensions ? OPERATION_PLAN_FIELDS_EXTENDED : OPERATION_PLAN_FIELDS, rows: snapshot.operations };
  }

  // QueryBusinessInfo (查询表单元数据): the form's entities and their field keys, as an extension-aware client reads them.
  function queryBusinessInfo(req: Request, res: Response, body: Record<string, unknown>): void {
    if (!authenticated(req)) return void res.json(oneError(SESSION_LOST, 1));
    const params = Array.isArray(ci(body, 'parameters')) ? (ci(body, 'parameters') as unknown[]) : undefined;
    const arg = jsonArg(params ? params[0] : ci(body, 'data'), 'data') as Record<string, unknown> | undefined;
    const formId = String((arg && ci(arg, 'FormId')) ?? '');
    let catalogue: FieldCatalogue;
    try {
      catalogue = form(formId).catalogue;
    } catch (err) {
      if (err instanceof KingdeeQueryError) return void res.json(oneError(err.message, 9));
      throw err;
    }
    // Reference fields are listed once by their own key ("FMaterialId"); the query reaches their properties ("FMaterialId.FNumber").
    const keys = [...new Set(Object.keys(catalogue.types).map((k) => k.split('.')[0]))];
    res.json({
      Result: {
        ResponseStatus: { IsSuccess: true, Errors: [], SuccessEntitys: [], SuccessMessages: [], MsgCode: 0 },
        NeedReturnData: { Id: formId.toUpperCase(), Entrys: [{ Key: 'FBillHead', Fields: keys.map((Key) => ({ Key, Name: [{ Key: 2052, Value: Key }] })) }] },
      },
    });
  }

  function save(req: Request, res: Response, body: Record<string, unknown>): void {
    if (!authenticated(req)) return void res.json(oneError(SESSION_LOST, 1));
    const params = Array.isArray(ci(body, 'parameters')) ? (ci(body, 'parameters') as unknown[]) : undefined;
    const formId = String(params ? (params[0] ?? '') : (ci(body, 'formid') ?? ''));
    const data = jsonArg(params ? params[1] : ci(body, 'data'), 'data');
    if (formId.toUpperCase() !== 'PRD_MORPT') {
      return void res.json(oneError(formId ? `业务对象“${formId}”的保存未在模拟的金蝶云星空中开放，仅支持生产汇报单 PRD_MORPT。` : 'formid 不能为空。', 9));
    }
    const orders = new Map(erp.orders().map((o) => [o.orderNo, o]));
    bills.place([...orders.values()]);
    const plants = new Set([...orders.values()].map((o) => o.plant));
    const nowMs = cfg.now().getTime();
    const outcome = reports.save(data && typeof data === 'object' ? ci(data as Record<string, unknown>, 'Model') : undefined, nowMs, bills, orders, plants);
    if ('errors' in outcome) return void res.json(failed(outcome.errors, 11));
    accepted.push({ at: new Date(nowMs).toISOString(), body: { formid: formId, data }, id: outcome.number });
    res.json({
      Result: {
        ResponseStatus: { IsSuccess: true, Errors: [], SuccessEntitys: [{ Id: outcome.id, Number: outcome.number, DIndex: 0 }], SuccessMessages: [], MsgCode: 0 },
        Id: outcome.id,
        Number: outcome.number,
        NeedReturnData: [{}],
      },
    });
  }

  return {
    router: router as Router,
    writes: () => accepted.map((w) => structuredClone(w)),
    documentStatus: (billNo: string) => morpt.statusOf(billNo),
    failNextSubmit: () => morpt.failNextSubmit(),
    /** The PRD_MO bill holding this order stays A 创建, B 审核中 or D 重新审核 (not audited), or is audited again (C). */
    setBillAudit(orderNo: string, status: 'A' | 'B' | 'C' | 'D'): void {
      if (status === 'C') unaudited.delete(orderNo);
      else unaudited.set(orderNo, status);
      cached = undefined;
    },
    expireSessions(): void {
      sessions.clear();
    },
    injectError(kind: string): void {
      if (!ERROR_KINDS.includes(kind as KingdeeErrorKind)) throw new Error(`Kingdee error kind must be one of ${ERROR_KINDS.join(', ')}; got ${JSON.stringify(kind)}`);
      pendingErrors.push(kind as KingdeeErrorKind);
    },
    /** The simulator's order numbers on the PRD_MO bill that holds this one (bills are placed on the first query). */
    billMates(orderNo: string): string[] {
      form('PRD_MO');
      return bills.billMates(orderNo);
    },
    /** The simulator's order number behind a PRD_MO line (FBillNo + FTreeEntity_FSeq), once served. */
    orderNoOf: (billNo: string, seq: number) => bills.orderNoOf(billNo, seq),
    close(): void {
      sessions.clear();
      pendingErrors.length = 0;
    },
  };
}

function responseError(res: Response, message: string): void {
  res
    .status(200)
    .type('text/plain')
    .send(`response_error:${JSON.stringify({ Message: message, InnerExWrapper: null, InnerException: null })}`);
}

function hhmm(ticks: number): string {
  const minutes = Math.abs(ticks) / 600_000_000;
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** JSON body, or a form-urlencoded one whose values may hold JSON (both reach *.kdsvc in the field). */
function readBody(raw: unknown): Record<string, unknown> {
  const textBody = typeof raw === 'string' ? raw.trim() : '';
  if (textBody === '') throw new MalformedRequest('请求参数为空：应为 JSON，例如 {"parameters":[...]} 或 {"data":{...}}。');
  if (textBody.startsWith('{') || textBody.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(textBody);
    } catch (err) {
      throw new MalformedRequest(`请求参数不是有效的 JSON：${(err as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new MalformedRequest('请求参数应为 JSON 对象，例如 {"parameters":[...]}。');
    return parsed as Record<string, unknown>;
  }
  const form: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(textBody)) form[k] = /^\s*[[{]/.test(v) ? safeJson(v) : v;
  if (Object.keys(form).length === 0) throw new MalformedRequest('请求参数不是有效的 JSON。');
  return form;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new MalformedRequest(`请求参数不是有效的 JSON：${text.slice(0, 60)}`);
  }
}

function ci(obj: Record<string, unknown>, key: string): unknown {
  const found = Object.keys(obj).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : obj[found];
}

/** Login arguments: the positional `parameters` array, or the same names as properties. */
function positional(body: Record<string, unknown>, names: string[]): unknown[] {
  const params = ci(body, 'parameters');
  if (Array.isArray(params)) return params;
  if (params !== undefined) throw new MalformedRequest('parameters 应为数组，例如 ["账套ID","用户名",...]。');
  return names.map((n) => ci(body, n));
}

/** A stub argument given as a JSON string (the SDKs' way) or as the object itself. */
function jsonArg(value: unknown, name: string): unknown {
  if (typeof value === 'string') return safeJson(value);
  if (value === undefined) throw new MalformedRequest(`缺少参数 ${name}。`);
  return value;
}

/** The ExecuteBillQuery argument, from {"parameters":["<json>"]} or {"data": <json or object>}. */
function queryArgs(body: Record<string, unknown>): Record<string, unknown> {
  const params = ci(body, 'parameters');
  const raw = Array.isArray(params) ? params[0] : ci(body, 'data');
  if (raw === undefined) throw new MalformedRequest('缺少查询参数：应为 {"parameters":["<查询 JSON>"]} 或 {"data":{...}}。');
  const parsed = jsonArg(raw, 'parameters[0]');
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new MalformedRequest('查询参数应为 JSON 对象，含 FormId、FieldKeys 等。');
  const out: Record<string, unknown> = {};
  for (const key of ['FormId', 'FieldKeys', 'FilterString', 'OrderString', 'TopRowCount', 'StartRow', 'Limit', 'SubSystemId']) out[key] = ci(parsed as Record<string, unknown>, key);
  return out;
}

function text(value: unknown, name: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new KingdeeQueryError(`${name} 应为字符串。`);
  return value;
}

function count(value: unknown, name: string): number {
  if (value === undefined || value === null || value === '') return 0;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 0) throw new KingdeeQueryError(`${name} 应为非负整数，收到 ${JSON.stringify(value)}。`);
  return n;
}
