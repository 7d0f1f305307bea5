// The keyed audit chain on every bridge store backend (a SQLite file, the machine's Redis): audit-sqlite.test.ts
// and audit-redis.test.ts call auditContract with their fixture. Tampering is done through the store itself, as
// someone holding the store (not the key, not the userDir) could: re-chaining the old SHA-256 way, with a wrong
// key, cutting the tail off; and the scheduled verification exports heads and raises the alarm.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { AuditLog, auditKeyring, entryHash, entryMac, GENESIS_HASH, type AuditEntry, type AuditRecord, type AuditVerdict } from '../../nodes/lib/audit';
import { MemoryHeadLedger } from '../../nodes/lib/audit/exported-heads';
import { AuditWatch, type HeadExport } from '../../nodes/lib/audit/watch';
import type { KeyValueStore } from '../../nodes/lib/stores/store';
import { eventually } from '../support/temp';

export interface AuditFixture {
  /** A store on this test's state; each call opens it again (another process, or after a restart). */
  open(): KeyValueStore;
}
export type AuditFixtureFactory = (t: TestContext) => Promise<AuditFixture | undefined>;

const KEY = 'contract-test audit key, at least 32 bytes';
const OLD_KEY = 'contract-test retired audit key, 32 bytes+';
const keyring = auditKeyring([KEY], 'the test key');
const T0 = Date.parse('2026-12-07T08:00:00Z');
const entryKey = (seq: number) => `e${String(seq).padStart(12, '0')}`;
const record = (i: number): AuditRecord => ({ who: i % 2 ? 'li.ming' : 'bridge', what: 'exception.acknowledged', why: `Step ${i} of the test`, subjectId: `EXC-${i}`, orderNo: 'MO-2026-0101', meaning: 'acknowledged' });
const problemOf = (v: AuditVerdict) => (v.ok ? { ok: true } : { ok: false, seq: v.seq, message: v.message });

async function appendN(log: AuditLog, n: number, from = 1): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  for (let i = from; i < from + n; i++) out.push(await log.append(record(i), T0 + i * 1000));
  return out;
}

/** Reads every entry, lets `edit` change them, writes them back with every hash recomputed by `hash`, and the head. */
async function rechain(store: KeyValueStore, edit: (entries: AuditEntry[]) => void, hash: (e: Omit<AuditEntry, 'hash'>) => string): Promise<void> {
  const keys = (await store.keys('audit')).filter((k) => k.startsWith('e')).sort();
  const entries = [...(await store.getMany<AuditEntry>('audit', keys)).values()].sort((a, b) => a.seq - b.seq);
  edit(entries);
  let prevHash = GENESIS_HASH;
  const writes: Array<[string, unknown]> = [];
  for (const entry of entries) {
    const { hash: _old, ...content } = { ...entry, prevHash };
    prevHash = hash(content);
    writes.push([entryKey(entry.seq), { ...content, hash: prevHash }]);
  }
  writes.push(['head', { seq: entries.length, hash: prevHash }]);
  await store.putMany('audit', writes);
}

