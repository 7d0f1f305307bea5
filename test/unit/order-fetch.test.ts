import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { OrdersPageRequest } from '../../nodes/lib/erp/orders-page';
import { OrderFetcher, type FirstRunFrom } from '../../nodes/lib/plan-sync/order-fetch';
import type { ProductionOrder } from '../../nodes/lib/plan-sync/work-order';
import { SqliteStore } from '../../nodes/lib/stores/sqlite-store';
import { tempDir } from '../support/temp';

function order(orderNo: string, updatedAt: string, revision = 1, quantity = 100): ProductionOrder {
  return {
    orderNo,
    revision,
    status: 'released',
    productCode: 'FG-100234',
    quantity,
    unit: 'PCS',
    dueDate: '2026-12-01T17:00:00+08:00',
    priority: 3,
    plant: '1010',
    operations: [{ opNo: '0010', opCode: 'ASSY', workCentre: 'WC-ASM01', plannedStart: '2026-11-25T08:00:00+08:00', plannedEnd: '2026-11-25T12:00:00+08:00', stdTimePerUnitSec: 12 }],
    bom: [{ materialCode: 'RM-200101', qtyPer: 0.02, unit: 'KG', issueTolerancePct: 2 }],
    updatedAt,
  };
}

/** An ERP table served the way a real ERP API does: inclusive updatedSince, sorted by (updatedAt, orderNo). */
class ErpTable {
  rows: unknown[] = [];
  requests: OrdersPageRequest[] = [];
  beforeServe?: (request: OrdersPageRequest) => void;
  read = async (request: OrdersPageRequest) => {
    this.requests.push(request);
    this.beforeServe?.(request);
    const since = request.updatedSince === undefined ? -Infinity : Date.parse(request.updatedSince);
    const sorted = [...this.rows]
      .filter((r) => Date.parse((r as ProductionOrder).updatedAt) >= since)
      .sort((a, b) => {
        const d = Date.parse((a as ProductionOrder).updatedAt) - Date.parse((b as ProductionOrder).updatedAt);
        return d !== 0 ? d : String((a as ProductionOrder).orderNo).localeCompare(String((b as ProductionOrder).orderNo));
      });
    return { items: sorted.slice(request.offset, request.offset + request.limit) };
  };
  upsert(o: unknown) {
    this.rows = this.rows.filter((r) => (r as ProductionOrder).orderNo !== (o as ProductionOrder).orderNo);
    this.rows.push(o);
  }
}

