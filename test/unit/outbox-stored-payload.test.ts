// Items read back from an outbox store keep the stored JSON text for the delivery and parse their payload only
// when it is read; a copy with another payload, or a payload read (and maybe changed in place), is serialised
// afresh, so what reaches the ERP is always the payload the item has.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { payloadJson, storedPayloadJson, withStoredPayload } from '../../nodes/lib/outbox/stored-payload';

const read = () => withStoredPayload({ id: '1', outbox: 'erp', partition: 'MO-1', idempotencyKey: 'k1', enqueuedAt: 0, attempts: 0, nextAttemptAt: 0 }, '{"qty":5,"op":"0010"}');

describe('an outbox item with its stored payload', () => {
  it('hands the stored text to the delivery as it is, and parses the payload when it is read', () => {
    const item = read();
    assert.equal(payloadJson(item), '{"qty":5,"op":"0010"}');
    assert.deepEqual(item.payload, { qty: 5, op: '0010' });
    assert.deepEqual({ ...item }.payload, { qty: 5, op: '0010' }, 'a spread copies the parsed payload');
  });

  it('serialises a copy with another payload from that payload, not from the stored text', () => {
    const copy = { ...read(), payload: { body: 'only this' } };
    assert.equal(storedPayloadJson(copy), undefined);
    assert.equal(payloadJson(copy), '{"body":"only this"}');
  });

  it('lets the stored text go once the payload was read or replaced, so a change in place is sent', () => {
    const item = read();
    (item.payload as { qty: number }).qty = 6;
    assert.equal(payloadJson(item), '{"qty":6,"op":"0010"}');
    const other = read();
    other.payload = { qty: 7 };
    assert.equal(payloadJson(other), '{"qty":7}');
  });
});
