// The leases this process keeps, so /metrics and the REST API can say which replica holds which source
// without knowing which nodes keep them.
import type { LeaseKeeper, LeaseState } from './lease-keeper';

const open = new Set<LeaseKeeper>();

export function registerLease(keeper: LeaseKeeper): void {
  open.add(keeper);
}

export function unregisterLease(keeper: LeaseKeeper): void {
  open.delete(keeper);
}

export function leaseStates(): LeaseState[] {
  return [...open].map((k) => k.state()).sort((a, b) => a.name.localeCompare(b.name));
}
