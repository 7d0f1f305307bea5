// The work-order contract has one source, schemas/: the TypeScript types in nodes/lib/plan-sync/work-order.ts
// are read with the TypeScript compiler and compared with the schemas field by field (names, optional or
// required, enums, nesting). And a v1 message is still read, as v2.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { readWorkOrder, toWorkOrderV1 } from '../../nodes/lib/plan-sync/work-order-contract';
import type { WorkOrder } from '../../nodes/lib/plan-sync/work-order';
import { schemasDirectory, validate } from '../../nodes/lib/validation';

const root = dirname(schemasDirectory());
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- schemas walked by key at any depth
type Json = Record<string, any>;
const schemas = new Map<string, Json>();
for (const file of readdirSync(schemasDirectory())) {
  if (file.endsWith('.schema.json')) {
    const schema = JSON.parse(readFileSync(join(schemasDirectory(), file), 'utf8')) as Json;
    schemas.set(schema.$id, schema);
  }
}
const schemaOf = (name: string) => schemas.get(`https://erp-mes-bridge.dev/schemas/${name}.schema.json`)!;

/** Follows a $ref (local or to another schema by $id) to the schema it names, with the schema it lives in. */
function resolve(node: Json, home: Json): [Json, Json] {
  while (typeof node.$ref === 'string') {
    const [base, fragment = ''] = node.$ref.split('#');
    const target = base ? schemas.get(base)! : home;
    assert.ok(target, `the $ref ${node.$ref} names a schema that does not exist`);
    node = fragment
      .split('/')
      .slice(1)
      .reduce((at: Json, part: string) => at[part], target);
    home = target;
  }
  return [node, home];
}

const source = ts.createSourceFile('work-order.ts', readFileSync(join(root, 'nodes', 'lib', 'plan-sync', 'work-order.ts'), 'utf8'), ts.ScriptTarget.ES2022, true);
const declared = new Map<string, ts.InterfaceDeclaration | ts.TypeAliasDeclaration>();
source.forEachChild((n) => {
  if (ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n)) declared.set(n.name.text, n);
});

function members(of: ts.InterfaceDeclaration | ts.TypeLiteralNode): Map<string, ts.PropertySignature> {
  const found = new Map<string, ts.PropertySignature>();
  for (const m of of.members) if (ts.isPropertySignature(m)) found.set((m.name as ts.Identifier).text, m);
  return found;
}

/** Follows type names declared in work-order.ts to what they stand for. */
function unalias(type: ts.TypeNode): ts.TypeNode | ts.InterfaceDeclaration {
  if (ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName)) {
    const named = declared.get(type.typeName.text);
    if (named && ts.isInterfaceDeclaration(named)) return named;
    if (named) return unalias(named.type);
  }
  return type;
}

function literals(type: ts.TypeNode): unknown[] | undefined {
  const parts = ts.isUnionTypeNode(type) ? type.types : [type];
  const values: unknown[] = [];
  for (const part of parts) {
    if (!ts.isLiteralTypeNode(part)) return undefined;
    const lit = part.literal;
    values.push(ts.isStringLiteral(lit) ? lit.text : ts.isNumericLiteral(lit) ? Number(lit.text) : lit.getText());
  }
  return values;
}

/** Compares one schema node with one TypeScript type; returns the differences as sentences. */
function compare(schemaNode: Json, home: Json, typeNode: ts.TypeNode | ts.InterfaceDeclaration, at: string): string[] {
  const [schema, where] = resolve(schemaNode, home);
  const type = ts.isInterfaceDeclaration(typeNode) ? typeNode : unalias(typeNode);
  if (schema.enum || schema.const !== undefined) {
    const want = (schema.enum ?? [schema.const]) as unknown[];
    const got = ts.isInterfaceDeclaration(type) ? undefined : literals(type);
    return got && [...got].sort().join('|') === [...want].sort().join('|') ? [] : [`${at}: the schema allows ${want.join(', ')}; the type says ${ts.isInterfaceDeclaration(type) ? type.name.text : type.getText()}`];
  }
  if (schema.properties) {
    const shape = ts.isInterfaceDeclaration(type) || ts.isTypeLiteralNode(type) ? members(type) : undefined;
    if (!shape) return [`${at}: the schema has an object; the type says ${type.getText()}`];
    const required = new Set<string>(schema.required ?? []);
    const problems: string[] = [];
    for (const name of new Set([...Object.keys(schema.properties), ...shape.keys()])) {
      const member = shape.get(name);
      if (!(name in schema.properties)) problems.push(`${at}.${name} is in the type but not in the schema`);
      else if (!member) problems.push(`${at}.${name} is in the schema but not in the type`);
      else {
        if (required.has(name) === Boolean(member.questionToken) && name !== 'contractVersion') {
          problems.push(`${at}.${name} is ${required.has(name) ? 'required' : 'optional'} in the schema but not in the type`);
        }
        problems.push(...compare(schema.properties[name], where, member.type!, `${at}.${name}`));
      }
    }
    return problems;
  }
  if (schema.type === 'array') {
    const item = ts.isArrayTypeNode(type) ? type.elementType : ts.isTypeReferenceNode(type) && type.getText().startsWith('Array<') ? type.typeArguments![0] : undefined;
    return item ? compare(schema.items, where, item, `${at}[]`) : [`${at}: the schema has an array; the type says ${type.getText()}`];
  }
  const text = ts.isInterfaceDeclaration(type) ? type.name.text : type.getText();
  if (schema.type === 'object') return /^Record<string, unknown>$/.test(text) ? [] : [`${at}: the schema has an open object; the type says ${text}`];
  const primitive = schema.type === 'integer' ? 'number' : schema.type;
  return text === primitive ? [] : [`${at}: the schema has ${String(schema.type)}; the type says ${text}`];
}

