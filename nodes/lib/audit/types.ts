// The words of the audit trail (schemas/audit-entry.schema.json): who did what, when, why, chained by hashes.

/** An electronic signature in the sense of 21 CFR Part 11: who signed, when, what it means, and why. */
export interface ElectronicSignature {
  /** The signer's name as the bridge's login (or the ERP) knows it. */
  signer: string;
  /** ISO 8601 time of signing. */
  signedAt: string;
  meaning: 'approved' | 'rejected';
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
  prevHash: string;
  hash: string;
}

export type AuditVerdict =
  | { ok: true; entries: number; headHash: string }
  | { ok: false; seq: number; message: string };
