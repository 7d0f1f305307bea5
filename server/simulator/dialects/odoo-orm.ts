// The slice of Odoo's ORM the fake Odoo needs, generic over models: Python-style exceptions with the
// shape Odoo serializes, domains in prefix notation, `order` specs, field lists and argument binding.
// Behaviour follows odoo/models.py + odoo/osv/expression.py (17.0–19.0), quirks included.

export type OdooValue = number | string | boolean | number[] | [number, string] | false | null;
export type OdooRecord = Record<string, OdooValue> & { id: number };

export interface OdooField {
  type: 'integer' | 'float' | 'char' | 'text' | 'datetime' | 'selection' | 'many2one' | 'one2many' | 'boolean';
  string: string;
  relation?: string;
  selection?: Array<[string, string]>;
  required?: boolean;
  readonly?: boolean;
}

export interface OdooModel {
  name: string;
  description: string;
  fields: Record<string, OdooField>;
  defaultOrder: string;
  records(): OdooRecord[];
}

/** A Python exception as Odoo raises it: `pyName` is what serialize_exception puts in `name`. */
export class OdooError extends Error {
  constructor(
    readonly pyName: string,
    message: string,
    /** Status the JSON-2 endpoint answers with (UserError family carries its own http_status). */
    readonly httpStatus: number = 500,
    readonly args: unknown[] = [message],
  ) {
    super(message);
  }
}

export const userError = (message: string) => new OdooError('odoo.exceptions.UserError', message, 422);
export const valueError = (message: string) => new OdooError('builtins.ValueError', message);
export const typeError = (message: string) => new OdooError('builtins.TypeError', message);

/** Python's repr of a JSON value, so messages read the way Odoo's own do. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`)
      .join(', ')}}`;
  return String(value);
}

const leafRepr = (leaf: unknown[]) => `(${leaf.map(pyRepr).join(', ')})`;
const invalidField = (model: OdooModel, name: string) => valueError(`Invalid field ${pyRepr(name)} on model ${pyRepr(model.name)}`);

// ---- datetimes: Odoo keeps naive UTC 'YYYY-MM-DD HH:MM:SS' ----

export function odooDatetime(instant: string | number): string {
  return new Date(typeof instant === 'number' ? instant : Date.parse(instant)).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * fields.Datetime.to_datetime: the first 19 characters must be '%Y-%m-%d %H:%M:%S' (a 10-character
 * date gets a time added). Anything after them — a zone, a fraction — is cut off unread, exactly
 * like Odoo does, so '…+08:00' is silently taken as UTC.
 */
