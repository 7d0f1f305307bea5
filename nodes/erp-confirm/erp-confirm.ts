// MES results → ERP: operation confirmations (yield, scrap, activity times), starts and finishes of
// operations and orders, goods receipts, written through the ERP endpoint's preset (its push.confirmation
// part) by the durable outbox of the bridge store. Output 1: the input message once every confirmation in it
// is durable (answer the MES then); output 2: what the ERP did with each one (written, already there, or
// refused with its words).
import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from 'node-red';
import { confirmationDelivery, refusalSentence, type ConfirmationWritten } from '../lib/erp/confirm/delivery';
import { confirmationsOf, queueConfirmations } from '../lib/erp/confirm/intake';
import { type ConfirmationWriter, profileConfirmationWriter } from '../lib/erp/profile';
import type { Outbox } from '../lib/outbox/outbox';
import type { OutboxItem } from '../lib/outbox/types';
import { statusText } from '../lib/i18n/status-text';
import { outboxStatus } from '../outbox-status';
import { workflowHost, type WorkflowNodeDef } from '../workflow-host';

type ErpConfirmDef = WorkflowNodeDef;
type Msg = NodeMessageInFlow & { topic?: string; payload?: unknown; accepted?: unknown };

export = function register(RED: NodeAPI): void {
  function ErpConfirm(this: Node, config: ErpConfirmDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const host = workflowHost(RED, node, config, 'erp-confirm');
    const status = host.status;
    let outbox: Outbox | undefined;
    let lastRefusal: string | undefined;

    // Status: the outbox's truth (queued, retrying, dead letters, with the ERP's last refusal), refreshed on its events.
    const queue = outboxStatus(host, {
      box: () => outbox,
      dead: (n) => (lastRefusal ? statusText('erp-confirm.status.refused', { n: String(n), reason: lastRefusal }) : host.text('dead', n)),
      storeDown: () => status('red', 'ring', 'store'),
    });
    const showStatus = queue.show;

    function onWritten({ item, confirmation, result }: ConfirmationWritten): void {
      if (host.closing) return;
      const payload = { key: item.idempotencyKey, orderNo: confirmation.orderNo, opNo: confirmation.opNo, activity: confirmation.activity ?? 'confirm', erpId: result.id, alreadyThere: result.alreadyThere };
      node.send([null, { topic: result.alreadyThere ? 'already-there' : 'written', payload } as NodeMessage]);
    }

    host.run<Outbox>({
      setup({ endpoint }) {
        // Checked at deploy: an endpoint whose preset cannot write confirmations is a configuration fault.
        if (!endpoint.profile.push?.confirmation) throw new Error(RED._('erp-confirm.errors.noPush', { profile: endpoint.profile.name }));
        let writer: ConfirmationWriter | undefined;
        const box = host.outbox(
          `confirm@${endpoint.id}`,
          confirmationDelivery(
            () => (writer ??= profileConfirmationWriter(endpoint.session())),
            (w) => onWritten(w),
          ),
        );
        outbox = box;
        showStatus();
        return () => Promise.resolve(box);
      },
      input: (msg, send, box) => handle(msg as Msg, send, box),
      outboxEvents: {
        delivered: queue.delivered,
        retrying: queue.retrying,
        'dead-lettered': (item: OutboxItem, reason: string) => {
          // The ERP's own words, short, in the status; the whole sentence to Catch with the confirmation.
          lastRefusal = reason.replace(/^.*answered with an error: /, '').slice(0, 32);
          const confirmation = item.payload as { orderNo?: string; opNo?: string };
          const msg = { topic: 'refused', payload: { key: item.idempotencyKey, orderNo: confirmation.orderNo, opNo: confirmation.opNo, reason, outboxId: item.id } };
          node.error(refusalSentence(item.idempotencyKey, reason), msg);
          if (!host.closing) node.send([null, msg as NodeMessage]);
          showStatus();
        },
        'store-error': (err: Error) => {
          status('red', 'ring', 'store');
          node.debug(err.message);
        },
      },
      storeState: (e) => {
        if (e.state !== 'connected') status('red', 'ring', 'store');
        else showStatus();
      },
      close: queue.cancel,
    });

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
  }

  RED.nodes.registerType('erp-confirm', ErpConfirm as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
