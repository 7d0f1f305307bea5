// The words of material control (MES ↔ ERP): material requisitions (物料领用单) in; issues, approval requests
// for overdraws (超量领用) and shortage events out; and what the requisition book keeps per order, material
// and requisition.
import type { AuditRecord, ElectronicSignature } from '../audit/types';
import type { ExceptionEvent, Severity } from '../escalation/types';

/** schemas/material-requisition.schema.json */
export interface MaterialRequisition {
  requisitionId: string;
  orderNo: string;
  opNo: string;
  materialCode: string;
  requestedQty: number;
  unit: string;
  requester: string;
  timestamp: string;
  note?: string;
  /** The material lot issued (批号), for quality traceability. */
  lot?: string;
}

/** schemas/approval-decision.schema.json */
export interface ApprovalDecision {
  requisitionId: string;
  decision: 'approve' | 'reject';
  reason: string;
  signer: string;
  signedAt?: string;
  meaning?: 'approved' | 'rejected';
}

export interface OverdrawSettings {
  /** Minutes the ERP has to decide on an overdraw before onTimeout applies (default 120). */
  decisionTimeoutMin: number;
  /** escalate (default): an exception goes to exception-escalation and the requisition keeps waiting; reject: it is rejected. */
  onTimeout: 'escalate' | 'reject';
  /** Tolerance % for BOM lines whose work order carries 0 (the work order has 0 when the ERP gave none); default 0. */
  defaultTolerancePct: number;
  /** Severity of the exception an undecided overdraw raises (default urgent). */
  escalationSeverity: Exclude<Severity, 'general'>;
}

export const DEFAULT_OVERDRAW_SETTINGS: Readonly<OverdrawSettings> = { decisionTimeoutMin: 120, onTimeout: 'escalate', defaultTolerancePct: 0, escalationSeverity: 'urgent' };

/** One material of one order: its BOM need, the auto-approval limit, and what was issued against it. */
export interface MaterialNeed {
  materialCode: string;
  unit: string;
  /** Σ requiredQty of the order's BOM lines for the material (qtyPer × planned qty; the ERP's qtyPer carries its scrap allowance). */
  needQty: number;
  /** Σ requiredQty × (1 + tolerance % / 100) over those lines: issued + reserved + requested up to this is approved at once. */
  limitQty: number;
  /** The tolerance the limit amounts to, as a % of the need. */
  tolerancePct: number;
  /** Issued so far (approved and released). */
  issuedQty: number;
  /** Approved within the limit but waiting for stock: counts against the limit like issued. */
  reservedQty: number;
}

export interface OrderMaterialsState {
  version: 1;
  orderNo: string;
  revision: number;
  status: string;
  materials: Record<string, MaterialNeed>;
}

/** Stock on hand of a material, as the ERP's stock table (or a message) last said, less what the bridge issued since. */
export interface StockState {
  version: 1;
  materialCode: string;
  availableQty: number;
  unit: string;
  asOf: string;
}

/** The material released to the line: what the MES may hand out now. */
export interface MaterialIssue {
  requisitionId: string;
  orderNo: string;
  opNo: string;
  materialCode: string;
  qty: number;
  unit: string;
  /** The requisition's material lot, when it named one. */
  lot?: string;
  requester: string;
  /** within-limit: approved by the BOM rule; erp-approved: an ERP approver signed. */
  approval: 'within-limit' | 'erp-approved';
  approvedBy: string;
  issuedAt: string;
  /** Issued for this order and material after this issue. */
  issuedTotalQty: number;
  needQty: number;
  limitQty: number;
}

/** What the ERP is asked to approve (through the outbox, and on the node's second output). */
export interface ApprovalRequest {
  requisitionId: string;
  orderNo: string;
  opNo: string;
  materialCode: string;
  unit: string;
  requestedQty: number;
  needQty: number;
  limitQty: number;
  tolerancePct: number;
  issuedQty: number;
  reservedQty: number;
  /** issued + reserved + requested − limit: the part of the request above the limit. */
  overdrawQty: number;
  requester: string;
  note?: string;
  requestedAt: string;
  heldAt: string;
  decisionDue: string;
}

