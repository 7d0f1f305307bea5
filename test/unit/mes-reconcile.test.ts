// Reconciliation worked by hand: a ledger of five sends against an MES list, and the paged reading of that list.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LedgerEntry } from '../../nodes/lib/plan-sync/mes-ledger';
import { DEFAULT_SHAPE, readMesOrderList } from '../../nodes/lib/plan-sync/mes-order-list';
import { compareWithMes, countsOf } from '../../nodes/lib/plan-sync/mes-reconcile';

// payload null: a send recorded before the ledger kept copies.
const sent = (orderNo: string, revision: number, state: string, sentAt = '2026-12-08T01:00:00Z', payload: unknown = { workOrderNo: orderNo }): LedgerEntry => ({
  orderNo,
  revision,
  state,
  sentAt,
  source: 'fetch',
  ...(payload !== null && { payload }),
});
const readAt = new Date('2026-12-08T02:00:00Z');

describe('reconciling the MES with the order ledger', () => {
  it('lists missing, revision, state and unknown differences and marks what goes again', () => {
    const ledger = [
      sent('MO-1', 2, 'released'), // the MES lost it → missing, re-sent
      sent('MO-2', 3, 'released'), // the MES has revision 2 → behind, re-sent
      sent('MO-3', 1, 'released'), // the MES runs it → fine (the MES moves orders on)
      sent('MO-4', 1, 'cancelled'), // the MES still runs it → state differs, listed only
      sent('MO-5', 1, 'closed'), // the MES archived it → fine
      sent('MO-6', 1, 'released'), // the MES has revision 4 → ahead, listed only
    ];
    const mes = [
      { orderNo: 'MO-2', revision: 2, state: 'released' },
      { orderNo: 'MO-3', revision: 1, state: 'running' },
      { orderNo: 'MO-4', revision: 1, state: 'running' },
      { orderNo: 'MO-6', revision: 4, state: 'released' },
      { orderNo: 'MO-9', revision: 1, state: 'released' }, // never sent through this ledger
    ];
    const { differences, inFlight } = compareWithMes(ledger, mes, { listReadAt: readAt, graceMs: 30_000 });
    assert.equal(inFlight, 0);
    assert.deepEqual(
      differences.map((d) => [d.orderNo, d.kind, d.resend]),
      [
        ['MO-1', 'missing', true],
        ['MO-2', 'revision', true],
        ['MO-4', 'state', false],
        ['MO-6', 'revision', false],
        ['MO-9', 'unknown', false],
      ],
    );
    assert.deepEqual(countsOf(differences), { missing: 1, unknown: 1, revision: 2, state: 1 });
    assert.match(differences[0].reason, /order MO-1 revision 2 \(released\) was sent to the MES but the MES does not hold it/);
    assert.match(differences[2].reason, /holds order MO-4 as running but it was sent as cancelled/);
  });

  it('leaves a send younger than the grace for the next check, and cannot re-send without a copy', () => {
    const ledger = [sent('MO-1', 1, 'released', '2026-12-08T01:59:50Z'), sent('MO-2', 1, 'released', '2026-12-08T01:00:00Z', null)];
    const { differences, inFlight } = compareWithMes(ledger, [], { listReadAt: readAt, graceMs: 30_000 });
    assert.equal(inFlight, 1);
    assert.deepEqual(
      differences.map((d) => [d.orderNo, d.kind, d.resend]),
      [['MO-2', 'missing', false]],
    );
    assert.match(differences[0].reason, /keeps no copy of it/);
  });
});

describe('reading the MES order list page by page', () => {
  const list = Array.from({ length: 12 }, (_, i) => ({ workOrderNo: `WO-${String(i + 1).padStart(2, '0')}`, status: 'released', source: { revision: i % 3 } }));

  it('reads pages of 5 until the short third page, with revision and state from their paths', async () => {
    const asked: number[] = [];
    const held = await readMesOrderList(
      async (page, size) => {
        asked.push(page);
        return { items: list.slice((page - 1) * size, page * size), total: list.length };
      },
      { ...DEFAULT_SHAPE, pageSize: 5 },
    );
    assert.deepEqual(asked, [1, 2, 3]);
    assert.equal(held.length, 12);
    assert.deepEqual(held[4], { orderNo: 'WO-05', revision: 1, state: 'released' });
  });

  it('stops at the total on a full last page, and counts pages from 0 when told', async () => {
    const asked: number[] = [];
    const held = await readMesOrderList(
      async (page, size) => {
        asked.push(page);
        return { data: { rows: list.slice(page * size, (page + 1) * size), count: list.length } };
      },
      { ...DEFAULT_SHAPE, itemsPath: 'data.rows', totalPath: 'data.count', pageSize: 6, firstPage: 0 },
    );
    assert.deepEqual(asked, [0, 1]);
    assert.equal(held.length, 12);
  });

  it('refuses an MES that ignores the page parameter, and an item without an order number', async () => {
    await assert.rejects(
      readMesOrderList(async () => ({ items: list.slice(0, 5) }), { ...DEFAULT_SHAPE, totalPath: '', pageSize: 5 }),
      /served the same page twice \(page 2\); it seems to ignore the 'page' parameter/,
    );
    await assert.rejects(
      readMesOrderList(async () => ({ items: [{ id: 1 }] }), DEFAULT_SHAPE),
      /item 1 on page 1 of the MES order list has no order number at 'workOrderNo'/,
    );
    await assert.rejects(
      readMesOrderList(async () => ({ rows: [] }), DEFAULT_SHAPE),
      /has no list at 'items' on page 1/,
    );
  });
});
