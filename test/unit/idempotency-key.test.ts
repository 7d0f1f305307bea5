// The idempotency key as it goes to the ERP: visible ASCII keys unchanged, any other percent-encoded (reversible),
// an over-long one cut with a hash; each makes a header Node accepts.
import assert from 'node:assert/strict';
import { validateHeaderValue } from 'node:http';
import { describe, it } from 'node:test';
import { keyFromWire, MAX_WIRE_KEY_LENGTH, wireIdempotencyKey } from '../../nodes/lib/outbox/idempotency-key';

const headerOk = (value: string) => {
  validateHeaderValue('idempotency-key', value);
  return true;
};

describe('wire idempotency keys', () => {
  it('leaves keys of visible ASCII as they are', () => {
    for (const key of ['progress:WO-1:evt-7', 'plan:MO-2026-001:3', 'lagging:WO-1:29412345', 'a'.repeat(MAX_WIRE_KEY_LENGTH)]) assert.equal(wireIdempotencyKey(key), key);
  });

  it('percent-encodes non-ASCII, spaces, controls and "%" as UTF-8, reversibly, into a valid header', () => {
    for (const key of ['progress:WO-1:报工-7', 'progress:WO-1:évt 1', 'progress:WO-1:tab\there', 'progress:WO-1:100%', 'progress:WO-1:😀', 'progress:WO-1:%E6']) {
      const wire = wireIdempotencyKey(key);
      assert.match(wire, /^[\x21-\x7e]+$/, `${JSON.stringify(key)} → ${wire}`);
      assert.ok(headerOk(wire));
      assert.equal(keyFromWire(wire), key);
    }
    assert.equal(wireIdempotencyKey('progress:WO-1:报工-7'), 'progress:WO-1:%E6%8A%A5%E5%B7%A5-7');
    assert.notEqual(wireIdempotencyKey('progress:WO-1:%E6'), wireIdempotencyKey('progress:WO-1:\u00e6'), 'an ASCII key that looks encoded stays apart from the key it looks like');
  });

  it('cuts a key longer than an ERP takes to a readable start and a SHA-256 of the whole, the same every time', () => {
    const long = `progress:WO-1:${'工'.repeat(200)}`;
    const wire = wireIdempotencyKey(long);
    assert.ok(wire.length <= MAX_WIRE_KEY_LENGTH, `${wire.length} characters`);
    assert.match(wire, /^progress:WO-1:%E5%B7%A5.*~[0-9a-f]{64}$/);
    assert.equal(wireIdempotencyKey(long), wire);
    assert.notEqual(wireIdempotencyKey(`${long}x`), wire);
    assert.ok(headerOk(wire));
  });
});