describe('work-order contract: one source for the types', () => {
  it('the WorkOrder type has exactly the fields of schemas/work-order.schema.json, optional where the schema does not require them', () => {
    const schema = schemaOf('work-order');
    assert.deepEqual(compare(schema, schema, declared.get('WorkOrder') as ts.InterfaceDeclaration, 'WorkOrder'), []);
  });

  it('the ProductionOrder type has exactly the fields of schemas/production-order.schema.json', () => {
    const schema = schemaOf('production-order');
    assert.deepEqual(compare(schema, schema, declared.get('ProductionOrder') as ts.InterfaceDeclaration, 'ProductionOrder'), []);
  });

  it('OrderStatusV1 lists the statuses the schema allows a message without contractVersion', () => {
    const v1 = schemaOf('work-order').then.properties.status;
    assert.deepEqual(compare(v1, schemaOf('work-order'), (declared.get('OrderStatusV1') as ts.TypeAliasDeclaration).type, 'OrderStatusV1'), []);
  });

  it('the comparison itself notices a field the type lacks', () => {
    const schema = { type: 'object', required: ['a'], properties: { a: { type: 'string' }, b: { type: 'number' } } };
    const literal = ts.createSourceFile('x.ts', 'type X = { a?: string };', ts.ScriptTarget.ES2022, true);
    const alias = literal.statements[0] as ts.TypeAliasDeclaration;
    assert.deepEqual(compare(schema, schema, alias.type, 'X'), ['X.a is required in the schema but not in the type', 'X.b is in the schema but not in the type']);
  });
});

describe('work-order contract: v1 messages', () => {
  const v1 = JSON.parse(readFileSync(join(root, 'test', 'schemas', 'work-order', 'valid', 'v1-mapped-infusion-set.json'), 'utf8'));

  it('a v1 message (no contractVersion) is accepted and read as v2 with its fields unchanged', () => {
    const read = readWorkOrder(v1);
    assert.ok(read.ok, !read.ok ? read.message : '');
    assert.equal(read.receivedVersion, 1);
    assert.deepEqual(read.workOrder, { contractVersion: 2, ...v1 });
    assert.deepEqual(validate('work-order', read.workOrder), { ok: true });
  });

  it('a v1 message without a due date is refused with v1 named as the reason', () => {
    const { dueDate: _d, ...noDue } = v1;
    const read = readWorkOrder(noDue);
    assert.equal(read.ok, false);
    assert.match(!read.ok ? read.message : '', /payload\.dueDate is required.*read as contract version 1/);
  });

  it('the same order as v2 may leave out its due date and its operations', () => {
    const { dueDate: _d, ...noDue } = v1;
    const read = readWorkOrder({ ...noDue, contractVersion: 2, operations: [] });
    assert.ok(read.ok && read.receivedVersion === 2);
  });

  it('an unknown contract version is refused naming the versions that are read', () => {
    const read = readWorkOrder({ ...v1, contractVersion: 3 });
    assert.deepEqual(read, { ok: false, message: 'payload.contractVersion 3 is not a work-order contract version this receiver reads; it reads 2, and 1 when contractVersion is absent' });
  });

  it('a v2 order goes back to v1 for an MES not yet on v2 without its v2 fields, running as released', () => {
    const v2: WorkOrder = { contractVersion: 2, ...v1, source: { ...v1.source, orderKey: '42' }, status: 'running', producedQty: 5, extensions: { custom_po: 'PO-1' } };
    const back = toWorkOrderV1(v2);
    assert.deepEqual(back, { ok: true, workOrder: { ...v1, status: 'released' } });
  });

  it('what v1 cannot say is refused with the reason, not guessed', () => {
    const reason = (w: WorkOrder) => {
      const r = toWorkOrderV1(w);
      return r.ok ? 'sent' : r.message.replace(/^work order \S+ cannot be sent as contract version 1: /, '').replace(/; choose.*$/, '');
    };
    const { dueDate: _d, ...undated } = v1;
    assert.equal(reason({ ...undated, contractVersion: 2 }), 'it has no due date, which v1 requires');
    assert.equal(reason({ ...v1, contractVersion: 2, dueDate: '2026-12-01' }), 'its due date 2026-12-01 has no time of day, which v1 requires');
    assert.equal(reason({ ...v1, contractVersion: 2, operations: [] }), 'it has no operations, and v1 requires at least one');
    assert.equal(reason({ ...v1, contractVersion: 2, status: 'held' }), 'it is held, a state v1 does not have');
  });
});
