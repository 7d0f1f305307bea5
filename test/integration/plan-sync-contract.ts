// The parked list and the MES order ledger on every bridge-store backend (a SQLite file, the machine's Redis):
// plan-sync-sqlite.test.ts and plan-sync-redis.test.ts call planSyncContract with their fixture. Each open()
// is the store opened again — another process, or the bridge after a restart.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { MesLedger } from '../../nodes/lib/plan-sync/mes-ledger';
import { type ParkedOrder, ParkedOrders } from '../../nodes/lib/plan-sync/parked-orders';
import type { KeyValueStore } from '../../nodes/lib/stores/store';

export interface PlanSyncFixture {
  open(): KeyValueStore;
}
export type PlanSyncFixtureFactory = (t: TestContext) => Promise<PlanSyncFixture | undefined>;

const parked = (key: string, extra: Partial<ParkedOrder> = {}): ParkedOrder => ({
  key,
  orderNo: key,
  revision: 3,
  reason: `ERP endpoint 'Demo ERP': order ${key} (revision 3) is not a valid production order: payload.plant must be a string.`,
  stage: 'validation',
  parkedAt: '2026-12-07T10:00:00.000Z',
  readFrom: '2026-12-07T08:00:00.000Z',
  configHash: 'hash-a',
  ...extra,
});

export function planSyncContract(backend: string, fixture: PlanSyncFixtureFactory): void {
  describe(`parked orders and MES ledger on ${backend}`, () => {
    it('a parked order keeps its ERP key, order no, revision, reason and time across a restart, and leaves when unparked', async (t) => {
      const f = await fixture(t);
      if (!f) return;
      const list = new ParkedOrders(f.open(), 'fetch-1');
      await list.park([parked('MO-2026-0002', { parkedAt: '2026-12-07T10:00:01.000Z' }), parked('MO-2026-0001'), parked('MO-2026-0003', { readFrom: '2026-12-07T07:00:00.000Z', stage: 'mapping' })]);
      await new ParkedOrders(f.open(), 'fetch-2').park([parked('MO-2026-0009')]);

      const again = new ParkedOrders(f.open(), 'fetch-1');
      const all = await again.all();
      assert.deepEqual(
        all.map((e) => e.key),
        ['MO-2026-0001', 'MO-2026-0003', 'MO-2026-0002'],
        'by time parked, then key; another puller’s list apart',
      );
      assert.deepEqual(all[0], parked('MO-2026-0001'));
      assert.equal(await again.count(), 3);
      assert.equal(ParkedOrders.rewindPoint(all), '2026-12-07T07:00:00.000Z');
      assert.deepEqual([...(await again.find(['MO-2026-0003', 'MO-2026-0404'])).keys()], ['MO-2026-0003']);

      await again.park([parked('MO-2026-0001', { reason: 'refused again', revision: 4 })]);
      assert.equal((await list.find(['MO-2026-0001'])).get('MO-2026-0001')?.reason, 'refused again', 're-parking replaces the entry');
      await again.unpark(['MO-2026-0001', 'MO-2026-0003']);
      assert.deepEqual(
        (await new ParkedOrders(f.open(), 'fetch-1').all()).map((e) => e.key),
        ['MO-2026-0002'],
      );
      assert.equal(ParkedOrders.rewindPoint([parked('A'), parked('B', { readFrom: null })]), null, 'an order read from the beginning rewinds to the beginning');
    });

    it('the ledger records what the MES was sent per order, survives a restart, and a refused revision goes back to the one before', async (t) => {
      const f = await fixture(t);
      if (!f) return;
      const ledger = new MesLedger(f.open(), 'mes');
      const at = new Date('2026-12-07T10:00:00.000Z');
      await ledger.record(
        [
          { orderNo: 'MO-2026-0001', revision: 1, state: 'released', source: 'fetch' },
          { orderNo: 'MO-2026-0002', revision: 5, state: 'released', source: 'fetch' },
        ],
        at,
      );
      await ledger.record([{ orderNo: 'MO-2026-0001', revision: 2, state: 'cancelled', source: 'legacy', sentAt: '2026-12-07T11:00:00.000Z' }]);

      const reopened = new MesLedger(f.open(), 'mes');
      assert.deepEqual(await reopened.get('MO-2026-0001'), {
        orderNo: 'MO-2026-0001',
        revision: 2,
        state: 'cancelled',
        sentAt: '2026-12-07T11:00:00.000Z',
        source: 'legacy',
        previous: { revision: 1, state: 'released', sentAt: '2026-12-07T10:00:00.000Z' },
      });
      assert.deepEqual(
        (await reopened.all()).map((e) => `${e.orderNo}#${e.revision}`),
        ['MO-2026-0001#2', 'MO-2026-0002#5'],
      );
      assert.equal((await new MesLedger(f.open(), 'other-mes').all()).length, 0, 'ledgers by name are apart');

      await reopened.revert('MO-2026-0001', 1);
      assert.equal((await reopened.get('MO-2026-0001'))?.revision, 2, 'a revision that is not the last one is not reverted');
      await reopened.revert('MO-2026-0001', 2);
      assert.deepEqual(await reopened.get('MO-2026-0001'), { orderNo: 'MO-2026-0001', revision: 1, state: 'released', sentAt: '2026-12-07T10:00:00.000Z', source: 'legacy' });
      await reopened.revert('MO-2026-0002', 5);
      assert.equal(await new MesLedger(f.open(), 'mes').get('MO-2026-0002'), undefined, 'a first send refused: the MES holds nothing');

      // The copy of what was sent, kept for a reconciliation to send again.
      const copy = { workOrderNo: 'MO-2026-0003', status: 'released', source: { system: 'erp', orderNo: 'MO-2026-0003', revision: 3 }, operations: [{ sequence: '0010', equipmentCode: 'WC-EXT01' }] };
      await reopened.record([{ orderNo: 'MO-2026-0003', revision: 3, state: 'released', source: 'fetch', payload: copy }], at);
      assert.deepEqual((await new MesLedger(f.open(), 'mes').get('MO-2026-0003'))?.payload, copy);
    });
  });
}