describe('OrderFetcher: incremental pull of production orders', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  let erp: ErpTable;

  beforeEach(() => {
    dir = tempDir();
    store = new SqliteStore(join(dir.path, 'store.sqlite'));
    erp = new ErpTable();
  });
  afterEach(async () => {
    await store.close();
    dir.remove();
  });

  function fetcher(pageSize = 2, firstRunFrom: FirstRunFrom = { kind: 'beginning' }, s = store) {
    return new OrderFetcher({ store: s, stateKey: 'node-1', readPage: erp.read, pageSize, firstRunFrom, source: "ERP endpoint 'Test ERP'" });
  }
  async function collect(f: OrderFetcher) {
    const delivered: ProductionOrder[] = [];
    const invalid: string[] = [];
    const result = await f.run({ onOrder: (o) => delivered.push(o), onInvalid: (_item, message) => invalid.push(message) });
    return { delivered, invalid, result };
  }

  it('delivers every order once when many orders share one change time across page boundaries', async () => {
    for (let i = 1; i <= 7; i++) erp.upsert(order(`MO-${i}`, '2026-11-20T08:00:00+08:00'));
    erp.upsert(order('MO-8', '2026-11-20T08:00:01+08:00'));
    const { delivered } = await collect(fetcher(3));
    assert.deepEqual(delivered.map((o) => o.orderNo).sort(), ['MO-1', 'MO-2', 'MO-3', 'MO-4', 'MO-5', 'MO-6', 'MO-7', 'MO-8']);
    const again = await collect(fetcher(3));
    assert.equal(again.delivered.length, 0, 'a second run finds nothing new');
    assert.ok(again.result.duplicates >= 1, 'the orders at the watermark are re-served and dropped');
  });

  it('neither skips nor repeats an order the ERP changes while the pages are read', async () => {
    for (let i = 1; i <= 6; i++) erp.upsert(order(`MO-${i}`, `2026-11-20T08:00:0${i}+08:00`));
    erp.beforeServe = (req) => {
      // After the first page, the ERP revises MO-1: it moves to the end of the list.
      if (erp.requests.length === 2 && req.updatedSince !== undefined) erp.upsert(order('MO-1', '2026-11-20T09:00:00+08:00', 2, 150));
    };
    const { delivered } = await collect(fetcher(2));
    const keys = delivered.map((o) => `${o.orderNo}#${o.revision}`);
    assert.deepEqual([...keys].sort(), ['MO-1#1', 'MO-1#2', 'MO-2#1', 'MO-3#1', 'MO-4#1', 'MO-5#1', 'MO-6#1']);
  });

  it('resumes after a restart from the stored watermark and sends only newer revisions', async () => {
    erp.upsert(order('MO-1', '2026-11-20T08:00:00+08:00'));
    erp.upsert(order('MO-2', '2026-11-20T08:05:00+08:00'));
    await collect(fetcher());
    await store.close();
    const reopened = new SqliteStore(join(dir.path, 'store.sqlite'));
    try {
      erp.upsert(order('MO-2', '2026-11-20T08:10:00+08:00', 2, 250));
      erp.upsert(order('MO-3', '2026-11-20T08:10:00+08:00'));
      const f = fetcher(2, { kind: 'beginning' }, reopened);
      assert.equal(await f.watermark(), '2026-11-20T08:05:00+08:00');
      const { delivered } = await collect(f);
      assert.deepEqual(
        delivered.map((o) => `${o.orderNo}#${o.revision}`),
        ['MO-2#2', 'MO-3#1'],
      );
      assert.equal(erp.requests.at(-2)?.updatedSince, '2026-11-20T08:05:00+08:00');
    } finally {
      await reopened.close();
      store = new SqliteStore(join(dir.path, 'store.sqlite'));
    }
  });

  it('does not send again an order whose change time moved but whose content did not', async () => {
    erp.upsert(order('MO-1', '2026-11-20T08:00:00+08:00'));
    erp.upsert(order('MO-2', '2026-11-20T08:00:00+08:00'));
    await collect(fetcher());
    // The ERP touches both (a bill-level change time, as Kingdee has), but only MO-2's quantity changed.
    erp.upsert(order('MO-1', '2026-11-20T09:00:00+08:00', 2));
    erp.upsert(order('MO-2', '2026-11-20T09:00:00+08:00', 2, 300));
    const { delivered, result } = await collect(fetcher());
    assert.deepEqual(
      delivered.map((o) => `${o.orderNo}#${o.revision}`),
      ['MO-2#2'],
    );
    assert.equal(result.duplicates, 1);
    // The touched revision is remembered: serving MO-1#2 again is a plain duplicate.
    assert.equal((await collect(fetcher())).delivered.length, 0);
  });

  it('reports an order that fails the schema with its number and field, and still delivers the others', async () => {
    erp.upsert(order('MO-1', '2026-11-20T08:00:00+08:00'));
    const bad = order('MO-2', '2026-11-20T08:00:01+08:00') as unknown as { operations: Array<Record<string, unknown>> };
    bad.operations[0].workCentre = 42;
    erp.upsert(bad);
    erp.upsert(order('MO-3', '2026-11-20T08:00:02+08:00'));
    const { delivered, invalid } = await collect(fetcher(10));
    assert.deepEqual(
      delivered.map((o) => o.orderNo),
      ['MO-1', 'MO-3'],
    );
    assert.equal(invalid.length, 1);
    assert.match(invalid[0], /ERP endpoint 'Test ERP': order MO-2 \(revision 1\) is not a valid production order: payload\.operations\[0\]\.workCentre must be a string/);
  });

  it('after the ERP fails in the middle of a pull, the next pull delivers the rest and repeats nothing', async () => {
    for (let i = 1; i <= 6; i++) erp.upsert(order(`MO-${i}`, `2026-11-20T08:00:0${i}+08:00`));
    erp.beforeServe = () => {
      if (erp.requests.length === 2) throw new Error('ERP unreachable');
    };
    const first: ProductionOrder[] = [];
    await assert.rejects(fetcher(2).run({ onOrder: (o) => first.push(o), onInvalid: () => {} }), /ERP unreachable/);
    erp.beforeServe = undefined;
    const { delivered } = await collect(fetcher(2));
    assert.deepEqual(
      [...first, ...delivered].map((o) => o.orderNo),
      ['MO-1', 'MO-2', 'MO-3', 'MO-4', 'MO-5', 'MO-6'],
    );
  });

  it('stops with a clear error when the ERP ignores the paging parameters', async () => {
    const page = [order('MO-1', '2026-11-20T08:00:00+08:00'), order('MO-2', '2026-11-20T08:00:00+08:00')];
    const f = new OrderFetcher({ store, stateKey: 'n', readPage: async () => ({ items: page }), pageSize: 2, firstRunFrom: { kind: 'beginning' }, source: "ERP endpoint 'Stubborn'" });
    await assert.rejects(f.run({ onOrder: () => {}, onInvalid: () => {} }), /ERP endpoint 'Stubborn' served the same page twice/);
  });

  it('a first run "from now" starts at the current time, and "from a value" at that value', async () => {
    erp.upsert(order('MO-old', '2026-11-20T08:00:00+08:00'));
    erp.upsert(order('MO-new', '2026-11-22T08:00:00+08:00'));
    const now = new OrderFetcher({ store, stateKey: 'now', readPage: erp.read, pageSize: 5, firstRunFrom: { kind: 'now' }, source: 'x', now: () => new Date('2026-11-21T00:00:00Z') });
    const got: string[] = [];
    await now.run({ onOrder: (o) => got.push(o.orderNo), onInvalid: () => {} });
    assert.deepEqual(got, ['MO-new']);
    const bad = new OrderFetcher({ store, stateKey: 'bad', readPage: erp.read, pageSize: 5, firstRunFrom: { kind: 'value', value: 'yesterday' }, source: 'x' });
    await assert.rejects(bad.run({ onOrder: () => {}, onInvalid: () => {} }), /first-run start 'yesterday' is not a date and time/);
  });

  describe('parked orders', () => {
    it('parks a refused order before the watermark passes it, and a retry delivers it once when it reads fine', async () => {
      erp.upsert(order('MO-1', '2026-11-20T08:00:00+08:00'));
      erp.upsert({ ...order('MO-2', '2026-11-20T08:00:01+08:00'), quantity: 'many' });
      erp.upsert(order('MO-3', '2026-11-20T08:00:02+08:00'));
      erp.upsert(order('MO-4', '2026-11-20T08:00:03+08:00'));
      const f = fetcher(2);
      const first = await collect(f);
      assert.deepEqual(
        first.delivered.map((o) => o.orderNo),
        ['MO-1', 'MO-3', 'MO-4'],
      );
      assert.equal(await f.watermark(), '2026-11-20T08:00:03+08:00');
      const parked = await f.parked.all();
      assert.deepEqual(
        parked.map((p) => [p.key, p.revision, p.stage, p.readFrom]),
        [['MO-2', 1, 'validation', null]],
      );
      assert.match(parked[0].reason, /order MO-2 \(revision 1\) is not a valid production order: payload\.quantity must be a number/);

      erp.upsert(order('MO-2', '2026-11-20T08:00:01+08:00'));
      assert.equal((await collect(f)).delivered.length, 0, 'an ordinary pull does not go back');
      const retry = await f.run({ onOrder: (o) => first.delivered.push(o), onInvalid: () => assert.fail('nothing is refused') }, { retry: true });
      assert.deepEqual(
        first.delivered.map((o) => o.orderNo),
        ['MO-1', 'MO-3', 'MO-4', 'MO-2'],
      );
      assert.equal(retry.parked, 0);
      assert.equal(retry.unparked, 1);
      assert.equal(await f.watermark(), '2026-11-20T08:00:03+08:00');
    });

    it('a retry cut short by the ERP leaves the watermark and the parked list as they were', async () => {
      for (let i = 1; i <= 6; i++) erp.upsert(order(`MO-${i}`, `2026-11-20T08:00:0${i}+08:00`));
      erp.upsert({ ...order('MO-2', '2026-11-20T08:00:02+08:00'), plant: 1010 });
      const f = fetcher(2);
      await collect(f);
      assert.equal(await f.watermark(), '2026-11-20T08:00:06+08:00');
      erp.beforeServe = (request) => {
        if (request.updatedSince !== undefined && Date.parse(request.updatedSince) >= Date.parse('2026-11-20T08:00:03+08:00')) throw new Error('ERP endpoint answered HTTP 503');
      };
      await assert.rejects(f.run({ onOrder: () => undefined, onInvalid: () => undefined }, { retry: true }), /HTTP 503/);
      assert.equal(await f.watermark(), '2026-11-20T08:00:06+08:00');
      assert.deepEqual(
        (await f.parked.all()).map((p) => p.key),
        ['MO-2'],
      );
    });

    it('an order refused further on is parked, sent again on a retry despite the delivered map, and the ledger follows', async () => {
      const { MesLedger } = await import('../../nodes/lib/plan-sync/mes-ledger');
      const ledger = new MesLedger(store, 'mes');
      erp.upsert(order('MO-1', '2026-11-20T08:00:00+08:00'));
      erp.upsert(order('MO-2', '2026-11-20T08:00:01+08:00'));
      const f = new OrderFetcher({ store, stateKey: 'node-1', readPage: erp.read, pageSize: 5, firstRunFrom: { kind: 'beginning' }, source: 'x', ledger });
      await collect(f);
      assert.equal((await ledger.all()).length, 2);
      await f.parkRefused({ orderNo: 'MO-2', revision: 1, updatedAt: '2026-11-20T08:00:01+08:00' }, 'code-map: equipment WC-OLD09 has no MES code.');
      assert.equal(await ledger.get('MO-2'), undefined, 'the MES does not hold the refused order');
      // Cancelled in the ERP meanwhile: the MES never had it, so no cancel goes.
      erp.upsert({ ...order('MO-2', '2026-11-20T09:00:00+08:00', 2), status: 'cancelled' });
      const withheld: string[] = [];
      const again = await f.run({ onOrder: () => assert.fail('nothing goes'), onInvalid: () => undefined, onWithheld: (o, why) => withheld.push(`${o.orderNo} ${why}`) });
      assert.deepEqual(withheld, ['MO-2 not-held']);
      assert.equal(again.parked, 0, 'held back on purpose: off the parked list');
    });
  });
});
