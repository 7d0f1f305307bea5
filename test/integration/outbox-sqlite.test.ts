// The outbox contract on the embedded store: a SQLite file per test. A "crash" closes the file without
// settling anything taken; a reopened store must find every acknowledged item and resume.
import { join } from 'node:path';
import { SqliteOutboxStore } from '../../nodes/lib/outbox/sqlite-outbox-store';
import type { OutboxStore } from '../../nodes/lib/outbox/types';
import { tempDir } from '../support/temp';
import { outboxContract } from './outbox-contract';

outboxContract('SQLite', async (t) => {
  const dir = tempDir('outbox-sqlite-');
  const file = join(dir.path, 'bridge.sqlite');
  const stores: OutboxStore[] = [];
  t.after(async () => {
    for (const store of stores) await store.close();
    dir.remove();
  });
  return {
    spec: { kind: 'sqlite', file },
    open() {
      const store = new SqliteOutboxStore(file);
      stores.push(store);
      return store;
    },
    crash: (store) => store.close(),
  };
});
