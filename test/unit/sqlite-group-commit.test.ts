// The group commit of the shared SQLite file: writes handed over in one turn of the event loop are committed in
// one transaction (one fsync of the WAL), each resolves only once that transaction is committed (a
// second connection sees it), and a write that fails rolls back only itself. The audit log's batch joins the
// same commit as the store writes made in its turn.
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AuditLog } from '../../nodes/lib/audit';
import { openSharedSqlite } from '../../nodes/lib/stores/sqlite-file';
import { SqliteStore } from '../../nodes/lib/stores/sqlite-store';
import { tempDir } from '../support/temp';

const dir = tempDir('sqlite-group-commit-');
after(() => dir.remove());
let files = 0;
const freshFile = () => join(dir.path, `group-${++files}.sqlite`);
const T0 = Date.parse('2026-11-25T08:00:00+08:00');

/** Counts the transactions committed on the file by reading SQLite's data_version from a second connection. */
function readerOf(file: string) {
  const reader = new Database(file, { readonly: true });
  return {
    value: (namespace: string, key: string) => (reader.prepare('SELECT value FROM kv WHERE namespace = ? AND key = ?').get(namespace, key) as { value: string } | undefined)?.value,
    version: () => reader.pragma('data_version', { simple: true }) as number,
    close: () => reader.close(),
  };
}

describe('the group commit of the SQLite bridge store', () => {
  it('commits the putMany calls of one turn in one transaction, and each resolves once it is committed', async () => {
    const file = freshFile();
    const store = new SqliteStore(file);
    await store.putMany('warm', [['k', 1]]);
    const reader = readerOf(file);
    const before = reader.version();
    const writes = Array.from({ length: 20 }, (_, i) =>
      store.putMany('requisition', [
        [`REQ-${i}`, { i }],
        [`order-${i % 3}`, { issued: i }],
      ]),
    );
    // Handed over, not yet written: nothing is visible before the end of this turn.
    assert.equal(reader.value('requisition', 'REQ-0'), undefined);
    await Promise.all(writes);
    assert.equal(reader.value('requisition', 'REQ-19'), JSON.stringify({ i: 19 }));
    assert.equal(reader.version() - before, 1, 'one transaction for the 20 writes');
    reader.close();
    await store.close();
  });

  it('rolls back only the write that fails, the others of its group are committed', async () => {
    const file = freshFile();
    const shared = openSharedSqlite(file);
    shared.db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    const insert = shared.db.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
    const first = shared.commit(() => insert.run(1, 'a'));
    const failing = shared.commit(() => {
      insert.run(2, 'b');
      insert.run(3, null); // NOT NULL: this write fails after its first row
    });
    const third = shared.commit(() => insert.run(4, 'd'));
    await first;
    await assert.rejects(failing, /NOT NULL/);
    await third;
    assert.deepEqual(
      (shared.db.prepare('SELECT id FROM t ORDER BY id').all() as Array<{ id: number }>).map((r) => r.id),
      [1, 4],
    );
    shared.release();
  });

  it("writes the audit batch of a turn in the same transaction as that turn's store writes, the chain intact", async () => {
    const file = freshFile();
    const store = new SqliteStore(file);
    const audit = new AuditLog(store);
    await audit.append({ who: 'bridge', what: 'exception.raised', why: 'first entry loads the head', subjectId: 'W-0' }, T0);
    const reader = readerOf(file);
    const before = reader.version();
    const steps = Array.from({ length: 10 }, (_, i) =>
      Promise.all([store.putMany('escalation', [[`exception:EX-${i}`, { state: 'open' }]]), audit.append({ who: 'bridge', what: 'exception.raised', why: 'urgent', subjectId: `EX-${i}` }, T0 + i)]),
    );
    await Promise.all(steps);
    assert.equal(reader.version() - before, 1, 'state and audit of the ten steps in one transaction');
    const verdict = await audit.verify();
    assert.equal(verdict.ok, true);
    assert.equal(verdict.ok && verdict.entries, 11);
    reader.close();
    await store.close();
  });

  it('resolves writes of groups committed while the WAL is being synced, each once a sync after its commit is done', async () => {
    const file = freshFile();
    const store = new SqliteStore(file);
    // Writes over many turns: later groups commit while an earlier one's fsync runs on the thread pool.
    const writes: Array<Promise<void>> = [];
    for (let turn = 0; turn < 20; turn++) {
      for (let i = 0; i < 5; i++) writes.push(store.putMany('turns', [[`t${turn}-${i}`, { turn, i }]]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(writes);
    const reader = readerOf(file);
    assert.equal(reader.value('turns', 't19-4'), JSON.stringify({ turn: 19, i: 4 }));
    reader.close();
    await store.close();
  });

  it('keeps the event loop running while another process holds the write lock, and commits the waiting writes once it lets go', async () => {
    const file = freshFile();
    const store = new SqliteStore(file);
    await store.putMany('warm', [['k', 1]]);
    const other = new Database(file);
    other.exec('BEGIN EXCLUSIVE');
    const writes = [store.putMany('locked', [['a', 1]]), store.putMany('locked', [['b', 2]])];
    // Timers still fire: the group waits on a timer of its own, not inside SQLite's busy wait.
    for (let tick = 0; tick < 5; tick++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal((other.prepare("SELECT COUNT(*) AS n FROM kv WHERE namespace = 'locked'").get() as { n: number }).n, 0, 'nothing written while locked');
    other.exec('ROLLBACK');
    await Promise.all(writes);
    assert.equal(await store.get('locked', 'b'), 2);
    other.close();
    await store.close();
  });

  it('refuses a write with "database is locked" once it has waited the store\'s wait for another process\'s lock', async () => {
    const file = freshFile();
    const store = new SqliteStore(file);
    await store.putMany('warm', [['k', 1]]);
    const other = new Database(file);
    other.exec('BEGIN EXCLUSIVE');
    try {
      await assert.rejects(store.putMany('locked', [['a', 1]]), /database is locked/);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    // The lock gone, the store writes again.
    await store.putMany('locked', [['a', 1]]);
    assert.equal(await store.get('locked', 'a'), 1);
    await store.close();
  });

  it('settles the writes still waiting for a sync when the last user closes the file', async () => {
    const file = freshFile();
    const store = new SqliteStore(file);
    const pending = Array.from({ length: 10 }, (_, i) => store.putMany('closing', [[`k${i}`, i]]));
    await store.close();
    await Promise.all(pending);
    const reopened = new SqliteStore(file);
    assert.equal(await reopened.get('closing', 'k9'), 9);
    await reopened.close();
  });
});
