// The name a replica goes by in leases, node status and /metrics.
import { hostname } from 'node:os';

/** The setting bridgeStoreReplicaId, else env BRIDGE_REPLICA_ID, else hostname:pid (unique per process). */
export function replicaIdOf(settings: Record<string, unknown>, env: NodeJS.ProcessEnv): string {
  const named = settings.bridgeStoreReplicaId ?? env.BRIDGE_REPLICA_ID;
  return typeof named === 'string' && named.trim() ? named.trim() : `${hostname()}:${process.pid}`;
}
