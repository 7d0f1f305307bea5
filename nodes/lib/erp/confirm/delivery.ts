// Delivers queued confirmations to the ERP through its profile's push part (one outbox item = one
// confirmation, written once per key by the writer's lookup or the ERP's own duplicate check), and sorts
// every failure the way DESIGN §4 asks: a refusal by the ERP (HTTP 4xx other than 408/429, or an error the
// ERP put inside a 2xx answer) is permanent and goes to the dead letters with the ERP's own words; no answer,
// a timeout, 408, 429, 5xx and refused credentials (a person fixes them) are retried with back-off.
import { ErpRequestError } from '../http-client';
import type { Deliver, DeliveryOutcome } from '../../outbox/delivery';
import type { OutboxItem } from '../../outbox/types';
import type { ConfirmationWriter, PushResult } from '../profile/push';
import type { Confirmation } from '../profile/types';

export interface ConfirmationWritten {
  item: OutboxItem;
  confirmation: Confirmation;
  result: PushResult;
}

/** The sentence a flow's Catch node gets for a confirmation the ERP refused for good. */
export function refusalSentence(key: string, reason: string): string {
  return `The ERP refused confirmation ${key} for good (it went to the dead letters): ${reason.replace(/\.$/, '')}.`;
}

/** Permanent or transient, from the status the ERP answered (or none). */
export function failureOutcome(err: unknown): DeliveryOutcome {
  const message = err instanceof Error ? err.message : String(err);
  if (!(err instanceof ErpRequestError)) {
    // Not an answer from the ERP: the profile could not build the call from this confirmation (a JSONata
    // error, a missing path value). The same input fails the same way next time.
    return { outcome: 'reject', reason: message };
  }
  const status = err.status ?? 0;
  if (err.failure === 'auth' || err.failure === 'unreachable' || err.failure === 'timeout' || err.failure === 'malformed') return { outcome: 'retry', error: message };
  if (status === 408 || status === 425 || status === 429 || status >= 500) return { outcome: 'retry', error: message };
  if (err.failure === 'config') return { outcome: 'retry', error: message };
  return { outcome: 'reject', reason: message };
}

export function confirmationDelivery(writer: () => ConfirmationWriter, onWritten: (written: ConfirmationWritten) => void = () => {}): Deliver {
  const single = async (item: OutboxItem): Promise<DeliveryOutcome> => {
    const confirmation = item.payload as Confirmation;
    try {
      const result = await writer()({ ...confirmation, key: item.idempotencyKey });
      onWritten({ item, confirmation, result });
      return { outcome: 'delivered' };
    } catch (err) {
      return failureOutcome(err);
    }
  };
  // Items of one order come in order within a batch (the outbox's partition); they are written one after the
  // other so an operation's start is in the ERP before its finish.
  return async (batch) => {
    const outcomes: DeliveryOutcome[] = [];
    for (const item of batch) outcomes.push(await single(item));
    return outcomes;
  };
}
