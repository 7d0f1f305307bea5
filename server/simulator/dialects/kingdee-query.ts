// ExecuteBillQuery's query language as K/3 Cloud runs it: FilterString is a SQL WHERE fragment
// evaluated by SQL Server (case-insensitive collation, datetime literals read in the server's
// local time, a zoned literal fails to convert), OrderString an ORDER BY list.

export type FieldType = 'string' | 'number' | 'datetime';
export type Row = Record<string, unknown>;

/** A query refused the way K/3 Cloud refuses it: the message lands in ResponseStatus.Errors. */
export class KingdeeQueryError extends Error {}

export function unknownField(key: string): KingdeeQueryError {
  return new KingdeeQueryError(`元数据中标识为${key}的字段不存在`);
}

/** Resolves field keys case-insensitively (K/3 Cloud accepts FTreeEntity_FENTRYID for FTreeEntity_FEntryId). */
export class FieldCatalogue {
  private readonly byLower = new Map<string, string>();
  constructor(readonly types: Record<string, FieldType>) {
    for (const key of Object.keys(types)) this.byLower.set(key.toLowerCase(), key);
  }
  resolve(key: string): string {
    const found = this.byLower.get(key.trim().toLowerCase());
    if (!found) throw unknownField(key.trim());
    return found;
  }
  typeOf(key: string): FieldType {
    return this.types[key];
  }
}

// ---- server local time -------------------------------------------------------------------

// Building an Intl formatter is costly; one per zone serves every request.
const formatters = new Map<string, Intl.DateTimeFormat>();

function zoneParts(ms: number, timeZone: string): number[] {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return [get('year'), get('month'), get('day'), get('hour'), get('minute'), get('second')];
}

/** Offset of `timeZone` from UTC at instant `ms`, in ms. */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const [y, mo, d, h, mi, s] = zoneParts(ms, timeZone);
  return Date.UTC(y, mo - 1, d, h, mi, s) - Math.floor(ms / 1000) * 1000;
}

/** `2026-11-19T08:30:00` (fraction only when non-zero, trailing zeros trimmed, as .NET writes DateTime). */
export function formatServerTime(ms: number, timeZone: string): string {
  const [y, mo, d, h, mi, s] = zoneParts(ms, timeZone);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const frac = ((ms % 1000) + 1000) % 1000;
  const fraction = frac ? `.${pad(frac, 3).replace(/0+$/, '')}` : '';
  return `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}${fraction}`;
}

// SQL Server's datetime literal forms a FilterString uses; no zone designator is accepted.
const LOCAL_LITERAL = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?$/;
const COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/;

/** Epoch ms of a zoneless server-local literal, or undefined when SQL Server could not convert it. */
export function parseServerTime(text: string, timeZone: string): number | undefined {
  const m = LOCAL_LITERAL.exec(text.trim()) ?? COMPACT_DATE.exec(text.trim());
  if (!m) return undefined;
  const groups = m.slice(1);
  const nums = [0, 1, 2, 3, 4, 5].map((i) => Number(groups[i] ?? 0));
  const frac = groups[6] ?? '0';
  if (nums[1] < 1 || nums[1] > 12 || nums[2] < 1 || nums[2] > 31 || nums[3] > 23 || nums[4] > 59 || nums[5] > 59) return undefined;
  const wall = Date.UTC(nums[0], nums[1] - 1, nums[2], nums[3], nums[4], nums[5]) + Math.round(Number(`0.${frac}`) * 1000);
  if (new Date(wall).getUTCDate() !== nums[2]) return undefined;
  const first = wall - zoneOffsetMs(wall, timeZone);
  return wall - zoneOffsetMs(first, timeZone);
}

// ---- FilterString ------------------------------------------------------------------------

type Token = { kind: 'word' | 'string' | 'number' | 'op' | 'punct'; text: string };

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < filter.length) {
    const c = filter[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= filter.length) throw new KingdeeQueryError(`字符串 '${value}' 后的引号不完整。`);
        if (filter[i] === "'" && filter[i + 1] === "'") {
          value += "'";
          i += 2;
          continue;
        }
        if (filter[i] === "'") {
          i++;
          break;
        }
        value += filter[i++];
      }
      tokens.push({ kind: 'string', text: value });
      continue;
    }
    const op = /^(<>|!=|>=|<=|=|<|>)/.exec(filter.slice(i));
    if (op) {
      tokens.push({ kind: 'op', text: op[1] });
      i += op[1].length;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: 'punct', text: c });
      i++;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(filter.slice(i));
    if (num && (tokens.length === 0 || tokens[tokens.length - 1].kind !== 'word')) {
      tokens.push({ kind: 'number', text: num[0] });
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_\u4e00-\u9fa5][\w.\u4e00-\u9fa5]*/.exec(filter.slice(i));
    if (word) {
      tokens.push({ kind: 'word', text: word[0] });
      i += word[0].length;
      continue;
    }
    throw new KingdeeQueryError(`'${c}' 附近有语法错误。`);
  }
  return tokens;
}

