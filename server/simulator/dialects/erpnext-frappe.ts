// Frappe's REST semantics for the ERPNext dialect: its error envelopes (exc_type, exception, exc,
// _server_messages), Python-style JSON, and frappe.get_list's fields/filters/order_by/limit rules,
// including the loud ones (an unknown field in `fields` is MariaDB's 1054 Unknown column, HTTP 500) and the quiet ones (limit 0 = no limit, default "modified desc").
import type { Response } from 'express';
import { createHash } from 'node:crypto';

export type Row = Record<string, unknown>;
export type FieldType = 'Data' | 'Link' | 'Select' | 'Int' | 'Float' | 'Check' | 'Datetime' | 'Date' | 'Text';
export interface DoctypeMeta {
  name: string;
  fields: Record<string, FieldType>;
  sortField: string; // the doctype's configured default sort, descending
}

/** The DocField list a doctype's meta gives (frappe.desk.form.load.getdoctype → docs[0].fields). */
export function docFields(meta: DoctypeMeta): Array<{ fieldname: string; fieldtype: string; parent: string; idx: number }> {
  return Object.entries(meta.fields).map(([fieldname, fieldtype], i) => ({ fieldname, fieldtype, parent: meta.name, idx: i + 1 }));
}

// Columns every doctype has (frappe.model.default_fields), valid in fields/filters/order_by.
const STANDARD: Record<string, FieldType> = { name: 'Data', owner: 'Link', creation: 'Datetime', modified: 'Datetime', modified_by: 'Link', docstatus: 'Int', idx: 'Int' };
const VALID_OPERATORS = ['=', '!=', '>', '<', '>=', '<=', 'like', 'not like', 'in', 'not in', 'is', 'between', 'timespan', 'previous', 'next', 'descendants of', 'not descendants of', 'ancestors of', 'not ancestors of'];
const FALLBACK_DATETIME = '0001-01-01 00:00:00.000000';

/** A Frappe exception on its way to the client, shaped by report_error + make_logs. */
export class FrappeError extends Error {
  constructor(
    readonly status: number,
    readonly excType: string,
    readonly excModule: string,
    readonly detail: string | undefined, // str(exception); '' when raised bare
    readonly userMessage?: string, // what frappe.throw/msgprint queued in _server_messages
    readonly extra: Row = {},
  ) {
    super(detail ? `${excType}: ${detail}` : excType);
  }
}

export const throwValidation = (message: string, excType = 'ValidationError', excModule = 'frappe.exceptions', status = 417): never => {
  throw new FrappeError(status, excType, excModule, message, message);
};
export const notFound = (doctype: string, name: string): never => {
  throw new FrappeError(404, 'DoesNotExistError', 'frappe.exceptions', `${doctype} ${name} not found`, `${doctype} ${name} not found`);
};
export const unknownColumn = (column: string, clause: string): never => {
  throw new FrappeError(500, 'OperationalError', 'pymysql.err', `(1054, "Unknown column '${column}' in '${clause}'")`);
};
export const jsonDecodeError = (err: unknown): never => {
  throw new FrappeError(500, 'JSONDecodeError', 'json.decoder', `Expecting value: ${(err as Error).message}`);
};

