// The demo plant on one HTTP server: the ERP under /erp, the MES under /mes. The product's nodes
// reach it over real HTTP exactly as they would reach a plant's systems, faults included.
import express from 'express';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimulatedErp, type LiveChange } from './erp';
import { SimulatedMes } from './mes';
import type { WebhookTarget } from './mes-reports';
import { MesCostReporter } from './mes-costs';
import { MesInspector } from './mes-quality';
import { sendError } from './http-util';
import { createPrng } from './seed';
import { demoCodeTable } from './demo-master-data';
import { createErpnextDialect } from './dialects/erpnext';
import { createKingdeeDialect } from './dialects/kingdee';
import { createOdooDialect } from './dialects/odoo';
import { createSapDialect } from './dialects/sap';
import { listen } from '../listen';
import { startEquipmentPlant, type EquipmentPlant } from './equipment-plant';
import { plannedCycleLookup } from './planned-cycles';

export { SimulatedErp, type ErpFault, type LiveChange } from './erp';
export { SimulatedMes, type ReceivedWorkOrder, type ReceiveOutcome } from './mes';
export { progressAt, type OperationProgress } from './mes-progress';
export { MesReporter, lotOf, type ProgressReport, type WebhookTarget } from './mes-reports';
export { demoCodeTable, demoCodeTableCsv, type DemoCodeEntry } from './demo-master-data';
export type { ProductionOrder, ProductionOrderInput, WorkOrder } from './types';

export interface PlantSimulatorOptions {
  host?: string; // default 127.0.0.1
  port?: number; // 0 = random free port
  seedOrders?: number; // default 24
  erpUser?: string; // default 'erp-bridge'
  erpPassword?: string; // default 'demo-erp-pass'
  mesToken?: string; // default 'demo-mes-token'
  /** 0 = off (tests); the demo uses e.g. 20000: each tick revises an order or releases a new one. */
  liveChangesEveryMs?: number;
  now?: () => Date;
  /** Called after each live change, e.g. for the demo's log. */
  onLiveChange?: (change: LiveChange) => void;
  /** 'tomorrow' (default): the seeded plan starts tomorrow 08:00; 'now': it started hours ago, so the floor is busy. */
  planFrom?: 'tomorrow' | 'now';
  /** 0 = off (tests drive reports by hand); the demo uses e.g. 5000: the MES reports the floor's progress. */
  mesReportsEveryMs?: number;
  /** Where the MES posts its job reports (the bridge's webhook). */
  mesWebhook?: WebhookTarget;
  /** Where the MES posts its time logs (labour and machine hours, schema cost-event). */
  mesCostWebhook?: WebhookTarget;
  /** The machines over OPC UA and Modbus TCP (ports 0 = free); off when absent (most tests need no machines). */
  equipment?: { opcuaPort?: number; modbusPort?: number; opcuaInBackground?: boolean };
}

/** The same plant served in each real ERP's dialect, at `${url}/<name>` (the ERP profile presets' fakes). */
export interface PlantDialects {
  sap: ReturnType<typeof createSapDialect>;
  /** An Odoo 17 server: no mrp.workorder.sequence, no JSON-2 API. */
  odoo17: ReturnType<typeof createOdooDialect>;
  erpnext: ReturnType<typeof createErpnextDialect>;
  odoo: ReturnType<typeof createOdooDialect>;
  kingdee: ReturnType<typeof createKingdeeDialect>;
}

export interface PlantSimulator {
  url: string;
  dialects: PlantDialects;
  erpUrl: string; // `${url}/erp/api/v1`
  mesUrl: string; // `${url}/mes/api`
  erp: SimulatedErp;
  mes: SimulatedMes;
  /** Present when started with `equipment`: opcuaEndpoint, modbusHost, modbusPort, the model, /equipment/_sim. */
  equipment?: EquipmentPlant;
  close(): Promise<void>;
}

const HOUR = 3_600_000;
// Fixed so every run seeds the same plan for the same day.
const SEED = 20261010;

