// Upserts MES results (progress, quantities…) into a staging table that a legacy ERP reads, in batches,
// one transaction per batch. The writing itself lives in lib/legacy-db/staging-writer.
import type { EventEmitter } from 'node:events';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { writeStaging } from '../lib/legacy-db/staging-writer';
import type { LegacyDbNode, LegacyDbStateEvent } from '../legacy-db/types';
import { statusText } from '../lib/i18n/status-text';

interface LegacyDbWriteDef extends NodeDef {
  db: string;
  table: string;
  keyColumns: string;
  columns: string;
  batchSize: string | number;
  duplicateKeys: 'fail' | 'keep-last';
}

const list = (text: string | undefined) =>
  (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

export = function register(RED: NodeAPI): void {
  function LegacyDbWrite(this: Node, config: LegacyDbWriteDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const dbNode = RED.nodes.getNode(config.db) as LegacyDbNode | null;
    const keyColumns = list(config.keyColumns);
    const columns = list(config.columns);
    const batchSize = Math.max(1, Math.round(Number(config.batchSize) || 500));
    let setupError: Error | undefined;
    if (!dbNode) setupError = new Error(RED._('legacy-db-write.errors.noDb'));
    else if (!config.table) setupError = new Error(RED._('legacy-db-write.errors.noTable'));
    else if (keyColumns.length === 0) setupError = new Error(RED._('legacy-db-write.errors.noKey'));
    if (setupError) node.status({ fill: 'red', shape: 'ring', text: 'legacy-db-write.status.config' });

    const onState = (e: LegacyDbStateEvent) => {
      if (e.state === 'dropped') node.status({ fill: 'yellow', shape: 'ring', text: 'legacy-db-write.status.dropped' });
      else if (e.state === 'unreachable') node.status({ fill: 'red', shape: 'ring', text: 'legacy-db-write.status.unreachable' });
    };
    if (dbNode && !setupError) {
      dbNode.register(node);
      (dbNode as unknown as EventEmitter).on('state', onState);
    }

    node.on('input', (msg: NodeMessageInFlow, send, done) => {
      if (setupError || !dbNode) return done(setupError);
      node.status({ fill: 'blue', shape: 'dot', text: 'legacy-db-write.status.writing' });
      (async () => {
        const result = await writeStaging(
          dbNode.db(),
          { table: config.table, keyColumns, columns: columns.length > 0 ? columns : undefined, duplicateKeys: config.duplicateKeys === 'keep-last' ? 'keep-last' : 'fail', batchSize },
          msg.payload,
        );
        (msg as NodeMessageInFlow & { written?: unknown }).written = { table: config.table, ...result };
        node.status({ fill: 'green', shape: 'dot', text: statusText('legacy-db-write.status.written', { rows: String(result.rows), time: new Date().toTimeString().slice(0, 5) }) });
        send(msg);
        done();
      })().catch((err: Error) => {
        node.status({ fill: 'red', shape: 'ring', text: 'legacy-db-write.status.failed' });
        done(err);
      });
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      node.status({});
      if (!dbNode || setupError) return done();
      (dbNode as unknown as EventEmitter).removeListener('state', onState);
      dbNode.deregister(node).then(
        () => done(),
        () => done(),
      );
    });
  }

  RED.nodes.registerType('legacy-db-write', LegacyDbWrite as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
