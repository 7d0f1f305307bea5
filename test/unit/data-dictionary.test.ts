// The data dictionary stays in step with what it describes: every schema field has its meaning in both
// languages, every ERP field it names is one the preset really reads or writes, the work order's "made from"
// column is what plan sync does, and docs/data-dictionary.md is what the generator writes today.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildDataDictionary, dictionaryGaps, unitOf } from '../../nodes/lib/dictionary/data-dictionary';
import { readDictionarySources } from '../../nodes/lib/dictionary/load';
import { dataDictionaryMarkdown } from '../../nodes/lib/dictionary/markdown';
import { schemaFields } from '../../nodes/lib/dictionary/schema-fields';
import { toWorkOrder, type ProductionOrder } from '../../nodes/lib/plan-sync/work-order';
import { repoRoot } from '../support/server-process';

const { schemas, meanings, sources } = readDictionarySources(join(repoRoot, 'schemas'));
const dictionary = buildDataDictionary(schemas, meanings, sources);

/** Every value at a dictionary path (`operations[].opNo`) of a message, arrays flattened in order. */
function valuesAt(message: unknown, path: string): unknown[] {
  let at: unknown[] = [message];
  for (const part of path.split('.')) {
    const array = part.endsWith('[]');
    const key = array ? part.slice(0, -2) : part;
    at = at.flatMap((v) => {
      const next = (v as Record<string, unknown> | undefined)?.[key];
      if (next === undefined) return [];
      return array ? (next as unknown[]) : [next];
    });
  }
  return at;
}

describe('the data dictionary', () => {
  it('gives every field of every schema a meaning in en-US and zh-CN, and describes nothing that is not there', () => {
    assert.deepEqual(dictionaryGaps(schemas, meanings, sources), []);
    const schemaCount = readdirSync(join(repoRoot, 'schemas')).filter((f) => f.endsWith('.schema.json')).length;
    assert.equal(dictionary.messages.length, schemaCount);
    for (const message of dictionary.messages) {
      assert.ok(message.fields.length > 0, `${message.name} has fields`);
      for (const field of message.fields) {
        assert.ok(field.meaning['en-US'].length > 0, `${message.name} ${field.path} in English`);
        assert.match(field.meaning['zh-CN'], /[\u4e00-\u9fff]/, `${message.name} ${field.path} in Chinese`);
      }
    }
  });

  it('names a gap as a sentence: a schema field without words, and words for a field no schema has', () => {
    const schema = { title: 'T', type: 'object', properties: { knownField: { type: 'string', description: 'Known.' }, newField: { type: 'number' } } };
    const gaps = dictionaryGaps({ probe: schema }, { messages: { probe: { zh: '探针' } }, names: { knownField: { zh: '已知' } }, paths: { 'probe#gone': { zh: '无' } } }, { presets: {}, fields: { probe: { missing: { from: 'nowhere' } } } });
    assert.deepEqual(gaps, [
      'probe field newField has no Chinese meaning.',
      'probe field newField has no English meaning (no schema description, no entry).',
      'meanings.json describes probe#gone, which no schema has.',
      'erp-sources.json maps probe field missing, which the schema does not have.',
      'erp-sources.json makes probe field missing from production-order nowhere, which does not exist.',
    ]);
  });

  it("lists only ERP fields that the preset really reads or writes (each name is in the preset's source)", () => {
    let checked = 0;
    for (const [message, fields] of Object.entries(sources.fields)) {
      for (const [path, entry] of Object.entries(fields)) {
        for (const [preset, { files }] of Object.entries(sources.presets)) {
          const names = entry[preset];
          if (!Array.isArray(names)) continue;
          const text = files.map((f) => readFileSync(join(repoRoot, f), 'utf8')).join('\n');
          for (const name of names) {
            assert.ok(text.includes(name), `${message} ${path}: ${preset} names ${name}, which ${files.join(' / ')} never mention`);
            checked++;
          }
        }
      }
    }
    assert.ok(checked > 150, `checked ${checked} ERP field names`);
  });

  it('says which production-order field each work-order field is made from, as plan sync makes it', () => {
    const order = JSON.parse(readFileSync(join(repoRoot, 'test/schemas/production-order/valid/amended-with-extensions.json'), 'utf8')) as ProductionOrder;
    const workOrder = toWorkOrder(order);
    let compared = 0;
    for (const [path, entry] of Object.entries(sources.fields['work-order'])) {
      if (!entry.from) continue;
      const made = valuesAt(workOrder, path);
      assert.deepEqual(made, valuesAt(order, entry.from), `work-order ${path} is production-order ${entry.from}`);
      compared += made.length;
    }
    assert.ok(compared >= 20, `compared ${compared} values`);
  });

  it('writes docs/data-dictionary.md as the generator does today (run `npm run data-dictionary` after a schema change)', () => {
    const committed = readFileSync(join(repoRoot, 'docs', 'data-dictionary.md'), 'utf8');
    assert.equal(committed, dataDictionaryMarkdown(dictionary));
  });

  it("reads a schema's fields with their type, bounds and whether they are required, through $refs, arrays and alternatives", () => {
    const schema = {
      type: 'object',
      required: ['qty'],
      properties: {
        qty: { $ref: '#/$defs/quantity', description: 'How many.' },
        lines: { type: 'array', maxItems: 5, items: { type: 'object', required: ['code'], properties: { code: { type: 'string', minLength: 1, maxLength: 8 } } } },
        paging: {
          oneOf: [
            { type: 'object', properties: { next: { type: 'string' } } },
            { type: 'object', properties: { first: { enum: [0, 1] } } },
          ],
        },
      },
      $defs: { quantity: { type: 'number', minimum: 0, maximum: 100 } },
    };
    assert.deepEqual(
      schemaFields(schema).map((f) => [f.path, f.type, f.required, f.constraints]),
      [
        ['qty', 'number', true, '0 … 100'],
        ['lines', 'array', false, '≤ 5 items'],
        ['lines[].code', 'string', true, '1–8 chars'],
        ['paging', 'object', false, ''],
        ['paging.next', 'string', false, ''],
        ['paging.first', 'enum', false, '0, 1'],
      ],
    );
  });

  it('takes units from the field names the schemas use', () => {
    assert.equal(unitOf('downtimeMin', 'number'), 'min');
    assert.equal(unitOf('idealCycleTimeSec', 'number | null'), 's');
    assert.equal(unitOf('stdSecondsPerUnit', 'number'), 's');
    assert.equal(unitOf('variancePct', 'number | null'), '%');
    assert.equal(unitOf('labourRatePerHour', 'number'), 'currency/h');
    assert.equal(unitOf('yieldQty', 'number'), 'unit');
    assert.equal(unitOf('orderNo', 'string'), undefined);
    const oee = dictionary.messages.find((m) => m.name === 'oee-report')!;
    assert.equal(oee.fields.find((f) => f.path === 'losses.speedMin')?.unit, 'min');
  });
});
