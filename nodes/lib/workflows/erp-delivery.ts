// Workflow nodes send several kinds of records to one ERP through one outbox (so per-order order holds across
// kinds): each item carries the path it goes to and its body, and is POSTed there by the plain HTTP delivery.
import type { ErpHttpClient } from '../erp/http-client';
import { httpDelivery } from '../outbox/http-delivery';
import type { Deliver } from '../outbox/outbox';
import type { OutboxItem } from '../outbox/types';

/** What a workflow node enqueues: the ERP path under the endpoint's base URL, and the JSON body. */
export interface ErpRecord {
  path: string;
  body: unknown;
}

export function routedHttpDelivery(client: ErpHttpClient): Deliver {
  const byPath = new Map<string, Deliver>();
  const single = async (item: OutboxItem) => {
    const record = item.payload as Partial<ErpRecord> | null;
    if (!record || typeof record.path !== 'string' || record.path === '') {
      return { outcome: 'reject' as const, reason: `Outbox item ${item.id} has no ERP path; it was not written by a workflow node.` };
    }
    let deliver = byPath.get(record.path);
    if (!deliver) byPath.set(record.path, (deliver = httpDelivery(client, { path: record.path })));
    const [outcome] = await deliver([{ ...item, payload: record.body }]);
    return outcome;
  };
  return (batch) => Promise.all(batch.map(single));
}
