// What other nodes may use of this config node.
import type { Node } from 'node-red';
import type { KeyValueStore } from '../lib/stores/store';

export interface BridgeStoreNode extends Node {
  /** The open store; throws a clear error when it could not be opened. */
  store(): KeyValueStore;
  location: string;
}
