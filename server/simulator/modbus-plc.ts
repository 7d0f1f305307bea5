// The demo plant's PLC: a real Modbus TCP server (modbus-serial's ServerTCP) on loopback whose unit ids are
// machines of the shared equipment model; holding registers as in MODBUS_REGISTERS (equipment-tags.ts).
// A unit can be silenced for tests: it then never answers, as a unit behind a gateway that lost power.
import { createServer, type AddressInfo, type Server } from 'node:net';
import { ServerTCP } from 'modbus-serial';
import type { EquipmentModel } from './equipment-model';
import { MODBUS_REGISTERS, MODBUS_STATE_CODES, type ModbusUnit } from './equipment-tags';

export interface ModbusPlcOptions {
  model: EquipmentModel;
  units: ModbusUnit[];
  host?: string; // default 127.0.0.1
  port?: number; // 0 = free port
  now?: () => number;
}

export interface ModbusPlc {
  host: string;
  port: number;
  /** false: the unit stops answering (requests to it time out); true: it answers again. */
  setAnswering(unitId: number, answering: boolean): void;
  answering(unitId: number): boolean;
  /** Requests each unit answered, for tests. */
  answered(unitId: number): number;
  close(): Promise<void>;
}

// Modbus exception codes (Modbus Application Protocol v1.1b3 §7).
const ILLEGAL_DATA_ADDRESS = 0x02;
const GATEWAY_TARGET_FAILED = 0x0b;

type Callback = (err: { modbusErrorCode: number; msg: string } | null, value?: number | number[]) => void;

/** A unit's holding registers from its machine's reading. */
export function unitRegisters(model: EquipmentModel, equipment: string): number[] {
  const r = model.reading(equipment);
  const words = new Array<number>(MODBUS_REGISTERS.count).fill(0);
  words[MODBUS_REGISTERS.state] = MODBUS_STATE_CODES[r.state];
  words[MODBUS_REGISTERS.partCounter] = (r.partCounter >>> 16) & 0xffff;
  words[MODBUS_REGISTERS.partCounter + 1] = r.partCounter & 0xffff;
  words[MODBUS_REGISTERS.rejectCounter] = (r.rejectCounter >>> 16) & 0xffff;
  words[MODBUS_REGISTERS.rejectCounter + 1] = r.rejectCounter & 0xffff;
  words[MODBUS_REGISTERS.spindleSpeed] = Math.min(0xffff, Math.max(0, Math.round(r.spindleSpeed)));
  words[MODBUS_REGISTERS.temperature] = Math.round(r.temperature * 10) & 0xffff; // int16 two's complement
  return words;
}

export async function startModbusPlc(opts: ModbusPlcOptions): Promise<ModbusPlc> {
  const host = opts.host ?? '127.0.0.1';
  const now = opts.now ?? Date.now;
  const byUnit = new Map(opts.units.map((u) => [u.unitId, u.equipment]));
  const silent = new Set<number>();
  const answered = new Map<number, number>();

  const read = (addr: number, length: number, unitId: number, cb: Callback): void => {
    const equipment = byUnit.get(unitId);
    if (!equipment) return cb({ modbusErrorCode: GATEWAY_TARGET_FAILED, msg: `no unit ${unitId} on this PLC` });
    // A silenced unit swallows the request: the client sees a time-out, the hardest case for its queue.
    if (silent.has(unitId)) return;
    if (addr < 0 || addr + length > MODBUS_REGISTERS.count) {
      return cb({ modbusErrorCode: ILLEGAL_DATA_ADDRESS, msg: `unit ${unitId} has holding registers 0–${MODBUS_REGISTERS.count - 1}` });
    }
    opts.model.advance(now());
    answered.set(unitId, (answered.get(unitId) ?? 0) + 1);
    cb(null, unitRegisters(opts.model, equipment).slice(addr, addr + length));
  };
  const vector = {
    getHoldingRegister: (addr: number, unitId: number, cb: Callback) => read(addr, 1, unitId, (err, v) => cb(err, Array.isArray(v) ? v[0] : v)),
    getMultipleHoldingRegisters: (addr: number, length: number, unitId: number, cb: Callback) => read(addr, length, unitId, cb),
    // The PLC's registers are the machines' own: writes are refused.
    setRegister: (addr: number, _value: number, unitId: number, cb: Callback) => cb({ modbusErrorCode: ILLEGAL_DATA_ADDRESS, msg: `unit ${unitId} register ${addr} is read-only` }),
  };

  // ServerTCP reads port 0 as its default 502, so a free port is picked here.
  const port = opts.port ? opts.port : await freePort(host);
  // unitID 255: the server hands every unit id to the vector, which answers for the units it has.
  const server = new ServerTCP(vector as never, { host, port, unitID: 255 });
  const net = (server as unknown as { _server: Server })._server;
  await new Promise<void>((resolve, reject) => {
    server.once('initialized', () => resolve());
    server.once('serverError', reject);
  });
  // A client that drops its socket must not take the simulator down.
  server.on('socketError', () => {});
  server.on('serverError', () => {});
  server.on('error', () => {});

  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    setAnswering(unitId, on) {
      if (!byUnit.has(unitId)) throw new Error(`unitId must be one of ${[...byUnit.keys()].join(', ')}; got ${String(unitId)}`);
      if (on) silent.delete(unitId);
      else silent.add(unitId);
    },
    answering: (unitId) => byUnit.has(unitId) && !silent.has(unitId),
    answered: (unitId) => answered.get(unitId) ?? 0,
    close() {
      closing ??= new Promise<void>((resolve) => {
        // ServerTCP.close also destroys the open client sockets: the PLC going away drops them.
        if (!net.listening) return resolve();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}

/** A port free on host now (ServerTCP and node-opcua need a number before they listen). */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
