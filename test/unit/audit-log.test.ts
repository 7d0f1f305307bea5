// The audit trail in bridge-store (SQLite): one unbroken HMAC chain under the audit key even under concurrent
// appends, entries listed per order, and tampering (an edit, a re-hashed edit, a deletion in the middle or at the
// end, a raw SQL update) detected at the first broken entry. The store-independent behaviour (re-chaining, the
// exported head, key rotation, the schedule) is in test/integration/audit-contract.ts, run on SQLite and Redis.
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AuditLog, auditKeyring, auditLogFor, canonicalJson, entryHash, entryMac, GENESIS_HASH, type AuditEntry, type AuditRecord, type AuditVerdict } from '../../nodes/lib/audit';
import { SqliteStore } from '../../nodes/lib/stores/sqlite-store';
import { validate } from '../../nodes/lib/validation';
import { tempDir } from '../support/temp';

const dir = tempDir('audit-log-');
after(() => dir.remove());
let files = 0;
const T0 = Date.parse('2026-11-25T08:00:00+08:00');

/** A store of its own for each test. */
function freshStore(): { store: SqliteStore; file: string } {
  const file = join(dir.path, `audit-${++files}.sqlite`);
  return { store: new SqliteStore(file), file };
}

const signature = { signer: 'wang.li', signedAt: '2026-11-25T00:40:00.000Z', meaning: 'approved' as const, reason: 'Kinked tubing confirmed by QC' };
const records: AuditRecord[] = [
  { who: 'wang.li', what: 'requisition.approved', why: signature.reason, subjectId: 'REQ-1', orderNo: 'MO-2026-0101', meaning: 'approved', signature, details: { requestedQty: 100, unit: 'M' } },
  { who: 'zhang.wei', what: 'requisition.decision-refused', why: 'Over budget (not applied)', subjectId: 'REQ-1', orderNo: 'MO-2026-0101', meaning: 'rejected' },
  { who: 'bridge', what: 'exception.escalated', why: 'Not acknowledged within 60 min at level urgent; escalated to severe.', subjectId: 'EXC-1', orderNo: 'MO-2026-0102', meaning: 'escalated', details: { from: 'urgent', to: 'severe' } },
  { who: 'li.ming', what: 'exception.acknowledged', why: 'On my way', subjectId: 'EXC-1', orderNo: 'MO-2026-0102', meaning: 'acknowledged' },
  { who: 'li.ming', what: 'exception.resolved', why: 'Bearing replaced', subjectId: 'EXC-1', orderNo: 'MO-2026-0102', meaning: 'resolved', details: { downtimeMin: 190 } },
];

const keyring = auditKeyring(['unit-test audit key, 32 bytes or more long'], 'the test key');
/** The first problem of a verdict, or ok and how many entries verified. */
const problemOf = (v: AuditVerdict) => (v.ok ? { ok: true, verified: v.verified } : { ok: false, seq: v.seq, message: v.message });

async function filledLog(): Promise<{ store: SqliteStore; file: string; log: AuditLog; entries: AuditEntry[] }> {
  const { store, file } = freshStore();
  const log = new AuditLog(store, 'audit', keyring);
  const entries: AuditEntry[] = [];
  for (const [i, record] of records.entries()) entries.push(await log.append(record, T0 + i * 60_000));
  return { store, file, log, entries };
}

const entryKey = (seq: number) => `e${String(seq).padStart(12, '0')}`;

