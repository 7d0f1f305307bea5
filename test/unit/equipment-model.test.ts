// The simulated machines' model: parts at the routing's cycle time while running (slower, never faster),
// rejects at the machine's rate, states that come and go (faults and idle spells included), a forced state
// that holds for its duration, the same floor for the same seed, and the Modbus register image of a reading.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EquipmentModel } from '../../server/simulator/equipment-model';
import { DEMO_MACHINES, MODBUS_REGISTERS, stateOfCode } from '../../server/simulator/equipment-tags';
import { unitRegisters } from '../../server/simulator/modbus-plc';

const START = Date.UTC(2026, 11, 1, 0, 0, 0);
const HOUR = 3_600_000;
const model = (seed = 7) => new EquipmentModel({ machines: DEMO_MACHINES, startMs: START, seed });

describe('equipment model', () => {
  it('makes parts no faster than the ideal cycle time and loses time to idle, fault and maintenance over a shift', () => {
    const m = model();
    const start = new Map(m.equipment().map((e) => [e, m.reading(e)]));
    const seen = new Map(m.equipment().map((e) => [e, new Set<string>()]));
    const runningMs = new Map(m.equipment().map((e) => [e, 0]));
    for (let t = START; t < START + 8 * HOUR; t += 1000) {
      m.advance(t + 1000);
      for (const e of m.equipment()) {
        const r = m.reading(e);
        seen.get(e)!.add(r.state);
        if (r.state === 'running') runningMs.set(e, runningMs.get(e)! + 1000);
      }
    }
    for (const spec of DEMO_MACHINES) {
      const r = m.reading(spec.equipment);
      const made = r.partCounter - start.get(spec.equipment)!.partCounter;
      const ideal = runningMs.get(spec.equipment)! / 1000 / spec.idealCycleSec;
      assert.ok(made <= ideal + 1 && made >= ideal / 1.2, `${spec.equipment}: ${made} parts against ${Math.round(ideal)} at the ideal cycle`);
      assert.ok(runningMs.get(spec.equipment)! < 8 * HOUR, `${spec.equipment} is not running the whole shift`);
      assert.ok(seen.get(spec.equipment)!.has('idle') && seen.get(spec.equipment)!.has('fault'), `${spec.equipment} had idle and fault spells: ${[...seen.get(spec.equipment)!]}`);
      const rejects = r.rejectCounter - start.get(spec.equipment)!.rejectCounter;
      assert.ok(Math.abs(rejects / made - spec.rejectRate) < spec.rejectRate, `${spec.equipment}: ${rejects} rejects of ${made}`);
    }
  });

  it('runs each product at the ideal cycle of the operation the ERP plans on the machine, never faster', () => {
    // The extruder's spec says 0.9 s; the plan puts a 1.5 s operation on it for the first 100 s, then nothing.
    const m = new EquipmentModel({ machines: DEMO_MACHINES, startMs: START, seed: 7, idealCycleAt: (e, at) => (e === 'EQ-EXTR-01' && at < START + 100_000 ? 1.5 : undefined) });
    const first = m.reading('EQ-EXTR-01');
    assert.equal(first.state, 'running', 'a machine starts running, for 180 s at least');
    for (let t = START + 1000; t <= START + 100_000; t += 1000) m.advance(t);
    const planned = m.reading('EQ-EXTR-01').partCounter - first.partCounter;
    // 100 s at 1.5 s × a slowdown of 1.02–1.12: 100 / 1.68 = 59.5 … 100 / 1.53 = 65.4 parts.
    assert.ok(planned >= 59 && planned <= 66, `${planned} parts in 100 s at 1.5 s a part`);
    for (let t = START + 101_000; t <= START + 150_000; t += 1000) m.advance(t);
    const unplanned = m.reading('EQ-EXTR-01').partCounter - first.partCounter - planned;
    // 50 s at the spec's 0.9 s with the same spell's slowdown: 50 / 1.008 = 49.6 … 50 / 0.918 = 54.5 parts.
    assert.ok(unplanned >= 49 && unplanned <= 55, `${unplanned} parts in 50 s at 0.9 s a part`);
  });

  it('is the same floor for the same seed and clock', () => {
    const a = model(11);
    const b = model(11);
    for (let t = START; t <= START + HOUR; t += 500) {
      a.advance(t);
      b.advance(t);
    }
    for (const e of a.equipment()) assert.deepEqual(a.reading(e), b.reading(e));
    const c = model(12);
    c.advance(START + HOUR);
    assert.notDeepEqual(c.reading('EQ-EXTR-01'), a.reading('EQ-EXTR-01'), 'another seed, another floor');
  });

  it('holds a forced fault for its duration, with the spindle stopped, then runs again', () => {
    const m = model();
    m.advance(START + 1000);
    m.force('EQ-EXTR-01', 'fault', 60_000);
    m.advance(START + 30_000);
    const during = m.reading('EQ-EXTR-01');
    assert.equal(during.state, 'fault');
    assert.equal(during.spindleSpeed, 0);
    assert.equal(during.stateSince, START + 1000);
    m.advance(START + 62_000);
    assert.equal(m.reading('EQ-EXTR-01').state, 'running');
    assert.throws(() => m.force('EQ-EXTR-01', 'broken' as never, 1000), /state must be one of running, idle, fault, maintenance/);
    assert.throws(() => m.force('EQ-NONE', 'fault', 1000), /no simulated machine EQ-NONE/);
  });

  it('writes a reading into the documented holding registers, counters high word first', () => {
    const m = model();
    m.advance(START + 10 * HOUR);
    const r = m.reading('EQ-LEAK-01');
    const w = unitRegisters(m, 'EQ-LEAK-01');
    assert.equal(w.length, MODBUS_REGISTERS.count);
    assert.equal(stateOfCode(w[MODBUS_REGISTERS.state]), r.state);
    assert.equal(w[MODBUS_REGISTERS.partCounter] * 65536 + w[MODBUS_REGISTERS.partCounter + 1], r.partCounter);
    assert.equal(w[MODBUS_REGISTERS.rejectCounter] * 65536 + w[MODBUS_REGISTERS.rejectCounter + 1], r.rejectCounter);
    assert.equal(((w[MODBUS_REGISTERS.temperature] << 16) >> 16) / 10, r.temperature);
  });
});
