// The electronic batch record (电子批记录) of one production order: what the bridge keeps about how the order was
// made, assembled into one document a QA reviewer can review by exception, sign and release.
import type { TracedInspection, TracedMaterial } from '../trace/types';

export interface BatchRecordOperation {
  opNo: string;
  operationCode?: string;
  description?: string;
  plannedEquipment?: string;
  equipment: string[];
  operators: string[];
  startedAt?: string;
  endedAt?: string;
  status?: string;
  goodQty: number;
  scrapQty: number;
  /** Job reports counted for the operation. */
  reports: number;
  passed: number;
  failed: number;
  gauges: string[];
  /** The failed inspections, whole (a reviewer reads each); passed ones are counted. */
  failedInspections: TracedInspection[];
}

export interface BatchRecordException {
  id: string;
  type: string;
  severity: string;
  state: string;
  opNo?: string;
  equipment?: string;
  description?: string;
  raisedAt: string;
  acknowledged?: { by: string; at: string; note: string };
  resolved?: { by: string; at: string; note: string; downtimeMin: number };
}

export interface BatchRecordSignedDecision {
  /** The requisition (or other subject) the signature is about. */
  subjectId: string;
  what: string;
  signer: string;
  signedAt: string;
  meaning: string;
  reason: string;
}

export interface BatchRecord {
  orderNo: string;
  header: {
    /** Whether the bridge received the order's work order (its plan). */
    planned: boolean;
    productCode?: string;
    productName?: string;
    /** The batch (lot) codes the order's job reports carry. */
    batches: string[];
    plannedQty?: number;
    /** Good quantity of the last operation: what was made. */
    goodQty: number;
    /** Scrap over every operation. */
    scrapQty: number;
    unit?: string;
    dueDate?: string;
    site?: string;
    orderStatus?: string;
    revision?: number;
    startedAt?: string;
    endedAt?: string;
  };
  operations: BatchRecordOperation[];
  materials: TracedMaterial[];
  exceptions: BatchRecordException[];
  /** Signed decisions on the order's requisitions (overdraw approvals and rejections). */
  approvals: BatchRecordSignedDecision[];
  /** Requisitions of the order still waiting for an approval. */
  pendingApprovals: string[];
  /** True when the trace store's answer was cut at its limit: the record is not whole. */
  truncated: boolean;
}

/** What keeps a record from release (gap) or what a reviewer must look at (deviation). */
export interface RecordFinding {
  kind: 'gap' | 'deviation';
  code:
    | 'no-work-order'
    | 'no-operations'
    | 'operation-not-reported'
    | 'operation-not-complete'
    | 'no-inspection'
    | 'exception-open'
    | 'approval-pending'
    | 'record-truncated'
    | 'inspection-failed'
    | 'short-quantity'
    | 'exception-resolved'
    | 'approval-signed'
    | 'equipment-substituted';
  opNo?: string;
  subjectId?: string;
  params: Record<string, string | number>;
}

export type SignatureMeaning = 'reviewed' | 'released' | 'rejected';

export interface RecordSignature {
  meaning: SignatureMeaning;
  signer: string;
  signedAt: string;
  reason: string;
  version: number;
  recordHash: string;
}

export type LifecycleStatus = 'in-progress' | 'ready-for-review' | 'reviewed' | 'released' | 'rejected' | 'changed-after-release';

export interface RecordAmendment {
  version: number;
  by: string;
  at: string;
  reason: string;
  fromHash: string;
}

export interface RecordLifecycle {
  /** 1, then one more for each amendment after a release or rejection. */
  version: number;
  signatures: RecordSignature[];
  amendments: RecordAmendment[];
  /** The record as it was released (frozen), when the current version is released. */
  released?: { record: BatchRecord; recordHash: string; signature: RecordSignature };
}
