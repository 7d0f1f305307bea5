// The bridge-store config node in a real Node-RED runtime: SQLite (the default) and Redis (the machine's server,
// a key prefix per test). It hands out the key-value store and one outbox per name, reports the Redis link and
// its durability, and releases its connection when the flow stops.
import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import { after, afterEach, before, describe, it } from 'node:test';
import { join } from 'node:path';
import Redis from 'ioredis';
import helper from 'node-red-node-test-helper';
import type { BridgeStoreNode, BridgeStoreStateEvent } from '../../nodes/bridge-store/types';
import { dropKeys, type OwnRedis, ownRedis, redisAvailable, redisUrl, testPrefix } from '../integration/redis-fixture';
import { eventually, tempDir } from '../support/temp';

helper.init(require.resolve('node-red'));
const bridgeStoreNode = require('../../nodes/bridge-store/bridge-store');
const flowOf = (...nodes: Record<string, unknown>[]) => nodes as unknown as Parameters<typeof helper.load>[1];
const server = () => new URL(redisUrl());
const redisNode = (extra: Record<string, unknown> = {}) => ({ id: 'store', type: 'bridge-store', storeType: 'redis', host: server().hostname, port: server().port || '6379', db: '0', ...extra });
const logged = (level: number, pattern: RegExp) => () =>
  helper.log().args.some((call: unknown[]) => {
    const entry = call[0] as { level: number; msg: unknown };
    return entry.level === level && pattern.test(String(entry.msg));
  });

async function clientNames(): Promise<string[]> {
  const admin = new Redis(redisUrl());
  try {
    const list = (await admin.call('CLIENT', 'LIST')) as string;
    return list.split('\n').map((line) => /\bname=(\S*)/.exec(line)?.[1] ?? '');
  } finally {
    admin.disconnect();
  }
}

