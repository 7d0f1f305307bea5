// Exception feedback MES → ERP: takes exception events and inspection records, notifies by the escalation
// policy, runs the acknowledgement deadlines (they survive restarts: a deadline passed while the node was down
// fires at start), escalates, and closes the loop to the ERP through the durable outbox (notices, resolutions
// with downtime, emergency purchase requests). A thin adapter over lib/escalation's ExceptionBook and
// DefectRates; state in the bridge store, every step in the store's audit chain.
import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from 'node-red';
import { DefectRates, ExceptionBook, EscalationPolicy, DEFAULT_ESCALATION_POLICY, type ErpRequest, type ExceptionNotice, type ExceptionResolution, type Notification, type PolicyRow, type QualityOutcome } from '../lib/escalation';
import type { AuditAlarm } from '../lib/workflows/audit-alarm';
import { routedHttpDelivery } from '../lib/workflows/erp-delivery';
import { dashboardStepRefused, fromDashboard } from '../lib/workflows/message-origin';
import { registerExceptionDesk, unregisterExceptionDesk, type ExceptionDesk } from '../lib/workflows/registry';
import { oncePerTurn, type WorkflowRunner, type ErpSend } from '../lib/workflows/runner';
import type { AuditLog } from '../lib/audit/log';
import { workflowHost, settingNumber as num, type WorkflowNodeDef } from '../workflow-host';

interface ExceptionEscalationDef extends WorkflowNodeDef {
  policy: unknown;
  noticePath: string;
  resolutionPath: string;
  requestPath: string;
  auditPath?: string;
  defectThresholdPct: string | number;
  defectWindow: string | number;
  defectMinRecords: string | number;
}

type Send = (msg: Array<NodeMessage | null>) => void;
type Msg = NodeMessageInFlow & { topic?: string; payload?: unknown; duplicate?: boolean };

/** Both books of the node in one namespace (exception:… and quality:… keys), as the runner takes them. */
class EscalationState {
  constructor(
    readonly exceptions: ExceptionBook,
    readonly quality: DefectRates,
  ) {}
  takeChanges(): Array<[string, unknown]> {
    return [...this.exceptions.takeChanges(), ...this.quality.takeChanges()];
  }
  nextDeadline(): string | undefined {
    return this.exceptions.nextDeadline();
  }
}

/** The policy table as the editor stores it (rows; empty cells mean "none"). */
function policyRows(raw: unknown): readonly PolicyRow[] {
  if (raw === undefined || raw === '' || (Array.isArray(raw) && raw.length === 0)) return DEFAULT_ESCALATION_POLICY;
  const table = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw;
  if (!Array.isArray(table)) return table as PolicyRow[];
  return table.map((row: Record<string, unknown>) => {
    const clean: Record<string, unknown> = { ...row };
    for (const key of ['type', 'ackWithinMin', 'nextLevel', 'erpAction']) if (clean[key] === '' || clean[key] === null) delete clean[key];
    if (typeof clean.ackWithinMin === 'string') clean.ackWithinMin = Number(clean.ackWithinMin);
    return clean;
  }) as unknown as PolicyRow[];
}

