// The OPC UA watchdog's state machine on a hand-driven clock: one subscribe per new session or lost subscription,
// none into a live one; a reconnect when nothing (not even a keep-alive) came for staleMs, throttled by
// reconnectEveryMs; the phase it shows at each step.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OpcuaWatchdog, watchdogOptions } from '../../nodes/lib/equipment';

const OPTIONS = { staleMs: 3000, reconnectEveryMs: 5000 };

describe('OPC UA watchdog', () => {
  it('subscribes once when the session becomes active and goes live with the first keep-alive or value', () => {
    const w = new OpcuaWatchdog(OPTIONS, 0);
    assert.equal(w.view(0).phase, 'connecting');
    assert.equal(w.status('create client', 10), null);
    assert.equal(w.status('session active', 100), 'subscribe');
    assert.equal(w.view(100).phase, 'subscribing');
    assert.equal(w.status('subscribed', 200), null);
    assert.equal(w.view(200).phase, 'live');
    w.value(300);
    assert.equal(w.status('keepalive', 1000), null);
    assert.deepEqual(w.view(1000), { phase: 'live', silentSec: 0, subscribes: 1, reconnects: 0, values: 1 });
  });

  it('subscribes again when the subscription is terminated in a live session, not while reconnecting', () => {
    const w = new OpcuaWatchdog(OPTIONS, 0);
    w.status('session active', 0);
    w.value(100);
    assert.equal(w.status('terminated', 200), 'subscribe');
    w.value(300);
    assert.equal(w.status('reconnect', 400), null);
    assert.equal(w.view(400).phase, 'connecting');
    // node-opcua's own reconnection repairs the subscription: a terminated notice meanwhile is no cause to resubscribe.
    assert.equal(w.status('terminated', 500), null);
    assert.equal(w.status('subscription error', 600), null);
    assert.equal(w.status('keepalive', 700), null);
    w.value(800);
    assert.equal(w.view(800).phase, 'live');
    assert.equal(w.view(800).subscribes, 2);
  });

  it('shows a live subscription gone quiet as silent, then reconnects once per reconnectEveryMs', () => {
    const w = new OpcuaWatchdog(OPTIONS, 0);
    w.status('session active', 0);
    w.value(1000);
    assert.equal(w.tick(4000), null); // 3000 ms quiet: not more than staleMs yet
    assert.deepEqual(w.view(4500), { phase: 'silent', silentSec: 4, subscribes: 1, reconnects: 0, values: 1 });
    assert.equal(w.tick(4500), 'reconnect');
    assert.equal(w.view(4500).phase, 'connecting');
    // The reconnect gets staleMs before the session is called dead again, and reconnects are throttled.
    assert.equal(w.tick(7000), null);
    assert.equal(w.tick(8000), null); // quiet for 3500 > staleMs, but only 3500 ms since the last reconnect
    assert.equal(w.tick(9600), 'reconnect');
    assert.equal(w.view(9600).reconnects, 2);
    // The new session is subscribed once.
    assert.equal(w.status('session active', 9800), 'subscribe');
    w.value(9900);
    assert.equal(w.tick(12000), null);
    assert.equal(w.view(12000).phase, 'live');
  });

  it('reconnects a client that never got a session', () => {
    const w = new OpcuaWatchdog(OPTIONS, 0);
    w.status('connecting', 10);
    assert.equal(w.tick(3000), null);
    assert.equal(w.tick(3001), 'reconnect');
  });

  it('refuses settings that cannot work, naming the setting', () => {
    assert.deepEqual(watchdogOptions('10000', 20000), { staleMs: 10000, reconnectEveryMs: 20000 });
    assert.throws(() => watchdogOptions(50, 1000), /staleMs must be at least 100 ms, not 50/);
    assert.throws(() => watchdogOptions(3000, 1000), /reconnectEveryMs must be at least staleMs \(3000 ms\), not 1000/);
    assert.throws(() => watchdogOptions('x', 1000), /staleMs must be at least 100 ms, not "x"/);
  });
});
