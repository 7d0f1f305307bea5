// Execution feedback MES → ERP: takes the MES's job reports and plan sync's work orders, keeps progress per
// order and operation (lib/progress), and pushes updates to the ERP through the durable outbox of the
// bridge store. Output 1: the input message once it is durable (answer the MES then); output 2: the board.
import type { EventEmitter } from 'node:events';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { confirmationDelivery } from '../lib/erp/confirm/delivery';
import { confirmationFromReport } from '../lib/erp/confirm/from-report';
import { type ConfirmationWriter, profileConfirmationWriter } from '../lib/erp/profile';
import type { Confirmation } from '../lib/erp/profile/types';
import { httpDelivery } from '../lib/outbox/http-delivery';
import type { Outbox } from '../lib/outbox/outbox';
import { registerOutbox, unregisterOutbox } from '../lib/outbox/registry';
import { ProgressBook } from '../lib/progress/book';
import { ProgressFeedback } from '../lib/progress/feedback';
import type { OpenException, ProgressReport } from '../lib/progress/types';
import { StoreUnavailableError } from '../lib/stores/store-unavailable';
import type { BridgeStoreNode, BridgeStoreStateEvent } from '../bridge-store/types';
import type { ErpEndpointNode } from '../erp-endpoint/types';
import { statusText } from '../lib/i18n/status-text';

interface ProgressPushDef extends NodeDef {
  endpoint: string;
  store: string;
  path: string;
  batchPath: string;
  batchSize: string | number;
  pushOn: 'report' | 'changes';
  snapshotMin: string | number;
  greenPct: string | number;
  yellowPct: string | number;
  lagPct: string | number;
  boardThrottleMs: string | number;
  maxAttempts: string | number;
  /** 'path': progress updates POSTed to a path; 'preset': each job report confirmed through the endpoint's preset. */
  target?: 'path' | 'preset';
}

type Done = (err?: Error) => void;
type Msg = NodeMessageInFlow & { topic?: string; payload?: unknown; accepted?: unknown; workCentre?: string };
const num = (value: unknown, fallback: number) => (value === '' || value === undefined || !Number.isFinite(Number(value)) ? fallback : Number(value));
const REVIEW_MS = 60_000;
/** Least time between two starts of batch calls to the ERP: far inside the 10 s the loop allows a report, and within the progress-push bench's p99 goal of 100 ms from report to ERP. */
const BATCH_LINGER_MS = 50;

