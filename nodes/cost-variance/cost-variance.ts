// Actual vs standard cost MES → ERP: takes the ERP's standard costs (a message, or rows of its cost table from
// legacy-db-poll), plan sync's work orders, the requisitions material-overdraw released, the MES's job reports and
// its labour/machine time logs; keeps each order's actuals in the bridge store (lib/cost's CostBook), and when
// an order completes sends its cost variance to the ERP through the durable outbox, exactly once (idempotency key
// cost-variance:<orderNo>). Output 1: the variance record; output 2: each flagged element with its likely cause.
import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from 'node-red';
import { checkStandardCost, CostBook, looksLikeCostRow, standardCostFromRow, type CostVariance, type StepResult } from '../lib/cost';
import type { Outbox } from '../lib/outbox/outbox';
import { validate } from '../lib/validation';
import { routedHttpDelivery } from '../lib/workflows/erp-delivery';
import type { WorkflowRunner, ErpSend } from '../lib/workflows/runner';
import { statusThrottle } from '../lib/status-throttle';
import { statusText } from '../lib/i18n/status-text';
import { workflowHost, settingNumber as num, type WorkflowNodeDef } from '../workflow-host';

interface CostVarianceDef extends WorkflowNodeDef {
  path: string;
  thresholdPct: string | number;
  settleMin: string | number;
}

type Send = (msg: Array<NodeMessage | null>) => void;
type Msg = NodeMessageInFlow & { topic?: string; payload?: unknown; cost?: unknown };
const has = (p: unknown, field: string) => typeof p === 'object' && p !== null && field in p;
const all = (p: unknown, test: (item: unknown) => boolean) => (Array.isArray(p) ? p.length > 0 && p.every(test) : test(p));
const list = (p: unknown) => (Array.isArray(p) ? p : [p]);

/** What a message carries, by topic first, else by its shape (one item or an array of one kind). */
function kindOf(msg: Msg): string {
  const t = msg.topic;
  if (t === 'standard-cost' || t === 'plan' || t === 'complete' || t === 'settle' || t === 'requisition' || t === 'report' || t === 'cost-event' || t === 'dead-letters' || t === 'replay') return t;
  const p = msg.payload;
  if (all(p, (i) => has(i, 'workOrderNo'))) return 'plan';
  if (all(p, (i) => has(i, 'requisitionId'))) return 'requisition';
  if (all(p, (i) => has(i, 'productCode') && has(i, 'perUnit')) || all(p, looksLikeCostRow)) return 'standard-cost';
  if (all(p, (i) => has(i, 'goodQty') && has(i, 'eventId'))) return 'report';
  if (all(p, (i) => has(i, 'eventId') && (has(i, 'labourHours') || has(i, 'machineHours')))) return 'cost-event';
  return 'unknown';
}

