// The workflow runner with a book that saves incrementally (the cost book): steps of one turn share one save, each
// resolves only once that save is durable, and what the store holds restores the book with every id counted.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AuditLog, auditKeyring } from '../../nodes/lib/audit';
import { CostBook } from '../../nodes/lib/cost';
import { SqliteStore } from '../../nodes/lib/stores/sqlite-store';
import { WorkflowRunner } from '../../nodes/lib/workflows/runner';
import { tempDir } from '../support/temp';
import { costPlan, jobReport, ORDER } from './cost-fixture';

const NOW = '2026-11-25T23:00:00+08:00';
const keyring = auditKeyring(['unit-test audit key, 32 bytes or more long'], 'the test key');
const dir = tempDir('runner-save');
after(() => dir.remove());

describe('workflow runner: a book that saves incrementally', () => {
  it('writes the steps of one turn in one save, and the store restores every report they counted', async () => {
    const file = join(dir.path, 'runner.sqlite');
    const store = new SqliteStore(file);
    const audit = new AuditLog(store, 'audit', keyring);
    const open = () => WorkflowRunner.open({ store, namespace: 'cost/test', audit, restore: (entries) => CostBook.restore(entries), onDeadline: () => undefined });
    const runner = await open();
    await runner.step((book) => ({ result: book.plan(costPlan(), NOW) }));
    const putMany = store.putMany.bind(store);
    let saves = 0;
    store.putMany = (namespace, entries) => {
      saves += 1;
      return putMany(namespace, entries);
    };
    // Twenty messages in the same turn, as posts arriving together reach the node.
    const steps = Array.from({ length: 20 }, (_, i) => runner.step((book) => ({ result: book.reports(jobReport(`EV-${i}`, '0010', 1, 0, 'running', '2026-11-25T10:00:00+08:00'), NOW) })));
    const results = await Promise.all(steps);
    assert.deepEqual(
      results.map((r) => r.outcomes[0].kind),
      Array(20).fill('counted'),
    );
    assert.equal(saves, 1);
    await runner.close();
    store.putMany = putMany;
    const restored = CostBook.restore(await store.getMany('cost/test', await store.keys('cost/test')));
    assert.equal(restored.get(ORDER)!.operations['0010'].goodQty, 20);
    for (let i = 0; i < 20; i++) assert.equal(restored.reports(jobReport(`EV-${i}`, '0010', 1, 0, 'running', '2026-11-25T10:00:00+08:00'), NOW).outcomes[0].kind, 'duplicate');
    await store.close();
  });
});
