// Checking a chain as read from the store: each entry on its own (its HMAC under the key it names, or the
// legacy SHA-256), its link to the entry before, the store's head record, and the head exported earlier (kept
// outside the store), so a table rewritten or cut short by someone holding only the store is found out.
import { entryHash, entryMac, GENESIS_HASH } from './chain';
import type { AuditKeyring } from './keys';
import type { AuditEntry, AuditProblem, AuditVerdict, EntryVerification, ExportedHead } from './types';

export interface StoredHead {
  seq: number;
  hash: string;
}

export interface ChainInput {
  head: StoredHead | undefined;
  entries: ReadonlyMap<number, AuditEntry>;
  keyring?: AuditKeyring;
  exported?: ExportedHead;
}

export interface EntryCheck {
  state: EntryVerification;
  problem?: string;
}

export interface ChainReport {
  verdict: AuditVerdict;
  /** Per sequence number present in the store. */
  checks: Map<number, EntryCheck>;
}

const range = (from: number, to: number): string => (from === to ? `entry ${from}` : `entries ${from}–${to}`);

/** What is wrong with `entry` taken alone (content against its hash or HMAC), or undefined. */
function ownProblem(entry: AuditEntry, seq: number, keyring: AuditKeyring | undefined): string | undefined {
  if (entry.keyId === undefined) {
    return entryHash(entry) === entry.hash ? undefined : `Audit entry ${seq} was altered: its hash does not match its content.`;
  }
  if (!keyring) return `Audit entry ${seq} is keyed (${entry.keyId}) but no audit key is configured here to check it.`;
  const key = keyring.byId.get(entry.keyId);
  if (!key) return `Audit entry ${seq} names audit key ${entry.keyId}, which this bridge does not hold: it cannot be verified (add that key to the key file, or the entry was forged).`;
  return entryMac(entry, key) === entry.hash ? undefined : `Audit entry ${seq} was altered: its HMAC under audit key ${entry.keyId} does not match its content.`;
}

export function verifyChain({ head, entries, keyring, exported }: ChainInput): ChainReport {
  const checks = new Map<number, EntryCheck>();
  const problems: AuditProblem[] = [];
  const problem = (seq: number, message: string) => {
    problems.push({ seq, message });
    const check = checks.get(seq);
    if (check && check.state !== 'broken') checks.set(seq, { state: 'broken', problem: message });
  };
  const last = Math.max(0, ...entries.keys());
  if (!head && entries.size > 0) problem(Math.min(...entries.keys()), `The audit log has ${entries.size} entries but no head record: the head was deleted.`);
  const end = Math.max(head?.seq ?? 0, last);

  // undefined after a missing entry: the gap is reported once, the next entry is judged on its own.
  let prevHash: string | undefined = GENESIS_HASH;
  let prevKeyed = false;
  let keyedFrom: number | undefined;
  for (let seq = 1; seq <= end; seq++) {
    const entry = entries.get(seq);
    if (!entry) {
      problems.push({ seq, message: `Audit entry ${seq} of ${end} is missing: it was deleted.` });
      prevHash = undefined;
      continue;
    }
    let wrong: string | undefined;
    if (head && seq > head.seq) wrong = `Audit entry ${seq} lies beyond the head (entry ${head.seq}): it was added outside the log.`;
    else if (entry.seq !== seq) wrong = `Audit entry ${seq} says it is entry ${String(entry.seq)}: it was moved or edited.`;
    else wrong = ownProblem(entry, seq, keyring);
    if (!wrong && entry.keyId === undefined && prevKeyed) wrong = `Audit entry ${seq} is not keyed but entry ${seq - 1} before it is: it was written or rewritten without the audit key.`;
    if (!wrong && entry.keyId === undefined && exported?.keyedFrom !== undefined && seq >= exported.keyedFrom) {
      wrong = `Audit entry ${seq} is not keyed, but the chain was keyed from entry ${exported.keyedFrom} on when its head was exported at ${exported.exportedAt}: it was rewritten with plain SHA-256.`;
    }
    if (!wrong && prevHash !== undefined && entry.prevHash !== prevHash) {
      wrong = `Audit entry ${seq} does not follow entry ${seq - 1}: its previous hash does not match, so an earlier entry was edited or replaced.`;
    }
    checks.set(seq, wrong ? { state: 'broken', problem: wrong } : { state: entry.keyId === undefined ? 'legacy' : 'verified' });
    if (wrong) problems.push({ seq, message: wrong });
    if (entry.keyId !== undefined && keyedFrom === undefined) keyedFrom = seq;
    prevHash = entry.hash;
    prevKeyed = entry.keyId !== undefined;
  }
  const lastEntry = head ? entries.get(head.seq) : undefined;
  if (head && lastEntry && head.hash !== lastEntry.hash) problem(head.seq, `The audit head does not match entry ${head.seq}: the last entry was replaced.`);

  if (exported) {
    if (end < exported.seq) {
      problems.push({
        seq: end + 1,
        message: `The audit log ends at entry ${end}, but entry ${exported.seq} was exported as its head at ${exported.exportedAt}: ${range(end + 1, exported.seq)} ${end + 1 === exported.seq ? 'was' : 'were'} deleted.`,
      });
    } else {
      const there = entries.get(exported.seq);
      if (there && there.hash !== exported.hash) {
        problem(exported.seq, `Audit entry ${exported.seq} is not the one exported as the head at ${exported.exportedAt} (hash ${exported.hash.slice(0, 12)}…): the log was rewritten at or before it.`);
      }
    }
  }

  problems.sort((a, b) => a.seq - b.seq);
  const counts = { verified: 0, legacy: 0, broken: 0 };
  for (const check of checks.values()) counts[check.state]++;
  const legacyTo = keyedFrom === undefined ? last : keyedFrom - 1;
  const figures = {
    entries: entries.size,
    ...counts,
    ...(lastEntry ? { head: { seq: lastEntry.seq, hash: lastEntry.hash, ...(lastEntry.keyId !== undefined && { keyId: lastEntry.keyId }) } } : {}),
    ...(keyedFrom !== undefined && { keyedFrom }),
    ...(counts.legacy > 0 && {
      legacyNote: `Audit ${range(1, legacyTo)} ${legacyTo === 1 ? 'was' : 'were'} written by the un-keyed SHA-256 chain of an earlier version: consistent, but anyone holding the store could have rewritten ${legacyTo === 1 ? 'it' : 'them'}.`,
    }),
  };
  const verdict: AuditVerdict = problems.length === 0 ? { ok: true, ...figures } : { ok: false, seq: problems[0].seq, message: problems[0].message, problems, ...figures };
  return { verdict, checks };
}
