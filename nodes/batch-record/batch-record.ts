// Electronic batch records (电子批记录): assembles an order's record from the bridge store (trace book, the
// workflow nodes' exceptions and approvals, the audit chain) for the REST API and the 批记录 page, takes QA's
// review and release signatures there (the server checks the password), tells the ERP of each release through
// the durable outbox and the flow through output 2. A thin adapter over lib/batch-record.
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { BatchRecordDesk, registerBatchDesk, unregisterBatchDesk, type BatchRecordView, type RecordSignature, type RegisteredBatchDesk } from '../lib/batch-record';
import { batchReleaseNotice, releaseNoticeKey } from '../lib/batch-record/release-notice';
import { batchRecordList, printBatchDocument, viewWithTexts } from '../lib/batch-record/documents';
import { statusText } from '../lib/i18n/status-text';
import { checkTimeZone } from '../lib/time-format';
import { validate } from '../lib/validation';
import type { Outbox } from '../lib/outbox/outbox';
import { registerOutbox, unregisterOutbox } from '../lib/outbox/registry';
import { ledgerDeskList } from '../lib/plan-sync/registry';
import { routedHttpDelivery } from '../lib/workflows/erp-delivery';
import { approvalDesks, exceptionDesks } from '../lib/workflows/registry';
import type { BridgeStoreNode } from '../bridge-store/types';
import type { ErpEndpointNode } from '../erp-endpoint/types';

interface BatchRecordDef extends NodeDef {
  store: string;
  endpoint: string;
  path: string;
  book: string;
  timeZone: string;
  fourEyes: boolean;
  inspectionsRequired: boolean;
  maxAttempts: string | number;
}

type Done = (err?: Error) => void;
type Send = (msg: Array<NodeMessage | null>) => void;
const NOTICES = 'batch-record-notices';

