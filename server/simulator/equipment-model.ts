// The demo plant's machines as one model that both the OPC UA server and the Modbus PLC publish, so the
// two protocols can never tell different stories about the same floor. Time is explicit (advance(nowMs)) and
// randomness comes from a seeded PRNG, so the same seed and clock give the same floor in every run and test.
import { createPrng, type Prng } from './seed';

export type MachineState = 'running' | 'idle' | 'fault' | 'maintenance';
export const MACHINE_STATES: readonly MachineState[] = ['running', 'idle', 'fault', 'maintenance'];

export interface MachineSpec {
  equipment: string; // MES equipment code
  name: string;
  /** Ideal seconds per part: the routing's std time per unit of the operation the machine runs. */
  idealCycleSec: number;
  nominalSpeedRpm: number;
  nominalTemperatureC: number;
  /** Share of parts that fail inspection at the machine. */
  rejectRate: number;
}

export interface MachineReading {
  equipment: string;
  state: MachineState;
  /** Cumulative good + bad parts. */
  partCounter: number;
  rejectCounter: number;
  spindleSpeed: number; // rpm
  temperature: number; // °C
  /** When the state last changed (ms since epoch). */
  stateSince: number;
}

interface Segment {
  state: MachineState;
  until: number; // ms since epoch
}

interface Machine {
  spec: MachineSpec;
  reading: MachineReading;
  segment: Segment;
  /** Part of the current cycle done, 0..1. */
  cycleDone: number;
  /** This running spell's slowdown factor over the ideal cycle (≥ 1): the speed loss OEE sees. */
  slowdown: number;
}

export interface EquipmentModelOptions {
  machines: MachineSpec[];
  seed?: number;
  startMs: number;
  /**
   * The ideal seconds per part of the operation planned on the machine at an instant (the ERP's routing), when
   * one is: a real machine runs each product at that product's speed. Else the spec's idealCycleSec.
   */
  idealCycleAt?: (equipment: string, atMs: number) => number | undefined;
}

const AMBIENT_C = 25;
const SEC = 1000;
/** How long a state lasts, [min, max] seconds, and what follows running (the rest after running is idle). */
const DURATION_SEC: Record<MachineState, [number, number]> = { running: [180, 720], idle: [20, 120], fault: [30, 180], maintenance: [120, 300] };
const AFTER_RUNNING = { fault: 0.2, maintenance: 0.05 };

export class EquipmentModel {
  private readonly machines = new Map<string, Machine>();
  private readonly rng: Prng;
  private readonly idealCycleAt: EquipmentModelOptions['idealCycleAt'];
  private now: number;

  constructor(opts: EquipmentModelOptions) {
    this.rng = createPrng(opts.seed ?? 20261201);
    this.idealCycleAt = opts.idealCycleAt;
    this.now = opts.startMs;
    for (const spec of opts.machines) {
      const reading: MachineReading = {
        equipment: spec.equipment,
        state: 'running',
        // A plausible shift's worth already on the counters, different per machine.
        partCounter: Math.round(3600 / spec.idealCycleSec) + Math.floor(this.rng() * 1000),
        rejectCounter: 0,
        spindleSpeed: spec.nominalSpeedRpm,
        temperature: spec.nominalTemperatureC,
        stateSince: opts.startMs,
      };
      reading.rejectCounter = Math.round(reading.partCounter * spec.rejectRate);
      this.machines.set(spec.equipment, { spec, reading, segment: this.draw('running', opts.startMs), cycleDone: 0, slowdown: this.slowdown() });
    }
  }

  equipment(): string[] {
    return [...this.machines.keys()];
  }

  /** The machine's reading at the model's current time (advance first). */
  reading(equipment: string): MachineReading {
    return { ...this.machine(equipment).reading };
  }

  get time(): number {
    return this.now;
  }

  /** Moves every machine forward to nowMs (a clock going backwards is ignored). */
  advance(nowMs: number): void {
    if (nowMs <= this.now) return;
    for (const m of this.machines.values()) {
      let t = this.now;
      while (t < nowMs) {
        const until = Math.min(nowMs, m.segment.until);
        this.run(m, t, until);
        t = until;
        if (t >= m.segment.until) this.next(m, t);
      }
    }
    this.now = nowMs;
  }

  /**
   * Puts a machine in a state for durationMs from now (tests and the /_sim control: a fault on demand);
   * afterwards it goes back to running.
   */
  force(equipment: string, state: MachineState, durationMs: number): void {
    if (!MACHINE_STATES.includes(state)) throw new Error(`state must be one of ${MACHINE_STATES.join(', ')}; got ${String(state)}`);
    if (!Number.isFinite(durationMs) || durationMs <= 0) throw new Error(`durationMs must be a positive number; got ${String(durationMs)}`);
    const m = this.machine(equipment);
    this.enter(m, { state, until: this.now + durationMs }, this.now);
  }

  private machine(equipment: string): Machine {
    const m = this.machines.get(equipment);
    if (!m) throw new Error(`no simulated machine ${equipment}; the plant has ${[...this.machines.keys()].join(', ')}`);
    return m;
  }

  /** Parts made, speed and temperature over [from, to) in one state. */
  private run(m: Machine, from: number, to: number): void {
    const dtSec = (to - from) / SEC;
    const r = m.reading;
    const { spec } = m;
    if (r.state === 'running') {
      const planned = this.idealCycleAt?.(spec.equipment, from);
      const ideal = planned !== undefined && planned > 0 ? planned : spec.idealCycleSec;
      m.cycleDone += dtSec / (ideal * m.slowdown);
      while (m.cycleDone >= 1) {
        m.cycleDone -= 1;
        r.partCounter = (r.partCounter + 1) >>> 0;
        if (this.rng() < spec.rejectRate) r.rejectCounter = (r.rejectCounter + 1) >>> 0;
      }
      r.spindleSpeed = Math.round((spec.nominalSpeedRpm / m.slowdown) * (0.99 + this.rng() * 0.02));
    } else {
      r.spindleSpeed = 0;
    }
    // First-order heating towards the nominal temperature while running, cooling to ambient otherwise (τ = 5 min).
    const target = r.state === 'running' ? spec.nominalTemperatureC : AMBIENT_C;
    r.temperature = Math.round((target + (r.temperature - target) * Math.exp(-dtSec / 300)) * 10) / 10;
  }

  private next(m: Machine, at: number): void {
    if (m.reading.state !== 'running') {
      this.enter(m, this.draw('running', at), at);
      return;
    }
    const p = this.rng();
    const state: MachineState = p < AFTER_RUNNING.fault ? 'fault' : p < AFTER_RUNNING.fault + AFTER_RUNNING.maintenance ? 'maintenance' : 'idle';
    this.enter(m, this.draw(state, at), at);
  }

  private enter(m: Machine, segment: Segment, at: number): void {
    if (segment.state !== m.reading.state) m.reading.stateSince = at;
    if (segment.state === 'running') m.slowdown = this.slowdown();
    m.reading.state = segment.state;
    m.segment = segment;
  }

  private draw(state: MachineState, at: number): Segment {
    const [min, max] = DURATION_SEC[state];
    return { state, until: at + Math.round((min + this.rng() * (max - min)) * SEC) };
  }

  /** 2–12 % slower than ideal: a real line rarely holds its standard. */
  private slowdown(): number {
    return 1.02 + this.rng() * 0.1;
  }
}
