// Pulls production orders from the ERP on a schedule and on any input message, and sends one message
// per new order (or new revision) as an MES work order. The pull itself lives in lib/plan-sync/order-fetch;
// the parked list and the MES ledger beside it. Messages by topic: "parked" (the list on output 2),
// "retry-parked", "reset" (payload: a time); a message carrying erpOrder and error (code-map's output 2) parks it.
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { backoffDelay } from '../lib/backoff';
import { profileOrdersReader } from '../lib/erp/profile';
import { ErpRequestError } from '../lib/erp/http-client';
import { failureStatus } from '../lib/erp/failure-status';
import { type FetchRunResult, type FirstRunFrom, OrderFetcher } from '../lib/plan-sync/order-fetch';
import { toWorkOrder } from '../lib/plan-sync/work-order';
import { toWorkOrderV1 } from '../lib/plan-sync/work-order-contract';
import { MesLedger, parseReleaseGate } from '../lib/plan-sync/mes-ledger';
import { type LedgerDesk, type ParkedDesk, registerLedgerDesk, registerParkedDesk, unregisterLedgerDesk, unregisterParkedDesk } from '../lib/plan-sync/registry';
import type { BridgeStoreNode } from '../bridge-store/types';
import { keepSourceLease, type SourceLease } from '../bridge-store/source-lease';
import { isLeaseLost } from '../lib/stores/redis-fenced-store';
import type { ErpEndpointNode } from '../erp-endpoint/types';
import { watchConfiguration } from './config-watch';
import { statusText } from '../lib/i18n/status-text';

interface ErpOrderFetchDef extends NodeDef {
  endpoint: string;
  store: string;
  intervalMin: string | number;
  pageSize: string | number;
  firstRunFrom: 'beginning' | 'now' | 'value';
  firstRunValue: string;
  /** work-order is contract v2; work-order-v1 is for an MES that has not moved to v2 yet. */
  output: 'work-order' | 'work-order-v1' | 'production-order';
  fetchOnStart: boolean;
  /** 'released' (default): drafts are held back; 'all': drafts go to the MES too. */
  release?: string;
  /** The MES order ledger's name (shared with mes-order-ledger nodes on the same store). */
  ledger?: string;
}

type Done = (err?: Error) => void;
interface Trigger {
  msg: NodeMessageInFlow;
  send: (msg: NodeMessage | NodeMessage[]) => void;
  done: Done;
}

/** A pull, a retry of the parked orders, or one of the control messages served between pulls. */
type Kind = 'pull' | 'retry' | 'reset' | 'park' | 'list';

interface Refusal {
  erpOrder?: { orderNo?: unknown; revision?: unknown; updatedAt?: unknown };
  error?: { message?: unknown };
}

function kindOf(msg: NodeMessageInFlow): Kind {
  const refusal = msg as NodeMessageInFlow & Refusal;
  if (refusal.erpOrder && typeof refusal.erpOrder.orderNo === 'string' && refusal.error) return 'park';
  if (msg.topic === 'parked') return 'list';
  if (msg.topic === 'retry-parked') return 'retry';
  if (msg.topic === 'reset') return 'reset';
  return 'pull';
}

const CLOSE_WAIT_MS = 10_000;

