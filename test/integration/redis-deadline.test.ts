// A Redis command issued while the link is down waits at most the connection's deadline, then fails as "store
// unavailable" — and is never written later: ioredis's own offline queue (and its commandTimeout) would still send
// it once Redis is back, so a write the caller was told had failed would happen after all. Against a redis-server
// of the test's own, killed and started again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Redis from 'ioredis';
import { RedisConnection } from '../../nodes/lib/stores/redis-connection';
import { isStoreUnavailable } from '../../nodes/lib/stores/store-unavailable';
import { eventually, tempDir } from '../support/temp';
import { ownRedis, redisAvailable } from './redis-fixture';

describe('Redis commands while the link is down', () => {
  it('fail as store unavailable after the deadline, and are not written when Redis comes back', async (t) => {
    if (!(await redisAvailable(t))) return;
    const dir = tempDir('redis-deadline-');
    t.after(() => dir.remove());
    const redis = await ownRedis(t, dir.path);
    const connection = new RedisConnection({ url: redis.url, keyPrefix: 'deadline:', commandDeadlineMs: 300 });
    t.after(() => connection.close());
    await connection.client.set(connection.key('before'), '1');

    await redis.kill();
    // A command written in the instant before ioredis sees the socket close fails by commandTimeout instead (and,
    // with autoResendUnfulfilledCommands off, is not sent again): this test is about the ones issued after.
    await eventually(() => connection.client.status !== 'ready', 'the link seen down');
    const failed = await connection.client.set(connection.key('during'), '1').then(
      () => undefined,
      (err: Error) => err,
    );
    assert.ok(failed && isStoreUnavailable(failed), `refused as store unavailable: ${failed?.message}`);
    assert.match(failed.message, /Redis at redis:\/\/127\.0\.0\.1:\d+ did not come back within 0\.3 s; the SET command was not sent/);

    await redis.start();
    // Once the link is back, commands go through again, in order behind nothing: the refused SET never went out.
    await eventually(
      () =>
        connection.client.set(connection.key('after'), '1').then(
          () => true,
          () => false,
        ),
      'a write once Redis is back',
      30_000,
    );
    const probe = new Redis(redis.url);
    t.after(() => probe.disconnect());
    assert.deepEqual(await probe.mget('deadline:before', 'deadline:during', 'deadline:after'), ['1', null, '1']);
  });

  it('hold commands issued during a short drop and send them, in order, when the link is back within the deadline', async (t) => {
    if (!(await redisAvailable(t))) return;
    const dir = tempDir('redis-deadline-');
    t.after(() => dir.remove());
    const redis = await ownRedis(t, dir.path);
    const connection = new RedisConnection({ url: redis.url, keyPrefix: 'deadline:', commandDeadlineMs: 30_000 });
    t.after(() => connection.close());
    await connection.client.set(connection.key('n'), '0');
    await redis.kill();
    await eventually(() => connection.client.status !== 'ready', 'the link seen down');
    const writes = [connection.client.append(connection.key('n'), 'a'), connection.client.append(connection.key('n'), 'b')];
    await redis.start();
    await Promise.all(writes);
    assert.equal(await connection.client.get(connection.key('n')), '0ab');
  });
});
