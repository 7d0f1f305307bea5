// The outboxes open in this process, with the labels they are reported under (the ERP endpoint), so the
// server's /metrics and its dead-letter API can find them without knowing which nodes made them.
import type { Outbox } from './outbox';

export interface OutboxLabels {
  /** The ERP endpoint's name (or node id): never its address, which /metrics would show to every scraper. */
  endpoint: string;
}

const open = new Map<string, { outbox: Outbox; labels: OutboxLabels }>();

export function registerOutbox(outbox: Outbox, labels: OutboxLabels): void {
  open.set(outbox.name, { outbox, labels });
}

export function unregisterOutbox(outbox: Outbox): void {
  if (open.get(outbox.name)?.outbox === outbox) open.delete(outbox.name);
}

export function registeredOutboxes(): Array<{ outbox: Outbox; labels: OutboxLabels }> {
  return [...open.values()];
}

export function registeredOutbox(name: string): { outbox: Outbox; labels: OutboxLabels } | undefined {
  return open.get(name);
}
