// The keyed audit chain contract on the machine's Redis (a key prefix per test); each open() is another
// connection, as another bridge sharing the Redis would have.
import { RedisStore } from '../../nodes/lib/stores/redis-store';
import { auditContract } from './audit-contract';
import { connect, dropKeys, redisAvailable, testPrefix } from './redis-fixture';

auditContract('Redis', async (t) => {
  if (!(await redisAvailable(t))) return undefined;
  const prefix = testPrefix('audit');
  t.after(() => dropKeys(prefix));
  return { open: () => new RedisStore(connect(t, prefix)) };
});
