// A second process for the progress-push SIGKILL test: a real Node-RED runtime (RED.init on an Express app) with
// http in (POST /reports) → progress-push → http response 202 (its answer: what was accepted), and a catch →
// http response 400, on the store described by argv[2]. It prints "progress-push child listening on <url>" once
// the flow runs. The test kills it with SIGKILL in the middle and starts another on the same store.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import express from 'express';
import RED from 'node-red';
import { nodesDirFor } from '../../server/node-red-settings';

export type ChildStore = { kind: 'sqlite'; file: string; dir: string } | { kind: 'redis'; url: string; prefix: string; dir: string };

export interface ChildSpec {
  store: ChildStore;
  erpUrl: string;
  /** Names this runtime's folder: each start gets its own. */
  name: string;
}

const repoRoot = join(__dirname, '..', '..', '..');

export function childFlow(spec: ChildSpec): Array<Record<string, unknown>> {
  const { store } = spec;
  return [
    { id: 'tab', type: 'tab', label: 'execution feedback' },
    store.kind === 'sqlite' ? { id: 'store', type: 'bridge-store', storeType: 'sqlite', file: store.file } : { id: 'store', type: 'bridge-store', storeType: 'redis', url: store.url, keyPrefix: store.prefix },
    { id: 'erp', type: 'erp-endpoint', name: 'simulated ERP', baseUrl: spec.erpUrl, authType: 'basic', username: 'erp-bridge', passwordEnv: 'ERP_PASSWORD', timeoutSec: 1, retryBaseSec: 0.05, retryMaxSec: 0.5 },
    { id: 'reports', type: 'http in', z: 'tab', url: '/reports', method: 'post', upload: false, swaggerDoc: '', wires: [['push']] },
    {
      id: 'push',
      type: 'progress-push',
      z: 'tab',
      endpoint: 'erp',
      store: 'store',
      path: 'progress-updates',
      batchPath: 'progress-updates/batch',
      batchSize: 200,
      pushOn: 'report',
      snapshotMin: 60,
      boardThrottleMs: 1000,
      maxAttempts: 10_000,
      wires: [['outcome'], []],
    },
    { id: 'outcome', type: 'change', z: 'tab', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'accepted', tot: 'msg' }], wires: [['accepted']] },
    { id: 'accepted', type: 'http response', z: 'tab', statusCode: '202', headers: {}, wires: [] },
    { id: 'catch', type: 'catch', z: 'tab', scope: ['push'], uncaught: false, wires: [['reason']] },
    { id: 'reason', type: 'change', z: 'tab', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'error.message', tot: 'msg' }], wires: [['refused']] },
    { id: 'refused', type: 'http response', z: 'tab', statusCode: '400', headers: {}, wires: [] },
  ];
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2]) as ChildSpec;
  const userDir = join(spec.store.dir, `node-red-${spec.name}`);
  mkdirSync(userDir, { recursive: true });
  writeFileSync(join(userDir, 'flows.json'), JSON.stringify(childFlow(spec)));
  process.env.ERP_PASSWORD = 'demo-erp-pass';

  const app = express();
  const server = createServer(app);
  const settings = {
    userDir,
    flowFile: 'flows.json',
    credentialSecret: false,
    nodesDir: nodesDirFor(repoRoot, dirname(require.resolve('@node-red/nodes'))),
    httpAdminRoot: false,
    httpNodeRoot: '/',
    logging: { console: { level: 'error', metrics: false, audit: false } },
    editorTheme: { projects: { enabled: false }, tours: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
    diagnostics: { enabled: false, ui: false },
    telemetry: { enabled: false, updateNotification: false },
    runtimeState: { enabled: false, ui: false },
    bridgeStoreDirectory: spec.store.dir,
    // The killed process held Redis entries: the next one claims them after a second, not the default 30 s.
    bridgeStoreClaimIdleMs: 1000,
  };
  RED.init(server, settings as unknown as Parameters<typeof RED.init>[1]);
  app.use('/', RED.httpNode);
  const started = new Promise<void>((resolve, reject) => {
    RED.events.once('flows:started', () => resolve());
    // A node file that does not load (a build under way) leaves the flow waiting for ever: say so and stop.
    RED.events.on('runtime-event', (event: { payload?: { error?: string; types?: string[] } }) => {
      if (event.payload?.error === 'missing-types') reject(new Error(`Node-RED is missing the node types ${JSON.stringify(event.payload.types)}; the flow cannot start.`));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await RED.start();
  await started;
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`progress-push child listening on http://127.0.0.1:${port}\n`);
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  });
}
