// What a Redis outbox worker holds: stream ids ("ms-seq") compare by their two numbers, not as text, and the
// entries are found by partition, letting go of those another worker settled.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareStreamIds, HeldEntries } from '../../nodes/lib/outbox/redis-held-entries';

const entry = (id: string, partition: string) => ({ id, partition, idempotencyKey: `k-${id}`, payloadJson: '{}', enqueuedAt: 0 });

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

describe('held entries', () => {
  it('are counted by partition and let go of what stands before the queue head, in id order however they came', () => {
    const held = new HeldEntries();
    // Appended in order, then an older entry claimed from a worker that died, then a read of newer ones.
    for (const [id, partition] of [
      ['100-1', 'MO-1'],
      ['100-2', 'MO-2'],
      ['100-3', 'MO-1'],
      ['99-7', 'MO-1'],
      ['101-0', 'MO-1'],
    ])
      held.set(entry(id, partition));
    assert.deepEqual(
      [...held.partitions()],
      [
        ['MO-1', 4],
        ['MO-2', 1],
      ],
    );
    held.dropBefore('MO-1', '100-3');
    assert.deepEqual([...held.ids()].sort(compareStreamIds), ['100-2', '100-3', '101-0'], '99-7 and 100-1 were settled by another worker');
    held.dropBefore('MO-1', '100-3');
    assert.equal(held.size, 3, 'nothing more before the head');
    held.dropBefore('MO-2', undefined);
    assert.deepEqual([...held.partitions()], [['MO-1', 2]], 'an empty queue: all of its partition let go');
    assert.equal(held.delete('101-0'), true);
    assert.equal(held.delete('101-0'), false);
    assert.deepEqual([...held.partitions()], [['MO-1', 1]]);
    held.set(entry('100-3', 'MO-1'));
    assert.equal(held.size, 1, 'the same entry held again is one entry');
  });
});
