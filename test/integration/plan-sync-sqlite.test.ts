// The parked list and MES ledger contract on the embedded store: one SQLite file per test, opened anew each time.
import { join } from 'node:path';
import { SqliteStore } from '../../nodes/lib/stores/sqlite-store';
import type { KeyValueStore } from '../../nodes/lib/stores/store';
import { tempDir } from '../support/temp';
import { planSyncContract } from './plan-sync-contract';

planSyncContract('SQLite', async (t) => {
  const dir = tempDir('plan-sync-sqlite-');
  const stores: KeyValueStore[] = [];
  t.after(async () => {
    for (const store of stores) await store.close();
    dir.remove();
  });
  return {
    open() {
      const store = new SqliteStore(join(dir.path, 'bridge.sqlite'));
      stores.push(store);
      return store;
    },
  };
});