export = function register(RED: NodeAPI): void {
  function ProgressPush(this: Node, config: ProgressPushDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const endpoint = RED.nodes.getNode(config.endpoint) as ErpEndpointNode | null;
    const storeNode = RED.nodes.getNode(config.store) as BridgeStoreNode | null;
    const timers: NodeJS.Timeout[] = [];
    let outbox: Outbox | undefined;
    let confirmations: Outbox | undefined;
    let feedback: Promise<ProgressFeedback> | undefined;
    /** Opens the feedback again on the next message after its store failed at start (Redis not up yet). */
    let reopen: (() => void) | undefined;
    let closing = false;

    const fail = (key: string, err?: Error) => {
      node.status({ fill: 'red', shape: 'ring', text: `progress-push.status.${key}` });
      if (err) node.error(err.message);
    };

    try {
      if (!endpoint) throw new Error(RED._('progress-push.errors.noEndpoint'));
      if (!storeNode) throw new Error(RED._('progress-push.errors.noStore'));
      const book = new ProgressBook({ greenPct: num(config.greenPct, 90), yellowPct: num(config.yellowPct, 50), lagThresholdPct: num(config.lagPct, 10) });
      const batch = config.batchPath && config.batchPath.trim() ? Math.max(1, Math.round(num(config.batchSize, 200))) : 1;
      // Up to 8 batch calls at once: with 4, a busy runtime delivered slower than the MES reported. Batch calls
      // start at most every BATCH_LINGER_MS: a call per group commit of the MES's posts cost more than the posts.
      outbox = storeNode.outbox(`progress@${endpoint.id}`, {
        maxAttempts: Math.max(1, num(config.maxAttempts, 10)),
        backoff: endpoint.retry,
        batchSize: batch,
        perPartition: batch,
        maxInFlight: batch > 1 ? batch * 8 : 16,
        lingerMs: batch > 1 ? BATCH_LINGER_MS : 0,
      });
      registerOutbox(outbox, { endpoint: endpoint.label });
      if (config.target === 'preset') {
        if (!endpoint.profile.push?.confirmation) throw new Error(RED._('progress-push.errors.noPush', { profile: endpoint.profile.name }));
        // The ERP takes its own confirmations, not our progress updates: those serve the board and its snapshots
        // here, and are settled without a call (an ERP without the generic path would dead-letter every one).
        outbox.start(async (batch) => batch.map(() => ({ outcome: 'delivered' as const })));
        let writer: ConfirmationWriter | undefined;
        confirmations = storeNode.outbox(`progress-confirm@${endpoint.id}`, { maxAttempts: Math.max(1, num(config.maxAttempts, 10)), backoff: endpoint.retry });
        registerOutbox(confirmations, { endpoint: endpoint.label });
        confirmations.start(confirmationDelivery(() => (writer ??= profileConfirmationWriter(endpoint.session()))));
      } else {
        outbox.start(httpDelivery(endpoint.client(), { path: config.path || 'progress-updates', batchPath: config.batchPath?.trim() || undefined }));
      }
      const options = { book, store: storeNode.store(), namespace: `progress/${node.id}`, outbox, pushOn: config.pushOn === 'changes' ? ('changes' as const) : ('report' as const), sharedStore: storeNode.storeType === 'redis' };
      const open = () => {
        reopen = undefined;
        feedback = ProgressFeedback.open(options);
        feedback.catch((err: Error) => {
          fail('store', err);
          reopen = open;
        });
      };
      open();
    } catch (err) {
      fail('config', err as Error);
    }

    // The board: at most one message per throttle window, the latest state (a board message is the whole board).
    const throttleMs = Math.max(0, num(config.boardThrottleMs, 1000));
    let boardTimer: NodeJS.Timeout | undefined;
    let lastBoardAt = 0;
    let boardFilter: string | undefined;
    function sendBoard(now = false): void {
      if (!feedback || closing) return;
      const wait = now ? 0 : Math.max(0, lastBoardAt + throttleMs - Date.now());
      if (boardTimer && !now) return;
      clearTimeout(boardTimer);
      boardTimer = setTimeout(() => {
        boardTimer = undefined;
        lastBoardAt = Date.now();
        feedback!.then((f) => node.send([null, { topic: 'progress-board', payload: f.board(boardFilter ? { workCentre: boardFilter } : undefined) } as NodeMessage]), () => undefined);
      }, wait);
    }

    // Status: the outbox's truth (queued, retrying, dead letters), refreshed on its events.
    let statusTimer: NodeJS.Timeout | undefined;
    function showStatus(): void {
      if (!outbox || closing || statusTimer) return;
      statusTimer = setTimeout(() => {
        statusTimer = undefined;
        // In preset mode the confirmations are what the ERP gets: their queue is the status.
        (confirmations ?? outbox)!.stats().then(
          (s) => {
            if (closing) return;
            if (s.deadLetters > 0) node.status({ fill: 'red', shape: 'dot', text: statusText('progress-push.status.dead', { n: String(s.deadLetters) }) });
            else if (retrying) node.status({ fill: 'yellow', shape: 'ring', text: statusText('progress-push.status.retrying', { n: String(s.depth) }) });
            else node.status({ fill: 'green', shape: 'dot', text: statusText('progress-push.status.ok', { n: String(s.depth) }) });
          },
          () => fail('store'),
        );
      }, 250);
    }
    let retrying = false;
    const onDelivered = () => {
      retrying = false;
      showStatus();
    };
    const onRetrying = () => {
      retrying = true;
      showStatus();
    };
    const onDead = (_item: unknown, reason: string) => {
      node.warn(RED._('progress-push.warnings.dead', { reason }));
      showStatus();
    };
    const onStoreError = (err: Error) => {
      node.status({ fill: 'red', shape: 'ring', text: 'progress-push.status.store' });
      node.debug(err.message);
    };
    const onStoreState = (e: BridgeStoreStateEvent) => {
      if (e.state !== 'connected') node.status({ fill: 'red', shape: 'ring', text: 'progress-push.status.store' });
      else showStatus();
    };
    if (outbox) {
      outbox.on('delivered', onDelivered);
      outbox.on('retrying', onRetrying);
      outbox.on('dead-lettered', onDead);
      for (const box of confirmations ? [confirmations] : []) {
        box.on('delivered', onDelivered);
        box.on('retrying', onRetrying);
        box.on('dead-lettered', onDead);
      }
      outbox.on('store-error', onStoreError);
      (storeNode as unknown as EventEmitter).on('state', onStoreState);
      showStatus();
      const slotMs = Math.max(1, num(config.snapshotMin, 60)) * 60_000;
      timers.push(setInterval(() => node.emit('input', { topic: 'snapshot' }), slotMs));
      timers.push(setInterval(() => node.emit('input', { topic: 'review' }), REVIEW_MS));
    }

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

    node.on('input', (msg: NodeMessageInFlow, send, done: Done) => {
      reopen?.();
      if (!feedback) return done(new StoreUnavailableError(RED._('progress-push.errors.notReady')));
      feedback.then((f) => handle(msg as Msg, send, f)).then(
        () => done(),
        (err: Error) => done(err),
      );
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      for (const t of timers) clearInterval(t);
      clearTimeout(boardTimer);
      clearTimeout(statusTimer);
      node.status({});
      if (!outbox) return done();
      outbox.off('delivered', onDelivered);
      outbox.off('retrying', onRetrying);
      outbox.off('dead-lettered', onDead);
      for (const box of confirmations ? [confirmations] : []) {
        box.off('delivered', onDelivered);
        box.off('retrying', onRetrying);
        box.off('dead-lettered', onDead);
      }
      outbox.off('store-error', onStoreError);
      (storeNode as unknown as EventEmitter).removeListener('state', onStoreState);
      unregisterOutbox(outbox);
      if (confirmations) unregisterOutbox(confirmations);
      // The bridge store owns the outbox; this node only stops its worker (a redeploy starts a new one).
      Promise.all([outbox.stop(), confirmations?.stop()]).then(
        () => done(),
        () => done(),
      );
    });
  }

  RED.nodes.registerType('progress-push', ProgressPush as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
