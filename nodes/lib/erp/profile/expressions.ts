// Every dynamic part of an ERP profile is a JSONata expression (Node-RED's own expression language):
// request query and body, where the items are, how an error hides in a 200 answer, the mapping to our
// production-order shape. They are compiled once per profile; errors name the profile field.
import jsonata from 'jsonata';
import { formatChangeTime, parseChangeTime, type ChangeTimeFormat } from './time-format';

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
}

export function compileExpression(source: string, field: string, profileName: string, timeZone = 'UTC'): CompiledExpression {
  let expression: jsonata.Expression;
  try {
    expression = jsonata(source);
  } catch (err) {
    const e = err as { message?: string; position?: number };
    throw new ProfileExpressionError(`ERP profile '${profileName}' ${field}: the JSONata expression does not parse${e.position !== undefined ? ` at position ${e.position}` : ''}: ${e.message ?? String(err)}.`);
  }
  registerHelpers(expression, timeZone);
  return {
    field,
    async evaluate(input, bindings = {}) {
      try {
        return await expression.evaluate(input, bindings);
      } catch (err) {
        const e = err as { message?: string; code?: string };
        throw new ProfileExpressionError(`ERP profile '${profileName}' ${field} failed: ${e.message ?? String(err)}${e.code ? ` (${e.code})` : ''}.`);
      }
    },
  };
}