describe('AuditLog: the chain', () => {
  it('appends who, what, when (server time), why, with sequence numbers and each HMAC under the audit key covering the previous one', async () => {
    const { store, log, entries } = await filledLog();
    assert.deepEqual(
      entries.map((e) => e.seq),
      [1, 2, 3, 4, 5],
    );
    assert.equal(entries[0].prevHash, GENESIS_HASH);
    for (let i = 1; i < entries.length; i++) assert.equal(entries[i].prevHash, entries[i - 1].hash);
    for (const e of entries) {
      assert.equal(e.keyId, keyring.current.id);
      assert.equal(e.hash, entryMac(e, keyring.current));
      assert.deepEqual(validate('audit-entry', e), { ok: true });
    }
    assert.equal(entries[2].at, '2026-11-25T00:02:00.000Z');
    assert.deepEqual(entries[0].signature, signature, 'an approval carries signer, time, meaning and reason');
    const verdict = await log.verify();
    assert.deepEqual([verdict.ok, verdict.entries, verdict.verified, verdict.legacy, verdict.head], [true, 5, 5, 0, { seq: 5, hash: entries[4].hash, keyId: keyring.current.id }]);
    await store.close();
  });

  it('keeps one unbroken chain when many appends are made at once', async () => {
    const { store } = freshStore();
    const log = new AuditLog(store, 'audit', keyring);
    const appended = await Promise.all(Array.from({ length: 40 }, (_, i) => log.append({ ...records[3], subjectId: `EXC-${i}` }, T0)));
    assert.deepEqual(
      appended.map((e) => e.seq),
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    assert.deepEqual((await log.verify()).ok, true);
    await store.close();
  });

  it('continues the chain after a restart, from the head in the store', async () => {
    const { store, file, entries } = await filledLog();
    await store.close();
    const reopened = new SqliteStore(file);
    const next = await new AuditLog(reopened, 'audit', keyring).append(records[0], T0 + 3_600_000);
    assert.deepEqual([next.seq, next.prevHash], [6, entries[4].hash]);
    assert.deepEqual(problemOf(await new AuditLog(reopened, 'audit', keyring).verify()), { ok: true, verified: 6 });
    await reopened.close();
  });

  it('lists the entries of one order, in order', async () => {
    const { store, log } = await filledLog();
    assert.deepEqual(
      (await log.list({ orderNo: 'MO-2026-0102' })).map((e) => [e.seq, e.what]),
      [
        [3, 'exception.escalated'],
        [4, 'exception.acknowledged'],
        [5, 'exception.resolved'],
      ],
    );
    assert.deepEqual(
      (await log.list({ subjectId: 'REQ-1' })).map((e) => e.seq),
      [1, 2],
    );
    await store.close();
  });

  it('refuses a record without a reason and appends nothing; the next append continues the chain', async () => {
    const { store, log } = await filledLog();
    await assert.rejects(log.append({ ...records[3], why: '' }, T0), { message: 'The audit record was refused: audit entry.why must NOT have fewer than 1 characters.' });
    await assert.rejects(log.append({ ...records[3], what: 'Acknowledged!' }, T0), /audit entry\.what must match pattern/);
    assert.equal((await log.append(records[3], T0)).seq, 6);
    assert.equal((await log.verify()).ok, true);
    await store.close();
  });

  it('gives every user of one store and namespace the same log', () => {
    const { store } = freshStore();
    assert.equal(auditLogFor(store), auditLogFor(store));
    assert.notEqual(auditLogFor(store), auditLogFor(store, 'audit-other'));
    return store.close();
  });

  it('hashes canonical JSON: the order of keys does not matter', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: 'x' } }), '{"a":{"c":"x","d":[1,{"e":3,"f":2}]},"b":1}');
    assert.equal(canonicalJson({ a: 1, skipped: undefined }), '{"a":1}');
  });
});

describe('AuditLog: tampering is detected', () => {
  it('an edited entry', async () => {
    const { store, log, entries } = await filledLog();
    await store.put('audit', entryKey(2), { ...entries[1], who: 'wang.li' });
    assert.deepEqual(problemOf(await log.verify()), { ok: false, seq: 2, message: `Audit entry 2 was altered: its HMAC under audit key ${keyring.current.id} does not match its content.` });
    await store.close();
  });

  it('an edited entry whose HMAC was recomputed with the key breaks the link to the next one', async () => {
    const { store, log, entries } = await filledLog();
    const forged = { ...entries[0], signature: { ...signature, meaning: 'rejected' as const } };
    await store.put('audit', entryKey(1), { ...forged, hash: entryMac(forged, keyring.current) });
    assert.deepEqual(problemOf(await log.verify()), { ok: false, seq: 2, message: 'Audit entry 2 does not follow entry 1: its previous hash does not match, so an earlier entry was edited or replaced.' });
    await store.close();
  });

  it('a deleted entry in the middle', async () => {
    const { store, log } = await filledLog();
    await store.delete('audit', entryKey(3));
    assert.deepEqual(problemOf(await log.verify()), { ok: false, seq: 3, message: 'Audit entry 3 of 5 is missing: it was deleted.' });
    await store.close();
  });

  it('a deleted last entry', async () => {
    const { store, log } = await filledLog();
    await store.delete('audit', entryKey(5));
    assert.deepEqual(problemOf(await log.verify()), { ok: false, seq: 5, message: 'Audit entry 5 of 5 is missing: it was deleted.' });
    await store.close();
  });

  it('a deleted head', async () => {
    const { store, log } = await filledLog();
    await store.delete('audit', 'head');
    assert.deepEqual(problemOf(await log.verify()), { ok: false, seq: 1, message: 'The audit log has 5 entries but no head record: the head was deleted.' });
    await assert.rejects(new AuditLog(store).append(records[0], T0), /has entries but no head record; nothing is appended/);
    await store.close();
  });

  it('an entry slipped in after the head', async () => {
    const { store, log, entries } = await filledLog();
    const extra = { ...entries[4], seq: 6, prevHash: entries[4].hash };
    await store.put('audit', entryKey(6), { ...extra, hash: entryMac(extra, keyring.current) });
    assert.deepEqual(problemOf(await log.verify()), { ok: false, seq: 6, message: 'Audit entry 6 lies beyond the head (entry 5): it was added outside the log.' });
    await store.close();
  });

  it('an UPDATE made straight in the SQLite file', async () => {
    const { store, file } = await filledLog();
    await store.close();
    const db = new Database(file);
    db.prepare("UPDATE kv SET value = json_set(value, '$.details.downtimeMin', 20) WHERE namespace = 'audit' AND key = ?").run(entryKey(5));
    db.close();
    const reopened = new SqliteStore(file);
    assert.deepEqual(problemOf(await new AuditLog(reopened, 'audit', keyring).verify()), { ok: false, seq: 5, message: `Audit entry 5 was altered: its HMAC under audit key ${keyring.current.id} does not match its content.` });
    await reopened.close();
  });
});

