// MES results → ERP: operation confirmations (yield, scrap, activity times), starts and finishes of
// operations and orders, goods receipts, written through the ERP endpoint's preset (its push.confirmation
// part) by the durable outbox of the bridge store. Output 1: the input message once every confirmation in it
// is durable (answer the MES then); output 2: what the ERP did with each one (written, already there, or
// refused with its words).
import type { EventEmitter } from 'node:events';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { StoreUnavailableError } from '../lib/stores/store-unavailable';
import { confirmationDelivery, refusalSentence, type ConfirmationWritten } from '../lib/erp/confirm/delivery';
import { confirmationsOf, queueConfirmations } from '../lib/erp/confirm/intake';
import { type ConfirmationWriter, profileConfirmationWriter } from '../lib/erp/profile';
import type { Outbox } from '../lib/outbox/outbox';
import { registerOutbox, unregisterOutbox } from '../lib/outbox/registry';
import type { OutboxItem } from '../lib/outbox/types';
import type { BridgeStoreNode, BridgeStoreStateEvent } from '../bridge-store/types';
import type { ErpEndpointNode } from '../erp-endpoint/types';
import { statusText } from '../lib/i18n/status-text';

interface ErpConfirmDef extends NodeDef {
  endpoint: string;
  store: string;
  maxAttempts: string | number;
}

type Done = (err?: Error) => void;
type Msg = NodeMessageInFlow & { topic?: string; payload?: unknown; accepted?: unknown };
const num = (value: unknown, fallback: number) => (value === '' || value === undefined || !Number.isFinite(Number(value)) ? fallback : Number(value));

export = function register(RED: NodeAPI): void {
  function ErpConfirm(this: Node, config: ErpConfirmDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const endpoint = RED.nodes.getNode(config.endpoint) as ErpEndpointNode | null;
    const storeNode = RED.nodes.getNode(config.store) as BridgeStoreNode | null;
    let outbox: Outbox | undefined;
    let closing = false;
    let retrying = false;
    let lastRefusal: string | undefined;

    const status = (fill: 'red' | 'yellow' | 'green', shape: 'dot' | 'ring', key: string, n?: number) =>
      node.status({ fill, shape, text: statusText(`erp-confirm.status.${key}`, { n: String(n ?? 0) }) });

    try {
      if (!endpoint) throw new Error(RED._('erp-confirm.errors.noEndpoint'));
      if (!storeNode) throw new Error(RED._('erp-confirm.errors.noStore'));
      // Checked at deploy: an endpoint whose preset cannot write confirmations is a configuration fault.
      if (!endpoint.profile.push?.confirmation) throw new Error(RED._('erp-confirm.errors.noPush', { profile: endpoint.profile.name }));
      let writer: ConfirmationWriter | undefined;
      outbox = storeNode.outbox(`confirm@${endpoint.id}`, { maxAttempts: Math.max(1, num(config.maxAttempts, 10)), backoff: endpoint.retry });
      registerOutbox(outbox, { endpoint: endpoint.label });
      outbox.start(confirmationDelivery(() => (writer ??= profileConfirmationWriter(endpoint.session())), (w) => onWritten(w)));
    } catch (err) {
      status('red', 'ring', 'config');
      node.error((err as Error).message);
    }

    // Status: the outbox's truth (queued, retrying, dead letters), refreshed on its events.
    let statusTimer: NodeJS.Timeout | undefined;
    function showStatus(): void {
      if (!outbox || closing || statusTimer) return;
      statusTimer = setTimeout(() => {
        statusTimer = undefined;
        outbox!.stats().then(
          (s) => {
            if (closing) return;
            if (s.deadLetters > 0) node.status({ fill: 'red', shape: 'dot', text: lastRefusal ? statusText('erp-confirm.status.refused', { n: String(s.deadLetters), reason: lastRefusal }) : statusText('erp-confirm.status.dead', { n: String(s.deadLetters) }) });
            else if (retrying) status('yellow', 'ring', 'retrying', s.depth);
            else status('green', 'dot', 'ok', s.depth);
          },
          () => status('red', 'ring', 'store'),
        );
      }, 250);
    }

    function onWritten({ item, confirmation, result }: ConfirmationWritten): void {
      if (closing) return;
      const payload = { key: item.idempotencyKey, orderNo: confirmation.orderNo, opNo: confirmation.opNo, activity: confirmation.activity ?? 'confirm', erpId: result.id, alreadyThere: result.alreadyThere };
      node.send([null, { topic: result.alreadyThere ? 'already-there' : 'written', payload } as NodeMessage]);
    }
    const onDelivered = () => {
      retrying = false;
      showStatus();
    };
    const onRetrying = () => {
      retrying = true;
      showStatus();
    };
    const onDead = (item: OutboxItem, reason: string) => {
      // The ERP's own words, short, in the status; the whole sentence to Catch with the confirmation.
      lastRefusal = reason.replace(/^.*answered with an error: /, '').slice(0, 32);
      const confirmation = item.payload as { orderNo?: string; opNo?: string };
      const msg = { topic: 'refused', payload: { key: item.idempotencyKey, orderNo: confirmation.orderNo, opNo: confirmation.opNo, reason, outboxId: item.id } };
      node.error(refusalSentence(item.idempotencyKey, reason), msg);
      if (!closing) node.send([null, msg as NodeMessage]);
      showStatus();
    };
    const onStoreError = (err: Error) => {
      status('red', 'ring', 'store');
      node.debug(err.message);
    };
    const onStoreState = (e: BridgeStoreStateEvent) => {
      if (e.state !== 'connected') status('red', 'ring', 'store');
      else showStatus();
    };
    if (outbox) {
      outbox.on('delivered', onDelivered);
      outbox.on('retrying', onRetrying);
      outbox.on('dead-lettered', onDead);
      outbox.on('store-error', onStoreError);
      (storeNode as unknown as EventEmitter).on('state', onStoreState);
      showStatus();
    }

    async function handle(msg: Msg, send: (m: NodeMessage | Array<NodeMessage | null>) => void, box: Outbox): Promise<void> {
      switch (msg.topic) {
        case 'dead-letters':
          msg.payload = await box.deadLetters();
          break;
        case 'replay': {
          lastRefusal = undefined;
          msg.payload = await box.replay(Array.isArray(msg.payload) ? msg.payload.map(String) : undefined);
          showStatus();
          break;
        }
        default:
          msg.accepted = await queueConfirmations(box, confirmationsOf(msg.payload));
          showStatus();
      }
      send([msg, null]);
    }

    node.on('input', (msg: NodeMessageInFlow, send, done: Done) => {
      if (!outbox) return done(new StoreUnavailableError(RED._('erp-confirm.errors.notReady')));
      handle(msg as Msg, send, outbox).then(
        () => done(),
        (err: Error) => done(err),
      );
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      clearTimeout(statusTimer);
      node.status({});
      if (!outbox) return done();
      outbox.off('delivered', onDelivered);
      outbox.off('retrying', onRetrying);
      outbox.off('dead-lettered', onDead);
      outbox.off('store-error', onStoreError);
      (storeNode as unknown as EventEmitter).removeListener('state', onStoreState);
      unregisterOutbox(outbox);
      // The bridge store owns the outbox; this node only stops its worker (a redeploy starts a new one).
      outbox.stop().then(
        () => done(),
        () => done(),
      );
    });
  }

  RED.nodes.registerType('erp-confirm', ErpConfirm as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
