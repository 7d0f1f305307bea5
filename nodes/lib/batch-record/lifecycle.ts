// Review and release of a batch record by electronic signature (21 CFR 11, EU GMP Annex 11): the signatures are
// entries of the keyed audit chain, so the record's state is read back from the chain alone. A signature names
// the record's fingerprint; a released record is frozen in its release entry, and a later change of any fact
// shows as "changed after release" until someone amends it (a new version, reviewed and released again) —
// never as a silent edit.
import type { AuditEntry, AuditRecord } from '../audit/types';
import type { BatchRecord, LifecycleStatus, RecordFinding, RecordLifecycle, RecordSignature, SignatureMeaning } from './types';

export const batchSubject = (orderNo: string): string => `batch:${orderNo}`;

export interface SigningRules {
  /** The release must be signed by someone other than the reviewer (default true). */
  fourEyes: boolean;
}

export const DEFAULT_SIGNING_RULES: SigningRules = { fourEyes: true };

interface SignatureDetails {
  version?: number;
  recordHash?: string;
  record?: BatchRecord;
  fromHash?: string;
}

/** The lifecycle as the audit entries of the order's batch record tell it (entries in chain order). */
export function lifecycleOf(orderNo: string, entries: readonly AuditEntry[]): RecordLifecycle {
  const lifecycle: RecordLifecycle = { version: 1, signatures: [], amendments: [] };
  const subject = batchSubject(orderNo);
  for (const entry of [...entries].sort((a, b) => a.seq - b.seq)) {
    if (entry.subjectId !== subject) continue;
    const details = (entry.details ?? {}) as SignatureDetails;
    if (entry.what === 'batch.amended') {
      lifecycle.version = details.version ?? lifecycle.version + 1;
      lifecycle.amendments.push({ version: lifecycle.version, by: entry.who, at: entry.at, reason: entry.why, fromHash: details.fromHash ?? '' });
      delete lifecycle.released;
      continue;
    }
    const meaning = entry.signature?.meaning as string | undefined;
    if (!entry.signature || (meaning !== 'reviewed' && meaning !== 'released' && meaning !== 'rejected')) continue;
    const signature: RecordSignature = {
      meaning,
      signer: entry.signature.signer,
      signedAt: entry.signature.signedAt,
      reason: entry.signature.reason,
      version: details.version ?? lifecycle.version,
      recordHash: details.recordHash ?? '',
    };
    lifecycle.signatures.push(signature);
    if (meaning === 'released' && details.record) lifecycle.released = { record: details.record, recordHash: signature.recordHash, signature };
  }
  return lifecycle;
}

const ofVersion = (lifecycle: RecordLifecycle) => lifecycle.signatures.filter((s) => s.version === lifecycle.version);

export function lifecycleStatus(lifecycle: RecordLifecycle, currentHash: string, findings: readonly RecordFinding[]): LifecycleStatus {
  if (lifecycle.released) return lifecycle.released.recordHash === currentHash ? 'released' : 'changed-after-release';
  const signatures = ofVersion(lifecycle);
  const last = signatures[signatures.length - 1];
  if (last?.meaning === 'rejected') return 'rejected';
  if (last?.meaning === 'reviewed' && last.recordHash === currentHash) return 'reviewed';
  return findings.some((f) => f.kind === 'gap') ? 'in-progress' : 'ready-for-review';
}

export interface SignRequest {
  meaning: SignatureMeaning;
  signer: string;
  reason: string;
  signedAt: string;
}

/** Why this signature cannot be given now, as a sentence; undefined when it can. */
export function signatureProblem(request: SignRequest, status: LifecycleStatus, lifecycle: RecordLifecycle, findings: readonly RecordFinding[], rules: SigningRules = DEFAULT_SIGNING_RULES): string | undefined {
  if (request.reason.trim() === '') return 'A reason is required: a signature says why.';
  if (status === 'released') return 'The record is released and frozen: amend it (with a reason) to open a new version.';
  if (status === 'changed-after-release') return 'Facts of the record changed after its release: amend it (with a reason) before it can be signed again.';
  if (status === 'rejected') return 'The record was rejected: amend it (with a reason) to open a new version for review.';
  if (request.meaning === 'rejected') return undefined;
  const gaps = findings.filter((f) => f.kind === 'gap');
  if (request.meaning === 'reviewed') {
    if (status === 'reviewed') return 'This version of the record is already reviewed and unchanged since: it waits for its release.';
    if (gaps.length > 0) return `The record is not complete (${gaps.length} gap${gaps.length === 1 ? '' : 's'}): it cannot be reviewed yet.`;
    return undefined;
  }
  if (status !== 'reviewed') {
    return gaps.length > 0 ? `The record is not complete (${gaps.length} gap${gaps.length === 1 ? '' : 's'}): it cannot be released.` : 'The record must be reviewed (and unchanged since) before it is released.';
  }
  const review = ofVersion(lifecycle)
    .filter((s) => s.meaning === 'reviewed')
    .pop();
  if (rules.fourEyes && review && review.signer === request.signer) return `The release needs a second person: ${request.signer} reviewed this record and cannot also release it.`;
  return undefined;
}

/** The audit entry of a signature; the release entry freezes the record itself. */
export function signatureEntry(orderNo: string, request: SignRequest, lifecycle: RecordLifecycle, record: BatchRecord, hash: string): AuditRecord {
  return {
    who: request.signer,
    what: `batch.${request.meaning}`,
    why: request.reason,
    subjectId: batchSubject(orderNo),
    orderNo,
    meaning: request.meaning,
    signature: { signer: request.signer, signedAt: request.signedAt, meaning: request.meaning, reason: request.reason },
    details: { version: lifecycle.version, recordHash: hash, ...(request.meaning === 'released' && { record }) },
  };
}

/** Why the record cannot be amended now; undefined when it can (after a release or a rejection). */
export function amendmentProblem(status: LifecycleStatus, reason: string): string | undefined {
  if (reason.trim() === '') return 'A reason is required: an amendment says why.';
  if (status !== 'released' && status !== 'changed-after-release' && status !== 'rejected') return 'Only a released or rejected record is amended; this one can still be signed as it is.';
  return undefined;
}

export function amendmentEntry(orderNo: string, by: string, reason: string, lifecycle: RecordLifecycle, currentHash: string): AuditRecord {
  return {
    who: by,
    what: 'batch.amended',
    why: reason,
    subjectId: batchSubject(orderNo),
    orderNo,
    meaning: 'amended',
    details: { version: lifecycle.version + 1, fromHash: lifecycle.released?.recordHash ?? currentHash },
  };
}
