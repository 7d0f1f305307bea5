// One Ajv instance for the whole pack: every schema in schemas/ is compiled once, at load.
// Errors come back as one sentence that names the field, e.g.
// "payload.operations[2].workCentre must be a string".
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { addRfc3339Formats } from './rfc3339-formats';

export type SchemaName = 'production-order' | 'work-order' | 'code-map-entry' | (string & {});

export type ValidationResult = { ok: true } | { ok: false; message: string; errors: ErrorObject[] };

/** The package's schemas/ folder, found by walking up from this file (source or dist). */
export function schemasDirectory(start: string = __dirname): string {
  let dir = start;
  for (;;) {
    const candidate = join(dir, 'schemas');
    if (existsSync(join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no schemas/ folder found above ${start}`);
    dir = parent;
  }
}

const ajv = new Ajv2020({ allErrors: true, strict: true, useDefaults: false });
addRfc3339Formats(ajv);

// All schemas are added before any is compiled, so that one may refer to another's $defs by $id
// (the production order's extensions are the work order's).
const validators = new Map<string, ValidateFunction>();
const loaded: Array<[string, { $id: string }]> = [];
for (const file of readdirSync(schemasDirectory())) {
  if (!file.endsWith('.schema.json')) continue;
  const schema = JSON.parse(readFileSync(join(schemasDirectory(), file), 'utf8'));
  ajv.addSchema(schema);
  loaded.push([file.replace(/\.schema\.json$/, ''), schema]);
}
for (const [name, schema] of loaded) validators.set(name, ajv.getSchema(schema.$id)!);

export function schemaNames(): string[] {
  return [...validators.keys()].sort();
}

export function validate(schema: SchemaName, data: unknown, root = 'payload'): ValidationResult {
  const check = validators.get(schema);
  if (!check) throw new Error(`unknown schema "${schema}"; known: ${schemaNames().join(', ')}`);
  if (check(data)) return { ok: true };
  const errors = check.errors ?? [];
  return { ok: false, errors: [...errors], message: describeErrors(errors, root) };
}

/** "/operations/2/workCentre" → "payload.operations[2].workCentre" */
export function fieldPath(instancePath: string, root = 'payload'): string {
  let path = root;
  for (const raw of instancePath.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(part) ? `[${part}]` : /^[A-Za-z_$][\w$]*$/.test(part) ? `.${part}` : `[${JSON.stringify(part)}]`;
  }
  return path;
}

function describeError(e: ErrorObject, root: string): string {
  const at = fieldPath(e.instancePath, root);
  const p = e.params as Record<string, unknown>;
  // Inside propertyNames ajv names the offending key apart from the path.
  if (e.propertyName !== undefined) return `${at} has a field named ${JSON.stringify(e.propertyName)}, which ${e.message ?? 'is not allowed'}`;
  switch (e.keyword) {
    case 'required':
      return `${at === root ? root : at}.${String(p.missingProperty)} is required`;
    case 'additionalProperties':
      return `${at}.${String(p.additionalProperty)} is not an allowed field`;
    case 'type':
      return `${at} must be ${article(String(p.type))}`;
    case 'enum':
      return `${at} must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${at} must be ${JSON.stringify(p.allowedValue)}`;
    case 'format':
      return `${at} must be a valid ${String(p.format)}${p.format === 'date-time' ? ' (ISO 8601 with time zone, e.g. 2026-03-01T08:00:00+08:00)' : ''}`;
    case 'false schema':
      return `${at} is not allowed here`;
    case 'minItems':
      return `${at} must have at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`;
    default:
      return `${at} ${e.message ?? 'is invalid'}`;
  }
}

function article(type: string): string {
  const t = type.replace(/,/g, ' or ');
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

/** Sentences for the alternatives (anyOf) of our schemas, by the $defs entry that holds them. */
const ALTERNATIVES: Array<[RegExp, string]> = [
  [/dueDate\/anyOf$/, 'must be a date (2026-12-01) or a date and time with time zone (2026-12-01T17:00:00+08:00)'],
  [/extension\w*\/anyOf$/, 'must be a string (up to 1000 characters), number, boolean or null, or a list or object of them nested at most three levels deep'],
];

/** The sentence for a failed anyOf listed above, if it is one. */
function alternativesSentence(e: ErrorObject): string | undefined {
  return e.keyword === 'anyOf' ? ALTERNATIVES.find(([pattern]) => pattern.test(e.schemaPath))?.[1] : undefined;
}

/**
 * An anyOf that fails reports every alternative's own failure too; the reader needs one sentence for
 * the field. The outermost failed anyOf that has a sentence above speaks for everything at or below its
 * field (other anyOfs keep their alternatives' own errors); an if/then adds nothing beyond its own errors.
 */
function collapseAlternatives(errors: ErrorObject[]): ErrorObject[] {
  const within = (path: string, outer: string) => path === outer || path.startsWith(`${outer}/`);
  const anyOfs = errors.filter((e) => alternativesSentence(e) !== undefined);
  const outer = anyOfs.filter((a) => !anyOfs.some((b) => b.instancePath !== a.instancePath && within(a.instancePath, b.instancePath)));
  const spoken = new Set<string>();
  return errors.filter((e) => {
    // Both say again what the errors beside them say.
    if (e.keyword === 'if' || e.keyword === 'propertyNames') return false;
    if (anyOfs.includes(e)) {
      if (!outer.includes(e) || spoken.has(e.instancePath)) return false;
      spoken.add(e.instancePath);
      return true;
    }
    return !outer.some((a) => within(e.instancePath, a.instancePath));
  });
}

export function describeErrors(errors: ErrorObject[], root = 'payload'): string {
  const describe = (e: ErrorObject) => {
    const alternatives = alternativesSentence(e);
    return alternatives ? `${fieldPath(e.instancePath, root)} ${alternatives}` : describeError(e, root);
  };
  return [...new Set(collapseAlternatives(errors).map(describe))].join('; ');
}
