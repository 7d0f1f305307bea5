// The requisition book: per order and material the BOM need and what was issued, the stock the bridge knows,
// and every requisition with its fate. A requisition within the limit is approved at once; above it, it is
// held for the ERP's signed decision; stock below the requested quantity raises a shortage and holds it
// until stock arrives (and, above the limit, the decision too). The clock is never read here.
import { canonicalJson } from '../audit/chain';
import type { AuditRecord, ElectronicSignature } from '../audit/types';
import { isoAt, MINUTE_MS, toMs, type Instant } from '../escalation/instant';
import type { WorkOrder } from '../plan-sync/work-order';
import { validate } from '../validation';
import { approvalRequest, overdueApprovalException, shortageEvent } from './messages';
import { CLOSED_STATUSES, orderMaterials, roundQty } from './needs';
import { checkDecision, checkStockFigure, overdrawSettings, restoreEntries, type BookState } from './state';
import {
  type ApprovalDecision,
  type ArrivalOutcome,
  type DecisionOutcome,
  type ExpiryOutcome,
  type MaterialIssue,
  type MaterialNeed,
  type MaterialRequisition,
  type OverdrawSettings,
  type PendingApproval,
  type PlanOutcome,
  type RequisitionOutcome,
  type RequisitionRecordState,
  type StockOutcome,
  type StockState,
} from './types';

const orderKey = (orderNo: string) => `order:${orderNo}`;
const requisitionKey = (id: string) => `requisition:${id}`;
const stockKey = (materialCode: string) => `stock:${materialCode}`;
/** A requisition before its first answer is known. */
type Arriving = Omit<RequisitionRecordState, 'first'>;

const byArrival = (a: RequisitionRecordState, b: RequisitionRecordState) => (a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : a.requisition.requisitionId < b.requisition.requisitionId ? -1 : 1);

export class RequisitionBook {
  readonly settings: OverdrawSettings;
  private readonly state: BookState = { orders: new Map(), stock: new Map(), requisitions: new Map() };
  private readonly changed = new Set<string>();

  constructor(settings: Partial<OverdrawSettings> = {}) {
    this.settings = overdrawSettings(settings);
  }

  /** Registers or revises an order's BOM need from plan sync's work order; an older revision is ignored. */
  plan(workOrder: WorkOrder): PlanOutcome {
    const checked = validate('work-order', workOrder);
    if (!checked.ok) throw new Error(`The work order cannot be planned for material control: ${checked.message}.`);
    const before = this.state.orders.get(workOrder.workOrderNo);
    if (before && workOrder.source.revision < before.revision) return { applied: false, orderNo: before.orderNo, materials: Object.values(structuredClone(before.materials)) };
    const order = orderMaterials(workOrder, this.settings.defaultTolerancePct, before);
    this.state.orders.set(order.orderNo, order);
    this.changed.add(orderKey(order.orderNo));
    return { applied: true, orderNo: order.orderNo, materials: Object.values(structuredClone(order.materials)) };
  }

  /** Stock on hand of a material (from the ERP's stock table or a message); releases what waited for it. */
  setStock(materialCode: string, availableQty: number, unit: string, now: Instant): StockOutcome {
    checkStockFigure(materialCode, availableQty, unit);
    const waiting = [...this.state.requisitions.values()].filter((r) => r.status === 'held' && r.requisition.materialCode === materialCode).sort(byArrival);
    const otherUnit = waiting.find((r) => r.requisition.unit !== unit);
    if (otherUnit) throw new Error(`Stock of ${materialCode} was given in ${unit}, but requisition ${otherUnit.requisition.requisitionId} waits for it in ${otherUnit.requisition.unit}; give the stock in the BOM's unit.`);
    const at = isoAt(toMs(now));
    const stock: StockState = { version: 1, materialCode, availableQty: roundQty(availableQty), unit, asOf: at };
    this.state.stock.set(materialCode, stock);
    this.changed.add(stockKey(materialCode));
    const released: MaterialIssue[] = [];
    // First come, first served: a large requisition is not overtaken by smaller ones behind it.
    for (const record of waiting.filter((r) => r.holds.length === 1 && r.holds[0] === 'stock')) {
      if (stock.availableQty < record.requisition.requestedQty) break;
      released.push(this.issue(record, at));
    }
    return { materialCode, availableQty: stock.availableQty, released };
  }

