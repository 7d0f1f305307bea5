import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jsonNestingDepth } from '../../server/json-depth';

describe('jsonNestingDepth', () => {
  it('counts the deepest nesting of arrays and objects; scalars are depth 0', () => {
    assert.equal(jsonNestingDepth('42'), 0);
    assert.equal(jsonNestingDepth('"text"'), 0);
    assert.equal(jsonNestingDepth('{}'), 1);
    assert.equal(jsonNestingDepth('{"a":[1,{"b":[]}],"c":{}}'), 4);
    assert.equal(jsonNestingDepth('[[],[[]],[]]'), 3);
  });

  it('ignores brackets inside strings, escaped quotes and escaped backslashes included', () => {
    assert.equal(jsonNestingDepth('{"note":"[[[{{{"}'), 1);
    assert.equal(jsonNestingDepth('["a \\" [[[ still a string"]'), 1);
    assert.equal(jsonNestingDepth('["ends with a backslash \\\\", [[]]]'), 3);
    assert.equal(jsonNestingDepth('{"k\\"[":{"v":"\\u005b"}}'), 2);
  });

  it('stops as soon as the limit is passed and answers limit + 1, however deep the rest goes', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    assert.equal(jsonNestingDepth(deep, 32), 33);
    assert.equal(jsonNestingDepth(deep), 100_000);
  });

  it('agrees with the parsed value on what a real flow file nests to', () => {
    const flow = [{ id: 'n1', rules: [{ t: 'set', to: { a: [1, 2, { b: '}]' }] } }], wires: [['n2']] }];
    const depthOf = (v: unknown): number => (typeof v === 'object' && v !== null ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0);
    assert.equal(jsonNestingDepth(JSON.stringify(flow)), depthOf(flow));
  });
});
