// The keyed audit chain contract on the embedded store: the bridge store's SQLite file, one per test.
import { join } from 'node:path';
import { SqliteStore } from '../../nodes/lib/stores/sqlite-store';
import { tempDir } from '../support/temp';
import { auditContract } from './audit-contract';

auditContract('SQLite', async (t) => {
  const dir = tempDir('audit-sqlite-');
  const file = join(dir.path, 'bridge.sqlite');
  const stores: SqliteStore[] = [];
  t.after(async () => {
    for (const store of stores) await store.close();
    dir.remove();
  });
  return {
    open() {
      const store = new SqliteStore(file);
      stores.push(store);
      return store;
    },
  };
});
