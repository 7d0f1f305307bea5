// OData v2 as SAP Gateway speaks it: Edm value formats, the $filter/$orderby grammar the fake
// understands, and the error envelope ({ error: { code, message: { lang, value }, innererror } }).
import type { Response } from 'express';
import { randomBytes } from 'node:crypto';

export type EdmType = 'String' | 'Decimal' | 'Int32' | 'Boolean' | 'DateTime' | 'DateTimeOffset' | 'Time' | 'Guid';
export type PropertyTypes = Record<string, EdmType>;
export type ODataRecord = Record<string, unknown>;

export const NIL_GUID = '00000000-0000-0000-0000-000000000000';

export class ODataError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

// ---- Edm values -------------------------------------------------------------------------------

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock parts of an instant in an IANA zone (the plant's dates and times are local in SAP). */
export function zonedParts(ms: number, timeZone: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  let fmt = partsFormatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    partsFormatters.set(timeZone, fmt);
  }
  const p = Object.fromEntries(fmt.formatToParts(ms).map((x) => [x.type, Number(x.value)]));
  return { y: p.year, mo: p.month, d: p.day, h: p.hour, mi: p.minute, s: p.second };
}

/** Edm.DateTime for a calendar date: midnight UTC of the plant-local date, `/Date(ms)/`. */
export function edmDate(ms: number, timeZone: string): string {
  return `/Date(${localDateMs(ms, timeZone)})/`;
}

/** Midnight UTC of the plant-local calendar date that contains the instant. */
export function localDateMs(ms: number, timeZone: string): number {
  const p = zonedParts(ms, timeZone);
  return Date.UTC(p.y, p.mo - 1, p.d);
}

/** Edm.Time of the plant-local wall clock, `PT08H30M00S`. */
export function edmTime(ms: number, timeZone: string): string {
  const p = zonedParts(ms, timeZone);
  return `PT${pad(p.h)}H${pad(p.mi)}M${pad(p.s)}S`;
}

export const EMPTY_TIME = 'PT00H00M00S';

/** SAP's UTC timestamp as the 14-character `yyyyMMddHHmmss` string this API exposes. */
export function timestamp14(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** Edm.DateTimeOffset in the JSON v2 form, `/Date(ms+0000)/`. */
export function edmDateTimeOffset(ms: number): string {
  return `/Date(${Math.floor(ms / 1000) * 1000}+0000)/`;
}

/** Edm.Decimal travels as a string: no float noise, no trailing zeros. */
export function edmDecimal(value: number, scale = 3): string {
  const fixed = value.toFixed(scale);
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function edmMs(value: unknown): number | undefined {
  const m = typeof value === 'string' ? /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/.exec(value) : null;
  return m ? Number(m[1]) : undefined;
}

// ---- $filter ----------------------------------------------------------------------------------

type Op = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
type LiteralType = 'String' | 'Guid' | 'DateTime' | 'DateTimeOffset' | 'Number' | 'Boolean' | 'Null';
export interface Literal {
  type: LiteralType;
  value: string | number | boolean | null;
  text: string;
}
export type FilterNode = { kind: 'and' | 'or'; left: FilterNode; right: FilterNode } | { kind: 'cmp'; property: string; op: Op; literal: Literal; position: number };

interface Token {
  text: string;
  position: number;
  literal?: Literal;
}

const OPS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:(\()|(\)|,)|(guid|datetimeoffset|datetime)?'((?:[^']|'')*)'|(-?\d+(?:\.\d+)?)[mMdD]?|([A-Za-z_][A-Za-z0-9_/]*))/y;
  let at = 0;
  while (at < text.length) {
    if (/^\s+$/.test(text.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) throw invalidFilter(text);
    const position = m.index + m[0].length - m[0].trimStart().length;
    if (m[4] !== undefined) {
      const prefix = m[3]?.toLowerCase();
      const raw = m[4].replace(/''/g, "'");
      const type: LiteralType = prefix === 'guid' ? 'Guid' : prefix === 'datetime' ? 'DateTime' : prefix === 'datetimeoffset' ? 'DateTimeOffset' : 'String';
      tokens.push({ text: m[0].trim(), position, literal: { type, value: raw, text: m[0].trim() } });
    } else if (m[5] !== undefined) {
      tokens.push({ text: m[0].trim(), position, literal: { type: 'Number', value: Number(m[5]), text: m[0].trim() } });
    } else {
      const word = m[1] ?? m[2] ?? m[6];
      const literal: Literal | undefined = word === 'true' || word === 'false' ? { type: 'Boolean', value: word === 'true', text: word } : word === 'null' ? { type: 'Null', value: null, text: word } : undefined;
      tokens.push({ text: word, position, literal });
    }
    at = re.lastIndex;
  }
  return tokens;
}