/** Stock below the requested quantity (the node's third output; the demo flow raises it as a severe exception). */
export interface ShortageEvent {
  requisitionId: string;
  orderNo: string;
  opNo: string;
  materialCode: string;
  unit: string;
  requestedQty: number;
  availableQty: number;
  missingQty: number;
  requester: string;
  stockAsOf: string;
  severity: 'severe';
  at: string;
}

export type Hold = 'approval' | 'stock';
export type RequisitionStatus = 'approved' | 'held' | 'rejected';

export type RecordedDecision = { by: 'signer'; decision: 'approve' | 'reject'; signature: ElectronicSignature; at: string } | { by: 'timeout'; decision: 'reject'; reason: string; at: string };

/** The answer a requisition got when it arrived; a duplicate gets it again. */
export type ArrivalOutcome =
  | { kind: 'approved'; requisitionId: string; issue: MaterialIssue }
  | { kind: 'pending-approval'; requisitionId: string; approvalRequest: ApprovalRequest; shortage?: ShortageEvent }
  | { kind: 'shortage'; requisitionId: string; shortage: ShortageEvent };

export type RequisitionOutcome = (ArrivalOutcome & { audit: AuditRecord[] }) | { kind: 'duplicate'; requisitionId: string; first: ArrivalOutcome; status: RequisitionStatus; conflicting: boolean; audit: [] };

/** Everything the book keeps of one requisition: plain JSON, one store key per requisition. */
export interface RequisitionRecordState {
  version: 1;
  requisition: MaterialRequisition;
  receivedAt: string;
  status: RequisitionStatus;
  /** While held: what it waits for. Released when none is left. */
  holds: Hold[];
  /** Approved within the limit and waiting for stock: its qty is in the material's reservedQty. */
  reserved: boolean;
  first: ArrivalOutcome;
  approvalRequest?: ApprovalRequest;
  shortage?: ShortageEvent;
  decision?: RecordedDecision;
  escalatedAt?: string;
  issue?: MaterialIssue;
}

export type DecisionOutcome =
  | { kind: 'released'; requisitionId: string; signature: ElectronicSignature; issue: MaterialIssue; audit: AuditRecord[] }
  | { kind: 'awaiting-stock'; requisitionId: string; signature: ElectronicSignature; shortage?: ShortageEvent; audit: AuditRecord[] }
  | { kind: 'rejected'; requisitionId: string; signature: ElectronicSignature; audit: AuditRecord[] }
  | {
      kind: 'already-decided';
      requisitionId: string;
      /** Who decided first: a signer's name, "bridge" (within the BOM limit) or "timeout". */
      decidedBy: string;
      decision: 'approve' | 'reject';
      decidedAt: string;
      /** The attempt that did not take effect, signed as it was offered (it is audited too). */
      attempt: ElectronicSignature;
      message: string;
      audit: AuditRecord[];
    };

export type ExpiryOutcome =
  { kind: 'escalated'; requisitionId: string; approvalRequest: ApprovalRequest; exception: ExceptionEvent; audit: AuditRecord[] } | { kind: 'rejected'; requisitionId: string; approvalRequest: ApprovalRequest; audit: AuditRecord[] };

export interface StockOutcome {
  materialCode: string;
  availableQty: number;
  /** Requisitions waiting only for this material that the new stock covers, first come first served. */
  released: MaterialIssue[];
}

export interface PendingApproval {
  approvalRequest: ApprovalRequest;
  holds: Hold[];
  escalatedAt?: string;
}

export interface PlanOutcome {
  /** False when the work order is an older revision than the plan held: it is ignored. */
  applied: boolean;
  orderNo: string;
  materials: MaterialNeed[];
}
