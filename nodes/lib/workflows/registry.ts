// The workflow desks open in this process (material-overdraw's approvals, exception-escalation's exceptions),
// so the server's REST API and dashboard flows find them without knowing which nodes made them. A desk is
// the node's own serialized entry point: a decision made through it is persisted and audited like a message.
import type { AuditLog } from '../audit/log';
import type { AuditRecord } from '../audit/types';
import type { ExceptionRecordState, ResolveOutcome, StepOutcome } from '../escalation/types';
import type { ApprovalDecision, DecisionOutcome, PendingApproval, RequisitionRecordState } from '../overdraw/types';

interface Desk {
  /** The node's id and name, for listings and messages. */
  nodeId: string;
  label: string;
  /** The audit chain of the node's bridge store (shared by every workflow node on that store). */
  audit: AuditLog;
  /** Appends a record the node did not produce itself (e.g. a failed signature attempt at the REST API). */
  record(entry: AuditRecord): Promise<void>;
}

export interface ApprovalDesk extends Desk {
  pending(): PendingApproval[];
  requisition(id: string): RequisitionRecordState | undefined;
  /** Decides as the book does, then persists, audits, sends the outputs; one decision at a time. */
  decide(decision: ApprovalDecision): Promise<DecisionOutcome>;
}

export interface ExceptionDesk extends Desk {
  list(filter?: { states?: ExceptionRecordState['state'][]; orderNo?: string }): ExceptionRecordState[];
  ack(id: string, user: string, note: string): Promise<StepOutcome>;
  resolve(id: string, user: string, note: string, downtimeMin: number): Promise<ResolveOutcome>;
}

const approvals = new Map<string, ApprovalDesk>();
const exceptions = new Map<string, ExceptionDesk>();

export function registerApprovalDesk(desk: ApprovalDesk): void {
  approvals.set(desk.nodeId, desk);
}
export function unregisterApprovalDesk(desk: ApprovalDesk): void {
  if (approvals.get(desk.nodeId) === desk) approvals.delete(desk.nodeId);
}
export function registerExceptionDesk(desk: ExceptionDesk): void {
  exceptions.set(desk.nodeId, desk);
}
export function unregisterExceptionDesk(desk: ExceptionDesk): void {
  if (exceptions.get(desk.nodeId) === desk) exceptions.delete(desk.nodeId);
}

export function approvalDesks(): ApprovalDesk[] {
  return [...approvals.values()];
}
export function exceptionDesks(): ExceptionDesk[] {
  return [...exceptions.values()];
}

/** The desk holding requisition `id`, if any node knows it. */
export function approvalDeskFor(requisitionId: string): ApprovalDesk | undefined {
  return approvalDesks().find((d) => d.requisition(requisitionId) !== undefined);
}

/** The desk holding exception `id`, if any node knows it. */
export function exceptionDeskFor(exceptionId: string): ExceptionDesk | undefined {
  return exceptionDesks().find((d) => d.list().some((e) => e.event.id === exceptionId));
}
