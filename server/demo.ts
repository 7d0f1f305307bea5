// Demo mode: the plant simulator runs beside the bridge, its URLs and demo credentials go into the
// environment (the demo flow reads them by env, so the flow file holds no secrets), and the flows
// file is seeded from flows/demo-plant.json.
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import bcrypt from 'bcryptjs';
import type { BridgeSettings, HttpNodeUser } from '../settings';
import type { ProductionOrder } from './simulator/types';

export interface DemoPlant {
  erpUrl: string;
  mesUrl: string;
  /** The legacy ERP database (SQLite) that flows/plant-legacy-erp.json reads and writes. */
  legacyErpDb: string;
  close(): Promise<void>;
}

export const DEMO_ERP_USER = 'erp-bridge';
export const DEMO_ERP_PASSWORD = 'demo-erp-pass';
export const DEMO_MES_TOKEN = 'demo-mes-token';
/** The simulated MES posts its job reports to the bridge's webhook as this HTTP user (demo only). */
export const DEMO_MES_WEBHOOK_USER = 'mes-demo';
export const DEMO_MES_WEBHOOK_PASSWORD = 'demo-mes-webhook-pass';
/** Where the demo flow's http-in node takes the MES's job reports. */
export const MES_REPORTS_PATH = '/mes/progress-reports';
/** Where the demo flow's cost tab takes the MES's time logs (labour and machine hours). */
export const MES_COST_EVENTS_PATH = '/mes/cost-events';

export async function startDemoPlant(s: BridgeSettings, env: NodeJS.ProcessEnv = process.env): Promise<DemoPlant> {
  // Loaded lazily: outside demo mode the simulator is never required.
  const { startPlantSimulator } = await import('./simulator/plant-simulator');
  const sim = await startPlantSimulator({
    host: s.host === '0.0.0.0' || s.host === '::' ? '127.0.0.1' : s.host,
    port: s.simPort,
    liveChangesEveryMs: s.simLiveChangesMs,
    erpUser: DEMO_ERP_USER,
    erpPassword: DEMO_ERP_PASSWORD,
    mesToken: DEMO_MES_TOKEN,
    planFrom: 'now',
    mesReportsEveryMs: s.simMesReportsMs,
    equipment: { opcuaPort: s.simOpcuaPort, modbusPort: s.simModbusPort, opcuaInBackground: true },
    mesWebhook: { url: `${s.tls ? 'https' : 'http'}://127.0.0.1:${s.port}${MES_REPORTS_PATH}`, username: DEMO_MES_WEBHOOK_USER, password: DEMO_MES_WEBHOOK_PASSWORD },
    mesCostWebhook: { url: `${s.tls ? 'https' : 'http'}://127.0.0.1:${s.port}${MES_COST_EVENTS_PATH}`, username: DEMO_MES_WEBHOOK_USER, password: DEMO_MES_WEBHOOK_PASSWORD },
  });
  const erp = demoErpEnvironment(s.demoErp, sim.url, sim.erpUrl);
  for (const [name, value] of Object.entries(erp)) env[name] ??= value;
  env.MES_BASE_URL ??= sim.mesUrl;
  env.MES_TOKEN ??= DEMO_MES_TOKEN;
  // How often the demo flow reconciles the MES with its order ledger (a restarted simulator starts empty).
  env.MES_RECONCILE_SEC ??= '300';
  // The equipment tab reads the simulated machines here (the flow's OPC UA endpoint and Modbus client use env).
  if (sim.equipment) {
    env.OPCUA_ENDPOINT ??= sim.equipment.opcuaEndpoint;
    env.MODBUS_HOST ??= sim.equipment.modbusHost;
    env.MODBUS_PORT ??= String(sim.equipment.modbusPort);
  }
  // Progress updates go to the generic REST API of the simulated ERP, whichever dialect serves plan sync.
  env.ERP_FEEDBACK_URL ??= sim.erpUrl;
  env.ERP_FEEDBACK_USERNAME ??= DEMO_ERP_USER;
  env.ERP_FEEDBACK_PASSWORD ??= DEMO_ERP_PASSWORD;
  let legacy: LegacyErpMirror;
  try {
    legacy = await mirrorErpIntoLegacyDb(sim.erp, join(s.userDir, 'legacy-erp.sqlite'));
  } catch (err) {
    await sim.close();
    throw err;
  }
  sim.erp.onChange((order) => legacy.write(order));
  env.LEGACY_ERP_DB_CLIENT ??= 'sqlite';
  env.LEGACY_ERP_DB_NAME ??= legacy.file;
  return {
    erpUrl: env.ERP_BASE_URL ?? sim.erpUrl,
    mesUrl: sim.mesUrl,
    legacyErpDb: legacy.file,
    close: async () => {
      await sim.close();
      await legacy.close();
    },
  };
}

interface LegacyErpMirror {
  file: string;
  write(order: ProductionOrder): void;
  close(): Promise<void>;
}

