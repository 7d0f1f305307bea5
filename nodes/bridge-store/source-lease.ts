// What a node with one active replica per source (a poller, the OEE periods) does with its lease: keeps it
// while the node runs, acts again at once when this replica takes the source over (continuing from what the
// last holder committed), and shows "standby (holder)" in its status while another replica holds it.
import type { Node } from 'node-red';
import type { LeaseKeeper, LeaseState } from '../lib/stores/lease-keeper';
import type { BridgeStoreNode } from './types';

export interface SourceLeaseHooks {
  /** This replica took the source over after start (the first holder at start acts by its own schedule). */
  onTakeover(): void;
  /** The status text while another replica holds the source (the node's locale, holder filled in). */
  standbyText(holder: string): string;
}

export interface SourceLease {
  keeper: LeaseKeeper;
  /** Settles after the first try to take the lease: a node's first run waits for it rather than standing by. */
  ready: Promise<void>;
  /** Shows the standby status; call it when the node skips its work because it does not hold the lease. */
  showStandby(): void;
  stop(): Promise<void>;
}

export function keepSourceLease(node: Node, storeNode: BridgeStoreNode, name: string, hooks: SourceLeaseHooks): SourceLease {
  const keeper = storeNode.lease(name);
  let started = false;
  let held = false;
  const showStandby = () => {
    const holder = keeper.state().holder;
    node.status({ fill: 'grey', shape: 'ring', text: hooks.standbyText(holder ?? '?') });
  };
  keeper.on('change', (state: LeaseState) => {
    const took = state.held && !held;
    held = state.held;
    if (!state.held) showStandby();
    if (took && started) hooks.onTakeover();
  });
  const ready = keeper.start().then(
    () => void (started = true),
    (err: Error) => {
      started = true;
      node.warn(err.message);
    },
  );
  return { keeper, ready, showStandby, stop: () => keeper.stop() };
}
