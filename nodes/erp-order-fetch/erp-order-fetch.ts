// Pulls production orders from the ERP on a schedule and on any input message, and sends one message
// per new order (or new revision) as an MES work order. The pull itself lives in lib/plan-sync/order-fetch.
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { backoffDelay } from '../lib/backoff';
import { profileOrdersReader } from '../lib/erp/profile';
import { ErpRequestError } from '../lib/erp/http-client';
import { failureStatus } from '../lib/erp/failure-status';
import { type FetchRunResult, type FirstRunFrom, OrderFetcher } from '../lib/plan-sync/order-fetch';
import { toWorkOrder } from '../lib/plan-sync/work-order';
import type { BridgeStoreNode } from '../bridge-store/types';
import type { ErpEndpointNode } from '../erp-endpoint/types';

interface ErpOrderFetchDef extends NodeDef {
  endpoint: string;
  store: string;
  intervalMin: string | number;
  pageSize: string | number;
  firstRunFrom: 'beginning' | 'now' | 'value';
  firstRunValue: string;
  output: 'work-order' | 'production-order';
  fetchOnStart: boolean;
}

type Done = (err?: Error) => void;
interface Trigger {
  msg: NodeMessageInFlow;
  send: (msg: NodeMessage | NodeMessage[]) => void;
  done: Done;
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
    const firstRunFrom: FirstRunFrom =
      config.firstRunFrom === 'now' ? { kind: 'now' } : config.firstRunFrom === 'value' ? { kind: 'value', value: config.firstRunValue } : { kind: 'beginning' };

    let fetcher: OrderFetcher | undefined;
    let setupError: Error | undefined;
    try {
      if (!endpoint) throw new Error('erp-order-fetch has no ERP endpoint configured.');
      if (!storeNode) throw new Error('erp-order-fetch has no bridge store configured.');
      fetcher = new OrderFetcher({
        store: storeNode.store(),
        stateKey: node.id,
        readPage: profileOrdersReader(endpoint.session()),
        pageSize,
        overlapSeconds: endpoint.profile.pull.overlapSeconds,
        firstRunFrom,
        source: `ERP endpoint '${endpoint.title}'`,
      });
    } catch (err) {
      setupError = err as Error;
      node.status({ fill: 'red', shape: 'ring', text: RED._('erp-order-fetch.status.config') });
    }

    let running: Promise<void> | undefined;
    let queued: Trigger[] = [];
    let closing = false;
    let failures = 0;
    let scheduleTimer: NodeJS.Timeout | undefined;
    let retryTimer: NodeJS.Timeout | undefined;

    async function runOnce(triggers: Trigger[]): Promise<void> {
      const first = triggers[0];
      node.status({ fill: 'blue', shape: 'dot', text: RED._('erp-order-fetch.status.fetching') });
      const outputOf = (item: unknown, orderNo: unknown): NodeMessage => {
        const msg = RED.util.cloneMessage(first.msg) as NodeMessage & Record<string, unknown>;
        delete msg._msgid;
        msg.payload = item;
        msg.topic = typeof orderNo === 'string' ? orderNo : undefined;
        return msg;
      };
      let result: FetchRunResult;
      try {
        if (setupError) throw setupError;
        result = await fetcher!.run({
          onOrder(order) {
            if (closing) throw new Error('erp-order-fetch was stopped while fetching; the rest is fetched at the next start.');
            const msg = outputOf(config.output === 'production-order' ? order : toWorkOrder(order), order.orderNo);
            (msg as Record<string, unknown>).erpOrder = { orderNo: order.orderNo, revision: order.revision, updatedAt: order.updatedAt };
            first.send(msg);
          },
          onInvalid(item, message) {
            const msg = outputOf(item, (item as { orderNo?: unknown } | null)?.orderNo);
            node.error(message, msg);
          },
        });
      } catch (err) {
        fail(err as Error, triggers);
        return;
      }
      failures = 0;
      const time = new Date().toTimeString().slice(0, 5);
      node.status(
        result.invalid > 0
          ? { fill: 'yellow', shape: 'ring', text: RED._('erp-order-fetch.status.doneInvalid', { count: result.delivered, invalid: result.invalid, time }) }
          : { fill: 'green', shape: 'dot', text: RED._('erp-order-fetch.status.done', { count: result.delivered, time }) },
      );
      for (const t of triggers) t.done();
    }

    function fail(err: Error, triggers: Trigger[]): void {
      const erp = err instanceof ErpRequestError ? err : undefined;
      // Permanent failures (a refused request, a field this ERP lacks) stop the backoff retries and show the
      // ERP's own words; transient ones back off. Texts come from the locales, in the runtime's language.
      const status = failureStatus(err);
      const retryable = erp ? erp.retryable : false;
      const reason = RED._(`erp-order-fetch.status.${status.key}`, status.values);
      const delay = retryable && !closing && endpoint ? backoffDelay(failures, endpoint.retry) : undefined;
      // The status says whether the node will try again by itself, so "stopped" and "retrying" read apart.
      const text = delay === undefined ? reason : RED._('erp-order-fetch.status.retrying', { reason, sec: String(Math.max(1, Math.round(delay / 1000))) });
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

    // One pull at a time: inputs that arrive meanwhile are served together by one more pull.
    function request(trigger: Trigger): void {
      queued.push(trigger);
      if (running) return;
      const loop = async () => {
        while (queued.length > 0 && !closing) {
          const batch = queued;
          queued = [];
          await runOnce(batch);
        }
        running = undefined;
      };
      running = loop();
    }

    node.on('input', (msg: NodeMessageInFlow, send: Trigger['send'], done: Done) => {
      clearTimeout(retryTimer);
      request({ msg, send, done });
    });

    if (intervalMs > 0) {
      scheduleTimer = setInterval(() => node.emit('input', {}), intervalMs);
    }
    // A first pull right after deploy, like an inject node's "once after".
    const startTimer = config.fetchOnStart === false ? undefined : setTimeout(() => node.emit('input', {}), 500);

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
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
      Promise.race([finished, timeout]).then(() => {
        clearTimeout(waitTimer);
        node.status({});
        done();
      });
    });
  }

  RED.nodes.registerType('erp-order-fetch', ErpOrderFetch as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