export = function register(RED: NodeAPI): void {
  function CostVarianceNode(this: Node, config: CostVarianceDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const host = workflowHost(RED, node, config, 'cost-variance');
    const path = (config.path || 'cost-variances').trim();
    let outbox: Outbox | undefined;

    // The counts change with every message: shown at most twice a second.
    const counts = statusThrottle((book: CostBook) => {
      if (host.closing) return;
      const { waiting, costed } = book.counts();
      if (waiting > 0) node.status({ fill: 'yellow', shape: 'dot', text: statusText('cost-variance.status.waiting', { n: String(waiting) }) });
      else node.status({ fill: 'green', shape: 'dot', text: statusText('cost-variance.status.ok', { n: String(costed) }) });
    });
    const status = (fill: 'red' | 'green' | 'yellow', shape: 'dot' | 'ring', key: string) => {
      counts.cancel();
      if (!host.closing) host.status(fill, shape, key);
    };
    const varianceSend = (v: CostVariance): ErpSend => ({ partition: v.orderNo, idempotencyKey: `cost-variance:${v.orderNo}`, record: { path, body: v } });

    /** Enqueues the variances (already stored), then marks them enqueued: a crash between is healed at start. */
    async function deliver(r: WorkflowRunner<CostBook>, variances: CostVariance[]): Promise<void> {
      if (variances.length === 0) return;
      await r.step(() => ({
        result: undefined,
        erp: variances.map(varianceSend),
        audit: variances.map((v) => ({
          who: 'bridge',
          what: 'cost.variance-reported',
          why: `Order ${v.orderNo} completed: ${v.total.actual} ${v.currency} actual against ${v.total.standard} standard (${v.total.variancePct ?? '–'} %).`,
          subjectId: v.orderNo,
          orderNo: v.orderNo,
          meaning: v.total.flagged ? 'flagged' : 'within-threshold',
          details: { total: v.total },
        })),
      }));
      await r.step((book) => {
        book.markEnqueued(variances.map((v) => v.orderNo));
        return { result: undefined };
      });
    }

    host.run<WorkflowRunner<CostBook>>({
      setup(h) {
        const settings = { thresholdPct: num(config.thresholdPct, 5), settleMin: num(config.settleMin, 0) };
        new CostBook(settings); // refuses a bad threshold now, with a sentence
        outbox = h.outbox(`cost@${node.id}`, routedHttpDelivery(h.endpoint.client()));
        return () => h.runner({ namespace: `cost/${node.id}`, outbox, restore: (entries) => CostBook.restore(entries, settings), deadlineTopic: 'settle' });
      },
      async ready(r) {
        // A variance stored just before a crash, but not yet in the outbox, goes now (the ERP applies its key once);
        // a wait for late time logs that ended while the node was down ends now.
        await deliver(r, r.book.unsent());
        node.emit('input', { topic: 'settle' });
        counts.show(r.book);
      },
      fault(kind, err) {
        status('red', 'ring', kind);
        node.error(kind === 'store' ? RED._('cost-variance.errors.restore', { error: err.message }) : err.message);
      },
      input: (msg, send, r) => handle(msg as Msg, send as Send, r),
      outboxEvents: {
        'dead-lettered': (_item, reason) => {
          node.warn(RED._('cost-variance.warnings.dead', { reason }));
          status('red', 'dot', 'dead');
        },
      },
      storeState: (e) => {
        if (e.state !== 'connected') status('red', 'ring', 'store');
      },
      close: () => counts.cancel(),
    });

    function outputs(result: StepResult, send: Send): void {
      for (const v of result.variances) {
        const flags = v.elements.filter((e) => e.flagged).map((e) => ({ topic: 'cost-flag', payload: { orderNo: v.orderNo, productCode: v.productCode, currency: v.currency, goodQty: v.goodQty, ...e } }) as NodeMessage);
        send([{ topic: 'cost-variance', payload: v } as NodeMessage, null]);
        for (const f of flags) send([null, f]);
      }
      for (const w of result.waiting) node.warn(RED._('cost-variance.warnings.waiting', { order: w.orderNo, what: w.waitingFor }));
    }

    async function handle(msg: Msg, send: Send, r: WorkflowRunner<CostBook>): Promise<void> {
      const kind = kindOf(msg);
      if (kind === 'dead-letters' || kind === 'replay') {
        msg.payload = kind === 'dead-letters' ? await outbox!.deadLetters() : await outbox!.replay(Array.isArray(msg.payload) ? msg.payload.map(String) : undefined);
        send([msg, null]);
        return;
      }
      const result = await r.step((book, now): { result: StepResult } => {
        switch (kind) {
          case 'standard-cost': {
            // Every item is checked before the first is applied: a batch with a bad item changes nothing.
            const costs = list(msg.payload).map((c) => (looksLikeCostRow(c) ? standardCostFromRow(c as Record<string, unknown>) : checkStandardCost(c)));
            const merged: StepResult = { outcomes: [], variances: [], waiting: [] };
            for (const c of costs) {
              const one = book.standard(c, now);
              merged.variances.push(...one.variances);
              merged.waiting.push(...one.waiting);
            }
            return { result: merged };
          }
          case 'plan': {
            const plans = list(msg.payload);
            plans.forEach((p) => {
              const checked = validate('work-order', p);
              if (!checked.ok) throw new Error(`The work order cannot be planned for cost: ${checked.message}.`);
            });
            const merged: StepResult = { outcomes: [], variances: [], waiting: [] };
            for (const p of plans) {
              const one = book.plan(p, now);
              merged.variances.push(...one.variances);
              merged.waiting.push(...one.waiting);
            }
            return { result: merged };
          }
          case 'requisition':
            return { result: book.issues(msg.payload) };
          case 'report':
            return { result: book.reports(msg.payload, now) };
          case 'cost-event':
            return { result: book.costEvents(msg.payload, now) };
          case 'complete':
            return { result: book.complete(msg.payload, now) };
          case 'settle':
            return { result: book.due(now) };
          default:
            throw new Error(RED._('cost-variance.errors.unknown', { topic: String(msg.topic ?? '') }));
        }
      });
      await deliver(r, result.variances);
      msg.cost = { counted: result.outcomes.filter((o) => o.kind === 'counted').length, duplicates: result.outcomes.filter((o) => o.kind === 'duplicate').length, late: result.outcomes.filter((o) => o.kind === 'late').length };
      const late = result.outcomes.filter((o) => o.kind === 'late');
      if (late.length > 0) node.warn(RED._('cost-variance.warnings.late', { n: String(late.length), orders: [...new Set(late.map((o) => o.orderNo))].join(', ') }));
      outputs(result, send);
      counts.show(r.book);
    }
  }

  RED.nodes.registerType('cost-variance', CostVarianceNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
