// One Ajv instance for the whole pack: every schema in schemas/ is compiled once, at load.
// Errors come back as one sentence that names the field, e.g.
// "payload.operations[2].workCentre must be a string".
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

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
addFormats(ajv);

const validators = new Map<string, ValidateFunction>();
for (const file of readdirSync(schemasDirectory())) {
  if (!file.endsWith('.schema.json')) continue;
  const schema = JSON.parse(readFileSync(join(schemasDirectory(), file), 'utf8'));
  validators.set(file.replace(/\.schema\.json$/, ''), ajv.compile(schema));
}

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

export function describeErrors(errors: ErrorObject[], root = 'payload'): string {
  const sentences = [...new Set(errors.map((e) => describeError(e, root)))];
  return sentences.join('; ');
}
