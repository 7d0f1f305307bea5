// Every number in every schema is bounded on both sides: JSON cannot carry Infinity, but 1e300 is finite, and one
// such goodQty made the ERP receive completionPct 3.3e298; 1.7e308 twice overflowed the book to Infinity. The
// bounds are what the book can sum without rounding (quantities ≤ 1e9 a report, totals ≤ 1e15).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { schemaNames, schemasDirectory, validate } from '../../nodes/lib/validation';

type Node = Record<string, unknown>;

function numbersOf(node: unknown, path: string, found: Array<[string, Node]>): void {
  if (Array.isArray(node)) node.forEach((n, i) => numbersOf(n, `${path}[${i}]`, found));
  else if (node && typeof node === 'object') {
    const type = (node as Node).type;
    const types = Array.isArray(type) ? type : [type];
    if (types.includes('number') || types.includes('integer')) found.push([path, node as Node]);
    for (const [key, value] of Object.entries(node)) numbersOf(value, `${path}/${key}`, found);
  }
}

describe('number bounds in the schemas', () => {
  for (const schema of schemaNames()) {
    it(`${schema}: every number has a minimum and a maximum, none beyond exact doubles`, () => {
      const found: Array<[string, Node]> = [];
      numbersOf(JSON.parse(readFileSync(join(schemasDirectory(), `${schema}.schema.json`), 'utf8')), '', found);
      for (const [path, node] of found) {
        assert.ok(typeof node.minimum === 'number' || typeof node.exclusiveMinimum === 'number', `${schema} ${path} has no minimum`);
        assert.ok(typeof node.maximum === 'number' && node.maximum <= Number.MAX_SAFE_INTEGER, `${schema} ${path} has no maximum within 2^53`);
      }
    });
  }

  it('refuses 1e300 and 1.7e308 in a job report naming the field, and takes 1e9', () => {
    const report = { eventId: 'e-1', orderNo: 'MO-1', opNo: '0010', goodQty: 1e9, scrapQty: 0, status: 'running', operator: 'OP-1', equipment: 'EQ-1', timestamp: '2026-11-25T10:00:00+08:00' };
    assert.equal(validate('progress-report', report).ok, true);
    for (const goodQty of [1e300, 1.7e308]) {
      const result = validate('progress-report', { ...report, goodQty });
      assert.equal(result.ok ? 'accepted' : result.message, 'payload.goodQty must be <= 1000000000');
    }
  });
});
