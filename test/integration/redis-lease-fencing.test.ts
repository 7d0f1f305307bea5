// Leases with fencing tokens on the machine's Redis: a replica whose lease passed to another cannot write the
// watermark through its fenced store; the keeper hands the lease over when its holder stops renewing; a deadline
// is claimed once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeaseKeeper } from '../../nodes/lib/stores/lease-keeper';
import { FencedRedisStore, isLeaseLost } from '../../nodes/lib/stores/redis-fenced-store';
import { LeaseLock } from '../../nodes/lib/stores/redis-lease';
import { RedisStore } from '../../nodes/lib/stores/redis-store';
import { eventually } from '../support/temp';
import { connect, dropKeys, redisAvailable, testPrefix } from './redis-fixture';

describe('Redis leases with fencing tokens', () => {
  it('a writer whose lease passed to another replica cannot commit its watermark; the new holder can', async (t) => {
    if (!(await redisAvailable(t))) return;
    const prefix = testPrefix('fence');
    t.after(() => dropKeys(prefix));
    const c1 = connect(t, prefix);
    const c2 = connect(t, prefix);
    const lock1 = new LeaseLock(c1);
    const lock2 = new LeaseLock(c2);
    const first = await lock1.acquire('poll:orders', 50, 'replica-1');
    assert.ok(first);
    const stale = new FencedRedisStore(new RedisStore(c1), c1, () => first, 'poll:orders');
    await stale.put('order-fetch/watermark', 'orders', { updatedSince: '2026-01-01T00:00:00Z' });
    // replica-1 stalls past its lease; replica-2 takes it over.
    const second = await eventually(() => lock2.acquire('poll:orders', 30_000, 'replica-2'), 'the lease taken over');
    assert.ok(second.epoch > first.epoch, `the fencing epoch grows: ${first.epoch} → ${second.epoch}`);
    assert.equal((await lock1.holding('poll:orders')).holder, 'replica-2');
    const fresh = new FencedRedisStore(new RedisStore(c2), c2, () => second, 'poll:orders');
    await fresh.put('order-fetch/watermark', 'orders', { updatedSince: '2026-02-01T00:00:00Z' });

    await assert.rejects(stale.putMany('order-fetch/watermark', [['orders', { updatedSince: '2026-03-01T00:00:00Z' }]]), (err: Error) => {
      assert.ok(isLeaseLost(err));
      assert.match(err.message, /no longer holds the lease 'poll:orders'.*1 value\(s\) in 'order-fetch\/watermark' were not written/);
      return true;
    });
    await assert.rejects(stale.delete('order-fetch/watermark', 'orders'), (err: Error) => isLeaseLost(err));
    assert.deepEqual(await fresh.get('order-fetch/watermark', 'orders'), { updatedSince: '2026-02-01T00:00:00Z' }, 'the new holder’s watermark stands');
  });

  it('a keeper takes the lease over when the holder stops, and a deadline is claimed by its holder once', async (t) => {
    if (!(await redisAvailable(t))) return;
    const prefix = testPrefix('keeper');
    t.after(() => dropKeys(prefix));
    const a = new LeaseKeeper(new LeaseLock(connect(t, prefix)), 'deadlines:escalation/n1', { ttlMs: 300, replica: 'replica-a' });
    const b = new LeaseKeeper(new LeaseLock(connect(t, prefix)), 'deadlines:escalation/n1', { ttlMs: 300, replica: 'replica-b' });
    t.after(() => Promise.all([a.stop(), b.stop()]));
    await a.start();
    await b.start();
    assert.equal(a.holds(), true);
    assert.equal(b.holds(), false);
    assert.equal(b.state().holder, 'replica-a', 'the standby replica knows who holds the lease');

    const lockA = new LeaseLock(connect(t, prefix));
    const due = '2026-12-08T08:00:00.000Z';
    assert.equal(await lockA.claim(a.current()!, `escalation/n1@${due}`, 60_000), true);
    assert.equal(await lockA.claim(a.current()!, `escalation/n1@${due}`, 60_000), true, 'the same holder may try its deadline again');

    const changes: string[] = [];
    b.on('change', (s: { held: boolean; holder?: string }) => changes.push(`${s.held}:${s.holder}`));
    await a.stop();
    await eventually(() => b.holds() || undefined, 'replica-b holding the lease after replica-a stopped', 10_000);
    assert.ok(changes.includes('true:replica-b'), changes.join(' '));
    assert.equal(await lockA.claim(b.current()!, `escalation/n1@${due}`, 60_000), true, 'a later holder takes over a claim of a holder that is gone');
    assert.equal(await lockA.claim({ key: b.current()!.key, token: 'replica-a#1', epoch: 1 }, `escalation/n1@${due}`, 60_000), false, 'a stale holder claims nothing');
  });
});
