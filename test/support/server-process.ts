// Starts the real bridge server (`node dist/server/main.js`) as a child process on free ports, the way
// a user runs it, and stops it with a signal. Used by the end-to-end and browser tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { schemasDirectory } from '../../nodes/lib/validation';
import { tempDir } from './temp';

export const repoRoot = dirname(schemasDirectory());

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

export interface ServerProcess {
  url: string;
  simUrl: string;
  userDir: string;
  /** The server's process id (to read its resident memory, for instance). */
  pid: number;
  output(): string;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  demo?: boolean;
  /** Contents of the flows file written before start; undefined = let the server seed it. */
  flows?: unknown[];
  env?: Record<string, string>;
  /** Run in this folder (e.g. the one of a server killed before) and leave it in place at stop. */
  userDir?: string;
  /** Options for node itself, before the script (e.g. --cpu-prof, --max-semi-space-size=64 as `npm start` has). */
  nodeArgs?: string[];
  /** Wait for /healthz to answer 200 before resolving (default true); false resolves once the process is spawned. */
  waitUntilReady?: boolean;
}

const INHERITED_PLANT_VARS = [
  'OPCUA_ENDPOINT',
  'MODBUS_HOST',
  'MODBUS_PORT',
  'ERP_BASE_URL',
  'ERP_USERNAME',
  'ERP_PASSWORD',
  'ERP_FEEDBACK_URL',
  'ERP_FEEDBACK_USERNAME',
  'ERP_FEEDBACK_PASSWORD',
  'MES_BASE_URL',
  'MES_TOKEN',
  'LEGACY_ERP_DB_CLIENT',
  'LEGACY_ERP_DB_NAME',
  'CREDENTIAL_SECRET',
  'ADMIN_USERS',
  'ADMIN_PASSWORD',
  'AUDIT_KEY',
  'AUDIT_KEY_FILE',
  'PORT',
  'HOST',
];

/**
 * Starts the real server. The ports are found free here and taken in the child a moment later; when something else
 * took one meanwhile (the demo's own simulated machines bind ephemeral ports too), the start is tried again on
 * other ports.
 */
export async function startServerProcess(options: StartOptions = {}): Promise<ServerProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServerProcessOnce(options);
    } catch (err) {
      const portTaken = err instanceof Error && /exited with \d+ before it was ready:[\s\S]*EADDRINUSE/.test(err.message);
      if (!portTaken || attempt >= 3 || options.env?.PORT !== undefined || options.env?.SIM_PORT !== undefined) throw err;
    }
  }
}

async function startServerProcessOnce(options: StartOptions): Promise<ServerProcess> {
  const dir = options.userDir ? { path: options.userDir, remove: () => undefined } : tempDir('erp-mes-server-');
  if (options.flows) writeFileSync(join(dir.path, 'flows.json'), JSON.stringify(options.flows));
  const port = await freePort();
  const simPort = await freePort();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !INHERITED_PLANT_VARS.includes(k)) env[k] = v;
  Object.assign(env, { PORT: String(port), SIM_PORT: String(simPort), BRIDGE_USER_DIR: dir.path, SIM_LIVE_CHANGES_MS: '0', LOG_LEVEL: 'info' }, options.env);
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), join(repoRoot, 'dist/server/main.js'), ...(options.demo === false ? [] : ['--demo'])], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;

  // Generous: a busy CI machine (load 8) may take long to start Node-RED and the demo plant.
  const deadline = Date.now() + 90_000;
  for (; options.waitUntilReady !== false;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before it was ready:\n${output}`);
    const ready = await fetch(`${url}/healthz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server was not ready within 90 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
    simUrl: `http://127.0.0.1:${simPort}`,
    userDir: dir.path,
    pid: child.pid!,
    output: () => output,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(kill);
      dir.remove();
      return code;
    },
  };
}
