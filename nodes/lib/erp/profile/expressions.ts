// Every dynamic part of an ERP profile is a JSONata expression (Node-RED's own expression language):
// request query and body, where the items are, how an error hides in a 200 answer, the mapping to our
// production-order shape. They are compiled once per profile; errors name the profile field.
import { createHash } from 'node:crypto';
import jsonata from 'jsonata';
import { formatChangeTime, parseChangeTime, type ChangeTimeFormat } from '../../time-format';
import { COMPONENT_FIELDS, OPERATION_FIELDS, kingdeeK3Cloud } from '../presets/kingdee-k3cloud';
import { NOT_NATIVE, kingdeeOrderMap, lineQueryBody, zipSelect } from '../presets/kingdee-map';

export type Bindings = Record<string, unknown>;

export interface CompiledExpression {
  /** The profile field it came from, e.g. "pull.map". */
  readonly field: string;
  evaluate(input: unknown, bindings?: Bindings): Promise<unknown>;
}

export class ProfileExpressionError extends Error {
  override toString(): string {
    return this.message;
  }
}

/** Functions every profile expression may call, beyond JSONata's own. */
function registerHelpers(expression: jsonata.Expression, timeZone: string): void {
  // $erpTime("20261120003000") → "2026-11-20T00:30:00.000Z"; text without a zone is read in the profile's time zone.
  expression.registerFunction('erpTime', (text: unknown, zone?: string) => parseChangeTime(text, zone ?? timeZone), '<x?s?:s>');
  // $formatTime($since, "compact", "UTC")
  expression.registerFunction('formatTime', (iso: string, format: string, zone?: string) => (iso === undefined ? undefined : formatChangeTime(iso, format as ChangeTimeFormat, zone ?? timeZone)), '<s?s?s?:s>');
  // Decimals that arrive as strings ("12.500") become numbers; "" and null become undefined.
  expression.registerFunction('num', (value: unknown) => (value === null || value === undefined || value === '' || value === false ? undefined : Number(value)), '<x?:n>');
  // Odoo many2one [id, "name"] → "name" (or id with $m2oId); false → undefined.
  expression.registerFunction('m2o', (value: unknown) => (Array.isArray(value) ? value[1] : undefined), '<x?:x>');
  expression.registerFunction('m2oId', (value: unknown) => (Array.isArray(value) ? value[0] : undefined), '<x?:x>');
  // SAP OData v2 splits date and time: /Date(ms)/ is the calendar day (UTC midnight), PT17H00M00S the wall clock.
  expression.registerFunction('sapDateTime', (date: unknown, time?: unknown, zone?: string) => sapDateTime(date, time, zone ?? timeZone), '<x?x?s?:s>');
  // Rows that arrive as arrays (Kingdee's ExecuteBillQuery) zipped with their field keys into objects: in
  // TypeScript, since a JSONata $map/$merge per cell costs more than the request that brought the row.
  expression.registerFunction('zip', (rows: unknown, keys: unknown) => zipRows(rows, keys), '<xx:x>');
  // A GUID made from an idempotency key, for ERPs whose external key field must be a GUID (SAP).
  expression.registerFunction('keyGuid', (key: string) => keyGuid(key), '<s:s>');
  // The other way for writes: an ISO time → SAP's calendar day (/Date(ms)/) and wall clock (PT…) in a zone.
  expression.registerFunction('sapDate', (iso: string, zone?: string) => (iso === undefined ? undefined : `/Date(${Date.parse(`${formatChangeTime(iso, 'sql', zone ?? timeZone).slice(0, 10)}T00:00:00Z`)})/`), '<s?s?:s>');
  expression.registerFunction(
    'sapTime',
    (iso: string, zone?: string) => {
      if (iso === undefined) return undefined;
      const [h, m, s] = formatChangeTime(iso, 'sql', zone ?? timeZone)
        .slice(11, 19)
        .split(':');
      return `PT${h}H${m}M${s}S`;
    },
    '<s?s?:s>',
  );
}

export function zipRows(rows: unknown, keys: unknown): unknown {
  if (!Array.isArray(rows) || !Array.isArray(keys)) return rows;
  return rows.map((row) => (Array.isArray(row) ? Object.fromEntries(keys.map((k, i) => [String(k), row[i]])) : row));
}

export function sapDateTime(date: unknown, time: unknown, timeZone: string): string | undefined {
  const day = typeof date === 'string' ? /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/.exec(date) : null;
  if (!day) return undefined;
  const clock = typeof time === 'string' ? /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/.exec(time) : null;
  const d = new Date(Number(day[1]));
  const wall = `${d.toISOString().slice(0, 10)} ${String(clock?.[1] ?? 0).padStart(2, '0')}:${String(clock?.[2] ?? 0).padStart(2, '0')}:${String(clock?.[3] ?? 0).padStart(2, '0')}`;
  const iso = parseChangeTime(wall, timeZone);
  return iso === undefined ? undefined : formatChangeTime(iso, 'iso', timeZone);
}

export function keyGuid(key: string): string {
  const h = createHash('sha1').update(`erp-mes-bridge:${key}`).digest('hex');
  // Shaped as a version-5 (name-based) UUID.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

type NativeExpression = (input: unknown, bindings: Bindings, timeZone: string) => unknown;

/**
 * Expressions of the shipped presets that also exist in TypeScript, keyed by their exact text: a preset
 * left as shipped (or copied and not changed) runs the TypeScript, one changed anywhere runs its JSONata.
 */
const kingdeeDetails = kingdeeK3Cloud.pull.details!;
const NATIVE = new Map<string, NativeExpression>([
  [kingdeeK3Cloud.pull.map, kingdeeOrderMap as NativeExpression],
  [kingdeeDetails.operations.request.body!, lineQueryBody('SFC_OperationPlanning', OPERATION_FIELDS, 'operations', 'FMONumber', 'FOperNumber ASC') as NativeExpression],
  [kingdeeDetails.operations.select!, zipSelect(OPERATION_FIELDS, 'operations') as NativeExpression],
  [kingdeeDetails.components.request.body!, lineQueryBody('PRD_PPBOM', COMPONENT_FIELDS, undefined, 'FMOBillNO', 'FOperID ASC') as NativeExpression],
  [kingdeeDetails.components.select!, zipSelect(COMPONENT_FIELDS, undefined) as NativeExpression],
]);

export function compileExpression(source: string, field: string, profileName: string, timeZone = 'UTC'): CompiledExpression {
  let expression: jsonata.Expression;
  try {
    expression = jsonata(source);
  } catch (err) {
    const e = err as { message?: string; position?: number };
    throw new ProfileExpressionError(`ERP profile '${profileName}' ${field}: the JSONata expression does not parse${e.position !== undefined ? ` at position ${e.position}` : ''}: ${e.message ?? String(err)}.`);
  }
  registerHelpers(expression, timeZone);
  const native = NATIVE.get(source);
  return {
    field,
    async evaluate(input, bindings = {}) {
      try {
        if (native) {
          const out = native(input, bindings, timeZone);
          if (out !== NOT_NATIVE) return out;
        }
        return await expression.evaluate(input, bindings);
      } catch (err) {
        const e = err as { message?: string; code?: string };
        throw new ProfileExpressionError(`ERP profile '${profileName}' ${field} failed: ${e.message ?? String(err)}${e.code ? ` (${e.code})` : ''}.`);
      }
    },
  };
}
