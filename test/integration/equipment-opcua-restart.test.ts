// The simulated OPC UA server restarted mid-run under the equipment tab's contrib OpcUa-Client: the one
// subscription comes back by itself, every monitored item once (no doubled values), and the watchdog's
// status tells the outage while it lasts — for a quick reboot (the client's own reconnection repairs the
// subscription) and for an outage longer than the watchdog's limit (the watchdog has the client reconnect
// and subscribes the new session once).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEMO_EQUIPMENT_TAGS } from '../../server/simulator/equipment-tags';
import { assertEquipmentSignal } from '../support/equipment-signal';
import { eventually } from '../support/temp';
import { useEquipmentFlow, type Signal } from './equipment-fixture';

const MACHINES = DEMO_EQUIPMENT_TAGS.opcua.machines;
const opcua = (s: Signal[]) => s.filter((x) => x.source === 'opcua');
const FIELDS = ['state', 'partCounter', 'rejectCounter', 'spindleSpeed', 'temperature'] as const;

/** Two notifications of one tag with the same value and source time: a monitored item held twice. */
function doubled(signals: Signal[]): string[] {
  const last = new Map<string, string>();
  const found: string[] = [];
  for (const s of opcua(signals)) {
    for (const field of FIELDS) {
      if (!(field in s)) continue;
      const key = `${s.equipment}.${field}`;
      const seen = `${String(s[field])}@${s.at}`;
      if (last.get(key) === seen) found.push(`${key} ${seen}`);
      last.set(key, seen);
    }
  }
  return found;
}

describe('equipment tab when the OPC UA server restarts', () => {
  const f = useEquipmentFlow({ publishMs: 200, modbusRateMs: 500, staleMs: 3000, reconnectEveryMs: 4000 });

  async function everyMachineChangesStateOnce(): Promise<void> {
    const from = f.signals.length;
    for (const m of MACHINES) assert.equal((await f.control(`machines/${m}/state`, { state: 'fault', durationSec: 1 })).status, 200);
    // Fault for a second, then running again: both changes arrive, the fault exactly once per machine.
    for (const m of MACHINES) {
      await eventually(
        () => {
          const states = opcua(f.signals.slice(from))
            .filter((s) => s.equipment === m && s.state)
            .map((s) => s.state);
          return states.includes('fault') && states.at(-1) === 'running';
        },
        `${m} fault and back to running`,
        15_000,
      );
      assert.equal(opcua(f.signals.slice(from)).filter((s) => s.equipment === m && s.state === 'fault').length, 1, `${m}: one fault notification`);
    }
  }

  it('after a quick reboot every monitored item delivers again, once', async () => {
    await eventually(() => f.lastStatus('opcua-watchdog')?.fill === 'green', 'the subscription live', 20_000);
    await everyMachineChangesStateOnce();
    await (await f.equipment.opcuaReady).restart(500);
    const after = f.signals.length;
    await eventually(() => MACHINES.every((m) => opcua(f.signals.slice(after)).some((s) => s.equipment === m && 'partCounter' in s)), 'part counters after the restart', 30_000);
    await everyMachineChangesStateOnce();
    assert.deepEqual(doubled(f.signals), []);
    for (const s of f.signals) assertEquipmentSignal(s);
    assert.equal(f.lastStatus('opcua-watchdog')?.fill, 'green');
  });

  it('after an outage longer than the watchdog allows, the watchdog reconnects and subscribes once', async () => {
    await eventually(() => f.lastStatus('opcua-watchdog')?.fill === 'green', 'the subscription live', 20_000);
    const statusesBefore = f.statuses.get('opcua-watchdog')?.length ?? 0;
    const restarted = (await f.equipment.opcuaReady).restart(7000);
    // While the server is away the watchdog says so; the data stops.
    await eventually(() => (f.statuses.get('opcua-watchdog') ?? []).slice(statusesBefore).some((s) => s.fill !== 'green'), 'the watchdog showing the outage', 15_000);
    await restarted;
    const after = f.signals.length;
    await eventually(() => MACHINES.every((m) => opcua(f.signals.slice(after)).some((s) => s.equipment === m && 'partCounter' in s)), 'part counters after the restart', 40_000);
    await everyMachineChangesStateOnce();
    assert.deepEqual(doubled(f.signals), []);
    await eventually(() => f.lastStatus('opcua-watchdog')?.fill === 'green', 'the watchdog live again');
    // What Catch saw is the truth about the outage: the client's failed connects while the server was away.
    for (const e of f.errors) {
      assert.equal((e.error as { source?: { id?: string } }).source?.id, 'opcua-client');
      assert.match(e.error.message, /endpoint|connection/i);
    }
  });
});