function invalidFilter(text: string): ODataError {
  return new ODataError(400, '005056A509B11EE1B9A8FEC11C21D78E', `Invalid filter expression: '${text}'.`);
}

/** Parses `$filter` (comparisons joined by and/or, parentheses) against the entity type's properties. */
export function parseFilter(text: string, types: PropertyTypes, typeName: string): FilterNode {
  const tokens = tokenize(text);
  let i = 0;
  const peek = () => tokens[i];
  const orExpr = (): FilterNode => {
    let left = andExpr();
    while (peek()?.text === 'or') {
      i++;
      left = { kind: 'or', left, right: andExpr() };
    }
    return left;
  };
  const andExpr = (): FilterNode => {
    let left = primary();
    while (peek()?.text === 'and') {
      i++;
      left = { kind: 'and', left, right: primary() };
    }
    return left;
  };
  const primary = (): FilterNode => {
    const t = tokens[i++];
    if (!t) throw invalidFilter(text);
    if (t.text === '(') {
      const inner = orExpr();
      if (tokens[i++]?.text !== ')') throw invalidFilter(text);
      return inner;
    }
    if (t.literal) throw invalidFilter(text);
    if (peek()?.text === '(') throw new ODataError(501, '/IWBEP/CM_MGW_RT/021', `Function '${t.text}' is not implemented for ${typeName} in $filter`);
    if (!(t.text in types)) throw new ODataError(400, '005056A509B11EE1B9A8FEC11C22F78E', `Property ${t.text} not found in type ${typeName}`);
    const op = tokens[i++];
    if (!op || !OPS.has(op.text)) throw invalidFilter(text);
    const lit = tokens[i++];
    if (!lit?.literal) throw invalidFilter(text);
    if (!compatible(types[t.text], lit.literal.type)) {
      throw new ODataError(400, '005056A509B11EE1B9A8FEC11C21D78E', `Invalid parametertype used at function '${op.text}' (Position: ${op.position})`);
    }
    return { kind: 'cmp', property: t.text, op: op.text as Op, literal: lit.literal, position: lit.position };
  };
  const tree = orExpr();
  if (i !== tokens.length) throw invalidFilter(text);
  return tree;
}

function compatible(type: EdmType, literal: LiteralType): boolean {
  if (literal === 'Null') return true;
  if (type === 'Decimal' || type === 'Int32') return literal === 'Number';
  if (type === 'Time') return literal === 'String';
  return type === literal;
}

/** Every comparison in the tree, e.g. so a dialect can check a literal's format. */
export function comparisons(node: FilterNode): Array<Extract<FilterNode, { kind: 'cmp' }>> {
  return node.kind === 'cmp' ? [node] : [...comparisons(node.left), ...comparisons(node.right)];
}

export function matches(node: FilterNode, record: ODataRecord, types: PropertyTypes): boolean {
  if (node.kind !== 'cmp') {
    return node.kind === 'and' ? matches(node.left, record, types) && matches(node.right, record, types) : matches(node.left, record, types) || matches(node.right, record, types);
  }
  const value = record[node.property];
  if (node.literal.type === 'Null') return node.op === 'eq' ? value === null : node.op === 'ne' ? value !== null : false;
  if (value === null || value === undefined) return node.op === 'ne';
  const cmp = compareValues(types[node.property], value, node.literal.value);
  switch (node.op) {
    case 'eq':
      return cmp === 0;
    case 'ne':
      return cmp !== 0;
    case 'gt':
      return cmp > 0;
    case 'ge':
      return cmp >= 0;
    case 'lt':
      return cmp < 0;
    case 'le':
      return cmp <= 0;
  }
}