/** Rewrites the audit table in the SQLite file as someone holding only the file could: `edit` then every hash again. */
function rechainFile(file: string, edit: (entries: AuditEntry[]) => void, hash: (entry: Omit<AuditEntry, 'hash'>) => string): void {
  const db = new Database(file);
  const rows = db.prepare("SELECT key, value FROM kv WHERE namespace = 'audit' AND key LIKE 'e%' ORDER BY key").all() as Array<{ key: string; value: string }>;
  const entries = rows.map((r) => JSON.parse(r.value) as AuditEntry);
  edit(entries);
  let prevHash = GENESIS_HASH;
  const write = db.prepare("UPDATE kv SET value = ? WHERE namespace = 'audit' AND key = ?");
  for (const entry of entries) {
    const { hash: _old, ...content } = { ...entry, prevHash };
    const rehashed = { ...content, hash: hash(content) };
    write.run(JSON.stringify(rehashed), entryKey(entry.seq));
    prevHash = rehashed.hash;
  }
  write.run(JSON.stringify({ seq: entries.length, hash: prevHash }), 'head');
  db.close();
}

describe('AuditLog: a table re-chained in the SQLite file is detected', () => {
  const editWho = (entries: AuditEntry[]) => {
    entries[1] = { ...entries[1], who: 'wang.li' };
  };

  it('an edit with every hash recomputed the old SHA-256 way, keeping the key ids: entry 1 already fails its HMAC', async () => {
    const { store, file } = await filledLog();
    await store.close();
    rechainFile(file, editWho, (e) => entryHash(e));
    const reopened = new SqliteStore(file);
    const { verdict, items } = await new AuditLog(reopened, 'audit', keyring).inspect();
    assert.deepEqual(problemOf(verdict), { ok: false, seq: 1, message: `Audit entry 1 was altered: its HMAC under audit key ${keyring.current.id} does not match its content.` });
    assert.deepEqual(
      items.map((e) => e.verification),
      ['broken', 'broken', 'broken', 'broken', 'broken'],
    );
    await reopened.close();
  });

  it('an edit re-chained the old SHA-256 way with the key ids removed is reported as legacy, never as verified', async () => {
    const { store, file } = await filledLog();
    await store.close();
    rechainFile(
      file,
      (entries) => {
        editWho(entries);
        for (const e of entries) delete e.keyId;
      },
      (e) => entryHash(e),
    );
    const reopened = new SqliteStore(file);
    const { verdict, items } = await new AuditLog(reopened, 'audit', keyring).inspect();
    assert.deepEqual([verdict.verified, verdict.legacy], [0, 5]);
    assert.equal(verdict.legacyNote, 'Audit entries 1–5 were written by the un-keyed SHA-256 chain of an earlier version: consistent, but anyone holding the store could have rewritten them.');
    assert.deepEqual(
      items.map((e) => e.verification),
      ['legacy', 'legacy', 'legacy', 'legacy', 'legacy'],
    );
    await reopened.close();
  });

  it('an edit re-chained with a key of the forger’s own, under the real key id or its own, fails the HMAC', async () => {
    const forger = auditKeyring(['a key the bridge never had, 32 bytes or more'], 'the forger');
    for (const keyId of [keyring.current.id, forger.current.id]) {
      const { store, file } = await filledLog();
      await store.close();
      rechainFile(
        file,
        (entries) => {
          editWho(entries);
          for (const e of entries) e.keyId = keyId;
        },
        (e) => entryMac(e, forger.current),
      );
      const reopened = new SqliteStore(file);
      const verdict = await new AuditLog(reopened, 'audit', keyring).verify();
      const expected =
        keyId === keyring.current.id
          ? `Audit entry 1 was altered: its HMAC under audit key ${keyId} does not match its content.`
          : `Audit entry 1 names audit key ${keyId}, which this bridge does not hold: it cannot be verified (add that key to the key file, or the entry was forged).`;
      assert.deepEqual(problemOf(verdict), { ok: false, seq: 1, message: expected });
      assert.equal(verdict.broken, 5);
      await reopened.close();
    }
  });
});
