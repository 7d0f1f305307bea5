// Failed logins counted per client address: after too many within the window the address is refused (429
// with Retry-After) until its oldest failure leaves the window. Counting by address rather than by user name
// means a stranger guessing the admin's password is stopped without locking the admin out from elsewhere.
import type { Response } from 'express';

export interface LimiterOptions {
  maxFailures: number;
  windowMs: number;
  /** Addresses remembered at most; the one failing longest ago is forgotten first. */
  maxAddresses?: number;
  now?: () => number;
  /** Told once each time an address becomes refused, so the operator sees who is guessing. */
  onBlocked?: (address: string, retryMs: number) => void;
}

export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly maxAddresses: number;
  private readonly now: () => number;

  constructor(private readonly options: LimiterOptions) {
    this.maxAddresses = options.maxAddresses ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Milliseconds until the address may try again; 0 when it may now. */
  blockedFor(address: string): number {
    const times = this.recent(address);
    if (times.length < this.options.maxFailures) return 0;
    return Math.max(1, times[0] + this.options.windowMs - this.now());
  }

  fail(address: string): void {
    const times = this.recent(address);
    times.push(this.now());
    // Only the newest maxFailures matter for the decision.
    if (times.length > this.options.maxFailures) times.splice(0, times.length - this.options.maxFailures);
    this.failures.delete(address);
    if (this.failures.size >= this.maxAddresses) this.failures.delete(this.failures.keys().next().value as string);
    this.failures.set(address, times);
    if (times.length === this.options.maxFailures) this.options.onBlocked?.(address, this.blockedFor(address));
  }

  private recent(address: string): number[] {
    const times = this.failures.get(address);
    if (!times) return [];
    const since = this.now() - this.options.windowMs;
    while (times.length > 0 && times[0] <= since) times.shift();
    if (times.length === 0) this.failures.delete(address);
    return times;
  }
}

/** The address a request came from, as the socket saw it (a forwarded-for header is the client's to forge). */
export function clientAddress(req: { socket: { remoteAddress?: string } }): string {
  return req.socket.remoteAddress ?? 'unknown';
}

export function tooManyFailuresBody(retryMs: number): { error: string; retryAfterSec: number } {
  const retryAfterSec = Math.ceil(retryMs / 1000);
  return { error: `Too many failed logins from this address: try again in ${retryAfterSec} s.`, retryAfterSec };
}

export function answerTooManyFailures(res: Response, retryMs: number): void {
  const body = tooManyFailuresBody(retryMs);
  res.set('Retry-After', String(body.retryAfterSec)).status(429).json(body);
}
