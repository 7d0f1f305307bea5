// What erp-confirm takes from the MES: one confirmation or a list of them, each checked against
// schemas/confirmation.schema.json before anything is queued (a list is all or nothing, so an MES that gets
// an error can send the same list again), then queued durably, in order per production order.
import { validate } from '../../validation';
import type { Outbox } from '../../outbox/outbox';
import type { Confirmation } from '../profile/types';

export class ConfirmationRefused extends Error {
  override toString(): string {
    return this.message;
  }
}

/** The confirmations in a payload, checked; throws one sentence naming the first wrong field. */
export function confirmationsOf(payload: unknown): Confirmation[] {
  const list = Array.isArray(payload) ? payload : [payload];
  if (list.length === 0) throw new ConfirmationRefused('The confirmation list is empty: send one confirmation or a list of them.');
  list.forEach((c, i) => {
    const check = validate('confirmation', c, Array.isArray(payload) ? `payload[${i}]` : 'payload');
    if (!check.ok) throw new ConfirmationRefused(`The confirmation was refused: ${check.message}.`);
  });
  return list as Confirmation[];
}

/** Queues each confirmation under its order (partition) and key; resolves when all are durable. */
export async function queueConfirmations(outbox: Outbox, confirmations: readonly Confirmation[]): Promise<Array<{ id: string; key: string }>> {
  const items = await Promise.all(confirmations.map((c) => outbox.enqueue({ partition: c.orderNo, idempotencyKey: c.key, payload: c })));
  return items.map((item, i) => ({ id: item.id, key: confirmations[i].key }));
}
