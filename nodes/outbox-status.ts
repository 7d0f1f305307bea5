// The status of a node whose work is an outbox's queue (erp-confirm, progress-push): dead letters red, retrying
// yellow, else green with the depth; read from the outbox's statistics at most every 250 ms, on its events.
import type { Outbox } from './lib/outbox/outbox';
import type { WorkflowHost } from './workflow-host';

export interface OutboxStatusOptions {
  /** The queue the status tells (read when shown: it may be opened after the status is made). */
  box(): Outbox | undefined;
  /** The red text for n dead letters (a node may name the ERP's last refusal). */
  dead?(n: number): string;
  /** The statistics could not be read: the store is down. */
  storeDown(): void;
}

export interface OutboxStatus {
  show(): void;
  /** For the host's outboxEvents: a delivery clears "retrying", a retry sets it. */
  delivered(): void;
  retrying(): void;
  /** On close: no status comes after it. */
  cancel(): void;
}

export function outboxStatus(host: WorkflowHost, options: OutboxStatusOptions): OutboxStatus {
  let timer: NodeJS.Timeout | undefined;
  let retrying = false;
  const show = () => {
    const box = options.box();
    if (!box || host.closing || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      box.stats().then((s) => {
        if (host.closing) return;
        if (s.deadLetters > 0) host.node.status({ fill: 'red', shape: 'dot', text: options.dead ? options.dead(s.deadLetters) : host.text('dead', s.deadLetters) });
        else if (retrying) host.status('yellow', 'ring', 'retrying', s.depth);
        else host.status('green', 'dot', 'ok', s.depth);
      }, options.storeDown);
    }, 250);
  };
  return {
    show,
    delivered() {
      retrying = false;
      show();
    },
    retrying() {
      retrying = true;
      show();
    },
    cancel: () => clearTimeout(timer),
  };
}
