// A plain Node-RED 4.1 (the one in our node_modules) on a userDir where the packed pack was installed with the
// palette manager's exact npm arguments (@node-red/registry/lib/installer.js) from the npm registry. The install
// compiles better-sqlite3 and takes minutes, so it is kept under os.tmpdir() keyed by the tarball's hash.
// PACK_FRESH_INSTALL=<seconds since the epoch> (.ci/run sets it to its start) reuses no install made before then,
// so CI proves a fresh install once and its test files share it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bcryptHash, login } from './server-kit';
import { freePort, repoRoot } from './server-process';
import { eventually, tempDir } from './temp';

const run = promisify(execFile);
export const PACK = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { name: string; 'node-red': { nodes: Record<string, string> } };
/** What the palette manager runs in the userDir (Node-RED 4.1, installer.js). */
export const PALETTE_INSTALL = ['install', '--no-audit', '--no-update-notifier', '--no-fund', '--save', '--save-prefix=~', '--omit=dev', '--engine-strict'];
export const PLAIN_ADMIN = { username: 'admin', password: 'plain-admin-pass' };

/** The folder holding the installed userDir's package.json and node_modules. */
export async function installedPack(): Promise<string> {
  const out = tempDir('erp-mes-pack-');
  try {
    // npm test has just built; prepack (the same build) is checked by the pack test instead of run again here.
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', out.path], { cwd: repoRoot, maxBuffer: 1 << 24 });
    const tarball = join(out.path, (JSON.parse(stdout) as Array<{ filename: string }>)[0].filename);
    const hash = createHash('sha256').update(readFileSync(tarball)).digest('hex').slice(0, 16);
    const cached = join(tmpdir(), `erp-mes-bridge-palette-${hash}`);
    const freshSinceMs = Number(process.env.PACK_FRESH_INSTALL ?? 0) * 1000;
    if (existsSync(join(cached, 'node_modules', PACK.name, 'package.json')) && statSync(cached).mtimeMs >= freshSinceMs) return cached;
    const staging = `${cached}.${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging);
    // What Node-RED writes into a new userDir.
    writeFileSync(join(staging, 'package.json'), JSON.stringify({ name: 'node-red-project', description: 'A Node-RED Project', version: '0.0.1', private: true }));
    await run('npm', [...PALETTE_INSTALL, tarball], { cwd: staging, maxBuffer: 1 << 24, timeout: 15 * 60_000 });
    // Installs of earlier tarballs are dropped (each is tens of MB); another run's staging folder has a suffix and stays.
    for (const name of readdirSync(tmpdir())) if (/^erp-mes-bridge-palette-[0-9a-f]{16}$/.test(name)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
    renameSync(staging, cached);
    return cached;
  } finally {
    out.remove();
  }
}

export interface PlainNodeRed {
  url: string;
  token: string;
  userDir: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts Node-RED on a fresh userDir over the installed pack, with an adminAuth user; resolves once /healthz is 200. */
export async function startPlainNodeRed(installed: string, env: Record<string, string>): Promise<PlainNodeRed> {
  const dir = tempDir('erp-mes-plain-node-red-');
  symlinkSync(join(installed, 'node_modules'), join(dir.path, 'node_modules'), 'dir');
  writeFileSync(join(dir.path, 'package.json'), readFileSync(join(installed, 'package.json')));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const settings = {
    uiHost: '127.0.0.1',
    uiPort: port,
    flowFile: 'flows.json',
    credentialSecret: 'a plain Node-RED for the palette-install tests',
    adminAuth: { type: 'credentials', users: [{ username: PLAIN_ADMIN.username, password: bcryptHash(PLAIN_ADMIN.password), permissions: '*' }] },
    logging: { console: { level: 'info', metrics: false, audit: false } },
  };
  writeFileSync(join(dir.path, 'settings.js'), `module.exports = ${JSON.stringify(settings, null, 2)};\n`);
  const child: ChildProcess = spawn(process.execPath, [join(repoRoot, 'node_modules', 'node-red', 'red.js'), '--userDir', dir.path, '--settings', join(dir.path, 'settings.js')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    mkdirSync(join(repoRoot, 'test', 'artifacts'), { recursive: true });
    writeFileSync(join(repoRoot, 'test', 'artifacts', 'plain-node-red.log'), output);
    dir.remove();
  };
  try {
    // /healthz is the pack's own (plugins/bridge-api.ts): 200 means the plugin loaded and the flows run.
    await eventually(
      async () =>
        child.exitCode === null &&
        (await fetch(`${url}/healthz`).then(
          (r) => r.status === 200,
          () => false,
        )),
      `the plain Node-RED to start:\n${output}`,
      60_000,
    );
    const token = await login(url, PLAIN_ADMIN.username, PLAIN_ADMIN.password);
    return { url, token, userDir: dir.path, output: () => output, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
