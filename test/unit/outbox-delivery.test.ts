// How a batch's answers are applied, per production order: delivered up to the first retry, refused items
// dead-lettered while the order goes on, nothing after a retry touched.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { packBatches, settle } from '../../nodes/lib/outbox/delivery';
import type { OutboxItem } from '../../nodes/lib/outbox/types';

const item = (id: number, partition: string): OutboxItem => ({ id: String(id), outbox: 'erp', partition, idempotencyKey: `k${id}`, payload: {}, enqueuedAt: 0, attempts: 0, nextAttemptAt: 0 });

describe('settling a delivered batch', () => {
  it('after a retry the rest of that order waits; other orders and refused items are settled', () => {
    const batch = [item(1, 'MO-1'), item(2, 'MO-1'), item(3, 'MO-1'), item(4, 'MO-2'), item(5, 'MO-2')];
    const result = settle(batch, [{ outcome: 'delivered' }, { outcome: 'retry', error: 'ERP answered 503' }, { outcome: 'delivered' }, { outcome: 'reject', reason: 'ERP answered 400: unknown operation' }, { outcome: 'delivered' }]);
    assert.deepEqual(
      result.delivered.map((i) => i.id),
      ['1', '5'],
    );
    assert.deepEqual(
      result.rejected.map(([i, reason]) => [i.id, reason]),
      [['4', 'ERP answered 400: unknown operation']],
    );
    assert.deepEqual(
      result.retried.map(([i, o]) => [i.id, o.error]),
      [['2', 'ERP answered 503']],
    );
  });

  it('an item without an answer is retried, naming which one was missing', () => {
    const result = settle([item(1, 'MO-1'), item(2, 'MO-2')], [{ outcome: 'delivered' }]);
    assert.deepEqual(
      result.retried.map(([i, o]) => [i.id, o.error]),
      [['2', 'deliver() answered no outcome for item 2 of 2']],
    );
  });
});

describe('packing taken items into batches', () => {
  it('fills batches up to the batch size without splitting an order’s run', () => {
    const items = [item(1, 'MO-1'), item(2, 'MO-1'), item(3, 'MO-2'), item(4, 'MO-3'), item(5, 'MO-3'), item(6, 'MO-4')];
    assert.deepEqual(
      packBatches(items, 3).map((b) => b.map((i) => i.id)),
      [
        ['1', '2', '3'],
        ['4', '5', '6'],
      ],
    );
    assert.deepEqual(
      packBatches(items, 2).map((b) => b.map((i) => i.id)),
      [['1', '2'], ['3'], ['4', '5'], ['6']],
    );
  });
});