export async function startPlantSimulator(opts: PlantSimulatorOptions = {}): Promise<PlantSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const seedOrders = opts.seedOrders ?? 24;
  if (!Number.isInteger(seedOrders) || seedOrders < 0 || seedOrders > 99999) {
    throw new Error(`seedOrders must be an integer from 0 to 99999; got ${String(opts.seedOrders)}`);
  }
  const now = opts.now ?? (() => new Date());
  const erp = new SimulatedErp({
    user: opts.erpUser ?? 'erp-bridge',
    password: opts.erpPassword ?? 'demo-erp-pass',
    seedOrders,
    now,
    rng: createPrng(SEED),
    firstStartMs: opts.planFrom === 'now' ? Math.floor(now().getTime() / HOUR) * HOUR - 14 * HOUR : undefined,
  });
  const erpMaterialOf = new Map(demoCodeTable.filter((e) => e.table === 'material').map((e) => [e.mes, e.erp]));
  const stockOf = (mesMaterial: string) => erp.stock.availableQty(erpMaterialOf.get(mesMaterial) ?? mesMaterial);
  const mes = new SimulatedMes({ token: opts.mesToken ?? 'demo-mes-token', now, webhook: opts.mesWebhook, stockOf });

  const app = express();
  app.disable('x-powered-by');
  app.use('/erp', erp.router);
  const dialects: PlantDialects = {
    sap: createSapDialect(erp, { now }),
    erpnext: createErpnextDialect(erp, { now }),
    odoo: createOdooDialect(erp, { now }),
    odoo17: createOdooDialect(erp, { now, version: 17 }),
    kingdee: createKingdeeDialect(erp, { now }),
  };
  for (const [name, dialect] of Object.entries(dialects)) app.use(`/${name}`, dialect.router);
  app.use('/mes', mes.router);
  const equipment = opts.equipment ? await startEquipmentPlant({ host, ...opts.equipment, now: () => now().getTime(), idealCycleAt: plannedCycleLookup(erp) }) : undefined;
  if (equipment) app.use('/equipment', equipment.router);
  app.use((req, res) => sendError(res, 404, `the plant simulator has no ${req.method} ${req.originalUrl}`));
  app.use((err: Error, req: express.Request, res: express.Response, _next: express.NextFunction) => {
    sendError(res, 500, `the plant simulator failed on ${req.method} ${req.originalUrl}: ${err.message}`);
  });

  const server = createServer(app);
  await listen(server, opts.port ?? 0, host).catch(async (err: Error) => {
    await equipment?.close();
    throw err;
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let liveTimer: NodeJS.Timeout | undefined;
  const every = opts.liveChangesEveryMs ?? 0;
  if (every > 0) {
    liveTimer = setInterval(() => {
      try {
        const change = erp.liveChange();
        opts.onLiveChange?.(change);
      } catch (err) {
        // A failed planner edit must not take the demo down; the next tick tries again.
        process.emitWarning(`plant simulator live change failed: ${(err as Error).message}`);
      }
    }, every);
    liveTimer.unref();
  }

  let reportTimer: NodeJS.Timeout | undefined;
  const reportEvery = opts.mesReportsEveryMs ?? 0;
  // The inspectors sample the units the floor makes, beside the job reports (quality traceability).
  const inspector = new MesInspector(opts.mesWebhook);
  if (reportEvery > 0) {
    const costs = new MesCostReporter((no) => mes.workOrder(no), opts.mesCostWebhook);
    reportTimer = setInterval(() => {
      const floor = mes.progress();
      costs.observe(mes.reporter.observe(floor));
      // Time logs first: the job report that completes an order finds its hours counted.
      void costs.flush().then(() => mes.reporter.flush());
      inspector.observe(floor);
      void inspector.flush();
      void mes.workflows.tick(mes.workOrders(), floor);
    }, reportEvery);
    reportTimer.unref();
  }

  let closing: Promise<void> | undefined;
  return {
    url,
    erpUrl: `${url}/erp/api/v1`,
    mesUrl: `${url}/mes/api`,
    erp,
    mes,
    dialects,
    equipment,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        if (liveTimer) clearInterval(liveTimer);
        if (reportTimer) clearInterval(reportTimer);
        erp.close();
        mes.close();
        for (const dialect of Object.values(dialects)) dialect.close();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }).then(() => equipment?.close());
      return closing;
    },
  };
}
