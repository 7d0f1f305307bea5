// The trace contract on the machine's Redis (a key prefix per test); each open() is another connection, as
// another bridge sharing the Redis would have.
import { RedisTraceStore, type TraceStore } from '../../nodes/lib/trace';
import { connect, dropKeys, redisAvailable, testPrefix } from './redis-fixture';
import { traceContract } from './trace-contract';

traceContract('Redis', async (t) => {
  if (!(await redisAvailable(t))) return undefined;
  const prefix = testPrefix('trace');
  const stores: TraceStore[] = [];
  t.after(async () => {
    for (const store of stores) await store.close();
    await dropKeys(prefix);
  });
  return {
    open({ book = 'trace', ...options } = {}) {
      const store = new RedisTraceStore(connect(t, prefix), book, options);
      stores.push(store);
      return store;
    },
  };
});
