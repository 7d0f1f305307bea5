// The words of exception feedback (MES → ERP): exception events (异常) in, notifications, escalations and
// resolutions out, and what the exception book keeps of each exception.
import type { AuditRecord } from '../audit/types';

export type Severity = 'general' | 'urgent' | 'severe';
export const SEVERITIES: readonly Severity[] = ['general', 'urgent', 'severe'];
export type ExceptionType = 'equipment-fault' | 'material-shortage' | 'quality-defect' | 'other';
export const EXCEPTION_TYPES: readonly ExceptionType[] = ['equipment-fault', 'material-shortage', 'quality-defect', 'other'];

/** schemas/exception-event.schema.json */
export interface ExceptionEvent {
  id: string;
  type: ExceptionType;
  severity: Severity;
  orderNo?: string;
  opNo?: string;
  equipment?: string;
  estimatedDowntimeMin?: number;
  description: string;
  /** The description as a message key and parameters, for a screen to render in its reader's language. */
  message?: ExceptionMessage;
  timestamp: string;
  reportedBy?: string;
  material?: { materialCode: string; missingQty: number; unit: string };
}

export type ExceptionMessageKey = 'shortage' | 'approvalOverdue' | 'equipmentFault';
export interface ExceptionMessage {
  key: ExceptionMessageKey;
  params: Record<string, string>;
}

/** Who hears of an exception at a level, and how: a message on the node's notification output. */
export interface NotifyTarget {
  /** e.g. production-supervisor (生产主管), supply-chain-director (供应链总监). */
  role: string;
  /** e.g. email, im, sms, dashboard: the flow routes by it. */
  channel: string;
}

/** What the ERP is asked to do when an exception reaches a row: severe shortages start a purchase or transfer. */
export type ErpAction = 'emergency-purchase-or-transfer';

/**
 * One row of the escalation policy table. `level` is a severity (where an exception starts) or a level only
 * reached by escalation (e.g. plant-manager). A row with a type applies to that type only and wins over the
 * level's general row.
 */
export interface PolicyRow {
  level: string;
  type?: ExceptionType;
  notify: NotifyTarget[];
  /** Minutes to acknowledge; none means no deadline at this level. */
  ackWithinMin?: number;
  /** The level an unacknowledged exception moves to when the deadline passes; none means it is reported overdue once. */
  nextLevel?: string;
  erpAction?: ErpAction;
}

export type ExceptionState = 'open' | 'acknowledged' | 'resolved' | 'closed';

export interface Notification {
  exceptionId: string;
  reason: 'raised' | 'escalated' | 'overdue';
  level: string;
  role: string;
  channel: string;
  type: ExceptionType;
  severity: Severity;
  orderNo?: string;
  opNo?: string;
  equipment?: string;
  description: string;
  /** When the acknowledgement is due at this level, if there is a deadline. */
  ackBy?: string;
  at: string;
}

/** The request to the ERP a severe material shortage raises (紧急采购 / 物料调拨). */
export interface ErpRequest {
  action: ErpAction;
  exceptionId: string;
  orderNo?: string;
  opNo?: string;
  material?: { materialCode: string; missingQty: number; unit: string };
  description: string;
  at: string;
}

/** What the ERP gets when an exception is raised: every level is logged there, general ones only logged. */
export interface ExceptionNotice {
  exceptionId: string;
  event: ExceptionEvent;
  level: string;
  /** general: handled in the MES, the ERP only records it. */
  handledIn: 'mes' | 'erp';
  raisedAt: string;
}

/** What the ERP gets when an exception is resolved: the downtime, so that it can re-plan. */
export interface ExceptionResolution {
  exceptionId: string;
  type: ExceptionType;
  severity: Severity;
  level: string;
  orderNo?: string;
  opNo?: string;
  equipment?: string;
  description: string;
  raisedAt: string;
  acknowledgedAt?: string;
  acknowledgedBy?: string;
  resolvedAt: string;
  resolvedBy: string;
  note: string;
  downtimeMin: number;
  escalations: number;
}

export interface Escalation {
  from: string;
  to: string;
  at: string;
}

/** Everything the book keeps of one exception: plain JSON, one store key per exception. */
export interface ExceptionRecordState {
  version: 1;
  event: ExceptionEvent;
  raisedAt: string;
  state: ExceptionState;
  level: string;
  /** The severity as escalated: urgent becomes severe when it moves to the severe level. */
  severity: Severity;
  deadline?: string;
  escalations: Escalation[];
  erpRequested: boolean;
  acknowledged?: { by: string; note: string; at: string };
  resolved?: { by: string; note: string; downtimeMin: number; at: string };
  closed?: { by: string; note: string; at: string };
}

export type RaiseOutcome =
  | {
      duplicate: false;
      exception: ExceptionRecordState;
      notifications: Notification[];
      notice: ExceptionNotice;
      deadline?: string;
      erpRequest?: ErpRequest;
    }
  | { duplicate: true; exception: ExceptionRecordState; notifications: []; conflicting: boolean };

export interface DueOutcome {
  kind: 'escalated' | 'overdue';
  exceptionId: string;
  from: string;
  /** The level it moved to (escalated only). */
  to?: string;
  exception: ExceptionRecordState;
  notifications: Notification[];
  deadline?: string;
  erpRequest?: ErpRequest;
  audit: AuditRecord[];
}

export interface StepOutcome {
  exception: ExceptionRecordState;
  audit: AuditRecord[];
}

export interface ResolveOutcome extends StepOutcome {
  resolution: ExceptionResolution;
}

/** The latest open exception of an order, in the shape progress-push takes as the lag reason. */
export interface OpenExceptionSummary {
  id: string;
  type: string;
  severity: string;
  description: string;
  at: string;
}