export function auditContract(backend: string, factory: AuditFixtureFactory): void {
  describe(`keyed audit chain on ${backend}`, () => {
    it('a chain re-chained the old SHA-256 way fails at its first entry; with the key ids removed it is legacy, and broken against the exported head', async (t) => {
      const fx = await factory(t);
      if (!fx) return;
      const store = fx.open();
      const log = new AuditLog(store, 'audit', keyring);
      const written = await appendN(log, 4);
      const exported = { seq: 4, hash: written[3].hash, keyId: keyring.current.id, keyedFrom: 1, exportedAt: '2026-12-07T08:15:00.000Z' };

      await rechain(
        store,
        (es) => (es[2] = { ...es[2], why: 'Nothing happened' }),
        (e) => entryHash(e),
      );
      const reader = new AuditLog(fx.open(), 'audit', keyring);
      assert.deepEqual(problemOf(await reader.verify()), { ok: false, seq: 1, message: `Audit entry 1 was altered: its HMAC under audit key ${keyring.current.id} does not match its content.` });

      await rechain(
        store,
        (es) => es.forEach((e) => delete e.keyId),
        (e) => entryHash(e),
      );
      const alone = await reader.verify();
      assert.deepEqual([alone.ok, alone.verified, alone.legacy], [true, 0, 4], 'without an exported head it can only be called legacy');
      const { verdict, items } = await reader.inspect({}, exported);
      assert.deepEqual(problemOf(verdict), {
        ok: false,
        seq: 1,
        message: 'Audit entry 1 is not keyed, but the chain was keyed from entry 1 on when its head was exported at 2026-12-07T08:15:00.000Z: it was rewritten with plain SHA-256.',
      });
      assert.deepEqual(
        items.map((e) => e.verification),
        ['broken', 'broken', 'broken', 'broken'],
      );
    });

    it('a chain re-chained with a wrong key fails at its first entry', async (t) => {
      const fx = await factory(t);
      if (!fx) return;
      const store = fx.open();
      await appendN(new AuditLog(store, 'audit', keyring), 3);
      const wrong = auditKeyring(['not the bridge key but 32 bytes long!!'], 'the wrong key');
      await rechain(
        store,
        (es) => (es[1] = { ...es[1], who: 'admin' }),
        (e) => entryMac(e, wrong.current),
      );
      const verdict = await new AuditLog(fx.open(), 'audit', keyring).verify();
      assert.deepEqual(problemOf(verdict), { ok: false, seq: 1, message: `Audit entry 1 was altered: its HMAC under audit key ${keyring.current.id} does not match its content.` });
      assert.equal(verdict.broken, 3);
    });

    it('a deleted tail with the head record rewritten passes the store’s own check but not the exported head', async (t) => {
      const fx = await factory(t);
      if (!fx) return;
      const store = fx.open();
      const written = await appendN(new AuditLog(store, 'audit', keyring), 5);
      const exported = { seq: 5, hash: written[4].hash, keyId: keyring.current.id, keyedFrom: 1, exportedAt: '2026-12-07T08:15:00.000Z' };
      await store.delete('audit', entryKey(5));
      await store.delete('audit', entryKey(4));
      await store.put('audit', 'head', { seq: 3, hash: written[2].hash });
      const reader = new AuditLog(fx.open(), 'audit', keyring);
      assert.equal((await reader.verify()).ok, true);
      assert.deepEqual(problemOf(await reader.verify(exported)), {
        ok: false,
        seq: 4,
        message: 'The audit log ends at entry 3, but entry 5 was exported as its head at 2026-12-07T08:15:00.000Z: entries 4–5 were deleted.',
      });
    });

    it('a legacy chain continued under a key: legacy entries are reported as such, keyed ones verified, an un-keyed entry after them broken', async (t) => {
      const fx = await factory(t);
      if (!fx) return;
      const store = fx.open();
      await appendN(new AuditLog(store), 2);
      const keyed = new AuditLog(fx.open(), 'audit', keyring);
      await appendN(keyed, 2, 3);
      const { verdict, items } = await keyed.inspect();
      assert.deepEqual([verdict.ok, verdict.verified, verdict.legacy, verdict.keyedFrom], [true, 2, 2, 3]);
      assert.equal(verdict.legacyNote, 'Audit entries 1–2 were written by the un-keyed SHA-256 chain of an earlier version: consistent, but anyone holding the store could have rewritten them.');
      assert.deepEqual(
        items.map((e) => e.verification),
        ['legacy', 'legacy', 'verified', 'verified'],
      );
      await appendN(new AuditLog(fx.open()), 1, 5);
      assert.deepEqual(problemOf(await keyed.verify()), { ok: false, seq: 5, message: 'Audit entry 5 is not keyed but entry 4 before it is: it was written or rewritten without the audit key.' });
    });

    it('after a key rotation entries under the old key still verify while it is kept, and are named when it is gone', async (t) => {
      const fx = await factory(t);
      if (!fx) return;
      await appendN(new AuditLog(fx.open(), 'audit', auditKeyring([OLD_KEY], 'old')), 2);
      const rotated = auditKeyring([OLD_KEY, KEY], 'old then new');
      const log = new AuditLog(fx.open(), 'audit', rotated);
      const [third] = await appendN(log, 1, 3);
      assert.equal(third.keyId, keyring.current.id);
      const both = await log.verify();
      assert.deepEqual([both.ok, both.verified], [true, 3]);
      const oldId = rotated.byId.keys().next().value as string;
      assert.deepEqual(problemOf(await new AuditLog(fx.open(), 'audit', keyring).verify()), {
        ok: false,
        seq: 1,
        message: `Audit entry 1 names audit key ${oldId}, which this bridge does not hold: it cannot be verified (add that key to the key file, or the entry was forged).`,
      });
    });

    it('the scheduled verification exports a head that moved on, and raises the alarm naming the first bad entry once the chain is altered', async (t) => {
      const fx = await factory(t);
      if (!fx) return;
      const store = fx.open();
      const log = new AuditLog(store, 'audit', keyring);
      const written = await appendN(log, 3);
      const lines: string[] = [];
      const ledger = new MemoryHeadLedger();
      const watch = new AuditWatch({ log, chainId: 'contract', label: 'contract store', storeId: 'store-1', ledger, intervalMs: 30, logger: { info: (l) => lines.push(l), warn: (l) => lines.push(l) } });
      const exports: HeadExport[] = [];
      const verdicts: AuditVerdict[] = [];
      watch.subscribe({ verdict: (v) => verdicts.push(v), exportHead: (h) => void exports.push(h) });
      watch.start();
      t.after(() => watch.stop());
      await eventually(() => exports.length === 1, 'the first export at start');
      assert.deepEqual([exports[0].seq, exports[0].hash, exports[0].keyId, exports[0].storeId], [3, written[2].hash, keyring.current.id, 'store-1']);
      assert.equal(ledger.get('contract')?.seq, 3);
      assert.ok(
        lines.some((l) => l.startsWith(`Audit head of contract store: entry 3, hash ${written[2].hash} (HMAC under key ${keyring.current.id})`)),
        lines.join('\n'),
      );
      await appendN(log, 1, 4);
      await eventually(() => exports.length === 2, 'the export of the head that moved on');
      assert.equal(exports[1].seq, 4);

      const second = (await store.get<AuditEntry>('audit', entryKey(2)))!;
      await store.put('audit', entryKey(2), { ...second, why: 'Edited afterwards' });
      const alarm = await eventually(() => verdicts.find((v) => !v.ok), 'the alarm');
      assert.deepEqual(problemOf(alarm), { ok: false, seq: 2, message: `Audit entry 2 was altered: its HMAC under audit key ${keyring.current.id} does not match its content.` });
      const figures = await eventually(() => (watch.figures().ok === false ? watch.figures() : undefined), 'the figures of the broken chain');
      assert.deepEqual([figures.verified, figures.broken, figures.exportedSeq], [3, 1, 4]);
      assert.ok(
        lines.some((l) => l.startsWith('The audit chain of contract store is broken at entry 2: Audit entry 2 was altered')),
        lines.join('\n'),
      );
      assert.equal(exports.length, 2, 'a broken chain exports nothing');
    });
  });
}
