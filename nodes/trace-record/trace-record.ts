// Quality traceability (质量追溯): keeps every job report, quality record, material issue and work order plan in
// the bridge store, by trace code and by order, and answers a trace code with the order's whole record. A thin
// adapter over lib/trace: each message is checked against its schema (a bad one stores nothing), written
// durably before done(), and the store is registered so GET /api/trace/:code finds it.
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { QualityRecord } from '../lib/escalation/defect-rate';
import type { WorkOrder } from '../lib/plan-sync/work-order';
import type { ProgressReport } from '../lib/progress/types';
import { inspectionRecord, issueRecord, orderPlan, traceCodeProblem, unknownTraceCode, reportRecord, type MaterialIssueMessage, type OrderPlan, type TraceRecord, type TraceStore } from '../lib/trace';
import { registerTraceDesk, unregisterTraceDesk, type TraceDesk } from '../lib/trace/registry';
import { statusThrottle } from '../lib/status-throttle';
import { validate } from '../lib/validation';
import type { BridgeStoreNode } from '../bridge-store/types';
import { statusText } from '../lib/i18n/status-text';

interface TraceRecordDef extends NodeDef {
  store: string;
  book: string;
  maxRecords: string | number;
}

type Done = (err?: Error) => void;
type Send = (msg: Array<NodeMessage | null>) => void;
type Msg = NodeMessageInFlow & { topic?: string; payload?: unknown; found?: boolean; trace?: { stored: number; duplicates: number; plans: number } };
type Kind = 'report' | 'quality' | 'issue' | 'plan';
/** A message the node refuses (bad code, bad record): not a fault of the store. */
class RefusedInput extends Error {}

const SCHEMA: Record<Kind, string> = { report: 'progress-report', quality: 'quality-record', issue: 'material-issue', plan: 'work-order' };
const TOPICS: Record<string, Kind> = { report: 'report', reports: 'report', quality: 'quality', inspection: 'quality', issue: 'issue', plan: 'plan' };

/** Which kind of message an item is, by its fields (the topic, when it names one, wins). */
function kindOf(item: unknown): Kind | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  if ('workOrderNo' in item) return 'plan';
  if ('eventId' in item) return 'report';
  if ('inspector' in item || 'result' in item) return 'quality';
  if ('requisitionId' in item && 'issuedAt' in item) return 'issue';
  return undefined;
}

export = function register(RED: NodeAPI): void {
  function TraceRecordNode(this: Node, config: TraceRecordDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const storeNode = RED.nodes.getNode(config.store) as BridgeStoreNode | null;
    const book = (config.book || 'trace').trim();
    let store: TraceStore | undefined;
    let desk: TraceDesk | undefined;
    let configError: Error | undefined;
    let total = 0;

    const status = (fill: 'red' | 'green' | 'yellow', shape: 'dot' | 'ring', key: string, n?: number) => {
      stored.cancel();
      node.status({ fill, shape, text: statusText(`trace-record.status.${key}`, { n: String(n ?? 0) }) });
    };
    // The count of stored records changes with every message: shown at most twice a second.
    const stored = statusThrottle((n: number) => node.status({ fill: 'green', shape: 'dot', text: statusText('trace-record.status.stored', { n: String(n) }) }));

    try {
      if (!storeNode) throw new Error(RED._('trace-record.errors.noStore'));
      if (!/^[\w.-]{1,40}$/.test(book)) throw new Error(RED._('trace-record.errors.book', { book }));
      const maxRecords = Number(config.maxRecords);
      store = storeNode.traceStore(book, Number.isInteger(maxRecords) && maxRecords > 0 ? { maxRecords } : undefined);
      desk = { nodeId: node.id, label: config.name || node.id, store };
      registerTraceDesk(desk);
      status('green', 'dot', 'ready');
    } catch (err) {
      configError = err as Error;
      status('red', 'ring', 'config');
      node.error(configError.message);
    }

    /** The records and plans of a message, every item checked first: one bad item and nothing is stored. */
    function parse(msg: Msg): { records: TraceRecord[]; plans: OrderPlan[] } {
      const many = Array.isArray(msg.payload);
      const items: unknown[] = many ? (msg.payload as unknown[]) : [msg.payload];
      const named = typeof msg.topic === 'string' ? TOPICS[msg.topic] : undefined;
      const records: TraceRecord[] = [];
      const plans: OrderPlan[] = [];
      items.forEach((item, i) => {
        const root = many ? `payload[${i}]` : 'payload';
        const kind = named ?? kindOf(item);
        if (!kind)
          throw new RefusedInput(
            `${root} is neither a job report (eventId), a quality record (result, inspector), a material issue (requisitionId, issuedAt) nor a work order (workOrderNo); set msg.topic to report, quality, issue or plan. Nothing of this message was stored.`,
          );
        const result = validate(SCHEMA[kind], item, root);
        if (!result.ok) throw new RefusedInput(`${result.message} (schema ${SCHEMA[kind]}); nothing of this message was stored.`);
        if (kind === 'report') records.push(reportRecord(item as ProgressReport));
        else if (kind === 'quality') records.push(inspectionRecord(item as QualityRecord));
        else if (kind === 'issue') records.push(issueRecord(item as MaterialIssueMessage));
        else plans.push(orderPlan(item as WorkOrder));
      });
      return { records, plans };
    }

    async function handle(msg: Msg, send: Send, s: TraceStore): Promise<void> {
      if (msg.topic === 'trace') {
        const problem = traceCodeProblem(msg.payload);
        if (problem) throw new RefusedInput(`payload: ${problem}`);
        const code = msg.payload as string;
        const answer = await s.trace(code);
        msg.found = answer !== undefined;
        msg.payload = answer ?? { code, error: unknownTraceCode(code) };
        send([msg, null]);
        return;
      }
      const { records, plans } = parse(msg);
      const outcome = await s.record(records);
      let planned = 0;
      for (const plan of plans) if (await s.plan(plan)) planned += 1;
      total += outcome.stored;
      msg.trace = { ...outcome, plans: planned };
      send([null, msg]);
    }

    node.on('input', (msg: NodeMessageInFlow, send, done: Done) => {
      if (!store) return done(configError ?? new Error(RED._('trace-record.errors.noStore')));
      const s = store;
      handle(msg as Msg, send as Send, s).then(
        () => {
          stored.show(total);
          done();
        },
        (err: Error) => {
          if (err instanceof RefusedInput) status('yellow', 'ring', 'refused');
          else status('red', 'ring', 'store');
          done(err);
        },
      );
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      // The store itself belongs to the bridge-store node, which closes it.
      if (desk) unregisterTraceDesk(desk);
      stored.cancel();
      node.status({});
      done();
    });
  }

  RED.nodes.registerType('trace-record', TraceRecordNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
