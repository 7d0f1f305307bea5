// The supervision of one node-red-contrib-opcua OpcUa-Client in subscribe mode, as a state machine over what the
// client reports (its status messages: session active, keepalive, terminated, …), the values it delivers and a
// clock tick. Two rules answer the contrib client's most reported failures:
// - subscribe once per new session or lost subscription (session active; terminated or subscription error while
//   not reconnecting), never into a live one: re-sending the items into a live subscription doubles them;
// - when nothing at all arrived for staleMs, not even a keep-alive, the session is dead whatever the client
//   believes: ask it to reconnect, at most once per reconnectEveryMs.

export type WatchdogPhase = 'connecting' | 'subscribing' | 'live' | 'silent';
export type WatchdogAction = 'subscribe' | 'reconnect' | null;

export interface WatchdogOptions {
  staleMs: number;
  reconnectEveryMs: number;
}

export interface WatchdogView {
  phase: WatchdogPhase;
  /** Whole seconds since anything arrived. */
  silentSec: number;
  subscribes: number;
  reconnects: number;
  values: number;
}

/** The client statuses that mean "no session now, one is being made". */
const CONNECTING = new Set(['reconnect', 'create client', 'connecting', 'invalid endpoint', 'closed', 'disconnected', 'session closed', 'no client']);
/** The statuses that prove the subscription is alive. */
const ALIVE = new Set(['keepalive', 'subscribed', 'active subscribed']);

export function watchdogOptions(staleMs: unknown, reconnectEveryMs: unknown): WatchdogOptions {
  const stale = Number(staleMs);
  const every = Number(reconnectEveryMs);
  if (!Number.isFinite(stale) || stale < 100) throw new RangeError(`staleMs must be at least 100 ms, not ${JSON.stringify(staleMs)}`);
  if (!Number.isFinite(every) || every < stale) throw new RangeError(`reconnectEveryMs must be at least staleMs (${stale} ms), not ${JSON.stringify(reconnectEveryMs)}`);
  return { staleMs: stale, reconnectEveryMs: every };
}

export class OpcuaWatchdog {
  private phase: 'connecting' | 'subscribing' | 'live' = 'connecting';
  private lastSeen: number;
  private reconnectAt = Number.NEGATIVE_INFINITY;
  private subscribes = 0;
  private reconnects = 0;
  private values = 0;

  constructor(
    private readonly options: WatchdogOptions,
    now: number,
  ) {
    this.lastSeen = now;
  }

  /** A status message of the client (msg.status). */
  status(status: string, now: number): WatchdogAction {
    if (status === 'session active' || ((status === 'terminated' || status === 'subscription error') && this.phase !== 'connecting')) {
      // A new session has no subscription, and a terminated one is gone: subscribe every item once.
      this.phase = 'subscribing';
      this.subscribes += 1;
      this.lastSeen = now;
      return 'subscribe';
    }
    if (ALIVE.has(status)) {
      this.lastSeen = now;
      if (this.phase === 'subscribing') this.phase = 'live';
    } else if (CONNECTING.has(status)) {
      this.phase = 'connecting';
    }
    return null;
  }

  /** A data change delivered by the subscription. */
  value(now: number): void {
    this.lastSeen = now;
    this.values += 1;
    this.phase = 'live';
  }

  /** The clock: reconnect when nothing came for staleMs, throttled by reconnectEveryMs. */
  tick(now: number): WatchdogAction {
    if (now - this.lastSeen <= this.options.staleMs || now - this.reconnectAt <= this.options.reconnectEveryMs) return null;
    this.reconnectAt = now;
    this.reconnects += 1;
    this.phase = 'connecting';
    // The reconnect itself takes a while: give it staleMs before calling the session dead again.
    this.lastSeen = now;
    return 'reconnect';
  }

  view(now: number): WatchdogView {
    const silentMs = now - this.lastSeen;
    const phase: WatchdogPhase = this.phase === 'live' && silentMs > this.options.staleMs ? 'silent' : this.phase;
    return { phase, silentSec: Math.round(silentMs / 1000), subscribes: this.subscribes, reconnects: this.reconnects, values: this.values };
  }
}
