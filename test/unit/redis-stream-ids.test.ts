// Redis stream ids ("ms-seq") order the outbox's entries: they compare by their two numbers, not as text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareStreamIds } from '../../nodes/lib/outbox/redis-outbox-consumer';

describe('stream ids', () => {
  it('compare by milliseconds, then by sequence, as numbers', () => {
    assert.ok(compareStreamIds('9-0', '10-0') < 0, '9 ms before 10 ms, though "9" > "1" as text');
    assert.ok(compareStreamIds('1796647822974-10', '1796647822974-9') > 0);
    assert.ok(compareStreamIds('1796647822974-0', '1796647822975-0') < 0);
    assert.equal(compareStreamIds('1796647822974-3', '1796647822974-3'), 0);
    const ids = ['1796647822975-0', '1796647822974-10', '1796647822974-2', '999-99'];
    assert.deepEqual([...ids].sort(compareStreamIds), ['999-99', '1796647822974-2', '1796647822974-10', '1796647822975-0']);
  });
});