export = function register(RED: NodeAPI): void {
  function ErpOrderFetch(this: Node, config: ErpOrderFetchDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const endpoint = RED.nodes.getNode(config.endpoint) as ErpEndpointNode | null;
    const storeNode = RED.nodes.getNode(config.store) as BridgeStoreNode | null;
    const intervalMs = Math.max(0, Number(config.intervalMin ?? 30)) * 60_000;
    const pageSize = Math.round(Number(config.pageSize) || 100);
    const firstRunFrom: FirstRunFrom = config.firstRunFrom === 'now' ? { kind: 'now' } : config.firstRunFrom === 'value' ? { kind: 'value', value: config.firstRunValue } : { kind: 'beginning' };

    let fetcher: OrderFetcher | undefined;
    let ledger: MesLedger | undefined;
    let setupError: Error | undefined;
    // One replica pulls this ERP at a time; its watermark, delivered map and ledger writes are fenced by the lease.
    let lease: SourceLease | undefined;
    try {
      if (!endpoint) throw new Error('erp-order-fetch has no ERP endpoint configured.');
      if (!storeNode) throw new Error('erp-order-fetch has no bridge store configured.');
      lease = keepSourceLease(node, storeNode, `poll:${node.id}`, {
        onTakeover: () => node.emit('input', {}),
        standbyText: (holder) => statusText('erp-order-fetch.status.standby', { holder }),
      });
      const fenced = storeNode.fencedStore(lease.keeper);
      ledger = new MesLedger(fenced, config.ledger || 'mes');
      fetcher = new OrderFetcher({
        store: fenced,
        stateKey: node.id,
        readPage: profileOrdersReader(endpoint.session()),
        pageSize,
        overlapSeconds: endpoint.profile.pull.overlapSeconds,
        firstRunFrom,
        source: `ERP endpoint '${endpoint.title}'`,
        ledger,
        release: parseReleaseGate(config.release),
        configHash: () => watch.hash(),
      });
    } catch (err) {
      setupError = err as Error;
      node.status({ fill: 'red', shape: 'ring', text: statusText('erp-order-fetch.status.config') });
    }

    let running: Promise<void> | undefined;
    let queued: Array<Trigger & { kind: Kind }> = [];
    let closing = false;
    let parkedCount = 0;
    let failures = 0;
    let scheduleTimer: NodeJS.Timeout | undefined;
    let retryTimer: NodeJS.Timeout | undefined;

    async function runOnce(triggers: Trigger[], retry: boolean): Promise<void> {
      const first = triggers[0];
      node.status({ fill: 'blue', shape: 'dot', text: statusText('erp-order-fetch.status.fetching') });
      const outputOf = (item: unknown, orderNo: unknown): NodeMessage => {
        const msg = RED.util.cloneMessage(first.msg) as NodeMessage & Record<string, unknown>;
        delete msg._msgid;
        msg.payload = item;
        msg.topic = typeof orderNo === 'string' ? orderNo : undefined;
        return msg;
      };
      if (lease) await lease.ready;
      if (lease && !lease.keeper.holds()) {
        lease.showStandby();
        for (const t of triggers) t.done();
        return;
      }
      let result: FetchRunResult;
      // Orders contract v1 cannot express (output work-order-v1): parked like any other refusal.
      const notV1: Array<{ order: { orderNo: string; revision: number; updatedAt: string }; reason: string }> = [];
      try {
        if (setupError) throw setupError;
        result = await fetcher!.run(
          {
            onOrder(order) {
              if (closing) throw new Error('erp-order-fetch was stopped while fetching; the rest is fetched at the next start.');
              let payload: unknown = config.output === 'production-order' ? order : toWorkOrder(order);
              if (config.output === 'work-order-v1') {
                const v1 = toWorkOrderV1(payload as ReturnType<typeof toWorkOrder>);
                if (!v1.ok) {
                  const reason = `ERP endpoint '${endpoint!.title}': ${v1.message}`;
                  notV1.push({ order: { orderNo: order.orderNo, revision: order.revision, updatedAt: order.updatedAt }, reason });
                  node.error(`${reason} It is parked until it can be sent.`, outputOf(order, order.orderNo));
                  return undefined;
                }
                payload = v1.workOrder;
              }
              const msg = outputOf(payload, order.orderNo);
              (msg as Record<string, unknown>).erpOrder = { orderNo: order.orderNo, revision: order.revision, updatedAt: order.updatedAt };
              first.send(msg);
              return payload;
            },
            onInvalid(item, message) {
              const msg = outputOf(item, (item as { orderNo?: unknown } | null)?.orderNo);
              node.error(`${message} It is parked until it reads fine.`, msg);
            },
          },
          { retry },
        );
        for (const { order, reason } of notV1) await fetcher!.parkRefused(order, reason);
        if (notV1.length > 0) result.parked = await fetcher!.parked.count();
      } catch (err) {
        fail(err as Error, triggers);
        return;
      }
      failures = 0;
      parkedCount = result.parked;
      showDone(result.delivered);
      for (const t of triggers) t.done();
    }

    let lastDelivered = 0;
    function showDone(delivered: number): void {
      lastDelivered = delivered;
      const time = new Date().toTimeString().slice(0, 5);
      node.status(
        parkedCount > 0
          ? { fill: 'yellow', shape: 'ring', text: statusText('erp-order-fetch.status.doneParked', { count: delivered, parked: parkedCount, time }) }
          : { fill: 'green', shape: 'dot', text: statusText('erp-order-fetch.status.done', { count: delivered, time }) },
      );
    }

    /** The control messages: served one at a time between pulls, each with its own done. */
    async function control(t: Trigger & { kind: Kind }): Promise<void> {
      if (setupError) throw setupError;
      if (t.kind === 'park') {
        const refusal = t.msg as NodeMessageInFlow & Refusal;
        const order = refusal.erpOrder as { orderNo: string; revision?: number; updatedAt?: string };
        const reason = typeof refusal.error?.message === 'string' ? refusal.error.message : `order ${order.orderNo} was refused further on in the flow.`;
        await fetcher!.parkRefused(order, reason);
        parkedCount = await fetcher!.parked.count();
        showDone(lastDelivered);
      } else if (t.kind === 'list') {
        const items = await fetcher!.parked.all();
        parkedCount = items.length;
        const msg = t.msg as NodeMessage & Record<string, unknown>;
        msg.payload = items;
        t.send([null as unknown as NodeMessage, msg]);
      } else if (t.kind === 'reset') {
        await fetcher!.resetTo(t.msg.payload as string);
      }
    }

    function fail(err: Error, triggers: Trigger[]): void {
      if (isLeaseLost(err)) {
        // Another replica took this ERP over mid-pull: it goes on from the last committed watermark.
        node.warn(`erp-order-fetch: ${err.message}`);
        lease?.showStandby();
        for (const t of triggers) t.done();
        return;
      }
      const erp = err instanceof ErpRequestError ? err : undefined;
      // Permanent failures (a refused request, a field this ERP lacks) stop the backoff retries and show the
      // ERP's own words; transient ones back off. The status carries keys; each editor renders them in its language.
      const status = failureStatus(err);
      const retryable = erp ? erp.retryable : false;
      const reason = statusText(`erp-order-fetch.status.${status.key}`, status.values);
      const delay = retryable && !closing && endpoint ? backoffDelay(failures, endpoint.retry) : undefined;
      // The status says whether the node will try again by itself, so "stopped" and "retrying" read apart.
      const text = delay === undefined ? reason : statusText('erp-order-fetch.status.retrying', { reason, sec: String(Math.max(1, Math.round(delay / 1000))) });
      node.status({ fill: 'red', shape: 'ring', text });
      // The first trigger's message carries the error to Catch nodes; the others just finish.
      triggers[0].done(err);
      for (const t of triggers.slice(1)) t.done();
      if (delay !== undefined) {
        failures += 1;
        clearTimeout(retryTimer);
        retryTimer = setTimeout(() => node.emit('input', {}), delay);
      }
    }

    // One pull at a time: inputs that arrive meanwhile are served together by one more pull. Control messages
    // (park, list, reset) go first, in order; a reset or retry among them makes the pull that follows.
    function request(trigger: Trigger & { kind: Kind }): void {
      queued.push(trigger);
      if (running) return;
      const loop = async () => {
        while (queued.length > 0 && !closing) {
          const batch = queued;
          queued = [];
          const pulls: Trigger[] = [];
          let retry = false;
          for (const t of batch) {
            if (t.kind === 'pull' || t.kind === 'retry') {
              retry ||= t.kind === 'retry';
              pulls.push(t);
              continue;
            }
            try {
              await control(t);
              // A reset is done when the pull from its time is.
              if (t.kind === 'reset') pulls.push(t);
              else t.done();
            } catch (err) {
              node.status({ fill: 'red', shape: 'ring', text: 'erp-order-fetch.status.failed' });
              t.done(err as Error);
            }
          }
          if (pulls.length > 0 && !closing) await runOnce(pulls, retry);
        }
        running = undefined;
      };
      running = loop();
    }

    node.on('input', (msg: NodeMessageInFlow, send: Trigger['send'], done: Done) => {
      const kind = kindOf(msg);
      if (kind === 'pull' || kind === 'retry' || kind === 'reset') clearTimeout(retryTimer);
      request({ msg, send, done, kind });
    });

    const desk: ParkedDesk = {
      nodeId: node.id,
      label: node.name || 'erp-order-fetch',
      all: () => (fetcher ? fetcher.parked.all() : Promise.resolve([])),
      count: () => parkedCount,
      retry: () => node.emit('input', { topic: 'retry-parked' }),
    };
    const ledgerDesk: LedgerDesk | undefined = ledger && storeNode ? { name: ledger.name, store: storeNode.id, all: () => ledger!.all() } : undefined;
    registerParkedDesk(desk);
    if (ledgerDesk) registerLedgerDesk(ledgerDesk, node.id);

    // After every deploy, parked orders refused under another profile, code table or mapping get a retry; so do
    // all parked orders when a code table reloads its file.
    const watch = watchConfiguration(
      RED,
      { node: node.id, endpoint: config.endpoint },
      {
        deployed(hash) {
          if (!fetcher || closing) return;
          fetcher.parkedUnder(hash).then(
            ({ total, otherConfig }) => {
              parkedCount = total;
              if (otherConfig > 0 && !closing) node.emit('input', { topic: 'retry-parked' });
            },
            (err: Error) => node.warn(`erp-order-fetch could not read its parked orders: ${err.message}`),
          );
        },
        tablesReloaded() {
          if (parkedCount > 0 && !closing) node.emit('input', { topic: 'retry-parked' });
        },
      },
    );

    if (intervalMs > 0) {
      scheduleTimer = setInterval(() => node.emit('input', {}), intervalMs);
    }
    // A first pull right after deploy, like an inject node's "once after".
    const startTimer = config.fetchOnStart === false ? undefined : setTimeout(() => node.emit('input', {}), 500);

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      watch.close();
      unregisterParkedDesk(desk);
      if (ledgerDesk) unregisterLedgerDesk(ledgerDesk, node.id);
      clearInterval(scheduleTimer);
      clearTimeout(retryTimer);
      clearTimeout(startTimer);
      for (const t of queued) t.done();
      queued = [];
      const finished = running ?? Promise.resolve();
      let waitTimer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        waitTimer = setTimeout(resolve, CLOSE_WAIT_MS);
      });
      const finish = () => {
        clearTimeout(waitTimer);
        node.status({});
        done();
      };
      // The lease is given up after the last pull, so that another replica takes the ERP over at once.
      Promise.race([finished, timeout])
        .then(() => lease?.stop())
        .then(finish, finish);
    });
  }

  RED.nodes.registerType('erp-order-fetch', ErpOrderFetch as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
