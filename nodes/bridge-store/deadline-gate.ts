// The gate of one workflow's deadlines across replicas (see WorkflowRunner.claimDeadlines): the replica holding
// the lease `deadlines:<namespace>` fires them, each claimed in Redis with its fencing token; a replica whose book
// holds a due deadline the holder may not know of (raised through its own webhook) leaves a nudge, and the holder
// looks for it every third of the lease time.
import type { LeaseKeeper, LeaseState } from '../lib/stores/lease-keeper';
import type { RedisConnection } from '../lib/stores/redis-connection';
import type { LeaseLock } from '../lib/stores/redis-lease';
import type { DeadlineGate } from '../lib/workflows/runner';

/** How long a claim is kept: long past any replica that could still try the same deadline. */
const CLAIM_KEPT_MS = 7 * 24 * 3600_000;

export function openDeadlineGate(options: { connection: RedisConnection; lock: LeaseLock; keeper: LeaseKeeper; namespace: string; replica: string; onTakeover: () => void; warn: (text: string) => void }): DeadlineGate {
  const { connection, lock, keeper, namespace, onTakeover } = options;
  let held = false;
  keeper.on('change', (state: LeaseState) => {
    // Not within the caller's set-up: its runner is assigned by then.
    if (state.held && !held) setImmediate(onTakeover);
    held = state.held;
  });
  keeper.start().catch((err: Error) => options.warn(err.message));
  const nudgeKey = connection.key('nudge', namespace);
  const watch = setInterval(
    () => {
      if (!keeper.holds()) return;
      connection.client
        .multi()
        .get(nudgeKey)
        .del(nudgeKey)
        .exec()
        .then(
          (r) => void (r?.[0]?.[1] ? onTakeover() : undefined),
          () => undefined,
        );
    },
    Math.max(50, Math.floor(keeper.ttlMs / 3)),
  );
  // Stopped by the runner's close, or by the bridge-store's when it closes first.
  keeper.once('stopped', () => clearInterval(watch));
  return {
    holds: () => keeper.holds(),
    close: () => keeper.stop(),
    async nudge() {
      await connection.client.set(nudgeKey, options.replica, 'PX', 10 * keeper.ttlMs);
    },
    async claim(dueAt: string) {
      const lease = keeper.current();
      return lease !== undefined && lock.claim(lease, `${namespace}@${dueAt}`, CLAIM_KEPT_MS);
    },
  };
}