/** Python json.dumps: ASCII only (non-ASCII as \uXXXX), which Frappe's responses keep. */
export function pyJson(value: unknown, pretty = false): string {
  const text = pretty ? pyDumps(value) : JSON.stringify(value);
  return text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// json.dumps with its default separators (", " and ": "), used for _server_messages entries.
function pyDumps(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pyDumps).join(', ')}]`;
  if (value && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${pyDumps(v)}`)
      .join(', ')}}`;
  return JSON.stringify(value);
}

export function sendFrappe(res: Response, status: number, body: Row): void {
  res.status(status).type('application/json').send(pyJson(body));
}

/**
 * report_error for API v1: `exception` (last traceback line) and `exc` (tracebacks) only for a
 * system user with tracebacks allowed; `exc_type` always; `_server_messages` when a message was queued.
 */
export function sendFrappeError(res: Response, err: FrappeError, systemUser: boolean): void {
  const body: Row = { ...err.extra };
  const lastLine = `${err.excModule}.${err.excType}${err.detail ? `: ${err.detail}` : ''}`;
  if (systemUser) body.exception = lastLine;
  body.exc_type = err.excType;
  if (systemUser) {
    body.exc = pyJson(
      [
        `Traceback (most recent call last):\n  File "apps/frappe/frappe/app.py", line 114, in application\n    response = frappe.api.handle(request)\n  File "apps/frappe/frappe/api/__init__.py", line 49, in handle\n    data = endpoint(**arguments)\n${lastLine}\n`,
      ],
      true,
    );
  }
  if (err.userMessage) {
    const message = { message: err.userMessage, title: 'Message', indicator: 'red', raise_exception: 1, __frappe_exc_id: hashOf(`${Date.now()}${err.userMessage}`, 32) };
    body._server_messages = pyJson([pyJson(message, true)], true);
  }
  sendFrappe(res, err.status, body);
}

export type ErpnextErrorKind = 'permission' | 'server-error' | 'maintenance' | 'rate-limit' | 'messages-in-200';
export const ERROR_KINDS: ErpnextErrorKind[] = ['permission', 'server-error', 'maintenance', 'rate-limit', 'messages-in-200'];

/** The next read fails as ERPNext does when a role is missing, MariaDB drops, the site migrates, or a hook refuses quietly. */
export function sendInjectedError(res: Response, kind: ErpnextErrorKind, user: string): void {
  switch (kind) {
    case 'permission': {
      const message = `User <strong>${user}</strong> does not have doctype access via role permission for document <strong>Work Order</strong>`;
      return sendFrappeError(res, new FrappeError(403, 'PermissionError', 'frappe.exceptions', message, message), true);
    }
    case 'server-error':
      return sendFrappeError(res, new FrappeError(500, 'OperationalError', 'pymysql.err', "(2013, 'Lost connection to MySQL server during query')"), true);
    case 'rate-limit': {
      res.setHeader('Retry-After', '60');
      const message = 'You hit the rate limit because of too many requests. Please try after sometime.';
      return sendFrappeError(res, new FrappeError(429, 'TooManyRequestsError', 'frappe.exceptions', message, message), true);
    }
    case 'maintenance':
      // frappe.app answers SessionStopped with its HTML "Updating" page, not JSON.
      res
        .status(503)
        .type('text/html')
        .send(
          '<!DOCTYPE html><html><head><title>Updating</title></head><body><div class="page-card"><h5 class="page-card-head">Updating</h5><p>Your system is being updated. Please refresh again after a few moments.</p></div></body></html>',
        );
      return;
    case 'messages-in-200': {
      // A site hook that msgprint()s its refusal instead of raising: HTTP 200, no rows, the reason only in _server_messages.
      const message = { message: 'Work Order list is locked while the period is being closed (Stock Settings ▸ Stock Frozen Upto)', title: 'Not Allowed', indicator: 'red' };
      sendFrappe(res, 200, { data: [], _server_messages: pyJson([pyJson(message, true)], true) });
      return;
    }
  }
}

export function hashOf(text: string, length = 10): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** One query-string value as Frappe's form_dict keeps it (the first when repeated). */
export function formValue(value: unknown): string | undefined {
  if (Array.isArray(value)) return formValue(value[0]);
  return typeof value === 'string' ? value : undefined;
}

/** Python cint: int(float(text)), 0 when it is not a number. */
export function cint(text: string | undefined): number {
  const value = Number.parseFloat(String(text ?? '').trim());
  return Number.isFinite(value) ? Math.trunc(value) : 0;
}

export interface ListQuery {
  fields: string[];
  filters: Array<{ field: string; operator: string; value: unknown }>;
  orderBy: Array<{ field: string; desc: boolean }>;
  start: number;
  pageLength: number; // 0 = every row
}

/** frappe.client.get_list's reading of /api/resource/<doctype> query parameters. */
export function parseListQuery(meta: DoctypeMeta, query: Record<string, unknown>): ListQuery {
  const parse = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch (err) {
      return jsonDecodeError(err);
    }
  };
  const fieldsText = formValue(query.fields);
  const rawFields = fieldsText ? parse(fieldsText) : ['name'];
  const fields = (Array.isArray(rawFields) ? rawFields : [rawFields]).map(String);
  const filtersText = formValue(query.filters);
  const rawFilters = filtersText ? parse(filtersText) : [];
  const entries = Array.isArray(rawFilters)
    ? rawFilters
    : rawFilters && typeof rawFilters === 'object'
      ? Object.entries(rawFilters).map(([k, v]) => (Array.isArray(v) ? [k, v[0], v[1]] : [k, '=', v]))
      : throwValidation('Filter must be a tuple or list (in a list)');
  const filters = entries.map((f) => readFilter(meta, f));
  const limitText = formValue(query.limit) || formValue(query.limit_page_length) || '20';
  const pageLength = cint(limitText);
  const start = cint(formValue(query.limit_start));
  if (pageLength < 0 || start < 0)
    throw new FrappeError(
      500,
      'ProgrammingError',
      'pymysql.err',
      `(1064, "You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near '${Math.min(pageLength, start)}' at line 1")`,
    );
  return { fields, filters, orderBy: readOrderBy(meta, formValue(query.order_by) ?? `${meta.sortField} desc`), start, pageLength };
}

function readFilter(meta: DoctypeMeta, raw: unknown): ListQuery['filters'][number] {
  if (!Array.isArray(raw)) return throwValidation('Filter must be a tuple or list (in a list)');
  let f = raw;
  if (f.length === 3) f = [meta.name, ...f];
  else if (f.length > 4) f = f.slice(0, 4);
  else if (f.length !== 4) throwValidation(`Filter must have 4 values (doctype, fieldname, operator, value): ${pyRepr(raw)}`);
  const [doctype, field, op, value] = f as [unknown, unknown, unknown, unknown];
  const fieldName = String(field);
  if (!/^[A-Za-z0-9_]+$/.test(fieldName)) throwValidation(`Invalid field name ${fieldName}`, 'DataError');
  const operator = String(op || '=').toLowerCase();
  if (!VALID_OPERATORS.includes(operator)) throwValidation(`Operator must be one of ${VALID_OPERATORS.join(', ')}`);
  if (!['=', '!=', '>', '<', '>=', '<=', 'like', 'not like', 'in', 'not in', 'is', 'between'].includes(operator)) {
    throw new FrappeError(501, 'NotImplementedError', 'builtins', `the simulated ERPNext does not evaluate the "${operator}" operator`);
  }
  if (doctype !== meta.name || fieldType(meta, fieldName) === undefined) unknownColumn(`tab${String(doctype)}.${fieldName}`, 'where clause');
  return { field: fieldName, operator, value };
}

function readOrderBy(meta: DoctypeMeta, text: string): ListQuery['orderBy'] {
  return text.split(',').map((part) => {
    const match = /^\s*(?:`tab[^`]+`\.)?`?([A-Za-z0-9_]+)`?\s*(asc|desc)?\s*$/i.exec(part);
    if (!match) throw new FrappeError(417, 'ValidationError', 'frappe.exceptions', `Invalid field name or ordering: ${part.trim()}`, `Invalid field name or ordering: ${part.trim()}`);
    if (fieldType(meta, match[1]) === undefined) unknownColumn(match[1], 'order clause');
    return { field: match[1], desc: (match[2] ?? 'asc').toLowerCase() === 'desc' };
  });
}

