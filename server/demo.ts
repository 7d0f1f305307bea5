// Demo mode: the plant simulator runs beside the bridge, its URLs and demo credentials go into the
// environment (the demo flow reads them by env, so the flow file holds no secrets), and the flows
// file is seeded from flows/demo-plant.json.
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BridgeSettings } from '../settings';

export interface DemoPlant {
  erpUrl: string;
  mesUrl: string;
  close(): Promise<void>;
}

export const DEMO_ERP_USER = 'erp-bridge';
export const DEMO_ERP_PASSWORD = 'demo-erp-pass';
export const DEMO_MES_TOKEN = 'demo-mes-token';

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
  });
  env.ERP_BASE_URL ??= sim.erpUrl;
  env.ERP_USERNAME ??= DEMO_ERP_USER;
  env.ERP_PASSWORD ??= DEMO_ERP_PASSWORD;
  env.MES_BASE_URL ??= sim.mesUrl;
  env.MES_TOKEN ??= DEMO_MES_TOKEN;
  return { erpUrl: sim.erpUrl, mesUrl: sim.mesUrl, close: () => sim.close() };
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
