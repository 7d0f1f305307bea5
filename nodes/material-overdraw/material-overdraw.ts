// Material control MES ↔ ERP: takes material requisitions, plan sync's work orders, stock figures and the ERP's
// signed decisions; issues what is within the BOM limit, holds overdraws for the ERP's approval (sent through
// the durable outbox) and flags shortages. A thin adapter over lib/overdraw's RequisitionBook: its state lives
// in the bridge store, every decision goes to the store's audit chain, and a timer at the next decision due
// time re-enters the input path (so a deadline that passed while the node was down fires at start).
import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { AuditLog } from '../lib/audit/log';
import { RequisitionBook, shortageException, type ApprovalDecision, type ApprovalRequest, type DecisionOutcome, type OverdrawSettings, type ShortageEvent } from '../lib/overdraw';
import type { WorkOrder } from '../lib/plan-sync/work-order';
import { dashboardDecisionRefused, fromDashboard } from '../lib/workflows/message-origin';
import { registerApprovalDesk, unregisterApprovalDesk, type ApprovalDesk } from '../lib/workflows/registry';
import type { AuditAlarm } from '../lib/workflows/audit-alarm';
import { routedHttpDelivery } from '../lib/workflows/erp-delivery';
import { oncePerTurn, type WorkflowRunner, type ErpSend } from '../lib/workflows/runner';
import { workflowHost, settingNumber as num, type WorkflowNodeDef } from '../workflow-host';

interface MaterialOverdrawDef extends WorkflowNodeDef {
  path: string;
  auditPath?: string;
  decisionTimeoutMin: string | number;
  onTimeout: string;
  defaultTolerancePct: string | number;
  escalationSeverity: string;
}

type Send = (msg: Array<NodeMessage | null>) => void;
type Msg = NodeMessageInFlow & { topic?: string; payload?: unknown; duplicate?: boolean; shortage?: ShortageEvent };
const looksLikePlan = (p: unknown) => typeof p === 'object' && p !== null && 'workOrderNo' in p;