export function parseOdooDatetime(value: string, dateOnlyTime = ' 00:00:00'): string {
  let text = value.slice(0, 19);
  if (text.length === 10) text += dateOnlyTime;
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  const ok = m && !Number.isNaN(Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`)) && Number(m[2]) <= 12 && Number(m[4]) < 24;
  if (!ok) throw valueError(`time data ${pyRepr(text)} does not match format '%Y-%m-%d %H:%M:%S'`);
  return text;
}

// ---- domains ----

const OPERATORS = ['=', '!=', '<>', '>', '>=', '<', '<=', 'in', 'not in', 'like', 'ilike', 'not like', 'not ilike', '=like', '=ilike', '=?'];

type Predicate = (record: OdooRecord) => boolean;

export function compileDomain(model: OdooModel, domain: unknown): Predicate {
  if (domain === null || domain === undefined || domain === false) return () => true;
  if (!Array.isArray(domain)) throw valueError(`Invalid domain: ${pyRepr(domain)}`);
  let pos = 0;
  const next = (): Predicate => {
    if (pos >= domain.length) throw valueError(`Invalid domain: ${pyRepr(domain)}`);
    const item = domain[pos++];
    if (item === '&' || item === '|') {
      const a = next();
      const b = next();
      return item === '&' ? (r) => a(r) && b(r) : (r) => a(r) || b(r);
    }
    if (item === '!') {
      const a = next();
      return (r) => !a(r);
    }
    return compileLeaf(model, item);
  };
  const terms: Predicate[] = [];
  while (pos < domain.length) terms.push(next());
  return (r) => terms.every((t) => t(r));
}

function compileLeaf(model: OdooModel, leaf: unknown): Predicate {
  if (!Array.isArray(leaf) || leaf.length !== 3) throw valueError(`Invalid leaf ${pyRepr(leaf)}`);
  const [left, rawOperator, right] = leaf as [unknown, unknown, unknown];
  if (typeof rawOperator !== 'string' || !OPERATORS.includes(rawOperator.toLowerCase())) {
    throw valueError(`Invalid operator ${pyRepr(rawOperator)} in domain term ${leafRepr(leaf)}`);
  }
  const operator = rawOperator.toLowerCase() === '<>' ? '!=' : rawOperator.toLowerCase();
  // TRUE_LEAF (1, '=', 1) and FALSE_LEAF (0, '=', 1)
  if ((left === 1 || left === 0) && operator === '=' && right === 1) return () => left === 1;
  if (typeof left !== 'string') throw valueError(`Invalid leaf ${pyRepr(leaf)}`);
  if (operator === '=?') {
    if (right === false || right === null || right === undefined) return () => true;
    return compileLeaf(model, [left, '=', right]);
  }
  const [name, sub] = left.split('.', 2);
  const field = model.fields[name];
  if (!field || left.split('.').length > 2) throw valueError(`Invalid field ${model.name}.${name} in leaf ${leafRepr(leaf)}`);
  if (sub !== undefined && !(field.type === 'many2one' && ['name', 'display_name', 'id'].includes(sub))) {
    throw valueError(`Invalid field ${field.relation ?? model.name}.${sub} in leaf ${leafRepr(leaf)}`);
  }
  if ((operator === 'in' || operator === 'not in') && !Array.isArray(right)) {
    throw valueError(`The domain term ${leafRepr(leaf)} should have a list value.`);
  }
  let value = right;
  if (field.type === 'datetime' && typeof right === 'string') {
    value = parseOdooDatetime(right, operator === '>' || operator === '<=' ? ' 23:59:59' : ' 00:00:00');
  } else if (field.type === 'datetime' && Array.isArray(right)) {
    value = right.map((v) => (typeof v === 'string' ? parseOdooDatetime(v) : v));
  }
  const read = (r: OdooRecord): unknown => {
    const v = r[name];
    if (field.type !== 'many2one' || v === false || v === null) return v;
    const [id, display] = v as [number, string];
    if (sub === 'id') return id;
    if (sub !== undefined) return display;
    // A many2one compared with text is matched on the display name (Odoo name_searches it).
    const probe = Array.isArray(value) ? value[0] : value;
    return typeof probe === 'string' ? display : id;
  };
  return (r) => test(read(r), operator, value, field.type);
}

function test(actual: unknown, operator: string, expected: unknown, type: OdooField['type']): boolean {
  const unset = actual === false || actual === null || actual === undefined;
  const many = type === 'one2many' && Array.isArray(actual);
  switch (operator) {
    case '=':
      if (expected === false || expected === null) return unset || (many && (actual as unknown[]).length === 0);
      return many ? (actual as unknown[]).includes(expected) : !unset && actual === expected;
    case '!=':
      if (expected === false || expected === null) return !unset && !(many && (actual as unknown[]).length === 0);
      return many ? !(actual as unknown[]).includes(expected) : unset || actual !== expected;
    case 'in':
    case 'not in': {
      const list = expected as unknown[];
      const hit = many ? (actual as unknown[]).some((a) => list.includes(a)) : unset ? list.includes(false) || list.includes(null) : list.includes(actual);
      return operator === 'in' ? hit : !hit;
    }
    case '>':
    case '>=':
    case '<':
    case '<=': {
      // SQL: comparisons with NULL are never true.
      if (unset || expected === false || expected === null) return false;
      const a = actual as number | string;
      const b = expected as number | string;
      return operator === '>' ? a > b : operator === '>=' ? a >= b : operator === '<' ? a < b : a <= b;
    }
    default: {
      const negate = operator.startsWith('not ');
      const op = negate ? operator.slice(4) : operator;
      if (unset) return negate;
      const pattern = String(expected);
      const wildcard = op.startsWith('=') ? pattern : `%${pattern}%`;
      const re = new RegExp(
        `^${wildcard
          .split('%')
          .map((p) => p.split('_').map(escapeRe).join('.'))
          .join('.*')}$`,
        op.endsWith('ilike') ? 'is' : 's',
      );
      return re.test(String(actual)) !== negate;
    }
  }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// ---- order ----

export function compileOrder(model: OdooModel, order: unknown): (a: OdooRecord, b: OdooRecord) => number {
  const spec = order === null || order === undefined || order === false || order === '' ? model.defaultOrder : order;
  if (typeof spec !== 'string') throw valueError(`Invalid "order" specified (${pyRepr(spec)}). A valid "order" specification is a comma-separated list of valid field names (optionally followed by asc/desc for the direction)`);
  const keys = spec.split(',').map((part) => {
    const m = /^\s*([a-z_][a-z0-9_]*)(?:\s+(asc|desc))?(?:\s+nulls\s+(first|last))?\s*$/i.exec(part);
    if (!m) throw valueError(`Invalid "order" specified (${spec}). A valid "order" specification is a comma-separated list of valid field names (optionally followed by asc/desc for the direction)`);
    if (m[1] !== 'id' && !model.fields[m[1]]) throw invalidField(model, m[1]);
    return { name: m[1], desc: (m[2] ?? '').toLowerCase() === 'desc' };
  });
  return (a, b) => {
    for (const key of keys) {
      const d = compareValues(a[key.name], b[key.name]);
      if (d !== 0) return key.desc ? -d : d;
    }
    return 0;
  };
}

function compareValues(a: unknown, b: unknown): number {
  // PostgreSQL sorts NULL last ascending; a many2one sorts by the related record's name.
  const norm = (v: unknown) => (v === false || v === null || v === undefined ? undefined : Array.isArray(v) ? v[1] : v);
  const x = norm(a);
  const y = norm(b);
  if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? 1 : -1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Ties the order leaves open come back in storage order, which is not id order: don't rely on it. */
export function storageOrder(id: number): number {
  return Math.imul(id, 2654435761) >>> 0;
}

// ---- reading ----

export function pickFields(model: OdooModel, record: OdooRecord, fields: unknown): OdooRecord {
  const names = fields === null || fields === undefined || fields === false || (Array.isArray(fields) && fields.length === 0) ? Object.keys(model.fields) : fields;
  if (!Array.isArray(names)) throw typeError(`'${typeof fields}' object is not iterable`);
  const out: OdooRecord = { id: record.id };
  for (const name of names) {
    if (typeof name !== 'string' || (name !== 'id' && !model.fields[name])) throw invalidField(model, String(name));
    if (name !== 'id') out[name] = record[name] ?? false;
  }
  return out;
}

export function checkFieldsExist(model: OdooModel, names: string[]): void {
  for (const name of names) if (name !== 'id' && !model.fields[name]) throw invalidField(model, name);
}

/** LIMIT/OFFSET as PostgreSQL takes them: 0/None/False means no limit, negatives are refused. */
export function sqlCount(value: unknown, clause: 'LIMIT' | 'OFFSET'): number | undefined {
  if (value === null || value === undefined || value === false) return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n)) throw new OdooError('psycopg2.errors.InvalidTextRepresentation', `invalid input syntax for type bigint: "${String(value)}"`);
  if (n < 0) throw new OdooError(`psycopg2.errors.InvalidRowCountIn${clause === 'LIMIT' ? 'Limit' : 'Offset'}Clause`, `${clause} must not be negative`);
  return clause === 'LIMIT' && n === 0 ? undefined : n;
}

// ---- binding a call to a method's parameters, as Python does ----

export interface MethodSpec {
  /** false: a record method (ids first); true: @api.model. */
  model: boolean;
  params: Array<{ name: string; required?: boolean }>;
  varKeywords?: boolean;
}

export function bindPositional(qualname: string, spec: MethodSpec, args: unknown[], kwargs: Record<string, unknown>): Record<string, unknown> {
  const bound: Record<string, unknown> = {};
  if (args.length > spec.params.length) {
    const max = spec.params.length + 1;
    throw typeError(`${qualname}() takes ${spec.params.some((p) => !p.required) ? 'from 1 to ' : ''}${max} positional arguments but ${args.length + 1} were given`);
  }
  args.forEach((v, i) => (bound[spec.params[i].name] = v));
  for (const [k, v] of Object.entries(kwargs)) {
    if (k in bound) throw typeError(`${qualname}() got multiple values for argument '${k}'`);
    if (!spec.varKeywords && !spec.params.some((p) => p.name === k)) throw typeError(`${qualname}() got an unexpected keyword argument '${k}'`);
    bound[k] = v;
  }
  const missing = spec.params.filter((p) => p.required && !(p.name in bound)).map((p) => `'${p.name}'`);
  if (missing.length > 0) throw typeError(`${qualname}() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${missing.join(' and ')}`);
  return bound;
}
