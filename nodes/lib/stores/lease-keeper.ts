// Keeps one lease for one source (a poller, an OEE node's periods, a workflow's deadlines): tries to take it
// at once and then every third of the lease time, renews it at the same pace while held, and says when it
// changes hands. A holder that cannot renew (Redis away) stops counting itself the holder when its lease would
// have expired, before any other replica can have taken it. So a source has one active replica at a time, and
// another takes over within lease time + one try (< 2 × lease time) after the holder dies.
// Without Redis (SQLite: one process) the keeper simply holds its lease.
import { EventEmitter } from 'node:events';
import type { Lease, LeaseLock } from './redis-lease';

export interface LeaseState {
  /** The source, e.g. "poll:fetch-orders". */
  name: string;
  /** This replica. */
  replica: string;
  held: boolean;
  /** The replica holding the lease as last seen (this one when held). */
  holder?: string;
  /** The fencing epoch of the holding as last seen. */
  epoch?: number;
  /** How often this replica took the lease over (after start, after another replica). */
  acquisitions: number;
}

export interface LeaseKeeperOptions {
  ttlMs: number;
  replica: string;
  /** Told (once per different message) when Redis could not be asked. */
  onError?: (err: Error) => void;
}

export class LeaseKeeper extends EventEmitter {
  private lease: Lease | undefined;
  private validUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  private lastError: string | undefined;
  private seen: { holder?: string; epoch?: number } = {};
  private acquisitions = 0;

  constructor(
    /** undefined: no shared store, this process is the only replica. */
    private readonly lock: LeaseLock | undefined,
    readonly name: string,
    private readonly options: LeaseKeeperOptions,
  ) {
    super();
    if (!(options.ttlMs > 0)) throw new Error(`the lease time of '${name}' must be a positive number of milliseconds, not ${options.ttlMs}.`);
  }

  get ttlMs(): number {
    return this.options.ttlMs;
  }

  /** Starts trying; resolves after the first try (so a node started with a free lease holds it at once). */
  start(): Promise<void> {
    if (!this.lock) {
      this.acquisitions = 1;
      this.seen = { holder: this.options.replica, epoch: 1 };
      this.change();
      return Promise.resolve();
    }
    return this.tick();
  }

  /** Whether this replica may act for the source now. */
  holds(): boolean {
    if (this.stopped) return false;
    if (!this.lock) return true;
    return this.lease !== undefined && Date.now() < this.validUntil;
  }

  /** The lease for fenced writes, while held. */
  current(): Lease | undefined {
    return this.holds() ? this.lease : undefined;
  }

  state(): LeaseState {
    const held = this.holds();
    return { name: this.name, replica: this.options.replica, held, holder: held ? this.options.replica : this.seen.holder, epoch: this.seen.epoch, acquisitions: this.acquisitions };
  }

  private tick(): Promise<void> {
    clearTimeout(this.timer);
    this.running = this.attempt().finally(() => {
      this.running = undefined;
      if (!this.stopped) this.timer = setTimeout(() => void this.tick(), Math.max(50, Math.floor(this.options.ttlMs / 3)));
    });
    return this.running;
  }

  private async attempt(): Promise<void> {
    const lock = this.lock!;
    const { ttlMs, replica } = this.options;
    const wasHeld = this.holds();
    const before = { ...this.seen };
    const askedAt = Date.now();
    try {
      if (this.lease) {
        if (await lock.renew(this.lease, ttlMs)) this.validUntil = askedAt + ttlMs;
        else this.lease = undefined;
      }
      if (!this.lease) {
        const taken = await lock.acquire(this.name, ttlMs, replica);
        if (taken) {
          this.lease = taken;
          this.validUntil = askedAt + ttlMs;
          this.acquisitions += 1;
          this.seen = { holder: replica, epoch: taken.epoch };
        } else {
          const holding = await lock.holding(this.name);
          this.seen = { holder: holding.holder, epoch: holding.epoch };
        }
      }
      this.lastError = undefined;
    } catch (err) {
      // Held on only until the lease would have expired: after that another replica may hold it.
      const message = (err as Error).message;
      if (message !== this.lastError) this.options.onError?.(new Error(`The lease '${this.name}' could not be renewed or taken: ${message}`));
      this.lastError = message;
    }
    if (this.stopped) return;
    if (wasHeld !== this.holds() || before.holder !== this.seen.holder || before.epoch !== this.seen.epoch) this.change();
  }

  private change(): void {
    this.emit('change', this.state());
  }

  /** Stops trying and gives the lease up, so another replica takes over at once rather than after the lease time. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.emit('stopped');
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    clearTimeout(this.timer);
    const lease = this.lease;
    this.lease = undefined;
    if (lease && this.lock) await this.lock.release(lease).catch(() => undefined);
  }
}
