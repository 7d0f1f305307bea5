// Exponential backoff with jitter, so that many nodes retrying one ERP do not hit it in step.

export interface BackoffPolicy {
  /** Delay before the first retry, ms. */
  baseMs: number;
  /** The delay never grows past this, ms. */
  maxMs: number;
}

/** Delay before retry number `attempt` (0 = first retry): base × 2^attempt, capped, then 50–100 % of that. */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling * (0.5 + random() / 2));
}
