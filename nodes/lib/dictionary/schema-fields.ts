// The fields of a JSON Schema as a flat list of paths (`operations[].opNo`), with what the schema says of each:
// type, format, bounds, whether required, its description. Local $refs are followed; alternatives (oneOf/anyOf)
// contribute their fields once.

type Json = Record<string, unknown>;

export interface SchemaField {
  path: string;
  /** The last name in the path (`opNo` for `operations[].opNo`). */
  name: string;
  type: string;
  required: boolean;
  description?: string;
  /** Bounds and allowed values as short text: `1–40 characters`, `0 … 1e9`, `one of: a, b`. */
  constraints: string;
}

function resolve(node: Json, root: Json): Json {
  const ref = node.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return node;
  const target = ref
    .slice(2)
    .split('/')
    .reduce<unknown>((at, key) => (at as Json | undefined)?.[key], root) as Json | undefined;
  if (!target) throw new Error(`The schema refers to ${ref}, which it does not define.`);
  const { $ref: _ref, ...rest } = node;
  return { ...resolve(target, root), ...rest };
}

function typeOf(node: Json): string {
  if (node.const !== undefined) return `const ${JSON.stringify(node.const)}`;
  if (Array.isArray(node.enum)) return 'enum';
  const type = node.type;
  if (Array.isArray(type)) return type.join(' | ');
  if (typeof type === 'string') return type;
  const alternatives = (node.oneOf ?? node.anyOf) as Json[] | undefined;
  if (alternatives) return [...new Set(alternatives.map((a) => (typeof a.type === 'string' ? a.type : 'object')))].join(' | ');
  return 'any';
}

function constraintsOf(node: Json): string {
  const parts: string[] = [];
  if (Array.isArray(node.enum)) parts.push(node.enum.map((v) => String(v)).join(', '));
  if (typeof node.format === 'string') parts.push(node.format);
  if (typeof node.pattern === 'string') parts.push(`/${node.pattern}/`);
  const low = node.minimum ?? node.exclusiveMinimum;
  const high = node.maximum ?? node.exclusiveMaximum;
  if (low !== undefined || high !== undefined) {
    parts.push(`${node.exclusiveMinimum !== undefined ? '>' : ''}${low ?? ''} … ${node.exclusiveMaximum !== undefined ? '<' : ''}${high ?? ''}`.trim());
  }
  if (node.minLength !== undefined || node.maxLength !== undefined) parts.push(`${node.minLength ?? 0}–${node.maxLength ?? '∞'} chars`);
  if (node.maxItems !== undefined) parts.push(`≤ ${node.maxItems} items`);
  return parts.join('; ');
}

/** Every field path of a schema, depth first, each path once. */
export function schemaFields(schema: Json): SchemaField[] {
  const out = new Map<string, SchemaField>();
  const walk = (raw: Json, prefix: string): void => {
    const node = resolve(raw, schema);
    const required = new Set(Array.isArray(node.required) ? (node.required as string[]) : []);
    for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, Json>)) {
      const path = prefix ? `${prefix}.${name}` : name;
      const resolved = resolve(child, schema);
      if (!out.has(path)) {
        out.set(path, {
          path,
          name,
          type: typeOf(resolved),
          required: required.has(name),
          ...(typeof resolved.description === 'string' && { description: resolved.description }),
          constraints: constraintsOf(resolved),
        });
      }
      walk(child, path);
    }
    if (node.items && typeof node.items === 'object') walk(node.items as Json, `${prefix}[]`);
    for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
      const alternatives = node[key];
      if (Array.isArray(alternatives)) for (const alt of alternatives) walk(alt as Json, prefix);
    }
  };
  walk(schema, '');
  return [...out.values()];
}