  /** Checks one requisition (schemas/material-requisition); bad input is refused with a sentence and changes nothing. */
  requisition(input: unknown, now: Instant): RequisitionOutcome {
    const checked = validate('material-requisition', input);
    if (!checked.ok) throw new Error(`The material requisition was refused: ${checked.message}.`);
    const r = structuredClone(input) as MaterialRequisition;
    const known = this.state.requisitions.get(r.requisitionId);
    if (known) {
      const conflicting = canonicalJson(known.requisition) !== canonicalJson(r);
      return { kind: 'duplicate', requisitionId: r.requisitionId, first: structuredClone(known.first), status: known.status, conflicting, audit: [] };
    }
    const need = this.needFor(r);
    const stock = this.state.stock.get(r.materialCode);
    if (stock && stock.unit !== r.unit) throw new Error(`Requisition ${r.requisitionId} asks for ${r.materialCode} in ${r.unit}, but its stock is kept in ${stock.unit}.`);
    const at = isoAt(toMs(now));
    const within = roundQty(need.issuedQty + need.reservedQty + r.requestedQty) <= need.limitQty;
    const short = stock !== undefined && stock.availableQty < r.requestedQty;
    const record: Arriving = { version: 1, requisition: r, receivedAt: at, status: 'held', holds: [], reserved: false, ...(short && { shortage: shortageEvent(r, stock, at) }) };

    if (within) {
      const total = roundQty(need.issuedQty + need.reservedQty + r.requestedQty);
      const why = `Within the BOM limit: ${total} of ${need.limitQty} ${need.unit} (need ${need.needQty}, tolerance ${need.tolerancePct} %).`;
      const audit = [this.audit(r, 'bridge', 'requisition.approved-automatically', why, 'approved', { requestedQty: r.requestedQty, limitQty: need.limitQty, heldForStock: short })];
      if (!short) return { ...this.admit(record, { kind: 'approved', requisitionId: r.requisitionId, issue: this.issue(record, at) }), audit };
      record.holds = ['stock'];
      record.reserved = true;
      need.reservedQty = roundQty(need.reservedQty + r.requestedQty);
      this.changed.add(orderKey(r.orderNo));
      return { ...this.admit(record, { kind: 'shortage', requisitionId: r.requisitionId, shortage: record.shortage! }), audit };
    }
    record.holds = short ? ['approval', 'stock'] : ['approval'];
    record.approvalRequest = approvalRequest(r, need, at, isoAt(toMs(now) + this.settings.decisionTimeoutMin * MINUTE_MS));
    const first: ArrivalOutcome = { kind: 'pending-approval', requisitionId: r.requisitionId, approvalRequest: record.approvalRequest, ...(record.shortage && { shortage: record.shortage }) };
    return { ...this.admit(record, first), audit: [] };
  }

  /**
   * Records the ERP's signed decision (schemas/approval-decision). Exactly one decision takes effect: a later
   * one, or one on a requisition approved within the limit, comes back as already-decided naming who decided.
   */
  decide(input: unknown, now: Instant): DecisionOutcome {
    checkDecision(input);
    const d = input as ApprovalDecision;
    const record = this.state.requisitions.get(d.requisitionId);
    if (!record) throw new Error(`No requisition ${JSON.stringify(d.requisitionId)} is known to this node; there is nothing to decide.`);
    const r = record.requisition;
    const at = isoAt(toMs(now));
    const meaning = d.decision === 'approve' ? 'approved' : 'rejected';
    const signature: ElectronicSignature = { signer: d.signer.trim(), signedAt: d.signedAt ?? at, meaning, reason: d.reason.trim() };

    const earlier = this.earlierDecision(record);
    if (earlier) {
      const message = `${earlier.message}; this ${d.decision === 'approve' ? 'approval' : 'rejection'} by ${signature.signer} was not applied.`;
      const audit = [this.audit(r, signature.signer, 'requisition.decision-refused', `${signature.reason} (not applied: ${earlier.message})`, meaning, { attempt: signature, decidedBy: earlier.by })];
      return { kind: 'already-decided', requisitionId: r.requisitionId, decidedBy: earlier.by, decision: earlier.decision, decidedAt: earlier.at, attempt: signature, message, audit };
    }
    record.decision = { by: 'signer', decision: d.decision, signature, at };
    this.changed.add(requisitionKey(r.requisitionId));
    const details = { requestedQty: r.requestedQty, unit: r.unit, materialCode: r.materialCode, overdrawQty: record.approvalRequest?.overdrawQty };
    const audit = [{ ...this.audit(r, signature.signer, d.decision === 'approve' ? 'requisition.approved' : 'requisition.rejected', signature.reason, meaning, details), signature }];
    if (d.decision === 'reject') {
      record.status = 'rejected';
      record.holds = [];
      return { kind: 'rejected', requisitionId: r.requisitionId, signature, audit };
    }
    record.holds = record.holds.filter((h) => h !== 'approval');
    const stock = this.state.stock.get(r.materialCode);
    if (stock && stock.availableQty < r.requestedQty) {
      // Stock fell while the ERP decided: the requisition now waits for it, with one shortage raised.
      const fresh = record.shortage ? undefined : (record.shortage = shortageEvent(r, stock, at));
      if (!record.holds.includes('stock')) record.holds.push('stock');
      return { kind: 'awaiting-stock', requisitionId: r.requisitionId, signature, ...(fresh && { shortage: fresh }), audit };
    }
    record.holds = [];
    return { kind: 'released', requisitionId: r.requisitionId, signature, issue: this.issue(record, at), audit };
  }