describe('bridge-store config node', () => {
  before(() => helper.startServer());
  afterEach(() => helper.unload());
  after(() => helper.stopServer());

  it('SQLite is the default for flows saved without a store type; state and queued outbox items survive a redeploy', async (t) => {
    const dir = tempDir('bridge-store-node-');
    t.after(() => dir.remove());
    const file = join(dir.path, 'bridge.sqlite');
    const flow = flowOf({ id: 'store', type: 'bridge-store', name: 'line 1', file });
    await helper.load(bridgeStoreNode, flow);
    const config = helper.getNode('store') as unknown as BridgeStoreNode;
    assert.deepEqual([config.storeType, config.location, config.state, config.durability().durable], ['sqlite', file, 'connected', true]);
    await config.store().put('watermarks', 'prod_order', { value: '2026-03-01 08:00:00' });
    const outbox = config.outbox('erp-sap');
    assert.equal(config.outbox('erp-sap'), outbox, 'one outbox per name');
    await outbox.enqueue({ partition: 'MO-000123', payload: { op: '0010', goodQty: 120, scrapQty: 2 } });
    await helper.unload();
    await assert.rejects(outbox.enqueue({ partition: 'MO-000123', payload: {} }), /outbox 'erp-sap' is closed/);

    await helper.load(bridgeStoreNode, flow);
    const again = helper.getNode('store') as unknown as BridgeStoreNode;
    assert.deepEqual(await again.store().get('watermarks', 'prod_order'), { value: '2026-03-01 08:00:00' });
    assert.equal((await again.outbox('erp-sap').stats()).depth, 1);
  });

  it('Redis: keeps state under its key prefix, reports the link and a server that is not durable, and releases its connection on close', async (t) => {
    if (!(await redisAvailable(t))) return;
    const prefix = testPrefix('node');
    t.after(() => dropKeys(prefix));
    await helper.load(bridgeStoreNode, flowOf(redisNode({ keyPrefix: prefix })));
    const config = helper.getNode('store') as unknown as BridgeStoreNode;
    assert.equal(config.location, `redis://${server().hostname}:${server().port || 6379}/0`);
    const states: BridgeStoreStateEvent[] = [];
    (config as unknown as EventEmitter).on('state', (e: BridgeStoreStateEvent) => states.push(e));

    await config.store().put('watermarks', 'prod_order', { value: 42 });
    const admin = new Redis(redisUrl());
    t.after(() => admin.disconnect());
    assert.equal(await admin.hget(`${prefix}kv:watermarks`, 'prod_order'), '{"value":42}');
    const outbox = config.outbox('erp-sap');
    await outbox.enqueue({ partition: 'MO-000123', payload: { op: '0010', goodQty: 120 } });
    assert.equal((await outbox.stats()).depth, 1);
    assert.equal(config.state, 'connected');
    await eventually(() => config.durability().durable !== undefined, 'the durability check');
    if (config.durability().durable === false) await eventually(logged(30, /does not write durably/), 'a warning that Redis does not write durably');
    assert.ok((await clientNames()).includes('bridge-store:store'), 'the connection is named after the node');

    await helper.unload();
    await eventually(async () => !(await clientNames()).includes('bridge-store:store'), 'the connection gone from CLIENT LIST');
    assert.deepEqual(
      states.filter((e) => e.state !== 'connected'),
      [],
      'a deliberate close is not reported as a dropped link',
    );
  });

  it('Redis with "require durable writes" on a server that is not durable: an enqueue is refused with the reason', async (t) => {
    if (!(await redisAvailable(t))) return;
    const prefix = testPrefix('node-durable');
    t.after(() => dropKeys(prefix));
    await helper.load(bridgeStoreNode, flowOf(redisNode({ keyPrefix: prefix, requireDurable: true })));
    const config = helper.getNode('store') as unknown as BridgeStoreNode;
    await eventually(() => config.durability().durable !== undefined, 'the durability check');
    if (config.durability().durable) return t.skip('the machine Redis writes durably');
    await assert.rejects(config.outbox('erp-sap').enqueue({ partition: 'MO-1', payload: {} }), /does not write durably .*"require durable writes" is on, so nothing is written/);
  });

  it('Redis: the password comes from the credentials; a wrong one leaves the store unreachable, with the reason', async (t) => {
    const dir = tempDir('bridge-store-auth-');
    let redis: OwnRedis;
    try {
      redis = await ownRedis(t, dir.path, ['--requirepass', 'plant-secret']);
    } catch (err) {
      dir.remove();
      if (process.env.CI === 'true') throw err;
      return t.skip(`no redis-server to start: ${(err as Error).message}`);
    }
    t.after(async () => {
      await helper.unload();
      await redis.kill();
      dir.remove();
    });
    const flow = flowOf({ id: 'store', type: 'bridge-store', storeType: 'redis', host: '127.0.0.1', port: String(redis.port), keyPrefix: 'plant-1:' });
    await helper.load(bridgeStoreNode, flow, { store: { password: 'plant-secret' } });
    const config = helper.getNode('store') as unknown as BridgeStoreNode;
    await config.store().put('watermarks', 'prod_order', 7);
    assert.equal(config.state, 'connected');
    await helper.unload();

    await helper.load(bridgeStoreNode, flow, { store: { password: 'wrong' } });
    const refused = helper.getNode('store') as unknown as BridgeStoreNode;
    await eventually(() => refused.state === 'unreachable', 'the store reported unreachable');
    await eventually(logged(30, /^Redis at redis:\/\/127\.0\.0\.1:\d+\/0 is unreachable: WRONGPASS/), 'a warning naming the refused password');
  });

  it('a Redis port that is not a number is an error naming the field', async () => {
    await helper.load(bridgeStoreNode, flowOf(redisNode({ port: '63x9' })));
    const config = helper.getNode('store') as unknown as BridgeStoreNode;
    assert.throws(() => config.store(), /^Error: bridge store 'bridge-store' cannot use Redis: the Redis port must be a whole number, not '63x9'\.$/);
    assert.ok(logged(20, /the Redis port must be a whole number/)());
  });
});
