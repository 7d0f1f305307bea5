// What a flow gets from a legacy table: the drivers are told to hand decimals and datetimes back as text
// (no lost digits, no lost microseconds); here they become what the node was asked for. Datetimes without
// a zone are the legacy database's wall-clock time (default Asia/Shanghai) and come out as ISO instants.
import { checkTimeZone, formatChangeTime, parseChangeTime } from '../time-format';
import { digits, plainWallClockToIsoUtc, wallClockToIsoUtc } from './wall-clock';
import type { SqlDialect } from './identifiers';
import { quotePart, parseIdentifier } from './identifiers';
import type { SqlStatement } from './keyset';

export type ColumnKind = 'decimal' | 'integer' | 'datetime' | 'date' | 'binary' | 'text' | 'other';

export interface FlowValueOptions {
  /** Decimal columns as text (every digit kept, default) or as JS numbers. */
  decimals?: 'string' | 'number';
  /** The zone the database stores local times in (default Asia/Shanghai). */
  timeZone?: string;
  /** iso-utc (default) 2026-11-20T00:30:00.123456Z; iso-local 2026-11-20T08:30:00.123456+08:00; text = as stored. */
  datetimes?: 'iso-utc' | 'iso-local' | 'text';
  /** Column kinds by column name (from columnTypesQuery + columnKindOf). Columns not listed are guessed. */
  columnKinds?: Readonly<Record<string, ColumnKind>>;
  /** For columns not in columnKinds: treat text shaped "YYYY-MM-DD HH:MM:SS[.f]" as a datetime (default true). */
  detectDatetimes?: boolean;
}

const datetimeText = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?\s?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

function isoFromMatch(m: RegExpExecArray, timeZone: string, style: 'iso-utc' | 'iso-local'): string {
  const [, date, time, frac, zone] = m;
  const fraction = frac ? `.${frac}` : '';
  if (zone === undefined && style === 'iso-utc') {
    return wallClockToIsoUtc(digits(date, 0, 4), digits(date, 5, 7), digits(date, 8, 10), digits(time, 0, 2), digits(time, 3, 5), digits(time, 6, 8), fraction, timeZone);
  }
  const zoneText = zone === undefined ? '' : zone === 'Z' ? 'Z' : zone.length === 3 ? `${zone}:00` : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const iso = parseChangeTime(zoneText ? `${date}T${time}${zoneText}` : `${date} ${time}`, timeZone);
  if (iso === undefined) throw new Error(`'${m.input}' is not a valid date and time.`);
  if (style === 'iso-utc') return iso.replace(/\.\d{3}Z$/, `${fraction}Z`);
  return formatChangeTime(iso, 'iso', timeZone).replace(/([+-]\d{2}:\d{2})$/, `${fraction}$1`);
}

/**
 * A datetime as the database wrote it ("2026-11-20 08:30:00.123456", or with an offset for timestamptz /
 * datetimeoffset) as an ISO string. The fraction is kept digit for digit: a Date would keep only milliseconds.
 */
export function legacyDatetimeToIso(text: string, timeZone = 'Asia/Shanghai', style: 'iso-utc' | 'iso-local' = 'iso-utc'): string {
  const m = datetimeText.exec(text.trim());
  if (!m) throw new Error(`'${text}' is not a datetime as the database writes it (YYYY-MM-DD HH:MM:SS[.ffffff]).`);
  return isoFromMatch(m, timeZone, style);
}

/** information_schema / sqlite type names → what the value is (decimal, numeric, money, datetime2, timestamptz…). */
export function columnKindOf(sqlType: string): ColumnKind {
  const t = sqlType.trim().toLowerCase();
  if (/^(decimal|numeric|money|smallmoney|number|real|float|double)/.test(t)) return 'decimal';
  if (/^(tinyint|smallint|mediumint|int|integer|bigint|serial|bigserial|smallserial)\b/.test(t)) return 'integer';
  if (/^(datetime|datetime2|smalldatetime|datetimeoffset|timestamp)/.test(t)) return 'datetime';
  if (t === 'date') return 'date';
  if (/^(binary|varbinary|image|blob|tinyblob|mediumblob|longblob|bytea|rowversion)/.test(t)) return 'binary';
  if (/char|text|clob|uniqueidentifier|uuid|enum|set|json|xml/.test(t)) return 'text';
  return 'other';
}

