// Material control MES ↔ ERP: takes material requisitions, plan sync's work orders, stock figures and the ERP's
// signed decisions; issues what is within the BOM limit, holds overdraws for the ERP's approval (sent through
// the durable outbox) and flags shortages. A thin adapter over lib/overdraw's RequisitionBook: its state lives
// in the bridge store, every decision goes to the store's audit chain, and a timer at the next decision due
// time re-enters the input path (so a deadline that passed while the node was down fires at start).
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { StoreUnavailableError } from '../lib/stores/store-unavailable';
import type { Outbox } from '../lib/outbox/outbox';
import { registerOutbox } from '../lib/outbox/registry';
import { RequisitionBook, shortageException, type ApprovalDecision, type ApprovalRequest, type DecisionOutcome, type OverdrawSettings, type ShortageEvent } from '../lib/overdraw';
import type { WorkOrder } from '../lib/plan-sync/work-order';
import { dashboardDecisionRefused, fromDashboard } from '../lib/workflows/message-origin';
import { registerApprovalDesk, unregisterApprovalDesk, type ApprovalDesk } from '../lib/workflows/registry';
import { watchAuditChain, type AuditAlarm } from '../lib/workflows/audit-alarm';
import { routedHttpDelivery } from '../lib/workflows/erp-delivery';
import { oncePerTurn, WorkflowRunner, type ErpSend, closeWorkflow } from '../lib/workflows/runner';
import type { BridgeStoreNode } from '../bridge-store/types';
import type { ErpEndpointNode } from '../erp-endpoint/types';
import { statusText } from '../lib/i18n/status-text';

interface MaterialOverdrawDef extends NodeDef {
  endpoint: string;
  store: string;
  path: string;
  auditPath?: string;
  decisionTimeoutMin: string | number;
  onTimeout: string;
  defaultTolerancePct: string | number;
  escalationSeverity: string;
  maxAttempts: string | number;
}

type Done = (err?: Error) => void;
type Send = (msg: Array<NodeMessage | null>) => void;
type Msg = NodeMessageInFlow & { topic?: string; payload?: unknown; duplicate?: boolean; shortage?: ShortageEvent };
const num = (value: unknown, fallback: number) => (value === '' || value === undefined || !Number.isFinite(Number(value)) ? fallback : Number(value));
const looksLikePlan = (p: unknown) => typeof p === 'object' && p !== null && 'workOrderNo' in p;

export = function register(RED: NodeAPI): void {
  function MaterialOverdraw(this: Node, config: MaterialOverdrawDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const endpoint = RED.nodes.getNode(config.endpoint) as ErpEndpointNode | null;
    const storeNode = RED.nodes.getNode(config.store) as BridgeStoreNode | null;
    const path = (config.path || 'approval-requests').trim();
    let outbox: Outbox | undefined;
    let runner: Promise<WorkflowRunner<RequisitionBook>> | undefined;
    let desk: ApprovalDesk | undefined;
    let alarm: AuditAlarm | undefined;
    let closing = false;

    const status = (fill: 'red' | 'green' | 'yellow', shape: 'dot' | 'ring', key: string, n?: number) =>
      node.status({ fill, shape, text: statusText(`material-overdraw.status.${key}`, { n: String(n ?? 0) }) });

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
      if (closing) return;
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

    try {
      if (!endpoint) throw new Error(RED._('material-overdraw.errors.noEndpoint'));
      if (!storeNode) throw new Error(RED._('material-overdraw.errors.noStore'));
      const settings: Partial<OverdrawSettings> = {
        decisionTimeoutMin: num(config.decisionTimeoutMin, 120),
        onTimeout: config.onTimeout === 'reject' ? 'reject' : 'escalate',
        defaultTolerancePct: num(config.defaultTolerancePct, 0),
        escalationSeverity: config.escalationSeverity === 'severe' ? 'severe' : 'urgent',
      };
      new RequisitionBook(settings); // refuses bad settings now, with a sentence
      const store = storeNode.store();
      outbox = storeNode.outbox(`overdraw@${node.id}`, { maxAttempts: Math.max(1, num(config.maxAttempts, 10)), backoff: endpoint.retry });
      registerOutbox(outbox, { endpoint: endpoint.label });
      outbox.start(routedHttpDelivery(endpoint.client()));
      const audit = storeNode.audit();
      alarm = watchAuditChain(storeNode.auditWatch(), node, {
        outbox,
        path: config.auditPath ?? 'audit-heads',
        onChange: () => statusBook && showStatus(statusBook),
        sentence: (v) => RED._('material-overdraw.errors.auditBroken', { store: storeNode.name || storeNode.id, seq: String(v.seq), problem: v.message }),
      });
      runner = WorkflowRunner.open({
        store,
        namespace: `overdraw/${node.id}`,
        audit,
        outbox,
        restore: (entries) => RequisitionBook.restore(entries, settings),
        onDeadline: () => node.emit('input', { topic: 'expire' }),
        // Several replicas on one Redis: the deadlines fire on one of them, each once.
        deadlines: storeNode.deadlineGate(`overdraw/${node.id}`, () => node.emit('input', { topic: 'expire' })),
      });
      runner.then(
        (r) => {
          statusBook = r.book;
          showStatus(r.book);
          desk = {
            nodeId: node.id,
            label: config.name || node.id,
            audit,
            record: (entry) => r.record(entry),
            pending: () => r.book.pending(),
            requisition: (id) => r.book.get(id),
            decide: async (decision: ApprovalDecision) => {
              const outcome = await r.step((book, now) => {
                const result = book.decide(decision, now);
                return { result, audit: result.audit };
              });
              if (!closing) node.send(decisionOutputs(outcome));
              showStatus(r.book);
              return outcome;
            },
          };
          registerApprovalDesk(desk);
          // A decision due while the node was down is dealt with now.
          node.emit('input', { topic: 'expire' });
        },
        (err: Error) => {
          status('red', 'ring', 'store');
          node.error(RED._('material-overdraw.errors.restore', { error: err.message }));
        },
      );
    } catch (err) {
      status('red', 'ring', 'config');
      node.error((err as Error).message);
    }

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

    node.on('input', (msg: NodeMessageInFlow, send, done: Done) => {
      if (!runner) return done(new StoreUnavailableError(RED._('material-overdraw.errors.notReady')));
      runner
        .then((r) => handle(msg as Msg, send as Send, r).then(() => statusSoon(r.book)))
        .then(
          () => done(),
          (err: Error) => done(err),
        );
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      if (desk) unregisterApprovalDesk(desk);
      alarm?.close();
      node.status({});
      closeWorkflow(runner, outbox).then(
        () => done(),
        () => done(),
      );
    });
  }

  RED.nodes.registerType('material-overdraw', MaterialOverdraw as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