function compareValues(type: EdmType, value: unknown, literal: unknown): number {
  switch (type) {
    case 'Decimal':
    case 'Int32':
      return Math.sign(Number(value) - Number(literal));
    case 'Boolean':
      return value === literal ? 0 : 1;
    case 'DateTime':
      return Math.sign((edmMs(value) ?? NaN) - Date.parse(`${String(literal)}Z`));
    case 'DateTimeOffset':
      return Math.sign((edmMs(value) ?? NaN) - Date.parse(String(literal)));
    case 'Guid':
      return compareText(String(value).toLowerCase(), String(literal).toLowerCase());
    default:
      return compareText(String(value), String(literal));
  }
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---- $orderby ---------------------------------------------------------------------------------

export type OrderBy = Array<{ property: string; desc: boolean }>;

export function parseOrderBy(text: string, types: PropertyTypes, typeName: string): OrderBy {
  return text.split(',').map((part) => {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?\s*$/.exec(part);
    if (!m) throw new ODataError(400, '005056A509B11EE1B9A8FEC11C21D78E', `Invalid sort order: '${text}'`);
    if (!(m[1] in types)) throw new ODataError(400, '005056A509B11EE1B9A8FEC11C22F78E', `Property ${m[1]} not found in type ${typeName}`);
    return { property: m[1], desc: m[2] === 'desc' };
  });
}

export function sortRecords(records: ODataRecord[], orderBy: OrderBy, types: PropertyTypes): ODataRecord[] {
  return [...records].sort((a, b) => {
    for (const { property, desc } of orderBy) {
      const c = compareStored(types[property], a[property], b[property]);
      if (c !== 0) return desc ? -c : c;
    }
    return 0;
  });
}

/** Two stored values of one property; null sorts first, as on HANA. */
function compareStored(type: EdmType, x: unknown, y: unknown): number {
  if (x === y) return 0;
  if (x === null || x === undefined) return -1;
  if (y === null || y === undefined) return 1;
  if (type === 'DateTime' || type === 'DateTimeOffset') return Math.sign((edmMs(x) ?? 0) - (edmMs(y) ?? 0));
  if (type === 'Decimal' || type === 'Int32') return Math.sign(Number(x) - Number(y));
  // NUMC keys (ConfirmationCount "2" < "10") sort as numbers, as the database holds them zero-padded.
  if (/^\d+$/.test(String(x)) && /^\d+$/.test(String(y))) return Math.sign(Number(x) - Number(y));
  return compareText(String(x), String(y));
}

// ---- errors -----------------------------------------------------------------------------------

/** Sends SAP Gateway's error envelope, JSON or XML as the client asked for its data. */
export function sendODataError(res: Response, err: ODataError, serviceId: string, json: boolean): void {
  const now = `${new Date().toISOString().replace(/[-:T]/g, '').replace('Z', '')}0000`; // 20261120083000.1230000
  const transactionid = randomBytes(16).toString('hex').toUpperCase();
  if (!json) {
    res
      .status(err.status)
      .type('application/xml')
      .send(
        `<?xml version="1.0" encoding="utf-8"?><error xmlns="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"><code>${xml(err.code)}</code><message xml:lang="en">${xml(err.message)}</message><innererror><transactionid>${transactionid}</transactionid><timestamp>${now}</timestamp></innererror></error>`,
      );
    return;
  }
  res.status(err.status).json({
    error: {
      code: err.code,
      message: { lang: 'en', value: err.message },
      innererror: {
        application: { component_id: 'PP-SFC', service_namespace: '/SAP/', service_id: serviceId, service_version: '0001' },
        transactionid,
        timestamp: now,
        Error_Resolution: {
          SAP_Transaction: 'For backend administrators: use ADT feed reader "SAP Gateway Error Log" or run transaction /IWFND/ERROR_LOG on SAP Gateway hub system and search for entries with the timestamp above for more details',
          SAP_Note: 'See SAP Note 1797736 for error analysis (https://service.sap.com/sap/support/notes/1797736)',
        },
        errordetails: [{ code: err.code, message: err.message, propertyref: '', severity: 'error', target: '', transition: false }],
      },
    },
  });
}

export function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