/**
 * Lists a table's columns and their type names (rows { name, type }), so columnKinds need not be configured.
 * The table name is bound as a value here, never put into the SQL text.
 */
export function columnTypesQuery(dialect: SqlDialect, table: string): SqlStatement {
  const parts = parseIdentifier(table, 'table');
  const name = parts[parts.length - 1];
  const schema = parts.length >= 2 ? parts[parts.length - 2] : null;
  switch (dialect) {
    case 'mysql':
      return { sql: 'SELECT COLUMN_NAME AS name, DATA_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION', bindings: [schema, name] };
    case 'pg':
      return { sql: 'SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_schema = COALESCE(CAST(? AS text), current_schema()) AND table_name = ? ORDER BY ordinal_position', bindings: [schema, name] };
    case 'mssql': {
      const catalog = parts.length === 3 ? `${quotePart('mssql', parts[0])}.` : '';
      return { sql: `SELECT COLUMN_NAME AS name, DATA_TYPE AS type FROM ${catalog}INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = COALESCE(?, SCHEMA_NAME()) AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, bindings: [schema, name] };
    }
    case 'sqlite':
      return schema === null ? { sql: 'SELECT name, type FROM pragma_table_info(?) ORDER BY cid', bindings: [name] } : { sql: 'SELECT name, type FROM pragma_table_info(?, ?) ORDER BY cid', bindings: [name, schema] };
    default:
      throw new Error(`'${String(dialect)}' is not a SQL dialect.`);
  }
}

/** Column types that hold a wall-clock time with no zone: ISO instants written there must become local text. */
export function isLocalDatetimeType(sqlType: string): boolean {
  const t = sqlType.trim().toLowerCase();
  return /^(datetime|datetime2|smalldatetime|timestamp)\b/.test(t) && !/with time zone|timestamptz|datetimeoffset/.test(t);
}

const isoInstant = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * The reverse of legacyDatetimeToIso: an ISO instant (with Z or an offset) or a Date as the legacy database's
 * wall-clock text in its zone, fraction digits kept. Anything else is returned unchanged (the database judges it).
 */
export function toLegacyDatetime(value: unknown, timeZone = 'Asia/Shanghai'): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? value : formatChangeTime(value.getTime(), 'sql-micro', timeZone).replace(/\d{3}$/, '');
  if (typeof value !== 'string') return value;
  const m = isoInstant.exec(value.trim());
  if (!m) return value;
  const ms = Date.parse(value.trim());
  if (Number.isNaN(ms)) return value;
  const wall = formatChangeTime(Math.floor(ms / 1000) * 1000, 'sql', timeZone);
  return m[3] ? `${wall}.${m[3]}` : wall;
}

/** { name, type } rows from columnTypesQuery → columnKinds. */
export function columnKindsFrom(rows: ReadonlyArray<Record<string, unknown>>): Record<string, ColumnKind> {
  const kinds: Record<string, ColumnKind> = {};
  for (const row of rows) kinds[String(row.name)] = columnKindOf(String(row.type ?? ''));
  return kinds;
}

type ResolvedValueOptions = Required<Omit<FlowValueOptions, 'columnKinds'>> & Pick<FlowValueOptions, 'columnKinds'>;

function resolved(options: FlowValueOptions): ResolvedValueOptions {
  const timeZone = options.timeZone ?? 'Asia/Shanghai';
  checkTimeZone(timeZone);
  return { decimals: options.decimals ?? 'string', timeZone, datetimes: options.datetimes ?? 'iso-utc', detectDatetimes: options.detectDatetimes ?? true, columnKinds: options.columnKinds };
}

/** One driver value as a flow gets it; kind undefined = not known (strings are only checked for the datetime shape). */
export function flowValue(value: unknown, kind: ColumnKind | undefined, options: FlowValueOptions = {}): unknown {
  return convert(value, kind, resolved(options));
}

/** Text shaped like a datetime as an ISO instant; any other text as it is. */
function datetimeOrText(value: string, o: ResolvedValueOptions): string {
  const plain = o.datetimes === 'iso-utc' ? plainWallClockToIsoUtc(value, o.timeZone) : undefined;
  if (plain !== undefined) return plain;
  const m = datetimeText.exec(value.trim());
  return m ? isoFromMatch(m, o.timeZone, o.datetimes === 'iso-local' ? 'iso-local' : 'iso-utc') : value;
}

function convert(value: unknown, kind: ColumnKind | undefined, o: ResolvedValueOptions): unknown {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  // A driver that still builds Dates (sqlite functions, a misconfigured pool) gives an instant: keep it.
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : legacyDatetimeToIso(value.toISOString(), o.timeZone, o.datetimes === 'iso-local' ? 'iso-local' : 'iso-utc');
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  switch (kind) {
    case 'decimal':
      if (typeof value === 'string') return o.decimals === 'number' ? Number(value) : value;
      if (typeof value === 'number') return o.decimals === 'string' ? String(value) : value;
      return value;
    case 'integer':
      // BIGINT ids beyond 2^53 would silently change as numbers: those stay text.
      if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number.isSafeInteger(Number(value)) ? Number(value) : value;
      return value;
    case 'datetime':
      return typeof value === 'string' && o.datetimes !== 'text' ? datetimeOrText(value, o) : value;
    case undefined:
      return typeof value === 'string' && o.detectDatetimes && o.datetimes !== 'text' ? datetimeOrText(value, o) : value;
    default:
      return value;
  }
}

interface ColumnSlot {
  name: string;
  kind: ColumnKind | undefined;
  /** Text in this column reaches the flow as it is (text, decimals kept as text…). */
  textAsIs: boolean;
  /** The column's last text and what it became: neighbouring rows often repeat a value (an order's plan dates). */
  lastText: string | undefined;
  lastOut: unknown;
}

/**
 * Converts rows as a flow gets them, with the options checked once (a poll converts every row the same
 * way): each row becomes a new object, the driver's row stays untouched (its watermark text is the cursor).
 */
export function flowRowConverter(options: FlowValueOptions = {}): (row: Readonly<Record<string, unknown>>) => Record<string, unknown> {
  const o = resolved(options);
  const hasOwn = Object.prototype.hasOwnProperty;
  // Rows of one statement list their columns in one order: what is known per column is kept by position.
  const slots: ColumnSlot[] = [];
  const slotFor = (name: string): ColumnSlot => {
    const kind = o.columnKinds?.[name];
    const textAsIs = kind === 'text' || kind === 'other' || kind === 'date' || kind === 'binary' || (kind === 'decimal' && o.decimals === 'string');
    return { name, kind, textAsIs, lastText: undefined, lastOut: undefined };
  };
  return (row) => {
    // A spread copy is one allocation of the row's shape; only values that change are written again.
    const out: Record<string, unknown> = { ...row };
    let position = 0;
    for (const name in out) {
      if (!hasOwn.call(out, name)) continue;
      let slot = slots[position];
      if (slot === undefined || slot.name !== name) slot = slots[position] = slotFor(name);
      position += 1;
      const value = out[name];
      if (typeof value === 'string') {
        if (slot.textAsIs) continue;
        if (value === slot.lastText) {
          out[name] = slot.lastOut;
          continue;
        }
        const converted = convert(value, slot.kind, o);
        slot.lastText = value;
        slot.lastOut = converted;
        out[name] = converted;
        continue;
      }
      const converted = convert(value, slot.kind, o);
      if (converted !== value) out[name] = converted;
    }
    return out;
  };
}

/** A row as a flow gets it: a new object, the driver's row untouched (its watermark text is the cursor). */
export function flowRow(row: Readonly<Record<string, unknown>>, options: FlowValueOptions = {}): Record<string, unknown> {
  return flowRowConverter(options)(row);
}
