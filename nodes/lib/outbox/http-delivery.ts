// Delivers outbox items to an ERP as JSON over its endpoint's HTTP client: one POST per item with an
// Idempotency-Key header, or, where the ERP takes them, batches of {idempotencyKey, update} answered item by
// item. How each answer maps onto the outbox: 2xx (and 409 "already have it") delivered; 408, 429, 5xx and
// transport failures retried (Retry-After honoured); any other 4xx refused for good, with the ERP's words.
import { ErpRequestError, type ErpHttpClient, type RawAnswer } from '../erp/http-client';
import type { Deliver, DeliveryOutcome } from './outbox';
import { wireIdempotencyKey } from './idempotency-key';
import { payloadJson, storedPayloadJson } from './stored-payload';
import type { OutboxItem } from './types';

export interface HttpDeliveryOptions {
  /** Path under the endpoint's base URL for one item, e.g. "progress-updates". */
  path: string;
  /** Path for a batch; unset = the ERP takes one item per call. */
  batchPath?: string;
}

const RETRYABLE = new Set([408, 425, 429]);

function retryAfterMs(answer: RawAnswer): number | undefined {
  const header = answer.headers['retry-after'];
  const text = Array.isArray(header) ? header[0] : header;
  if (!text) return undefined;
  const seconds = Number(text);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** The ERP's own words from an error answer ({error} / {message} / text), short. */
function erpWords(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown };
    const said = parsed.error ?? parsed.message;
    if (typeof said === 'string') return said;
  } catch {
    // not JSON: the text itself
  }
  return body.trim().slice(0, 300);
}

function outcomeOf(client: ErpHttpClient, url: URL, answer: RawAnswer): DeliveryOutcome {
  const { status, statusText } = answer;
  if ((status >= 200 && status < 300) || status === 409) return { outcome: 'delivered' };
  const where = client.where(url);
  const words = erpWords(answer.body);
  const said = `${where} answered HTTP ${status} ${statusText}${words ? `: ${words}` : ''}`;
  if (status >= 500 || RETRYABLE.has(status) || status === 401 || status === 403) {
    // Wrong credentials get fixed by a person; until then the items wait (and back off) rather than die.
    return { outcome: 'retry', error: said, retryAfterMs: retryAfterMs(answer) };
  }
  return { outcome: 'reject', reason: said };
}

function transportFailure(err: unknown): DeliveryOutcome {
  return { outcome: 'retry', error: err instanceof ErpRequestError ? err.message : (err as Error).message };
}

/** The stored JSON text is the body as it is (not parsed and serialised again): say it is JSON. */
const JSON_BODY = { 'content-type': 'application/json; charset=utf-8' };

/** {"items": [{"idempotencyKey", "update"}, …]} put together from the items' stored JSON text. */
function batchBody(batch: readonly OutboxItem[]): string {
  const parts = batch.map((item) => `{"idempotencyKey":${JSON.stringify(wireIdempotencyKey(item.idempotencyKey))},"update":${payloadJson(item)}}`);
  return `{"items":[${parts.join(',')}]}`;
}

export function httpDelivery(client: ErpHttpClient, options: HttpDeliveryOptions): Deliver {
  const single = async (item: OutboxItem): Promise<DeliveryOutcome> => {
    const url = client.url(options.path);
    try {
      const stored = storedPayloadJson(item);
      const key = wireIdempotencyKey(item.idempotencyKey);
      const answer =
        stored === undefined
          ? await client.request({ method: 'POST', url, headers: { 'idempotency-key': key }, body: item.payload })
          : await client.request({ method: 'POST', url, headers: { 'idempotency-key': key, ...JSON_BODY }, body: stored });
      return outcomeOf(client, url, answer);
    } catch (err) {
      return transportFailure(err);
    }
  };
  if (!options.batchPath) return (batch) => Promise.all(batch.map(single));

  const batchPath = options.batchPath;
  return async (batch) => {
    if (batch.length === 1) return [await single(batch[0])];
    const url = client.url(batchPath);
    let answer: RawAnswer;
    try {
      answer = await client.request({ method: 'POST', url, headers: JSON_BODY, body: batchBody(batch) });
    } catch (err) {
      return batch.map(() => transportFailure(err));
    }
    const whole = outcomeOf(client, url, answer);
    if (whole.outcome !== 'delivered' || answer.status === 409) return batch.map(() => whole);
    let results: Array<{ idempotencyKey?: unknown; status?: unknown; error?: unknown }>;
    try {
      results = (JSON.parse(answer.body) as { results: typeof results }).results;
      if (!Array.isArray(results)) throw new Error('no results array');
    } catch (err) {
      const error = `${client.where(url)} answered the batch without a results list (${(err as Error).message}).`;
      return batch.map(() => ({ outcome: 'retry', error }));
    }
    const byKey = new Map(results.map((r) => [String(r.idempotencyKey), r]));
    return batch.map((item): DeliveryOutcome => {
      const result = byKey.get(wireIdempotencyKey(item.idempotencyKey));
      if (!result) return { outcome: 'retry', error: `${client.where(url)} did not answer for item ${item.idempotencyKey} of the batch.` };
      if (result.status === 'accepted' || result.status === 'duplicate') return { outcome: 'delivered' };
      return { outcome: 'reject', reason: `${client.where(url)} refused ${item.idempotencyKey}: ${String(result.error ?? result.status)}` };
    });
  };
}