export = function register(RED: NodeAPI): void {
  function BatchRecordNode(this: Node, config: BatchRecordDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const storeNode = RED.nodes.getNode(config.store) as BridgeStoreNode | null;
    const endpoint = RED.nodes.getNode(config.endpoint) as ErpEndpointNode | null;
    const path = (config.path || 'batch-releases').trim();
    let outbox: Outbox | undefined;
    let registered: RegisteredBatchDesk | undefined;
    let configError: Error | undefined;
    let closing = false;

    const status = (fill: 'red' | 'green' | 'yellow', shape: 'dot' | 'ring', key: string, values: Record<string, string> = {}) => {
      if (!closing) node.status({ fill, shape, text: statusText(`batch-record.status.${key}`, values) });
    };

    try {
      if (!storeNode) throw new Error(RED._('batch-record.errors.noStore'));
      if (!endpoint) throw new Error(RED._('batch-record.errors.noEndpoint'));
      const timeZone = (config.timeZone || 'UTC').trim();
      checkTimeZone(timeZone);
      const book = (config.book || 'trace').trim();
      const trace = storeNode.traceStore(book);
      const audit = storeNode.audit();
      const kv = storeNode.store();
      const box = storeNode.outbox(`batch-record@${node.id}`, { maxAttempts: Math.max(1, Number(config.maxAttempts) || 10), backoff: endpoint.retry });
      outbox = box;
      registerOutbox(box, { endpoint: endpoint.label });
      box.start(routedHttpDelivery(endpoint.client()));

      /** Queues the ERP's release notice once per released version (a marker in the store remembers it was queued). */
      const notifyRelease = async (view: BatchRecordView): Promise<void> => {
        const key = releaseNoticeKey(view.orderNo, view.lifecycle.version);
        if (await kv.get(NOTICES, key)) return;
        const body = batchReleaseNotice(view);
        const checked = validate('batch-release', body);
        if (!checked.ok) throw new Error(`${checked.message} (schema batch-release); the release of ${view.orderNo} was not sent to the ERP.`);
        await box.enqueue({ partition: view.orderNo, idempotencyKey: key, payload: { path, body } });
        await kv.put(NOTICES, key, { at: new Date().toISOString() });
      };
      const told = async (view: BatchRecordView, signature: RecordSignature) => {
        if (signature.meaning === 'released') await notifyRelease(view);
        if (!closing) node.send([null, { topic: `batch.${signature.meaning}`, payload: { orderNo: view.orderNo, version: view.lifecycle.version, recordHash: view.recordHash, signature } } as NodeMessage]);
        status('green', 'dot', signature.meaning, { order: view.orderNo });
      };

      const desk = new BatchRecordDesk(
        {
          trace: (orderNo) => trace.trace(orderNo),
          exceptions: (orderNo) => exceptionDesks().flatMap((d) => d.list({ orderNo })),
          pendingApprovals: (orderNo) =>
            approvalDesks().flatMap((d) =>
              d
                .pending()
                .filter((p) => p.approvalRequest.orderNo === orderNo)
                .map((p) => p.approvalRequest.requisitionId),
            ),
          audit: (orderNo) => audit.list({ orderNo }),
          append: (record) => audit.append(record),
          signed: told,
        },
        { completeness: { inspectionsRequired: config.inspectionsRequired !== false }, signing: { fourEyes: config.fourEyes !== false } },
      );
      registered = {
        nodeId: node.id,
        label: config.name || node.id,
        desk,
        timeZone,
        orders: async () => {
          const sent = (await Promise.all(ledgerDeskList().map((l) => l.all()))).flat().map((e) => e.orderNo);
          const signed = (await audit.list()).filter((e) => e.subjectId.startsWith('batch:')).map((e) => e.orderNo ?? '');
          return [...new Set([...signed, ...sent].filter(Boolean))].sort().reverse();
        },
      };
      registerBatchDesk(registered);
      status('green', 'dot', 'ready');
      // A release signed just before a crash may not have reached the outbox: queue what is missing now.
      (async () => {
        // Each release entry names its version, so a release already queued is skipped without assembling its record.
        const releases = (await audit.list()).filter((e) => e.what === 'batch.released' && e.orderNo);
        const keyOf = (e: (typeof releases)[number]) => releaseNoticeKey(e.orderNo!, Number((e.details as { version?: number } | undefined)?.version ?? 1));
        const queued = await kv.getMany(NOTICES, releases.map(keyOf));
        const missing = releases.filter((e) => !queued.has(keyOf(e)));
        for (const orderNo of new Set(missing.map((e) => e.orderNo!))) {
          const view = await desk.view(orderNo);
          if (view.lifecycle.released) await notifyRelease(view);
        }
      })().catch((err: Error) => node.warn(RED._('batch-record.errors.catchUp', { error: err.message })));
    } catch (err) {
      configError = err as Error;
      status('red', 'ring', 'config');
      node.error(configError.message);
    }

    // Input (reads only; signatures go through the REST API, where the signer re-enters the password):
    // topic "list" → the orders with their record status; an order number (topic "view" or none) → its record;
    // topic "print" / "certificate" with {orderNo, lang} → the print-ready HTML. Answers leave on output 1.
    node.on('input', (msg: NodeMessageInFlow, send, done: Done) => {
      if (!registered) return done(configError ?? new Error(RED._('batch-record.errors.noStore')));
      const desk = registered;
      const m = msg as NodeMessageInFlow & { topic?: string; payload?: unknown };
      const answer = (payload: unknown) => {
        (send as Send)([{ ...m, payload } as NodeMessage, null]);
        done();
      };
      const failed = (err: Error) => {
        status('red', 'ring', 'store');
        done(err);
      };
      if (m.topic === 'list') {
        batchRecordList(desk).then(answer, failed);
        return;
      }
      const printing = m.topic === 'print' || m.topic === 'certificate';
      const wanted = printing && typeof m.payload === 'object' && m.payload !== null ? (m.payload as { orderNo?: unknown }).orderNo : m.payload;
      if (typeof wanted !== 'string' || wanted.trim() === '' || wanted.length > 40) {
        return done(new Error(RED._('batch-record.errors.orderNo', { value: JSON.stringify(wanted)?.slice(0, 60) ?? 'undefined' })));
      }
      const orderNo = wanted.trim();
      if (!printing) {
        desk.desk.view(orderNo).then((view) => answer(viewWithTexts(view)), failed);
        return;
      }
      const language = /^zh/i.test(String((m.payload as { lang?: unknown }).lang ?? '')) ? 'zh-CN' : 'en-US';
      printBatchDocument(desk, orderNo, m.topic === 'print' ? 'record' : 'certificate', language).then((printed) => answer({ orderNo, document: m.topic, language, ...printed }), failed);
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      if (registered) unregisterBatchDesk(registered);
      if (outbox) unregisterOutbox(outbox);
      // The bridge store owns the outbox; this node only stops its worker (a redeploy starts a new one).
      const stopping = outbox ? outbox.stop() : Promise.resolve();
      stopping.then(
        () => {
          node.status({});
          done();
        },
        () => done(),
      );
    });
  }

  RED.nodes.registerType('batch-record', BatchRecordNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
