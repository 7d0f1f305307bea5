// Several bridge replicas (the real server outside demo mode) on one Redis, with one plant simulator in this
// process as their ERP and MES: what the HA end-to-end test and the HA bench start.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import Redis from 'ioredis';
import { DEMO_ERP_PASSWORD, DEMO_ERP_USER, DEMO_MES_TOKEN, demoErpEnvironment } from '../../server/demo';
import { type PlantSimulator, startPlantSimulator } from '../../server/simulator/plant-simulator';
import { repoRoot, startServerProcess, type ServerProcess } from './server-process';

export const HA_PREFIX = 'ha:';
export const HA_METRICS_TOKEN = 'ha-metrics-token-of-some-length-000';
export const HA_MES_AUTH = `Basic ${Buffer.from('line-mes:ha-machine-pass').toString('base64')}`;

/** The demo plant's plan-sync, feedback and workflows tabs on a Redis bridge-store every replica shares. */
export function haFlows(redisUrl: string, leaseSec: number): unknown[] {
  const all = JSON.parse(readFileSync(join(repoRoot, 'flows', 'demo-plant.json'), 'utf8')) as Array<Record<string, unknown>>;
  const tabs = new Set(['plan-sync', 'feedback', 'workflows']);
  const kept = all.filter((n) => (n.type === 'tab' ? tabs.has(n.id as string) : n.z === undefined ? !/opcua|modbus|ui-/i.test(n.type as string) : tabs.has(n.z as string)));
  const ids = new Set(kept.map((n) => n.id));
  for (const n of kept) {
    // Wires into tabs left out are cut.
    if (Array.isArray(n.wires)) n.wires = (n.wires as string[][]).map((out) => out.filter((id) => ids.has(id)));
    if (n.type === 'link out' && Array.isArray(n.links)) n.links = (n.links as string[]).filter((id) => ids.has(id));
    if (n.type === 'bridge-store') Object.assign(n, { storeType: 'redis', url: redisUrl, keyPrefix: HA_PREFIX, leaseSec: String(leaseSec), deadlineSec: '2' });
    if (n.id === 'fetch-orders') Object.assign(n, { intervalMin: 0.05, pageSize: 5 });
    if (n.id === 'escalation') {
      n.policy = (n.policy as Array<Record<string, unknown>>).map((row) => (row.level === 'urgent' && row.type === undefined ? { ...row, ackWithinMin: 0.05 } : row));
    }
  }
  return kept;
}

export interface HaPlant {
  sim: PlantSimulator;
  admin: Redis;
  replicas: Map<string, ServerProcess>;
  /** Starts one more replica named `id` (after the others: several at once may pass the start-up wait on a busy machine). */
  start(id: string): Promise<ServerProcess>;
  /** Who holds the lease `name` now, from Redis. */
  holding(name: string): Promise<{ holder: string; epoch: number } | undefined>;
  stop(): Promise<void>;
}

export async function startHaPlant(redisUrl: string, options: { leaseSec: number; claimIdleMs: number; beforeStart?(sim: PlantSimulator): void }): Promise<HaPlant> {
  const sim = await startPlantSimulator({ erpUser: DEMO_ERP_USER, erpPassword: DEMO_ERP_PASSWORD, mesToken: DEMO_MES_TOKEN, planFrom: 'now', liveChangesEveryMs: 0, mesReportsEveryMs: 0 });
  options.beforeStart?.(sim);
  const admin = new Redis(redisUrl);
  const env: Record<string, string> = {
    CREDENTIAL_SECRET: 'ha-replicas-test-secret-of-some-length',
    AUDIT_KEY: 'ha-replicas-audit-key-of-at-least-32-bytes',
    ADMIN_USERS: `admin:${bcrypt.hashSync('ha-admin-pass', 8)}:admin`,
    MES_USERS: `line-mes:${bcrypt.hashSync('ha-machine-pass', 8)}`,
    ...demoErpEnvironment('generic-rest', sim.url, sim.erpUrl),
    MES_BASE_URL: sim.mesUrl,
    MES_TOKEN: DEMO_MES_TOKEN,
    ERP_FEEDBACK_URL: sim.erpUrl,
    ERP_FEEDBACK_USERNAME: DEMO_ERP_USER,
    ERP_FEEDBACK_PASSWORD: DEMO_ERP_PASSWORD,
    BRIDGE_STORE_CLAIM_IDLE_MS: String(options.claimIdleMs),
    METRICS_TOKEN: HA_METRICS_TOKEN,
  };
  const flows = haFlows(redisUrl, options.leaseSec);
  const replicas = new Map<string, ServerProcess>();
  return {
    sim,
    admin,
    replicas,
    async start(id) {
      const server = await startServerProcess({ demo: false, flows, env: { ...env, BRIDGE_REPLICA_ID: id }, nodeArgs: ['--max-semi-space-size=64'] });
      replicas.set(id, server);
      return server;
    },
    async holding(name) {
      const token = await admin.get(`${HA_PREFIX}lease:${name}`);
      if (!token) return undefined;
      const at = token.lastIndexOf('#');
      return { holder: token.slice(0, at), epoch: Number(token.slice(at + 1)) };
    },
    async stop() {
      for (const s of replicas.values()) await s.stop();
      replicas.clear();
      admin.disconnect();
      await sim.close();
    },
  };
}
