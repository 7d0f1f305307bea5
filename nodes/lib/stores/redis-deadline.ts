// Commands of an ioredis client wait for a lost connection at most `deadlineMs`, and are then refused for good.
// ioredis's own offline queue keeps commands until the link is back, however long that takes (a MES waited for
// an answer until its own timeout), and its commandTimeout only rejects the promise: the command stays queued and
// is still written once Redis returns, so a report answered "failed" would be stored and delivered after all.
// Here a command issued while the link is down is held by us, not by ioredis: released in order when the link is
// ready again, or rejected at its deadline without ever having been handed to ioredis.
// The client should also have autoResendUnfulfilledCommands off and commandTimeout = deadlineMs (see
// redisDeadlineOptions): a command in flight when the link drops, or sent to a server that stopped answering,
// is failed rather than written again later.
import type Redis from 'ioredis';
import type { Command, RedisOptions } from 'ioredis';
import { StoreUnavailableError } from './store-unavailable';

type Send = (command: Command, ...rest: unknown[]) => unknown;

interface Held {
  command: Command;
  args: unknown[];
  deadline: number;
}

/**
 * Statuses in which a command goes to ioredis as it comes: written at once ('ready'), refused ('end'), or, in
 * 'connect', ioredis's own handshake (AUTH, SELECT, the ready check's INFO), which must pass or the link never
 * becomes ready; a command of ours in that instant waits in ioredis's queue for the few ms until 'ready'.
 */
const PASS_THROUGH = new Set(['ready', 'connect', 'end', 'wait']);

export function redisDeadlineOptions(deadlineMs: number): Pick<RedisOptions, 'autoResendUnfulfilledCommands' | 'commandTimeout'> {
  return { autoResendUnfulfilledCommands: false, commandTimeout: deadlineMs };
}

/** Makes `client` hold its commands while the link is down, at most deadlineMs each (see the top of this file). */
export function holdCommandsWhileAway(client: Redis, deadlineMs: number, label: string): void {
  const send = client.sendCommand.bind(client) as Send;
  let held: Held[] = [];
  let sweepTimer: NodeJS.Timeout | undefined;

  const release = () => {
    const due = held;
    held = [];
    clearTimeout(sweepTimer);
    sweepTimer = undefined;
    for (const h of due) send(h.command, ...h.args);
  };
  const refuse = (h: Held, reason: string) => h.command.reject(new StoreUnavailableError(`${reason}; the ${h.command.name.toUpperCase()} command was not sent.`));

  const sweep = () => {
    sweepTimer = undefined;
    const now = Date.now();
    // Commands of one pipeline (one stream argument) are refused together: half a MULTI must never be written.
    const refusedStreams = new Set<unknown>();
    const keep: Held[] = [];
    for (const h of held) {
      const stream = h.args[0];
      if (h.deadline <= now || (stream !== undefined && refusedStreams.has(stream))) {
        if (stream !== undefined) refusedStreams.add(stream);
        refuse(h, `Redis at ${label} did not come back within ${deadlineMs / 1000} s`);
      } else keep.push(h);
    }
    held = keep;
    if (keep.length > 0) sweepTimer = setTimeout(sweep, Math.max(1, keep[0].deadline - now));
  };

  client.on('ready', release);
  client.on('end', () => {
    const gone = held;
    held = [];
    clearTimeout(sweepTimer);
    sweepTimer = undefined;
    for (const h of gone) refuse(h, `the connection to Redis at ${label} was closed`);
  });

  (client as unknown as { sendCommand: Send }).sendCommand = (command: Command, ...args: unknown[]) => {
    // Once ready, what was held goes first.
    if (held.length > 0 && client.status === 'ready') release();
    if (PASS_THROUGH.has(client.status)) return send(command, ...args);
    held.push({ command, args, deadline: Date.now() + deadlineMs });
    sweepTimer ??= setTimeout(sweep, deadlineMs);
    return command.promise;
  };
}
