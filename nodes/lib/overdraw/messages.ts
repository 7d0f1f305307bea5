// What the requisition book says to the outside: the approval request for the ERP, the shortage event, the
// exception for an undecided overdraw, and the exception a shortage becomes in exception-escalation.
import type { ExceptionEvent, Severity } from '../escalation/types';
import { roundQty } from './needs';
import type { ApprovalRequest, MaterialNeed, MaterialRequisition, ShortageEvent, StockState } from './types';

export function approvalRequest(r: MaterialRequisition, need: MaterialNeed, heldAt: string, decisionDue: string): ApprovalRequest {
  return {
    requisitionId: r.requisitionId,
    orderNo: r.orderNo,
    opNo: r.opNo,
    materialCode: r.materialCode,
    unit: r.unit,
    requestedQty: r.requestedQty,
    needQty: need.needQty,
    limitQty: need.limitQty,
    tolerancePct: need.tolerancePct,
    issuedQty: need.issuedQty,
    reservedQty: need.reservedQty,
    overdrawQty: roundQty(need.issuedQty + need.reservedQty + r.requestedQty - need.limitQty),
    requester: r.requester,
    ...(r.note !== undefined && { note: r.note }),
    requestedAt: r.timestamp,
    heldAt,
    decisionDue,
  };
}

export function shortageEvent(r: MaterialRequisition, stock: StockState, at: string): ShortageEvent {
  return {
    requisitionId: r.requisitionId,
    orderNo: r.orderNo,
    opNo: r.opNo,
    materialCode: r.materialCode,
    unit: r.unit,
    requestedQty: r.requestedQty,
    availableQty: stock.availableQty,
    missingQty: roundQty(r.requestedQty - stock.availableQty),
    requester: r.requester,
    stockAsOf: stock.asOf,
    severity: 'severe',
    at,
  };
}

/** A shortage as exception-escalation takes it: severe, so the ERP is asked for an emergency purchase or transfer. */
export function shortageException(shortage: ShortageEvent): ExceptionEvent {
  const { materialCode, unit, requestedQty, availableQty, missingQty } = shortage;
  return {
    id: `SHORT-${shortage.requisitionId}`,
    type: 'material-shortage',
    severity: shortage.severity,
    orderNo: shortage.orderNo,
    opNo: shortage.opNo,
    description: `${requestedQty} ${unit} of ${materialCode} requested by requisition ${shortage.requisitionId}, ${availableQty} ${unit} in stock: ${missingQty} ${unit} missing.`,
    message: { key: 'shortage', params: { requested: String(requestedQty), available: String(availableQty), missing: String(missingQty), unit, material: materialCode, requisition: shortage.requisitionId } },
    timestamp: shortage.at,
    reportedBy: 'material-overdraw',
    material: { materialCode, missingQty, unit },
  };
}

/** The exception an overdraw raises when the ERP has not decided in time. */
export function overdueApprovalException(request: ApprovalRequest, timeoutMin: number, severity: Exclude<Severity, 'general'>, at: string): ExceptionEvent {
  return {
    id: `OVERDRAW-${request.requisitionId}`,
    type: 'other',
    severity,
    orderNo: request.orderNo,
    opNo: request.opNo,
    description: `The ERP has not decided within ${timeoutMin} min on requisition ${request.requisitionId}: ${request.requestedQty} ${request.unit} of ${request.materialCode}, ${request.overdrawQty} ${request.unit} above the BOM limit of ${request.limitQty} ${request.unit}; the line is waiting.`,
    message: {
      key: 'approvalOverdue',
      params: {
        timeoutMin: String(timeoutMin),
        requisition: request.requisitionId,
        requested: String(request.requestedQty),
        unit: request.unit,
        material: request.materialCode,
        overdraw: String(request.overdrawQty),
        limit: String(request.limitQty),
      },
    },
    timestamp: at,
    reportedBy: 'material-overdraw',
  };
}
