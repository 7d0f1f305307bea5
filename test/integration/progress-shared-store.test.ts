// Two replicas' progress books on one bridge store: the plan reached replica A (its poller read it); a job report
// posted to replica B, whose book has no plan for the order, is pushed to the ERP at once because B looks the plan
// up in the shared store — not kept as "unplanned" until a plan that only A's book will ever see.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { Outbox } from '../../nodes/lib/outbox/outbox';
import { SqliteOutboxStore } from '../../nodes/lib/outbox/sqlite-outbox-store';
import { ProgressBook } from '../../nodes/lib/progress/book';
import { ProgressFeedback } from '../../nodes/lib/progress/feedback';
import { SqliteStore } from '../../nodes/lib/stores/sqlite-store';
import { tempDir } from '../support/temp';
import { report, workOrder } from '../unit/progress-fixture';

const NS = 'progress/push-1';

async function replica(t: TestContext, file: string, sharedStore: boolean) {
  const store = new SqliteStore(file);
  const outboxStore = new SqliteOutboxStore(file);
  const outbox = new Outbox(`progress@${sharedStore}`, outboxStore);
  t.after(async () => {
    await outbox.close();
    await outboxStore.close();
    await store.close();
  });
  return ProgressFeedback.open({ book: new ProgressBook(), store, namespace: NS, outbox, pushOn: 'report', sharedStore });
}

describe('progress on a store shared by replicas', () => {
  it('a report posted to the replica without the plan is pushed with the plan the other replica stored', async (t) => {
    const dir = tempDir('erp-mes-progress-shared-');
    t.after(() => dir.remove());
    const file = join(dir.path, 'bridge.sqlite');
    const a = await replica(t, file, true);
    const b = await replica(t, file, true);
    const alone = await replica(t, file, false);
    assert.equal(await a.plans([workOrder()]), 1);

    const pushed = await b.reports(report('EV-B-1', '0010', 5, 0, 'running', '2026-11-25T10:00'));
    assert.deepEqual(pushed, { accepted: 1, duplicates: 0, unplanned: 0, updates: 1 });
    // Without the look-up (one process per store) the report waits for a plan this book would never get.
    const kept = await alone.reports(report('EV-C-1', '0010', 5, 0, 'running', '2026-11-25T10:00'));
    assert.deepEqual(kept, { accepted: 1, duplicates: 0, unplanned: 1, updates: 0 });
  });
});
