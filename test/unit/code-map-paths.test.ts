import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileRules, formatPath, parsePath, PathSyntaxError } from '../../nodes/lib/code-map';

describe('field paths', () => {
  it('parses names, indexes, wildcards and quoted names', () => {
    assert.deepEqual(parsePath('payload.operations[*].equipmentCode'), [{ kind: 'prop', key: 'payload' }, { kind: 'prop', key: 'operations' }, { kind: 'each' }, { kind: 'prop', key: 'equipmentCode' }]);
    assert.deepEqual(parsePath('payload.lines[0]["物料 编码"]'), [
      { kind: 'prop', key: 'payload' },
      { kind: 'prop', key: 'lines' },
      { kind: 'index', index: 0 },
      { kind: 'prop', key: '物料 编码' },
    ]);
  });

  it('writes a concrete path with the wildcards filled in', () => {
    assert.equal(formatPath(parsePath('payload.operations[*].steps[*].code'), [3, 1]), 'payload.operations[3].steps[1].code');
    assert.equal(formatPath(parsePath('payload["odd key"][2]')), 'payload["odd key"][2]');
  });

  for (const [path, problem] of [
    ['', /is not valid: it is empty/],
    ['payload..code', /'payload\.\.code' is not valid: expected a field name at position 9/],
    ['payload.lines[x]', /expected \[n\], \[\*\] or \["name"\] at position 14/],
    ['payload.lines[', /expected \[n\], \[\*\] or \["name"\]/],
    ['[0].code', /it must start with a field name/],
    ['payload.code.', /expected a field name/],
    ['payload.__proto__.x', /'__proto__' cannot be used as a field name/],
  ] as const) {
    it(`rejects the path '${path}' with a message naming it`, () => {
      assert.throws(
        () => parsePath(path),
        (err: unknown) => err instanceof PathSyntaxError && problem.test(err.message),
      );
    });
  }

  it('rejects rules that clash: the same path twice, a field inside a mapped field, object and array use of one field', () => {
    assert.throws(
      () =>
        compileRules([
          { path: 'payload.unit', table: 'unit' },
          { path: 'payload.unit', table: 'unit' },
        ]),
      /it appears in two rules/,
    );
    assert.throws(
      () =>
        compileRules([
          { path: 'payload.unit', table: 'unit' },
          { path: 'payload.unit.code', table: 'unit' },
        ]),
      /overlaps the rule for 'payload\.unit'/,
    );
    assert.throws(
      () =>
        compileRules([
          { path: 'payload.lines[*].code', table: 'material' },
          { path: 'payload.lines.code', table: 'material' },
        ]),
      /payload\.lines is used both as an object and as an array/,
    );
    assert.throws(
      () =>
        compileRules([
          { path: 'payload.lines[*].code', table: 'material' },
          { path: 'payload.lines[0].unit', table: 'unit' },
        ]),
      /addressed both by \[\*\] and by an index/,
    );
    assert.throws(() => compileRules([{ path: 'payload.site', table: 'factory' as 'plant' }]), /rule 1 names table 'factory'/);
  });
});