  /** Overdraws the ERP has not decided on by their due time: escalated once, or rejected, as configured. */
  expire(now: Instant): ExpiryOutcome[] {
    const nowMs = toMs(now);
    const at = isoAt(nowMs);
    const due = this.awaitingDecision().filter((r) => toMs(r.approvalRequest!.decisionDue) <= nowMs);
    return due.map((record): ExpiryOutcome => {
      const r = record.requisition;
      const request = structuredClone(record.approvalRequest!);
      this.changed.add(requisitionKey(r.requisitionId));
      const why = `No decision from the ERP within ${this.settings.decisionTimeoutMin} min (due ${request.decisionDue}).`;
      if (this.settings.onTimeout === 'reject') {
        record.status = 'rejected';
        record.holds = [];
        record.decision = { by: 'timeout', decision: 'reject', reason: why, at };
        return { kind: 'rejected', requisitionId: r.requisitionId, approvalRequest: request, audit: [this.audit(r, 'bridge', 'requisition.rejected-on-timeout', why, 'rejected', { overdrawQty: request.overdrawQty })] };
      }
      record.escalatedAt = at;
      const exception = overdueApprovalException(request, this.settings.decisionTimeoutMin, this.settings.escalationSeverity, at);
      return {
        kind: 'escalated',
        requisitionId: r.requisitionId,
        approvalRequest: request,
        exception,
        audit: [this.audit(r, 'bridge', 'requisition.escalated', `${why} Escalated as exception ${exception.id}.`, 'escalated', { exceptionId: exception.id })],
      };
    });
  }

  /** The earliest decision due time that expire() would still act on, for the node's timer. */
  nextDeadline(): string | undefined {
    const dues = this.awaitingDecision().map((r) => r.approvalRequest!.decisionDue);
    return dues.length === 0 ? undefined : dues.reduce((a, b) => (toMs(b) < toMs(a) ? b : a));
  }

  /** Requisitions waiting for an ERP decision (GET /api/approvals), earliest due first. */
  pending(): PendingApproval[] {
    return [...this.state.requisitions.values()]
      .filter((r) => r.status === 'held' && r.holds.includes('approval'))
      .sort((a, b) => toMs(a.approvalRequest!.decisionDue) - toMs(b.approvalRequest!.decisionDue) || byArrival(a, b))
      .map((r) => ({ approvalRequest: structuredClone(r.approvalRequest!), holds: [...r.holds], ...(r.escalatedAt && { escalatedAt: r.escalatedAt }) }));
  }

  get(requisitionId: string): RequisitionRecordState | undefined {
    const record = this.state.requisitions.get(requisitionId);
    return record && structuredClone(record);
  }

  /** An order's materials with need, limit, issued and reserved quantities. */
  materials(orderNo: string): MaterialNeed[] {
    return Object.values(structuredClone(this.state.orders.get(orderNo)?.materials ?? {}));
  }

  stockOf(materialCode: string): StockState | undefined {
    const stock = this.state.stock.get(materialCode);
    return stock && { ...stock };
  }

  /** The store entries changed since the last call: write them with putMany in one step. */
  takeChanges(): Array<[key: string, value: unknown]> {
    const entries = [...this.changed].sort().map((key): [string, unknown] => [key, structuredClone(this.valueOf(key))]);
    this.changed.clear();
    return entries;
  }

  /** Every order, stock figure and requisition as store entries (key → plain JSON). */
  entries(): Array<[key: string, value: unknown]> {
    const keys = [...[...this.state.orders.keys()].map(orderKey), ...[...this.state.stock.keys()].map(stockKey), ...[...this.state.requisitions.keys()].map(requisitionKey)];
    return keys.sort().map((key) => [key, structuredClone(this.valueOf(key))]);
  }

  /** A book from stored entries (other keys of the namespace are ignored); a malformed entry is refused. */
  static restore(entries: Iterable<[string, unknown]>, settings: Partial<OverdrawSettings> = {}): RequisitionBook {
    const book = new RequisitionBook(settings);
    restoreEntries(book.state, entries);
    return book;
  }

  /** Keeps a new requisition with the answer it got; a duplicate gets that answer again. */
  private admit(record: Arriving, first: ArrivalOutcome): ArrivalOutcome {
    const kept: RequisitionRecordState = { ...record, first };
    this.state.requisitions.set(kept.requisition.requisitionId, kept);
    this.changed.add(requisitionKey(kept.requisition.requisitionId));
    return structuredClone(first);
  }

