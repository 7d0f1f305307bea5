// The settings a replica is run with: its name, and the Sentinel list of its bridge store.
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import { parseSentinels, redisLabel } from '../../nodes/lib/stores/redis-connection';
import { parseLeaseToken } from '../../nodes/lib/stores/redis-lease';
import { replicaIdOf } from '../../nodes/lib/stores/replica-id';

describe('replica settings', () => {
  it('names the replica by the setting, else BRIDGE_REPLICA_ID, else host:pid', () => {
    assert.equal(replicaIdOf({ bridgeStoreReplicaId: 'line-2-a' }, { BRIDGE_REPLICA_ID: 'other' }), 'line-2-a');
    assert.equal(replicaIdOf({}, { BRIDGE_REPLICA_ID: ' bridge-3 ' }), 'bridge-3');
    assert.equal(replicaIdOf({}, {}), `${hostname()}:${process.pid}`);
  });

  it('reads a Sentinel list, 26379 by default, and refuses an entry that is not host:port', () => {
    assert.deepEqual(parseSentinels('10.0.0.5:26380, sentinel-b , [::1]:26381'), [
      { host: '10.0.0.5', port: 26380 },
      { host: 'sentinel-b', port: 26379 },
      { host: '::1', port: 26381 },
    ]);
    assert.deepEqual(parseSentinels(''), []);
    assert.throws(() => parseSentinels('a:99999'), /the sentinel 'a:99999' is not host:port/);
    assert.throws(() => parseSentinels('a b:1'), /the sentinel 'a b:1' is not host:port/);
    assert.equal(redisLabel({ keyPrefix: 'x:', sentinels: [{ host: 's1', port: 26379 }], sentinelName: 'plant' }), 'redis-sentinel://s1:26379/plant/0');
  });

  it('reads the holder and the fencing epoch from a lease token, a replica name with # included', () => {
    assert.deepEqual(parseLeaseToken('replica-1#7'), { holder: 'replica-1', epoch: 7 });
    assert.deepEqual(parseLeaseToken('host#a:12#3'), { holder: 'host#a:12', epoch: 3 });
  });
});