/**
 * The demo's legacy ERP database: the simulated ERP's orders, in the tables a legacy ERP keeps them in.
 * Created and filled on first start; orders the ERP changes while the demo runs are rewritten as they change.
 */
async function mirrorErpIntoLegacyDb(erp: { orders(): ProductionOrder[] }, file: string): Promise<LegacyErpMirror> {
  const { openLegacyDb } = await import('../nodes/lib/legacy-db/connection');
  const { createLegacyErpSchema, hasLegacyErpSchema, writeLegacyOrders } = await import('./simulator/legacy-erp-db');
  mkdirSync(dirname(file), { recursive: true });
  // An empty file is an empty SQLite database; the legacy-db connection refuses a file that is not there.
  if (!existsSync(file)) writeFileSync(file, '');
  const db = openLegacyDb({ name: 'demo legacy ERP', client: 'sqlite', database: file });
  try {
    // Filled once: afterwards the database is the plant's own and outlives restarts (the ERP's later changes are mirrored in).
    if (!(await hasLegacyErpSchema(db))) {
      await createLegacyErpSchema(db);
      await writeLegacyOrders(db, erp.orders());
    }
  } catch (err) {
    await db.close();
    throw err;
  }
  // Writes are chained so the database sees the ERP's changes in the ERP's order.
  let writing = Promise.resolve();
  return {
    file,
    write(order) {
      writing = writing.then(() => writeLegacyOrders(db, [order])).catch((err: Error) => process.emitWarning(`demo legacy ERP database: order ${order.orderNo} was not written: ${err.message}`));
    },
    async close() {
      await writing;
      await db.close();
    },
  };
}

/**
 * The environment the demo flow reads its ERP from (ERP_PROFILE, ERP_BASE_URL, credentials, ERP_PARAMS),
 * for the simulator served in the chosen ERP's dialect (DEMO_ERP).
 */
export function demoErpEnvironment(preset: string, simUrl: string, genericErpUrl: string): Record<string, string> {
  // Only each preset's documented settings (see its description and the README's ERP profiles table).
  const kingdee = { acctId: '6571d8f1a2c3e4', appId: '301451_demoMesBridge', lcid: 2052, timeZone: 'Asia/Shanghai' };
  const dialects: Record<string, { base: string; username?: string; password?: string; token?: string; params?: object }> = {
    'generic-rest': { base: genericErpUrl, username: DEMO_ERP_USER, password: DEMO_ERP_PASSWORD },
    'sap-s4hana-odata-v2': { base: `${simUrl}/sap`, username: DEMO_ERP_USER, password: DEMO_ERP_PASSWORD, params: { timeZone: 'Asia/Shanghai' } },
    erpnext: { base: `${simUrl}/erpnext`, username: 'mesbridge0a1b2c', password: 'demo-erpnext-secret', params: { plant: '1010', timeZone: 'Asia/Shanghai' } },
    'odoo-jsonrpc': { base: `${simUrl}/odoo`, username: 'mes-bridge', password: 'demo-odoo-pass', params: { database: 'plant1010' } },
    'odoo-json2': { base: `${simUrl}/odoo`, token: 'demo-odoo-api-key', params: { database: 'plant1010' } },
    'kingdee-k3cloud': { base: `${simUrl}/kingdee/k3cloud`, username: 'mes-bridge', password: 'demo-kingdee-app-secret-0000001', params: kingdee },
  };
  const d = dialects[preset] ?? dialects['generic-rest'];
  return {
    ERP_PROFILE: preset,
    ERP_BASE_URL: d.base,
    ERP_USERNAME: d.username ?? '',
    ERP_PASSWORD: d.password ?? '',
    ERP_TOKEN: d.token ?? '',
    ERP_PARAMS: JSON.stringify(d.params ?? {}),
  };
}

/** The demo's machine account: the simulated MES posts its reports as it; only the demo lets it in. */
export function demoWebhookUser(): HttpNodeUser {
  return { username: DEMO_MES_WEBHOOK_USER, passwordHash: bcrypt.hashSync(DEMO_MES_WEBHOOK_PASSWORD, 10) };
}

/** Copies the demo flow into place when there is none yet (or DEMO_RESET=1). Returns what it did. */
export function seedDemoFlows(s: BridgeSettings): 'seeded' | 'kept' | 'missing-demo-flow' {
  if (existsSync(s.flowFile) && !s.demoReset) return 'kept';
  mkdirSync(dirname(s.flowFile), { recursive: true });
  const demoFlow = join(s.repoRoot, 'flows', 'demo-plant.json');
  if (!existsSync(demoFlow)) {
    if (!existsSync(s.flowFile)) writeFileSync(s.flowFile, '[]\n');
    return 'missing-demo-flow';
  }
  copyFileSync(demoFlow, s.flowFile);
  return 'seeded';
}