  private needFor(r: MaterialRequisition): MaterialNeed {
    const order = this.state.orders.get(r.orderNo);
    if (!order) throw new Error(`Requisition ${r.requisitionId} is for order ${r.orderNo}, which has no plan here yet: plan sync has not delivered its work order.`);
    if (CLOSED_STATUSES.includes(order.status)) throw new Error(`Requisition ${r.requisitionId} is for order ${r.orderNo}, which is ${order.status}: no more material is issued to it.`);
    const need = order.materials[r.materialCode];
    if (!need) {
      const codes = Object.keys(order.materials);
      throw new Error(`Material ${r.materialCode} is not in the BOM of order ${r.orderNo} (${codes.length ? `its BOM has ${codes.join(', ')}` : 'its BOM is empty'}).`);
    }
    if (need.unit !== r.unit) throw new Error(`Requisition ${r.requisitionId} asks for ${r.materialCode} in ${r.unit}, but the BOM of order ${r.orderNo} has it in ${need.unit}.`);
    return need;
  }

  /** Issues a held (or just arrived) requisition: issued qty recorded, stock taken down, reservation settled. */
  private issue(record: Arriving, at: string): MaterialIssue {
    const r = record.requisition;
    const need = this.state.orders.get(r.orderNo)!.materials[r.materialCode];
    need.issuedQty = roundQty(need.issuedQty + r.requestedQty);
    if (record.reserved) need.reservedQty = roundQty(need.reservedQty - r.requestedQty);
    const stock = this.state.stock.get(r.materialCode);
    if (stock) {
      stock.availableQty = roundQty(stock.availableQty - r.requestedQty);
      this.changed.add(stockKey(r.materialCode));
    }
    const signed = record.decision?.by === 'signer' ? record.decision.signature.signer : undefined;
    record.status = 'approved';
    record.holds = [];
    record.reserved = false;
    record.issue = {
      requisitionId: r.requisitionId,
      orderNo: r.orderNo,
      opNo: r.opNo,
      materialCode: r.materialCode,
      qty: r.requestedQty,
      unit: r.unit,
      ...(r.lot !== undefined && { lot: r.lot }),
      requester: r.requester,
      approval: signed ? 'erp-approved' : 'within-limit',
      approvedBy: signed ?? 'bridge',
      issuedAt: at,
      issuedTotalQty: need.issuedQty,
      needQty: need.needQty,
      limitQty: need.limitQty,
    };
    this.changed.add(orderKey(r.orderNo));
    this.changed.add(requisitionKey(r.requisitionId));
    return structuredClone(record.issue);
  }

  private earlierDecision(record: RequisitionRecordState): { by: string; decision: 'approve' | 'reject'; at: string; message: string } | undefined {
    const id = record.requisition.requisitionId;
    const d = record.decision;
    if (d?.by === 'signer') return { by: d.signature.signer, decision: d.decision, at: d.at, message: `Requisition ${id} was already ${d.signature.meaning} by ${d.signature.signer} at ${d.at}` };
    if (d?.by === 'timeout') return { by: 'timeout', decision: 'reject', at: d.at, message: `Requisition ${id} was rejected at ${d.at} because the ERP did not decide in time` };
    if (record.first.kind !== 'pending-approval') {
      const waiting = record.status === 'held' ? ' (it waits for stock)' : '';
      return { by: 'bridge', decision: 'approve', at: record.receivedAt, message: `Requisition ${id} was approved automatically at ${record.receivedAt}, within the BOM limit${waiting}` };
    }
    return undefined;
  }

  /** Held for a decision that expire() has not yet dealt with. */
  private awaitingDecision(): RequisitionRecordState[] {
    return [...this.state.requisitions.values()]
      .filter((r) => r.status === 'held' && r.holds.includes('approval') && (this.settings.onTimeout === 'reject' || r.escalatedAt === undefined))
      .sort((a, b) => toMs(a.approvalRequest!.decisionDue) - toMs(b.approvalRequest!.decisionDue) || byArrival(a, b));
  }

  private audit(r: MaterialRequisition, who: string, what: string, why: string, meaning: string, details: Record<string, unknown>): AuditRecord {
    return { who, what, why, subjectId: r.requisitionId, orderNo: r.orderNo, meaning, details };
  }

  private valueOf(key: string): unknown {
    const [kind, ...rest] = key.split(':');
    const id = rest.join(':');
    return kind === 'order' ? this.state.orders.get(id) : kind === 'stock' ? this.state.stock.get(id) : this.state.requisitions.get(id);
  }
}
