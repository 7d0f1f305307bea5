// The parked list and MES ledger contract on the machine's Redis (a key prefix per test); each open() is another
// connection, as another bridge sharing the Redis (or this one after a restart) would have.
import { RedisStore } from '../../nodes/lib/stores/redis-store';
import { connect, dropKeys, redisAvailable, testPrefix } from './redis-fixture';
import { planSyncContract } from './plan-sync-contract';

planSyncContract('Redis', async (t) => {
  if (!(await redisAvailable(t))) return undefined;
  const prefix = testPrefix('plan-sync');
  t.after(() => dropKeys(prefix));
  return { open: () => new RedisStore(connect(t, prefix)) };
});
