// The two pure guards of the served surface: the shape check of a socket message (depth and rough size, walked
// without recursion) and the failed-login count per client address (a clock the test sets).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { packetShapeProblem } from '../../nodes/lib/guard/packet-shape';
import { LoginLimiter } from '../../server/login-limiter';

const limits = { maxDepth: 4, maxBytes: 200 };

function nested(depth: number): unknown {
  let v: unknown = [];
  for (let i = 1; i < depth; i++) v = [v];
  return v;
}

describe('packetShapeProblem', () => {
  it('passes a read request and a message exactly at the depth limit', () => {
    assert.equal(packetShapeProblem(['widget-send', 'approvals-page', { topic: 'pending' }], limits), undefined);
    assert.equal(packetShapeProblem(nested(4), limits), undefined);
  });

  it('names the depth limit for a message one level deeper, and for one nested 1,000,000 deep without a stack overflow', () => {
    assert.equal(packetShapeProblem(nested(5), limits), 'The message is nested deeper than 4 levels and was refused.');
    assert.equal(packetShapeProblem(nested(1_000_000), limits), 'The message is nested deeper than 4 levels and was refused.');
  });

  it('names the size limit for long strings, many keys or a wide array', () => {
    const tooBig = 'The message is larger than 200 bytes and was refused.';
    assert.equal(packetShapeProblem({ note: 'x'.repeat(200) }, limits), tooBig);
    assert.equal(packetShapeProblem(Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, 1])), limits), tooBig);
    assert.equal(packetShapeProblem(new Array(1_000_000).fill(0), limits), tooBig);
  });
});

describe('LoginLimiter', () => {
  it('refuses an address from its third failure in the window until the oldest failure leaves it, and leaves other addresses alone', () => {
    let now = 1_000_000;
    const told: Array<[string, number]> = [];
    const limiter = new LoginLimiter({ maxFailures: 3, windowMs: 60_000, now: () => now, onBlocked: (address, ms) => told.push([address, ms]) });
    limiter.fail('10.0.0.9');
    now += 10_000;
    limiter.fail('10.0.0.9');
    assert.equal(limiter.blockedFor('10.0.0.9'), 0);
    now += 10_000;
    limiter.fail('10.0.0.9');
    assert.equal(limiter.blockedFor('10.0.0.9'), 40_000, 'until the first failure is 60 s old');
    assert.deepEqual(told, [['10.0.0.9', 40_000]], 'the operator is told once');
    assert.equal(limiter.blockedFor('10.0.0.2'), 0, 'another address is not affected');
    now += 40_000;
    assert.equal(limiter.blockedFor('10.0.0.9'), 0);
  });

  it('forgets the address that failed longest ago when it remembers as many as allowed', () => {
    const limiter = new LoginLimiter({ maxFailures: 1, windowMs: 60_000, maxAddresses: 2, now: () => 5 });
    limiter.fail('a');
    limiter.fail('b');
    limiter.fail('c');
    assert.deepEqual(
      ['a', 'b', 'c'].map((x) => limiter.blockedFor(x) > 0),
      [false, true, true],
    );
  });
});