type Literal = string | number | null;
export type Predicate = (row: Row) => boolean;

interface Context {
  catalogue: FieldCatalogue;
  timeZone: string;
}

/** Compiles a FilterString into a row predicate; an empty filter matches every row. */
export function compileFilter(filter: string, catalogue: FieldCatalogue, timeZone: string): Predicate {
  if (filter.trim() === '') return () => true;
  const tokens = tokenize(filter);
  let pos = 0;
  const ctx: Context = { catalogue, timeZone };
  const peek = () => tokens[pos];
  const isWord = (t: Token | undefined, w: string) => t?.kind === 'word' && t.text.toUpperCase() === w;
  const near = () => `'${peek()?.text ?? filter.trim().split(/\s+/).pop()}' 附近有语法错误。`;
  const expect = (text: string) => {
    if (peek()?.text.toUpperCase() !== text) throw new KingdeeQueryError(near());
    pos++;
  };

  const literal = (): Literal => {
    const t = peek();
    if (!t) throw new KingdeeQueryError(near());
    if (t.kind === 'string') {
      pos++;
      return t.text;
    }
    if (t.kind === 'number') {
      pos++;
      return Number(t.text);
    }
    if (isWord(t, 'NULL')) {
      pos++;
      return null;
    }
    throw new KingdeeQueryError(near());
  };

  const predicate = (): Predicate => {
    const t = peek();
    if (t?.kind !== 'word') throw new KingdeeQueryError(near());
    pos++;
    const field = catalogue.resolve(t.text);
    const negated = isWord(peek(), 'NOT') ? (pos++, true) : false;
    const next = peek();
    if (isWord(next, 'IN')) {
      pos++;
      expect('(');
      const values = [literal()];
      while (peek()?.text === ',') {
        pos++;
        values.push(literal());
      }
      expect(')');
      const keys = values.map((v) => coerce(v, field, ctx));
      return (row) => keys.some((k) => compare(row[field], k, field, ctx) === 0) !== negated;
    }
    if (isWord(next, 'LIKE')) {
      pos++;
      const pattern = literal();
      const re = likePattern(String(pattern));
      return (row) => (row[field] !== null && re.test(String(row[field]))) !== negated;
    }
    if (isWord(next, 'BETWEEN')) {
      pos++;
      const low = coerce(literal(), field, ctx);
      expect('AND');
      const high = coerce(literal(), field, ctx);
      return (row) => (compare(row[field], low, field, ctx) >= 0 && compare(row[field], high, field, ctx) <= 0) !== negated;
    }
    if (negated) throw new KingdeeQueryError(near());
    if (isWord(next, 'IS')) {
      pos++;
      const not = isWord(peek(), 'NOT') ? (pos++, true) : false;
      expect('NULL');
      return (row) => (row[field] === null || row[field] === undefined) !== not;
    }
    if (next?.kind !== 'op') throw new KingdeeQueryError(near());
    pos++;
    const value = coerce(literal(), field, ctx);
    const test = OPERATORS[next.text];
    return (row) => row[field] !== null && value !== null && test(compare(row[field], value, field, ctx));
  };

  const primary = (): Predicate => {
    if (isWord(peek(), 'NOT')) {
      pos++;
      const inner = primary();
      return (row) => !inner(row);
    }
    if (peek()?.text === '(') {
      pos++;
      const inner = orExpr();
      expect(')');
      return inner;
    }
    return predicate();
  };
  const andExpr = (): Predicate => {
    const parts = [primary()];
    while (isWord(peek(), 'AND')) {
      pos++;
      parts.push(primary());
    }
    return parts.length === 1 ? parts[0] : (row) => parts.every((p) => p(row));
  };
  const orExpr = (): Predicate => {
    const parts = [andExpr()];
    while (isWord(peek(), 'OR')) {
      pos++;
      parts.push(andExpr());
    }
    return parts.length === 1 ? parts[0] : (row) => parts.some((p) => p(row));
  };

  const compiled = orExpr();
  if (pos < tokens.length) throw new KingdeeQueryError(near());
  return compiled;
}

