// A node's status under load: the first update shows at once, those within the interval come together as the
// latest one at its end, and a cancelled one never shows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statusThrottle } from '../../nodes/lib/status-throttle';
import { eventually } from '../support/temp';

describe('status throttle', () => {
  it('shows the first value at once and only the latest of those that follow within the interval', async () => {
    const shown: number[] = [];
    const status = statusThrottle((n: number) => shown.push(n), 50);
    status.show(1);
    assert.deepEqual(shown, [1]);
    for (let n = 2; n <= 100; n++) status.show(n);
    assert.deepEqual(shown, [1], 'nothing more within the interval');
    await eventually(() => shown.length === 2, 'the latest value at the end of the interval');
    assert.deepEqual(shown, [1, 100]);
    status.cancel();
  });

  it('drops a waiting value when cancelled', () => {
    const shown: string[] = [];
    const status = statusThrottle((s: string) => shown.push(s), 20);
    status.show('ready');
    status.show('stored 5');
    status.cancel();
    // The interval ended with the cancel: a fresh value shows at once, the dropped one is gone.
    status.show('stored 6');
    assert.deepEqual(shown, ['ready', 'stored 6']);
    status.cancel();
  });
});
