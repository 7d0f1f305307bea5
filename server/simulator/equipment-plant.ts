// The demo plant's equipment: one machine model, served over OPC UA (EQ-EXTR-01, EQ-ASM-01) and Modbus TCP
// (EQ-UVB-01 unit 1, EQ-LEAK-01 unit 2), and the /_sim control the tests use to force a fault, silence a
// Modbus unit or restart the OPC UA server.
import express from 'express';
import { EquipmentModel, MACHINE_STATES, type MachineState } from './equipment-model';
import { DEMO_EQUIPMENT_TAGS, DEMO_MACHINES, OPCUA_RESOURCE_PATH } from './equipment-tags';
import { sendError } from './http-util';
import { freePort, startModbusPlc, type ModbusPlc } from './modbus-plc';
import { startOpcuaMachines, type OpcuaMachines } from './opcua-machines';

export interface EquipmentPlantOptions {
  host: string;
  opcuaPort?: number; // 0 = free port
  modbusPort?: number; // 0 = free port
  now?: () => number;
  tickMs?: number;
  /**
   * The demo: resolve once the PLC listens and let the OPC UA server finish starting behind (node-opcua loads
   * the standard nodeset, seconds on a busy machine); its port is fixed first, so the endpoint is known at once.
   */
  opcuaInBackground?: boolean;
  /** The ideal cycle of the operation the ERP plans on a machine at an instant (see EquipmentModelOptions). */
  idealCycleAt?: (equipment: string, atMs: number) => number | undefined;
}

export interface EquipmentPlant {
  model: EquipmentModel;
  /** The OPC UA server, once started (at once unless opcuaInBackground). */
  opcuaReady: Promise<OpcuaMachines>;
  modbus: ModbusPlc;
  /** opc.tcp://127.0.0.1:<port>/UA/DemoPlant */
  opcuaEndpoint: string;
  modbusHost: string;
  modbusPort: number;
  router: express.Router;
  close(): Promise<void>;
}

export async function startEquipmentPlant(opts: EquipmentPlantOptions): Promise<EquipmentPlant> {
  const now = opts.now ?? Date.now;
  const model = new EquipmentModel({ machines: DEMO_MACHINES, startMs: now(), idealCycleAt: opts.idealCycleAt });
  // Both servers start together: node-opcua's start is the slow one, the PLC's is instant.
  const startOpcua = (port: number) => startOpcuaMachines({ model, machines: DEMO_EQUIPMENT_TAGS.opcua.machines, host: opts.host, port, now, tickMs: opts.tickMs });
  // In the background the endpoint is announced before the server listens, so its port is chosen once; otherwise a
  // port taken meanwhile by another process is replaced by another free one.
  let opcuaPort = opts.opcuaPort || (await freePort(opts.host));
  const opcuaReady = opts.opcuaPort || opts.opcuaInBackground ? startOpcua(opcuaPort) : startOnFreePort(opts.host, opcuaPort, (port) => startOpcua((opcuaPort = port)));
  const [opcuaStart, modbusStart] = await Promise.allSettled([
    opts.opcuaInBackground ? Promise.resolve(undefined) : opcuaReady,
    startModbusPlc({ model, units: DEMO_EQUIPMENT_TAGS.modbus.units, host: opts.host, port: opts.modbusPort ?? 0, now }),
  ]);
  if (opcuaStart.status === 'rejected' || modbusStart.status === 'rejected') {
    // What did start is closed again, so a failed start leaves no port taken.
    await opcuaReady.then(
      (o) => o.close(),
      () => undefined,
    );
    if (modbusStart.status === 'fulfilled') await modbusStart.value.close();
    const failed = opcuaStart.status === 'rejected' ? ['OPC UA server', opcuaStart.reason] : ['Modbus PLC', (modbusStart as PromiseRejectedResult).reason];
    throw new Error(`the simulated ${failed[0] as string} did not start: ${(failed[1] as Error).message}`);
  }
  // Started behind: a failure is told, not thrown into nowhere.
  opcuaReady.catch((err: Error) => process.emitWarning(`the simulated OPC UA server did not start: ${err.message}`));
  const modbus = modbusStart.value;

  const router = express.Router();
  router.get('/_sim/machines', (_req, res) => {
    model.advance(now());
    res.json({ items: model.equipment().map((e) => model.reading(e)) });
  });
  // Body { state, durationSec }: the machine stays in that state for durationSec, then runs again.
  router.post('/_sim/machines/:equipment/state', express.json(), (req, res) => {
    const { state, durationSec } = (req.body ?? {}) as { state?: MachineState; durationSec?: number };
    if (!state || !MACHINE_STATES.includes(state)) return sendError(res, 400, `state must be one of ${MACHINE_STATES.join(', ')}`);
    if (typeof durationSec !== 'number' || !(durationSec > 0)) return sendError(res, 400, 'durationSec must be a positive number');
    if (!model.equipment().includes(req.params.equipment)) return sendError(res, 404, `no simulated machine ${req.params.equipment}`);
    model.advance(now());
    model.force(req.params.equipment, state, durationSec * 1000);
    res.json(model.reading(req.params.equipment));
  });
  // Body { answering: false } silences a Modbus unit (its requests time out); true brings it back.
  router.post('/_sim/modbus/units/:unitId', express.json(), (req, res) => {
    const unitId = Number(req.params.unitId);
    const { answering } = (req.body ?? {}) as { answering?: boolean };
    if (typeof answering !== 'boolean') return sendError(res, 400, 'answering must be true or false');
    if (!DEMO_EQUIPMENT_TAGS.modbus.units.some((u) => u.unitId === unitId)) return sendError(res, 404, `no Modbus unit ${req.params.unitId}`);
    modbus.setAnswering(unitId, answering);
    res.json({ unitId, answering });
  });
  router.post('/_sim/opcua/restart', express.json(), (req, res, next) => {
    const { downMs } = (req.body ?? {}) as { downMs?: number };
    opcuaReady.then((opcua) => opcua.restart(typeof downMs === 'number' ? downMs : 0).then(() => res.json({ restarted: true, endpoint: opcua.endpoint }))).catch(next);
  });

  let closing: Promise<void> | undefined;
  return {
    model,
    opcuaReady,
    modbus,
    opcuaEndpoint: `opc.tcp://127.0.0.1:${opcuaPort}${OPCUA_RESOURCE_PATH}`,
    modbusHost: modbus.host,
    modbusPort: modbus.port,
    router,
    close() {
      closing ??= Promise.all([
        opcuaReady.then(
          (o) => o.close(),
          () => undefined,
        ),
        modbus.close(),
      ]).then(() => undefined);
      return closing;
    },
  };
}

/**
 * A port found free can be taken by another process before node-opcua listens on it (a busy machine running
 * several suites): the server is started again on another free port, a few times, instead of failing.
 */
async function startOnFreePort<T>(host: string, firstPort: number, start: (port: number) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(attempt === 1 ? firstPort : await freePort(host));
    } catch (err) {
      const taken = (err as NodeJS.ErrnoException).code === 'EADDRINUSE' || /EADDRINUSE/.test((err as Error).message);
      if (!taken || attempt >= attempts) throw err;
    }
  }
}
