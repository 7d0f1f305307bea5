// The words of the audit trail (schemas/audit-entry.schema.json): who did what, when, why, chained by hashes.

/** An electronic signature in the sense of 21 CFR Part 11: who signed, when, what it means, and why. */
export interface ElectronicSignature {
  /** The signer's name as the bridge's login (or the ERP) knows it. */
  signer: string;
  /** ISO 8601 time of signing. */
  signedAt: string;
  meaning: 'approved' | 'rejected' | 'reviewed' | 'released';
  reason: string;
}

/** The actions the workflow cores audit; other names are allowed if they read like these. */
export type AuditAction =
  | 'requisition.approved-automatically'
  | 'requisition.approved'
  | 'requisition.rejected'
  | 'requisition.decision-refused'
  | 'requisition.rejected-on-timeout'
  | 'requisition.escalated'
  | 'exception.acknowledged'
  | 'exception.resolved'
  | 'exception.closed'
  | 'exception.escalated'
  | 'exception.overdue'
  | (string & {});

/** What a caller appends; the log adds seq, at, prevHash and hash. */
export interface AuditRecord {
  /** The authenticated user, or "bridge" for what the bridge's own rules did. */
  who: string;
  what: AuditAction;
  why: string;
  /** The requisition or exception id. */
  subjectId: string;
  orderNo?: string;
  meaning?: string;
  signature?: ElectronicSignature;
  details?: Record<string, unknown>;
}

export interface AuditEntry extends AuditRecord {
  seq: number;
  /** Server time of the append, ISO 8601 UTC. */
  at: string;
  /** The audit key the hash is an HMAC under; absent on entries of the earlier, un-keyed SHA-256 chain. */
  keyId?: string;
  prevHash: string;
  hash: string;
}

/** What verification says of one entry: its HMAC and link hold, it is of the un-keyed chain, or it is not genuine. */
export type EntryVerification = 'verified' | 'legacy' | 'broken';

/** The chain head as it was last exported (logged, sent to the ERP, kept outside the store). */
export interface ExportedHead {
  seq: number;
  hash: string;
  keyId?: string;
  /** The first keyed entry at that time: from there on, an un-keyed entry is a rewrite. */
  keyedFrom?: number;
  exportedAt: string;
}

export interface AuditProblem {
  seq: number;
  message: string;
}

/** Counts of a whole-chain check, with the first problem found (in sequence order) when there is one. */
export interface ChainFigures {
  entries: number;
  verified: number;
  legacy: number;
  broken: number;
  /** The last entry of the chain. */
  head?: { seq: number; hash: string; keyId?: string };
  /** First keyed entry, if any. */
  keyedFrom?: number;
  /** Said when un-keyed entries are in the chain: what they are and what that means. */
  legacyNote?: string;
}

export type AuditVerdict = ({ ok: true } & ChainFigures) | ({ ok: false; seq: number; message: string; problems: AuditProblem[] } & ChainFigures);
