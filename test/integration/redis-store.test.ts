// Key-value state and lease locks on the machine's Redis, each test under a key prefix of its own.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeaseLock } from '../../nodes/lib/stores/redis-lease';
import { RedisStore } from '../../nodes/lib/stores/redis-store';
import { eventually } from '../support/temp';
import { connect, dropKeys, redisAvailable, testPrefix } from './redis-fixture';

describe('Redis key-value store', () => {
  it('keeps JSON values per namespace, lists keys sorted, and forgets deleted ones', async (t) => {
    if (!(await redisAvailable(t))) return;
    const prefix = testPrefix('kv');
    t.after(() => dropKeys(prefix));
    const store = new RedisStore(connect(t, prefix));
    const watermark = { column: 'updated_at', value: '2026-03-01 08:00:00', key: 'MO-000123' };
    await store.put('legacy-db-poll:prod_order', 'watermark', watermark);
    await store.putMany('delivered', [
      ['WO-1000-000124', { revision: 1 }],
      ['WO-1000-000123', { revision: 2 }],
      ['WO-1000-000125', null],
    ]);
    await store.putMany('delivered', []);
    assert.deepEqual(await store.get('legacy-db-poll:prod_order', 'watermark'), watermark);
    assert.equal(await store.get('legacy-db-poll:prod_order', 'missing'), undefined);
    assert.deepEqual(await store.keys('delivered'), ['WO-1000-000123', 'WO-1000-000124', 'WO-1000-000125']);
    const found = await store.getMany('delivered', ['WO-1000-000123', 'WO-1000-000125', 'WO-9']);
    assert.deepEqual(
      [...found],
      [
        ['WO-1000-000123', { revision: 2 }],
        ['WO-1000-000125', null],
      ],
    );
    await store.delete('delivered', 'WO-1000-000124');
    assert.deepEqual(await store.keys('delivered'), ['WO-1000-000123', 'WO-1000-000125']);
  });

  it('two plants on one Redis with different key prefixes do not see each other’s state', async (t) => {
    if (!(await redisAvailable(t))) return;
    const [suzhou, wuxi] = [testPrefix('kv-suzhou'), testPrefix('kv-wuxi')];
    t.after(() => Promise.all([dropKeys(suzhou), dropKeys(wuxi)]));
    const a = new RedisStore(connect(t, suzhou));
    const b = new RedisStore(connect(t, wuxi));
    await a.put('watermarks', 'prod_order', 1);
    await b.put('watermarks', 'prod_order', 2);
    assert.equal(await a.get('watermarks', 'prod_order'), 1);
    assert.equal(await b.get('watermarks', 'prod_order'), 2);
  });

  it('with "require durable writes", a Redis that is not durable refuses puts with the reason', async (t) => {
    if (!(await redisAvailable(t))) return;
    const prefix = testPrefix('kv-durable');
    t.after(() => dropKeys(prefix));
    const connection = connect(t, prefix, { requireDurable: true });
    const durability = await connection.checkDurability();
    if (durability.durable) return t.skip('the machine Redis writes durably; this test needs one that does not');
    const store = new RedisStore(connection);
    await assert.rejects(store.put('watermarks', 'prod_order', 1), /does not write durably .*"require durable writes" is on/);
    assert.deepEqual(await store.keys('watermarks'), []);
  });
});

describe('Redis lease lock', () => {
  it('one holder at a time; only the holder’s token renews and releases it', async (t) => {
    if (!(await redisAvailable(t))) return;
    const prefix = testPrefix('lease');
    t.after(() => dropKeys(prefix));
    const replica1 = new LeaseLock(connect(t, prefix));
    const replica2 = new LeaseLock(connect(t, prefix));
    const lease = await replica1.acquire('poll:erp.prod_order', 30_000);
    assert.ok(lease);
    assert.equal(await replica2.acquire('poll:erp.prod_order', 30_000), undefined);
    const impostor = { ...lease, token: 'not-the-token' };
    assert.equal(await replica2.renew(impostor, 30_000), false);
    assert.equal(await replica2.release(impostor), false);
    assert.equal(await replica1.renew(lease, 30_000), true);
    assert.ok(await replica1.acquire('poll:erp.bom_line', 30_000), 'another table has its own lease');
    assert.equal(await replica1.release(lease), true);
    assert.equal(await replica1.release(lease), false, 'a released lease is not released twice');
    assert.ok(await replica2.acquire('poll:erp.prod_order', 30_000));
  });

  it('the lease of a holder that stopped renewing expires, and another replica takes it', async (t) => {
    if (!(await redisAvailable(t))) return;
    const prefix = testPrefix('lease-expiry');
    t.after(() => dropKeys(prefix));
    const replica1 = new LeaseLock(connect(t, prefix));
    const replica2 = new LeaseLock(connect(t, prefix));
    const lease = await replica1.acquire('poll:erp.prod_order', 50);
    assert.ok(lease);
    const taken = await eventually(() => replica2.acquire('poll:erp.prod_order', 30_000), 'the expired lease taken by replica 2');
    assert.notEqual(taken.token, lease.token);
    assert.equal(await replica1.renew(lease, 30_000), false, 'the first holder learns it lost the lease');
  });
});
