// Execution feedback MES → ERP: takes the MES's job reports and plan sync's work orders, keeps progress per
// order and operation (lib/progress), and pushes updates to the ERP through the durable outbox of the
// bridge store. Output 1: the input message once it is durable (answer the MES then); output 2: the board.
import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from 'node-red';
import { confirmationDelivery } from '../lib/erp/confirm/delivery';
import { confirmationFromReport } from '../lib/erp/confirm/from-report';
import { type ConfirmationWriter, profileConfirmationWriter } from '../lib/erp/profile';
import type { Confirmation } from '../lib/erp/profile/types';
import { httpDelivery } from '../lib/outbox/http-delivery';
import type { Outbox } from '../lib/outbox/outbox';
import { ProgressBook } from '../lib/progress/book';
import { ProgressFeedback } from '../lib/progress/feedback';
import type { OpenException, ProgressReport } from '../lib/progress/types';
import { outboxStatus } from '../outbox-status';
import { workflowHost, settingNumber as num, type WorkflowNodeDef } from '../workflow-host';

interface ProgressPushDef extends WorkflowNodeDef {
  path: string;
  batchPath: string;
  batchSize: string | number;
  pushOn: 'report' | 'changes';
  snapshotMin: string | number;
  greenPct: string | number;
  yellowPct: string | number;
  lagPct: string | number;
  boardThrottleMs: string | number;
  /** 'path': progress updates POSTed to a path; 'preset': each job report confirmed through the endpoint's preset. */
  target?: 'path' | 'preset';
}

type Msg = NodeMessageInFlow & { topic?: string; payload?: unknown; accepted?: unknown; workCentre?: string };
const REVIEW_MS = 60_000;
/** Least time between two starts of batch calls to the ERP: far inside the 10 s the loop allows a report, and within the progress-push bench's p99 goal of 100 ms from report to ERP. */
const BATCH_LINGER_MS = 50;

