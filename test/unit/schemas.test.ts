// Every schema in schemas/ has valid and invalid examples under test/schemas/<schema>/, and each is checked:
// valid ones pass, invalid ones fail with a sentence that names the field.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fieldPath, schemaNames, schemasDirectory, validate } from '../../nodes/lib/validation';

const examples = join(dirname(schemasDirectory()), 'test', 'schemas');
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

describe('schemas and their examples', () => {
  for (const schema of schemaNames()) {
    describe(schema, () => {
      it('has valid and invalid examples', () => {
        assert.ok(existsSync(join(examples, schema, 'valid')) && readdirSync(join(examples, schema, 'valid')).length > 0, `no valid examples for ${schema}`);
        assert.ok(existsSync(join(examples, schema, 'invalid')) && readdirSync(join(examples, schema, 'invalid')).length > 0, `no invalid examples for ${schema}`);
      });
      for (const file of readdirSync(join(examples, schema, 'valid'))) {
        it(`accepts valid/${file}`, () => {
          const result = validate(schema, read(join(examples, schema, 'valid', file)));
          assert.deepEqual(result.ok ? true : result.message, true);
        });
      }
      for (const file of readdirSync(join(examples, schema, 'invalid'))) {
        const { instance, error } = read(join(examples, schema, 'invalid', file)) as { instance: unknown; error: string };
        it(`rejects invalid/${file} saying "${error}"`, () => {
          const result = validate(schema, instance);
          assert.equal(result.ok, false);
          assert.ok(!result.ok && result.message.includes(error), `message was: ${!result.ok && result.message}`);
        });
      }
    });
  }

  it('names fields as a reader writes them', () => {
    assert.equal(fieldPath('/operations/2/workCentre'), 'payload.operations[2].workCentre');
    assert.equal(fieldPath('', 'msg.payload'), 'msg.payload');
    assert.equal(fieldPath('/tab Work Order/a~1b'), 'payload["tab Work Order"]["a/b"]');
  });

  it('refuses an unknown schema name with the known ones listed', () => {
    assert.throws(() => validate('no-such-schema', {}), /unknown schema "no-such-schema"; known: approval-decision, audit-entry, code-map-entry, confirmation, equipment-signal, equipment-status, erp-profile, exception-event, material-requisition, oee-report, production-order, progress-report, progress-update, quality-record, work-order/);
  });
});