const OPERATORS: Record<string, (c: number) => boolean> = {
  '=': (c) => c === 0,
  '<>': (c) => c !== 0,
  '!=': (c) => c !== 0,
  '>': (c) => c > 0,
  '>=': (c) => c >= 0,
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
};

/** Converts a literal to the field's type as SQL Server's implicit conversion would, or fails like it. */
function coerce(value: Literal, field: string, ctx: Context): Literal {
  if (value === null) return null;
  switch (ctx.catalogue.typeOf(field)) {
    case 'datetime': {
      const ms = typeof value === 'string' ? parseServerTime(value, ctx.timeZone) : undefined;
      if (ms === undefined) throw new KingdeeQueryError(`从字符串转换日期和/或时间时，转换失败。(${field} 的值 '${value}')`);
      return ms;
    }
    case 'number': {
      const n = typeof value === 'number' ? value : /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
      if (Number.isNaN(n)) throw new KingdeeQueryError(`将 varchar 值 '${value}' 转换为数据类型 int 时失败。(${field})`);
      return n;
    }
    default:
      return String(value);
  }
}

/** Orders two values of one field; strings compare case-insensitively like Chinese_PRC_CI_AS. */
function compare(cell: unknown, key: Literal, field: string, ctx: Context): number {
  if (cell === null || cell === undefined) return key === null ? 0 : -1;
  if (key === null) return 1;
  const type = ctx.catalogue.typeOf(field);
  if (type === 'datetime') return Math.sign((cellTime(String(cell), ctx.timeZone) ?? NaN) - (key as number)) || 0;
  if (type === 'number') return Math.sign(Number(cell) - (key as number));
  const a = String(cell).toUpperCase();
  const b = String(key).toUpperCase();
  return a < b ? -1 : a > b ? 1 : 0;
}

// Served cells repeat the same few thousand timestamps; remember their instants.
const cellTimes = new Map<string, number | undefined>();
function cellTime(text: string, timeZone: string): number | undefined {
  const key = `${timeZone}|${text}`;
  if (!cellTimes.has(key)) {
    if (cellTimes.size > 200_000) cellTimes.clear();
    cellTimes.set(key, parseServerTime(text, timeZone));
  }
  return cellTimes.get(key);
}

/** Compiles an OrderString (`FModifyDate ASC, FBillNo`) into a comparator; ties keep the given order. */
export function compileOrder(orderString: string, catalogue: FieldCatalogue, timeZone: string): ((a: Row, b: Row) => number) | undefined {
  if (orderString.trim() === '') return undefined;
  const ctx: Context = { catalogue, timeZone };
  const keys = orderString.split(',').map((part) => {
    const m = /^\s*([A-Za-z_][\w.]*)\s*(ASC|DESC)?\s*$/i.exec(part);
    if (!m) throw new KingdeeQueryError(`'${part.trim()}' 附近有语法错误。`);
    return { field: catalogue.resolve(m[1]), sign: m[2]?.toUpperCase() === 'DESC' ? -1 : 1 };
  });
  return (a, b) => {
    for (const { field, sign } of keys) {
      const av = a[field];
      const c =
        av === null || av === undefined
          ? b[field] === null || b[field] === undefined
            ? 0
            : -1
          : compare(av, catalogue.typeOf(field) === 'datetime' ? (cellTime(String(b[field]), timeZone) ?? null) : catalogue.typeOf(field) === 'number' ? (b[field] as number | null) : ((b[field] as string | null) ?? null), field, ctx);
      if (c !== 0) return c * sign;
    }
    return 0;
  };
}

/** SQL Server's LIKE as a RegExp: % any run, _ any one character, [abc] / [a-c] / [^abc] a class ([[] is a literal [). */
function likePattern(pattern: string): RegExp {
  const esc = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const inClass = (body: string) => [...body].map((ch, j) => (ch === '-' && j > 0 && j < body.length - 1 ? '-' : /[\\\][^-]/.test(ch) ? `\\${ch}` : ch)).join('');
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    const close = c === '[' ? pattern.indexOf(']', i + 2) : -1;
    if (c === '%') out += '.*';
    else if (c === '_') out += '.';
    else if (close > i) {
      const body = pattern.slice(i + 1, close);
      out += body.startsWith('^') ? `[^${inClass(body.slice(1))}]` : `[${inClass(body)}]`;
      i = close;
    } else out += esc(c);
  }
  return new RegExp(`^${out}$`, 'is');
}