export function fieldType(meta: DoctypeMeta, field: string): FieldType | undefined {
  return STANDARD[field] ?? meta.fields[field];
}

/** Runs a parsed list query over full rows the way MariaDB would answer the generated SELECT. */
export function runListQuery(meta: DoctypeMeta, rows: Row[], q: ListQuery): Row[] {
  const matching = rows.filter((row) => q.filters.every((f) => matches(fieldType(meta, f.field)!, row[f.field], f.operator, f.value)));
  const sorted = matching
    .map((row, i) => ({ row, i }))
    .sort((a, b) => {
      for (const o of q.orderBy) {
        const c = compareValues(fieldType(meta, o.field)!, a.row[o.field], b.row[o.field]);
        if (c !== 0) return o.desc ? -c : c;
      }
      return a.i - b.i;
    })
    .map((x) => x.row);
  const page = q.pageLength > 0 ? sorted.slice(q.start, q.start + q.pageLength) : sorted.slice(q.start);
  const columns = selectColumns(meta, q.fields);
  return page.map((row) => Object.fromEntries(columns.map(([out, col]) => [out, row[col] ?? null])));
}

// A field the doctype does not have goes into the generated SELECT as it is, and MariaDB refuses it:
// HTTP 500, OperationalError (1054, "Unknown column 'tabWork Order.custom_plant' in 'field list'") — what a
// stock site answers to a preset asking for a custom field it lacks.
function selectColumns(meta: DoctypeMeta, fields: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const spec of fields) {
    if (spec.trim() === '*') {
      for (const col of [...Object.keys(STANDARD), ...Object.keys(meta.fields)]) out.push([col, col]);
      continue;
    }
    const match = /^\s*(?:`tab([^`]+)`\.)?`?([A-Za-z0-9_]+)`?(?:\s+as\s+`?([A-Za-z0-9_]+)`?)?\s*$/i.exec(spec);
    if (!match || (match[1] && match[1] !== meta.name)) continue;
    if (fieldType(meta, match[2]) === undefined) unknownColumn(`tab${meta.name}.${match[2]}`, 'field list');
    out.push([match[3] ?? match[2], match[2]]);
  }
  return out;
}

function matches(type: FieldType, stored: unknown, operator: string, value: unknown): boolean {
  const list = (v: unknown) => (Array.isArray(v) ? v : String(v ?? '').split(',')).map((x) => String(x ?? '').trim());
  switch (operator) {
    case 'in':
      return list(value).some((v) => compareValues(type, stored, v) === 0);
    case 'not in':
      return !list(value).some((v) => compareValues(type, stored, v) === 0);
    case 'is':
      return String(value).toLowerCase() === 'set' ? stored !== null && stored !== undefined && stored !== '' : !(stored !== null && stored !== undefined && stored !== '');
    case 'like':
    case 'not like': {
      const pattern = new RegExp(
        `^${String(value ?? '')
          .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
          .replace(/%/g, '.*')
          .replace(/_/g, '.')}$`,
        'is',
      );
      const hit = pattern.test(String(stored ?? ''));
      return operator === 'like' ? hit : !hit;
    }
    case 'between': {
      const [low, high] = Array.isArray(value) ? value : [];
      return compareValues(type, stored, low) >= 0 && compareValues(type, stored, high) <= 0;
    }
    default: {
      const c = compareValues(type, stored, value);
      return { '=': c === 0, '!=': c !== 0, '>': c > 0, '<': c < 0, '>=': c >= 0, '<=': c <= 0 }[operator] ?? false;
    }
  }
}

/** MariaDB comparison for the column's type: numbers numerically, datetimes naive, text case-blind. */
function compareValues(type: FieldType, a: unknown, b: unknown): number {
  if (type === 'Int' || type === 'Float' || type === 'Check') return flt(a) - flt(b);
  if (type === 'Datetime' || type === 'Date') {
    const x = a === null || a === undefined || a === '' ? FALLBACK_DATETIME : toSqlDatetime(a);
    const y = b === null || b === undefined || b === '' ? FALLBACK_DATETIME : toSqlDatetime(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = String(a ?? '').toLowerCase();
  const y = String(b ?? '').toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function flt(v: unknown): number {
  const n = typeof v === 'number' ? v : Number.parseFloat(String(v ?? ''));
  return Number.isFinite(n) ? n : 0;
}

/**
 * MariaDB's cast of a literal to DATETIME(6): date, optional T/space time, optional fraction; what
 * follows (a "+08:00" or "Z") is truncated away with a warning, and an unreadable literal becomes
 * the zero date — so a zone offset in the filter is silently ignored, never applied.
 */
export function toSqlDatetime(value: unknown): string {
  const m = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?)?/.exec(String(value));
  if (!m) return '0000-00-00 00:00:00.000000';
  const p = (s: string | undefined) => (s ?? '0').padStart(2, '0');
  return `${m[1]}-${p(m[2])}-${p(m[3])} ${p(m[4])}:${p(m[5])}:${p(m[6])}.${(m[7] ?? '').padEnd(6, '0')}`;
}

function pyRepr(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'string') return `'${value}'`;
  if (value === null) return 'None';
  return String(value);
}