export = function register(RED: NodeAPI): void {
  function ProgressPush(this: Node, config: ProgressPushDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const host = workflowHost(RED, node, config, 'progress-push');
    const timers: NodeJS.Timeout[] = [];
    let outbox: Outbox | undefined;
    let confirmations: Outbox | undefined;
    let feedback: Promise<ProgressFeedback> | undefined;
    const storeDown = () => node.status({ fill: 'red', shape: 'ring', text: 'progress-push.status.store' });

    // The board: at most one message per throttle window, the latest state (a board message is the whole board).
    const throttleMs = Math.max(0, num(config.boardThrottleMs, 1000));
    let boardTimer: NodeJS.Timeout | undefined;
    let lastBoardAt = 0;
    let boardFilter: string | undefined;
    function sendBoard(now = false): void {
      if (!feedback || host.closing) return;
      const wait = now ? 0 : Math.max(0, lastBoardAt + throttleMs - Date.now());
      if (boardTimer && !now) return;
      clearTimeout(boardTimer);
      boardTimer = setTimeout(() => {
        boardTimer = undefined;
        lastBoardAt = Date.now();
        feedback!.then(
          (f) => node.send([null, { topic: 'progress-board', payload: f.board(boardFilter ? { workCentre: boardFilter } : undefined) } as NodeMessage]),
          () => undefined,
        );
      }, wait);
    }

    // Status: the outbox's truth (queued, retrying, dead letters), refreshed on its events. In preset mode the
    // confirmations are what the ERP gets: their queue is the status.
    const queue = outboxStatus(host, { box: () => confirmations ?? outbox, storeDown });
    const showStatus = queue.show;

    host.run<ProgressFeedback>({
      setup({ endpoint, storeNode }) {
        const book = new ProgressBook({ greenPct: num(config.greenPct, 90), yellowPct: num(config.yellowPct, 50), lagThresholdPct: num(config.lagPct, 10) });
        const batch = config.batchPath && config.batchPath.trim() ? Math.max(1, Math.round(num(config.batchSize, 200))) : 1;
        // Up to 8 batch calls at once: with 4, a busy runtime delivered slower than the MES reported. Batch calls
        // start at most every BATCH_LINGER_MS: a call per group commit of the MES's posts cost more than the posts.
        const options = { batchSize: batch, perPartition: batch, maxInFlight: batch > 1 ? batch * 8 : 16, lingerMs: batch > 1 ? BATCH_LINGER_MS : 0 };
        if (config.target === 'preset') {
          if (!endpoint.profile.push?.confirmation) throw new Error(RED._('progress-push.errors.noPush', { profile: endpoint.profile.name }));
          // The ERP takes its own confirmations, not our progress updates: those serve the board and its snapshots
          // here, and are settled without a call (an ERP without the generic path would dead-letter every one).
          outbox = host.outbox(`progress@${endpoint.id}`, async (items) => items.map(() => ({ outcome: 'delivered' as const })), options);
          let writer: ConfirmationWriter | undefined;
          confirmations = host.outbox(
            `progress-confirm@${endpoint.id}`,
            confirmationDelivery(() => (writer ??= profileConfirmationWriter(endpoint.session()))),
          );
        } else {
          outbox = host.outbox(`progress@${endpoint.id}`, httpDelivery(endpoint.client(), { path: config.path || 'progress-updates', batchPath: config.batchPath?.trim() || undefined }), options);
        }
        showStatus();
        const slotMs = Math.max(1, num(config.snapshotMin, 60)) * 60_000;
        timers.push(setInterval(() => node.emit('input', { topic: 'snapshot' }), slotMs));
        timers.push(setInterval(() => node.emit('input', { topic: 'review' }), REVIEW_MS));
        const feedbackOptions = { book, store: storeNode.store(), namespace: `progress/${node.id}`, outbox, pushOn: config.pushOn === 'changes' ? ('changes' as const) : ('report' as const), sharedStore: storeNode.storeType === 'redis' };
        return () => (feedback = ProgressFeedback.open(feedbackOptions));
      },
      // Redis not up yet at start: the next message opens the feedback again.
      reopenOnFailure: true,
      fault(kind, err) {
        node.status({ fill: 'red', shape: 'ring', text: `progress-push.status.${kind}` });
        node.error(err.message);
      },
      input: (msg, send, f) => handle(msg as Msg, send, f),
      outboxEvents: {
        delivered: queue.delivered,
        retrying: queue.retrying,
        'dead-lettered': (_item, reason) => {
          node.warn(RED._('progress-push.warnings.dead', { reason }));
          showStatus();
        },
        'store-error': (err) => {
          storeDown();
          node.debug(err.message);
        },
      },
      storeState: (e) => {
        if (e.state !== 'connected') storeDown();
        else showStatus();
      },
      close() {
        for (const t of timers) clearInterval(t);
        clearTimeout(boardTimer);
        queue.cancel();
      },
    });

    /** Each counted report's confirmation, durable before done(); a repeat is enqueued again and the ERP's lookup finds it. */
    async function confirm(box: Outbox, f: ProgressFeedback, payload: unknown, accepted: Record<string, unknown>): Promise<void> {
      const reports = (Array.isArray(payload) ? payload : [payload]) as ProgressReport[];
      const queued: Confirmation[] = [];
      for (const report of reports) {
        const c = confirmationFromReport(report, f.book.orderState(report.orderNo)?.plan);
        if (c) queued.push(c);
      }
      await Promise.all(queued.map((c) => box.enqueue({ partition: c.orderNo, idempotencyKey: c.key, payload: c })));
      accepted.confirmations = queued.length;
      // A report of an order without a plan has no unit to confirm in: counted, so the flow sees what the ERP missed.
      accepted.unconfirmed = reports.length - queued.length;
    }

    async function handle(msg: Msg, send: (m: NodeMessage | Array<NodeMessage | null>) => void, f: ProgressFeedback): Promise<void> {
      switch (msg.topic) {
        case 'plan':
          msg.accepted = { plans: await f.plans(msg.payload) };
          break;
        case 'exception': {
          const { orderNo, exception } = (msg.payload ?? {}) as { orderNo?: unknown; exception?: OpenException | null };
          if (typeof orderNo !== 'string' || orderNo === '') throw new Error(RED._('progress-push.errors.exception'));
          await f.exception(orderNo, exception ?? undefined);
          break;
        }
        case 'board':
          boardFilter = typeof msg.workCentre === 'string' && msg.workCentre !== '' ? msg.workCentre : undefined;
          sendBoard(true);
          return;
        case 'snapshot':
          await f.snapshots(Math.max(1, num(config.snapshotMin, 60)) * 60_000);
          return;
        case 'review':
          if ((await f.review()).length > 0) sendBoard();
          return;
        case 'dead-letters':
          msg.payload = await (confirmations ?? outbox)!.deadLetters();
          send([msg, null]);
          return;
        case 'replay': {
          const ids = Array.isArray(msg.payload) ? msg.payload.map(String) : undefined;
          msg.payload = await (confirmations ?? outbox)!.replay(ids);
          send([msg, null]);
          return;
        }
        default: {
          // A work order from plan sync is a plan whatever its topic; anything else must be job reports.
          const looksLikePlan = (p: unknown) => typeof p === 'object' && p !== null && 'workOrderNo' in p;
          if (looksLikePlan(msg.payload) || (Array.isArray(msg.payload) && msg.payload.length > 0 && msg.payload.every(looksLikePlan))) msg.accepted = { plans: await f.plans(msg.payload) };
          else {
            msg.accepted = await f.reports(msg.payload);
            if (confirmations) await confirm(confirmations, f, msg.payload, msg.accepted as Record<string, unknown>);
          }
        }
      }
      send([msg, null]);
      sendBoard();
    }
  }

  RED.nodes.registerType('progress-push', ProgressPush as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
