import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DeliveredWindow, compareWatermarks } from '../../nodes/lib/legacy-db/delivered-window';

describe('DeliveredWindow', () => {
  it('remembers a row version by key and watermark; an updated row (new watermark) is not remembered', () => {
    const window = new DeliveredWindow();
    window.add('PO-1', '2026-11-20 08:00:00.000000');
    assert.equal(window.has('PO-1', '2026-11-20 08:00:00.000000'), true);
    assert.equal(window.has('PO-1', '2026-11-20 08:00:00.000001'), false);
    assert.equal(window.has('PO-2', '2026-11-20 08:00:00.000000'), false);
    assert.equal(window.size, 1);
  });

  it('treats one instant written with different fraction lengths as the same watermark', () => {
    const window = new DeliveredWindow();
    window.add('PO-1', '2026-11-20 08:00:00.5');
    assert.equal(window.has('PO-1', '2026-11-20 08:00:00.500000'), true);
    window.add(7, 1001);
    assert.equal(window.has('7', '1001'), true);
  });

  it('prune forgets versions below the lower bound and keeps the bound itself', () => {
    const window = new DeliveredWindow();
    window.add('A', '2026-11-20 07:59:59.999999');
    window.add('B', '2026-11-20 08:00:00');
    window.add('C', '2026-11-20 08:30:00.000000');
    assert.equal(window.prune('2026-11-20 08:00:00.000000'), 1);
    assert.equal(window.has('A', '2026-11-20 07:59:59.999999'), false);
    assert.equal(window.has('B', '2026-11-20 08:00:00'), true);
    assert.equal(window.size, 2);
  });

  it('survives a round trip through JSON (as the bridge-store keeps it), oldest watermark first', () => {
    const window = new DeliveredWindow();
    window.add('PO-2', '2026-11-20 08:10:00.000000');
    window.add('生产订单-1', '2026-11-20 08:00:00.000000');
    const stored = JSON.parse(JSON.stringify(window));
    assert.deepEqual(stored, {
      entries: [
        ['2026-11-20 08:00:00.000000', '生产订单-1'],
        ['2026-11-20 08:10:00.000000', 'PO-2'],
      ],
    });
    const restored = DeliveredWindow.fromJSON(stored);
    assert.equal(restored.has('生产订单-1', '2026-11-20 08:00:00.000000'), true);
    assert.equal(restored.has('PO-2', '2026-11-20 08:10:00.000000'), true);
    assert.equal(DeliveredWindow.fromJSON(undefined).size, 0);
  });

  it('refuses stored state it did not write, naming the bad entry', () => {
    assert.throws(() => DeliveredWindow.fromJSON({}), /has no entries list/);
    assert.throws(() => DeliveredWindow.fromJSON({ entries: [['2026-11-20 08:00:00', 'A'], ['x']] }), /entry 1 is not a \[watermark, key\] pair: \["x"\]/);
  });
});

describe('compareWatermarks', () => {
  it('orders datetime texts by instant, numbers numerically, big integers digit by digit', () => {
    assert.ok(compareWatermarks('2026-11-20 08:00:00.9', '2026-11-20 08:00:00.10') > 0);
    assert.equal(compareWatermarks('2026-11-20 08:00:00', '2026-11-20T08:00:00.000'), 0);
    assert.ok(compareWatermarks(9, 10) < 0);
    assert.ok(compareWatermarks('9', '10') < 0);
    assert.ok(compareWatermarks('18446744073709551615', '18446744073709551614') > 0);
    assert.ok(compareWatermarks('-18446744073709551615', '18446744073709551614') < 0);
  });
});
