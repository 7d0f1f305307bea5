// Config node: where durable state lives (watermarks, delivered keys; later the outbox and workflow state).
// The embedded default is one SQLite file; Redis comes later behind the same KeyValueStore interface.
import { isAbsolute, join } from 'node:path';
import type { NodeAPI, NodeDef } from 'node-red';
import type { KeyValueStore } from '../lib/stores/store';
import type { BridgeStoreNode } from './types';
import { SqliteStore } from '../lib/stores/sqlite-store';

interface BridgeStoreDef extends NodeDef {
  storeType: 'sqlite';
  file: string;
}


export = function register(RED: NodeAPI): void {
  function BridgeStore(this: BridgeStoreNode, config: BridgeStoreDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const directory: string = (RED.settings as unknown as Record<string, string | undefined>).bridgeStoreDirectory ?? RED.settings.userDir ?? process.cwd();
    const file = config.file || 'bridge-store.sqlite';
    node.location = file === ':memory:' || isAbsolute(file) ? file : join(directory, file);

    let store: KeyValueStore | undefined;
    let openError: Error | undefined;
    try {
      store = new SqliteStore(node.location);
    } catch (err) {
      openError = new Error(`bridge store '${config.name || 'bridge-store'}' cannot open ${node.location}: ${(err as Error).message}.`);
      node.error(openError.message);
    }

    node.store = () => {
      if (openError) throw openError;
      return store!;
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      (store ? store.close() : Promise.resolve()).then(
        () => done(),
        (err) => {
          node.error(`bridge store did not close cleanly: ${(err as Error).message}`);
          done();
        },
      );
    });
  }

  RED.nodes.registerType('bridge-store', BridgeStore as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
