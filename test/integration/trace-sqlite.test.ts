// The trace contract on the embedded store: the bridge store's SQLite file, one per test.
import { join } from 'node:path';
import { SqliteTraceStore, type TraceStore } from '../../nodes/lib/trace';
import { tempDir } from '../support/temp';
import { traceContract } from './trace-contract';

traceContract('SQLite', async (t) => {
  const dir = tempDir('trace-sqlite-');
  const file = join(dir.path, 'bridge.sqlite');
  const stores: TraceStore[] = [];
  t.after(async () => {
    for (const store of stores) await store.close();
    dir.remove();
  });
  return {
    open({ book = 'trace', ...options } = {}) {
      const store = new SqliteTraceStore(file, book, options);
      stores.push(store);
      return store;
    },
  };
});
