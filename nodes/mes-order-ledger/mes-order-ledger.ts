// The MES order ledger for flows that do not pull through erp-order-fetch (a legacy-db-poll flow): each work
// order (or production order) on its way to the MES is gated as erp-order-fetch gates its own — drafts held
// back by default, a cancel or close only for an order the MES holds — and recorded in the same ledger.
// Output 1: on to the MES (recorded). Output 2: held back, with msg.withheld and msg.reason.
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { gate, MesLedger, orderOf, parseReleaseGate } from '../lib/plan-sync/mes-ledger';
import { type LedgerDesk, registerLedgerDesk, unregisterLedgerDesk } from '../lib/plan-sync/registry';
import type { BridgeStoreNode } from '../bridge-store/types';
import { statusText } from '../lib/i18n/status-text';

interface MesOrderLedgerDef extends NodeDef {
  store: string;
  ledger?: string;
  release?: string;
}

export = function register(RED: NodeAPI): void {
  function MesOrderLedgerNode(this: Node, config: MesOrderLedgerDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const storeNode = RED.nodes.getNode(config.store) as BridgeStoreNode | null;
    const release = parseReleaseGate(config.release);
    let ledger: MesLedger | undefined;
    let setupError: Error | undefined;
    try {
      if (!storeNode) throw new Error('mes-order-ledger has no bridge store configured.');
      ledger = new MesLedger(storeNode.store(), config.ledger || 'mes');
    } catch (err) {
      setupError = err as Error;
      node.status({ fill: 'red', shape: 'ring', text: 'mes-order-ledger.status.config' });
    }
    let sent = 0;
    let withheld = 0;
    // One message at a time: two revisions of one order must be recorded in the order they came.
    let chain: Promise<void> = Promise.resolve();

    async function handle(msg: NodeMessageInFlow, send: (m: Array<NodeMessage | null>) => void): Promise<void> {
      if (setupError) throw setupError;
      const order = orderOf(msg.payload);
      if (typeof order === 'string') throw new Error(`mes-order-ledger: ${order}`);
      // The MES refused this revision for good: the ledger goes back to what the MES held.
      if (msg.topic === 'refused') {
        await ledger!.revert(order.orderNo, order.revision);
        return;
      }
      const held = (await ledger!.get(order.orderNo)) !== undefined;
      const decision = gate(order.state, held, release);
      if (decision === 'send') {
        await ledger!.record([{ orderNo: order.orderNo, revision: order.revision, state: order.state, source: node.id, payload: msg.payload }]);
        sent += 1;
        send([msg, null]);
      } else {
        withheld += 1;
        const out = msg as NodeMessageInFlow & { withheld?: string; reason?: string };
        out.withheld = decision;
        out.reason =
          decision === 'draft'
            ? `order ${order.orderNo} is not released in the ERP (status ${order.state}); drafts are not sent to the MES.`
            : `order ${order.orderNo} is ${order.state} in the ERP but the MES never received it; the ${order.state === 'cancelled' ? 'cancel' : 'close'} is not sent.`;
        send([null, out]);
      }
      node.status({ fill: 'green', shape: 'dot', text: statusText('mes-order-ledger.status.counts', { sent, withheld }) });
    }

    node.on('input', (msg: NodeMessageInFlow, send: (m: Array<NodeMessage | null>) => void, done: (err?: Error) => void) => {
      chain = chain
        .then(() => handle(msg, send))
        .then(
          () => done(),
          (err: Error) => {
            node.status({ fill: 'red', shape: 'ring', text: 'mes-order-ledger.status.failed' });
            done(err);
          },
        );
    });

    const desk: LedgerDesk | undefined = ledger && storeNode ? { name: ledger.name, store: storeNode.id, all: () => ledger!.all() } : undefined;
    if (desk) registerLedgerDesk(desk, node.id);

    node.on('close', (_removed: boolean, done: () => void) => {
      if (desk) unregisterLedgerDesk(desk, node.id);
      const finish = () => {
        node.status({});
        done();
      };
      chain.then(finish, finish);
    });
  }

  RED.nodes.registerType('mes-order-ledger', MesOrderLedgerNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