export = function register(RED: NodeAPI): void {
  function MaterialOverdraw(this: Node, config: MaterialOverdrawDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const host = workflowHost(RED, node, config, 'material-overdraw');
    const path = (config.path || 'approval-requests').trim();
    let audit: AuditLog | undefined;
    let desk: ApprovalDesk | undefined;
    let alarm: AuditAlarm | undefined;
    const status = host.status;

    const messages = {
      issue: (payload: unknown): NodeMessage => ({ topic: 'issue', payload }) as NodeMessage,
      request: (payload: ApprovalRequest): NodeMessage => ({ topic: 'approval-request', payload }) as NodeMessage,
      shortage: (s: ShortageEvent): NodeMessage => ({ topic: 'exception', payload: shortageException(s), shortage: s }) as NodeMessage,
    };
    const requestSend = (request: ApprovalRequest): ErpSend => ({ partition: request.orderNo, idempotencyKey: `approval-request:${request.requisitionId}`, record: { path, body: request } });

    /** The messages and ERP records of a decision's outcome. */
    function decisionOutputs(outcome: DecisionOutcome): Array<NodeMessage | null> {
      if (outcome.kind === 'released') return [messages.issue(outcome.issue), null, null];
      if (outcome.kind === 'rejected') return [{ topic: 'rejected', payload: { requisitionId: outcome.requisitionId, signature: outcome.signature } } as NodeMessage, null, null];
      if (outcome.kind === 'awaiting-stock') return [null, null, outcome.shortage ? messages.shortage(outcome.shortage) : null];
      return [null, null, null];
    }

    function showStatus(book: RequisitionBook): void {
      if (host.closing) return;
      const broken = alarm?.broken();
      if (broken) return status('red', 'ring', 'auditBroken', broken.seq);
      const waiting = book.pending().length;
      if (waiting > 0) status('yellow', 'dot', 'pending', waiting);
      else status('green', 'dot', 'ok');
    }
    // Counting scans the whole book: once per turn, not once per message.
    let statusBook: RequisitionBook | undefined;
    const statusTurn = oncePerTurn(() => statusBook && showStatus(statusBook));
    const statusSoon = (book: RequisitionBook) => {
      statusBook = book;
      statusTurn();
    };

    host.run<WorkflowRunner<RequisitionBook>>({
      setup(h) {
        const settings: Partial<OverdrawSettings> = {
          decisionTimeoutMin: num(config.decisionTimeoutMin, 120),
          onTimeout: config.onTimeout === 'reject' ? 'reject' : 'escalate',
          defaultTolerancePct: num(config.defaultTolerancePct, 0),
          escalationSeverity: config.escalationSeverity === 'severe' ? 'severe' : 'urgent',
        };
        new RequisitionBook(settings); // refuses bad settings now, with a sentence
        const outbox = h.outbox(`overdraw@${node.id}`, routedHttpDelivery(h.endpoint.client()));
        audit = h.storeNode.audit();
        alarm = h.auditAlarm({ outbox, path: config.auditPath, onChange: () => statusBook && showStatus(statusBook) });
        // Several replicas on one Redis: the deadlines fire on one of them, each once (deadlineGate).
        return () => h.runner({ namespace: `overdraw/${node.id}`, audit: audit!, outbox, restore: (entries) => RequisitionBook.restore(entries, settings), deadlineTopic: 'expire', deadlineGate: `overdraw/${node.id}` });
      },
      ready(r) {
        statusBook = r.book;
        showStatus(r.book);
        desk = {
          nodeId: node.id,
          label: config.name || node.id,
          audit: audit!,
          record: (entry) => r.record(entry),
          pending: () => r.book.pending(),
          requisition: (id) => r.book.get(id),
          decide: async (decision: ApprovalDecision) => {
            const outcome = await r.step((book, now) => {
              const result = book.decide(decision, now);
              return { result, audit: result.audit };
            });
            if (!host.closing) node.send(decisionOutputs(outcome));
            showStatus(r.book);
            return outcome;
          },
        };
        registerApprovalDesk(desk);
        // A decision due while the node was down is dealt with now.
        node.emit('input', { topic: 'expire' });
      },
      input: (msg, send, r) => handle(msg as Msg, send as Send, r).then(() => statusSoon(r.book)),
      close() {
        if (desk) unregisterApprovalDesk(desk);
      },
    });

    async function handle(msg: Msg, send: Send, r: WorkflowRunner<RequisitionBook>): Promise<void> {
      const topic = msg.topic;
      if (topic === 'plan' || (topic !== 'stock' && topic !== 'decision' && (looksLikePlan(msg.payload) || (Array.isArray(msg.payload) && msg.payload.length > 0 && msg.payload.every(looksLikePlan))))) {
        const plans = Array.isArray(msg.payload) ? msg.payload : [msg.payload];
        msg.payload = await r.step((book) => ({ result: plans.map((p) => book.plan(p as WorkOrder)) }));
        return;
      }
      if (topic === 'stock') {
        const figures = (Array.isArray(msg.payload) ? msg.payload : [msg.payload]) as Array<{ materialCode?: unknown; availableQty?: unknown; unit?: unknown } | null>;
        const outcomes = await r.step((book, now) => ({ result: figures.map((f) => book.setStock(f?.materialCode as string, f?.availableQty as number, f?.unit as string, now)) }));
        for (const issue of outcomes.flatMap((o) => o.released)) send([messages.issue(issue), null, null]);
        return;
      }
      if (topic === 'decision') {
        // A page's message names whoever the browser says; a signature is the signer's password, checked by the REST route.
        if (fromDashboard(msg)) throw new Error(dashboardDecisionRefused());
        const outcome = await r.step((book, now) => {
          const result = book.decide(msg.payload, now);
          return { result, audit: result.audit };
        });
        if (outcome.kind === 'already-decided') throw new Error(outcome.message);
        send(decisionOutputs(outcome));
        return;
      }
      if (topic === 'expire') {
        if (!(await r.claimDeadlines())) return;
        const expired = await r.step((book, now) => {
          const result = book.expire(now);
          return { result, audit: result.flatMap((e) => e.audit) };
        });
        for (const e of expired) {
          if (e.kind === 'escalated') send([null, null, { topic: 'exception', payload: e.exception } as NodeMessage]);
          else send([{ topic: 'rejected', payload: { requisitionId: e.requisitionId, reason: 'timeout' } } as NodeMessage, null, null]);
        }
        return;
      }
      if (topic === 'pending') {
        msg.payload = r.book.pending();
        send([null, msg, null]);
        return;
      }
      const outcome = await r.step((book, now) => {
        const result = book.requisition(msg.payload, now);
        const erp = result.kind === 'pending-approval' ? [requestSend(result.approvalRequest)] : [];
        return { result, audit: result.audit, erp };
      });
      const first = outcome.kind === 'duplicate' ? outcome.first : outcome;
      if (outcome.kind === 'duplicate') {
        if (outcome.conflicting) throw new Error(`Requisition ${outcome.requisitionId} was received before with different content; the first one stands and this one was not applied.`);
        msg.duplicate = true;
      }
      if (first.kind === 'approved') {
        msg.payload = first.issue;
        msg.topic = 'issue';
        send([msg, null, null]);
      } else if (first.kind === 'pending-approval') {
        msg.payload = first.approvalRequest;
        msg.topic = 'approval-request';
        send([null, msg, first.shortage ? messages.shortage(first.shortage) : null]);
      } else {
        send([null, null, messages.shortage(first.shortage)]);
      }
    }
  }

  RED.nodes.registerType('material-overdraw', MaterialOverdraw as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