export = function register(RED: NodeAPI): void {
  function ExceptionEscalation(this: Node, config: ExceptionEscalationDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const host = workflowHost(RED, node, config, 'exception-escalation');
    const paths = { notice: config.noticePath || 'exception-notices', resolution: config.resolutionPath || 'exception-resolutions', request: config.requestPath || 'emergency-requests' };
    let audit: AuditLog | undefined;
    let desk: ExceptionDesk | undefined;
    let alarm: AuditAlarm | undefined;
    const status = host.status;

    function showStatus(state: EscalationState): void {
      if (host.closing) return;
      const broken = alarm?.broken();
      if (broken) return status('red', 'ring', 'auditBroken', broken.seq);
      const open = state.exceptions.count(['open']);
      if (open > 0) status('yellow', 'dot', 'open', open);
      else status('green', 'dot', 'ok');
    }
    // Counting scans the whole book: once per turn, not once per message.
    let statusBook: EscalationState | undefined;
    const statusTurn = oncePerTurn(() => statusBook && showStatus(statusBook));
    const statusSoon = (book: EscalationState) => {
      statusBook = book;
      statusTurn();
    };

    const sends = {
      notice: (n: ExceptionNotice): ErpSend => ({ partition: n.event.orderNo ?? n.exceptionId, idempotencyKey: `exception-notice:${n.exceptionId}`, record: { path: paths.notice, body: n } }),
      resolution: (r: ExceptionResolution): ErpSend => ({ partition: r.orderNo ?? r.exceptionId, idempotencyKey: `exception-resolution:${r.exceptionId}`, record: { path: paths.resolution, body: r } }),
      request: (r: ErpRequest): ErpSend => ({ partition: r.orderNo ?? r.exceptionId, idempotencyKey: `erp-request:${r.exceptionId}`, record: { path: paths.request, body: r } }),
    };
    const erpMsg = (topic: string, payload: unknown) => ({ topic, payload }) as NodeMessage;
    /** The order's latest open exception for progress-push's lag reason (null clears it). */
    const lagReason = (state: EscalationState, orderNo: string | undefined): NodeMessage | null =>
      orderNo === undefined ? null : ({ topic: 'exception', payload: { orderNo, exception: state.exceptions.latestOpenFor(orderNo) ?? null } } as NodeMessage);

    host.run<WorkflowRunner<EscalationState>>({
      setup(h) {
        const policy = EscalationPolicy.from(policyRows(config.policy));
        const qualitySettings = { thresholdPct: num(config.defectThresholdPct, 5), windowRecords: Math.round(num(config.defectWindow, 50)), minRecords: Math.round(num(config.defectMinRecords, 20)) };
        new DefectRates(qualitySettings); // refuses bad settings now, with a sentence
        const outbox = h.outbox(`escalation@${node.id}`, routedHttpDelivery(h.endpoint.client()));
        audit = h.storeNode.audit();
        alarm = h.auditAlarm({ outbox, path: config.auditPath, onChange: () => statusBook && showStatus(statusBook) });
        return () =>
          h.runner({
            namespace: `escalation/${node.id}`,
            audit: audit!,
            outbox,
            restore: (entries) => new EscalationState(ExceptionBook.restore(entries, policy), DefectRates.restore(entries, qualitySettings)),
            deadlineTopic: 'due',
            // Several replicas on one Redis: the deadlines fire on one of them, each once.
            deadlineGate: `escalation/${node.id}`,
          });
      },
      ready(r) {
        statusBook = r.book;
        showStatus(r.book);
        const step = async (topic: 'ack' | 'resolve', payload: Record<string, unknown>) => {
          const result = await r.step((state, now) => stepOn(state, topic, payload, now));
          if (!host.closing) node.send(result.outputs);
          showStatus(r.book);
          return result.outcome;
        };
        desk = {
          nodeId: node.id,
          label: config.name || node.id,
          audit: audit!,
          record: (entry) => r.record(entry),
          list: (filter) => r.book.exceptions.list(filter),
          ack: (id, user, note) => step('ack', { id, user, note }),
          resolve: async (id, user, note, downtimeMin) => step('resolve', { id, user, note, downtimeMin }) as ReturnType<ExceptionDesk['resolve']>,
        };
        registerExceptionDesk(desk);
        // Deadlines that passed while the node was down fire now.
        node.emit('input', { topic: 'due' });
      },
      input: (msg, send, r) => handle(msg as Msg, send as Send, r).then(() => statusSoon(r.book)),
      close() {
        if (desk) unregisterExceptionDesk(desk);
      },
    });

    const notify = (list: Notification[]) => list.map((n) => ({ topic: `notify/${n.role}/${n.channel}`, payload: n }) as NodeMessage);

    /** ack / resolve / close by message or REST: the book's step, its audit, its ERP record and its messages. */
    function stepOn(state: EscalationState, topic: string, payload: Record<string, unknown>, now: number) {
      const { id, user, note } = payload as { id: string; user: string; note: string };
      if (typeof id !== 'string' || id === '') throw new Error(`A ${topic} message needs payload.id (the exception id), payload.user and payload.note.`);
      if (topic === 'resolve') {
        const outcome = state.exceptions.resolve(id, user, note, payload.downtimeMin === undefined ? 0 : (payload.downtimeMin as number), now);
        const orderNo = outcome.exception.event.orderNo;
        return { result: { outcome, outputs: [null, erpMsg('resolution', outcome.resolution), null, lagReason(state, orderNo)] }, audit: outcome.audit, erp: [sends.resolution(outcome.resolution)] };
      }
      const outcome = topic === 'ack' ? state.exceptions.ack(id, user, note, now) : state.exceptions.close(id, user, note, now);
      return { result: { outcome, outputs: [null, null, null, null] as Array<NodeMessage | null> }, audit: outcome.audit };
    }

    async function handle(msg: Msg, send: Send, r: WorkflowRunner<EscalationState>): Promise<void> {
      const topic = msg.topic;
      if (topic === 'ack' || topic === 'resolve' || topic === 'close') {
        // A page's message names whoever the browser says: the logged-in user acknowledges through the REST route.
        if (fromDashboard(msg)) throw new Error(dashboardStepRefused(topic));
        const { outcome, outputs } = await r.step((state, now) => stepOn(state, topic, (msg.payload ?? {}) as Record<string, unknown>, now));
        msg.payload = outcome.exception;
        send([msg, ...outputs.slice(1)]);
        return;
      }
      if (topic === 'due') {
        if (!(await r.claimDeadlines())) return;
        const due = await r.step((state, now) => {
          const result = state.exceptions.due(now);
          return { result, audit: result.flatMap((d) => d.audit), erp: result.flatMap((d) => (d.erpRequest ? [sends.request(d.erpRequest)] : [])) };
        });
        for (const d of due) send([notify(d.notifications), d.erpRequest ? erpMsg('erp-request', d.erpRequest) : null, null, null] as unknown as Array<NodeMessage | null>);
        return;
      }
      if (topic === 'exceptions') {
        msg.payload = r.book.exceptions.list({ states: ['open', 'acknowledged'] });
        send([msg, null, null, null]);
        return;
      }
      if (topic === 'quality') {
        const records = Array.isArray(msg.payload) ? msg.payload : [msg.payload];
        const { outcomes, raised } = await r.step((state, now) => {
          const outcomes: QualityOutcome[] = records.map((q) => state.quality.record(q, now));
          const raised = outcomes.flatMap((o) => (o.alarm ? [state.exceptions.raise(o.alarm.exception, now)] : []));
          const erp = raised.flatMap((x) => (x.duplicate ? [] : [sends.notice(x.notice), ...(x.erpRequest ? [sends.request(x.erpRequest)] : [])]));
          return { result: { outcomes, raised }, erp };
        });
        for (const o of outcomes) if (o.alarm) send([null, null, { topic: 'pause', payload: o.alarm.pause } as NodeMessage, null]);
        for (const x of raised) if (!x.duplicate) send([notify(x.notifications), erpMsg('notice', x.notice), null, lagReason(r.book, x.exception.event.orderNo)] as unknown as Array<NodeMessage | null>);
        return;
      }
      const events = Array.isArray(msg.payload) ? msg.payload : [msg.payload];
      const raised = await r.step((state, now) => {
        // All or nothing: every event is checked before any is raised.
        const probe = new ExceptionBook(state.exceptions.policy);
        for (const e of events) probe.raise(e, now);
        const result = events.map((e) => state.exceptions.raise(e, now));
        const erp = result.flatMap((x) => (x.duplicate ? [] : [sends.notice(x.notice), ...(x.erpRequest ? [sends.request(x.erpRequest)] : [])]));
        return { result, erp };
      });
      for (const x of raised) {
        if (x.duplicate) {
          if (x.conflicting) throw new Error(`Exception ${x.exception.event.id} was received before with different content; the first one stands and this one was not applied.`);
          continue;
        }
        const toErp = [erpMsg('notice', x.notice), ...(x.erpRequest ? [erpMsg('erp-request', x.erpRequest)] : [])];
        send([notify(x.notifications), toErp, null, lagReason(r.book, x.exception.event.orderNo)] as unknown as Array<NodeMessage | null>);
      }
    }
  }

  RED.nodes.registerType('exception-escalation', ExceptionEscalation as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
