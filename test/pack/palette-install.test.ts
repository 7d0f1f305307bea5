// The pack as a plant's Node-RED gets it: `npm pack`, installed with the palette manager's exact npm arguments
// (@node-red/registry/lib/installer.js) into a fresh userDir from the npm registry, then a plain Node-RED (the one
// in our node_modules) started on that userDir. Every node type loads, the pack's own REST API, health and
// metrics answer on the admin app behind Node-RED's login, every example deploys, and one order runs through the
// legacy-ERP example against the demo plant's simulator (our server beside it, with no flows of its own).
// The install compiles better-sqlite3 and takes minutes, so it is kept under os.tmpdir() keyed by the tarball's
// hash; PACK_FRESH_INSTALL=1 (set by .ci/run) installs afresh.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { bcryptHash, deployFlow, login } from '../support/server-kit';
import { freePort, repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually, tempDir } from '../support/temp';

const run = promisify(execFile);
const PACK = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { name: string; 'node-red': { nodes: Record<string, string> } };
/** What the palette manager runs in the userDir (Node-RED 4.1, installer.js). */
const PALETTE_INSTALL = ['install', '--no-audit', '--no-update-notifier', '--no-fund', '--save', '--save-prefix=~', '--omit=dev', '--engine-strict'];
/**
 * Node types the demo-plant example takes from other packs (Dashboard 2.0, node-red-contrib-opcua, -modbus). Node-RED
 * also loads the packs installed beside itself (here: our node_modules, as in a global install), so it may know them;
 * the pack's own code still resolves its dependencies from the userDir only.
 */
const OTHER_PACKS = /^(ui-|OpcUa-|modbus-)/;

async function installedPack(): Promise<string> {
  const out = tempDir('erp-mes-pack-');
  try {
    // npm test has just built; prepack (the same build) is checked below instead of run a second time here.
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', out.path], { cwd: repoRoot, maxBuffer: 1 << 24 });
    const tarball = join(out.path, (JSON.parse(stdout) as Array<{ filename: string }>)[0].filename);
    const hash = createHash('sha256').update(readFileSync(tarball)).digest('hex').slice(0, 16);
    const cached = join(tmpdir(), `erp-mes-bridge-palette-${hash}`);
    if (existsSync(join(cached, 'node_modules', PACK.name, 'package.json')) && !process.env.PACK_FRESH_INSTALL) return cached;
    const staging = `${cached}.${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging);
    // What Node-RED writes into a new userDir.
    writeFileSync(join(staging, 'package.json'), JSON.stringify({ name: 'node-red-project', description: 'A Node-RED Project', version: '0.0.1', private: true }));
    await run('npm', [...PALETTE_INSTALL, tarball], { cwd: staging, maxBuffer: 1 << 24, timeout: 15 * 60_000 });
    rmSync(cached, { recursive: true, force: true });
    renameSync(staging, cached);
    return cached;
  } finally {
    out.remove();
  }
}

describe('the pack installed from the palette into a plain Node-RED 4.1', () => {
  let installed: string;
  let demo: ServerProcess;
  let nodeRed: ChildProcess;
  let output = '';
  let url: string;
  let token: string;
  const userDir = tempDir('erp-mes-plain-node-red-');

  before(async () => {
    installed = await installedPack();
    // The demo plant's simulator (ERP, MES, legacy ERP database) from our checkout, with no flows of its own.
    demo = await startServerProcess({ flows: [], env: { ADMIN_PASSWORD: 'pack-test-admin' } });
    symlinkSync(join(installed, 'node_modules'), join(userDir.path, 'node_modules'), 'dir');
    writeFileSync(join(userDir.path, 'package.json'), readFileSync(join(installed, 'package.json')));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const settings = {
      uiHost: '127.0.0.1',
      uiPort: port,
      flowFile: 'flows.json',
      credentialSecret: 'a plain Node-RED for the palette-install test',
      adminAuth: { type: 'credentials', users: [{ username: 'admin', password: bcryptHash('plain-admin-pass'), permissions: '*' }] },
      logging: { console: { level: 'info', metrics: false, audit: false } },
    };
    writeFileSync(join(userDir.path, 'settings.js'), `module.exports = ${JSON.stringify(settings, null, 2)};\n`);
    const env = { ...process.env, MES_BASE_URL: `${demo.simUrl}/mes/api`, MES_TOKEN: 'demo-mes-token', LEGACY_ERP_DB_CLIENT: 'sqlite', LEGACY_ERP_DB_NAME: join(demo.userDir, 'legacy-erp.sqlite') };
    nodeRed = spawn(process.execPath, [join(repoRoot, 'node_modules', 'node-red', 'red.js'), '--userDir', userDir.path, '--settings', join(userDir.path, 'settings.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    nodeRed.stdout!.on('data', (d) => (output += d));
    nodeRed.stderr!.on('data', (d) => (output += d));
    // /healthz is the pack's own (plugins/bridge-api.ts): answering 200 means the plugin loaded and the flows run.
    await eventually(async () => nodeRed.exitCode === null && (await fetch(`${url}/healthz`).then((r) => r.status === 200, () => false)), `the plain Node-RED to start:\n${output}`, 60_000);
    token = await login(url, 'admin', 'plain-admin-pass');
  });

  after(async () => {
    if (nodeRed && nodeRed.exitCode === null) {
      const exited = new Promise((resolve) => nodeRed.once('exit', resolve));
      nodeRed.kill('SIGTERM');
      await exited;
    }
    await demo?.stop('SIGTERM');
    mkdirSync(join(repoRoot, 'test', 'artifacts'), { recursive: true });
    writeFileSync(join(repoRoot, 'test', 'artifacts', 'plain-node-red.log'), output);
    userDir.remove();
  });

  const bearer = () => ({ authorization: `Bearer ${token}` });

  it('installs with only the runtime dependencies: no Node-RED, Express, Dashboard or equipment packs', () => {
    const has = (name: string) => existsSync(join(installed, 'node_modules', name, 'package.json'));
    for (const name of ['ajv', 'better-sqlite3', 'bcryptjs', 'cronosjs', 'jsonata', 'knex']) assert.ok(has(name), `${name} is installed`);
    for (const name of ['node-red', 'express', '@flowfuse/node-red-dashboard', 'node-opcua', 'node-red-contrib-opcua', 'node-red-contrib-modbus', 'ioredis', 'pg', 'mysql2', 'tedious']) {
      assert.ok(!has(name), `${name} is not installed by the pack`);
    }
    const shipped = join(installed, 'node_modules', PACK.name);
    assert.ok(existsSync(join(shipped, 'examples', 'demo-plant.json')) && existsSync(join(shipped, 'LICENSE')));
    assert.ok(!existsSync(join(shipped, 'dist', 'server')), 'no server or simulator in the pack');
    assert.match((JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: { prepack: string } }).scripts.prepack, /scripts\/build\.mjs/);
  });

  it('loads every node type of the pack without an error', async () => {
    const sets = (await (await fetch(`${url}/nodes`, { headers: { ...bearer(), accept: 'application/json' } })).json()) as Array<{ module: string; types: string[]; enabled: boolean; err?: string }>;
    const ours = sets.filter((s) => s.module === PACK.name);
    assert.deepEqual(ours.filter((s) => !s.enabled || s.err).map((s) => `${s.types.join(',')}: ${s.err}`), []);
    assert.deepEqual(ours.flatMap((s) => s.types).sort(), Object.keys(PACK['node-red'].nodes).sort());
    const info = (await (await fetch(`${url}/api/info`, { headers: bearer() })).json()) as { nodes: string[] };
    assert.deepEqual(info.nodes, Object.keys(PACK['node-red'].nodes).sort());
  });

  it('serves the REST API, health and metrics on the admin app behind Node-RED\'s login', async () => {
    for (const path of ['/api/approvals', '/api/exceptions', '/api/outbox', '/api/audit', '/api/parked-orders', '/api/mes-ledger', '/metrics']) {
      assert.equal((await fetch(`${url}${path}`)).status, 401, `${path} without a login`);
      const res = await fetch(`${url}${path}`, { headers: bearer() });
      assert.equal(res.status, 200, `${path} with a login: ${await res.clone().text()}`);
    }
    assert.equal((await fetch(`${url}/api/trace/NO-SUCH-CODE`, { headers: bearer() })).status, 404);
  });

  it('deploys every example; the legacy-ERP example takes an order from the ERP database to the MES', async () => {
    const examples = join(installed, 'node_modules', PACK.name, 'examples');
    const known = new Set(((await (await fetch(`${url}/nodes`, { headers: { ...bearer(), accept: 'application/json' } })).json()) as Array<{ types: string[] }>).flatMap((s) => s.types));
    const demoPlant = JSON.parse(readFileSync(join(examples, 'demo-plant.json'), 'utf8')) as Array<{ type: string }>;
    const missing = [...new Set(demoPlant.map((n) => n.type))].filter((t) => t !== 'tab' && !known.has(t));
    assert.deepEqual(missing.filter((t) => !OTHER_PACKS.test(t)), [], 'the demo plant lacks only the types of Dashboard 2.0 and the equipment packs');
    await deployFlow(url, token, demoPlant);

    const confirm = JSON.parse(readFileSync(join(examples, 'erp-confirm.json'), 'utf8')) as Array<{ type: string }>;
    assert.deepEqual(confirm.map((n) => n.type).filter((t) => t !== 'tab' && !known.has(t)), []);
    await deployFlow(url, token, confirm);
    // node-red-dev N02: every node of the pack (config nodes aside) is used by an example.
    const configTypes = ['erp-endpoint', 'bridge-store', 'code-map-table', 'legacy-db'];
    const legacy = JSON.parse(readFileSync(join(examples, 'plant-legacy-erp.json'), 'utf8')) as Array<{ type: string }>;
    const used = new Set([...demoPlant, ...confirm, ...legacy].map((n) => n.type));
    assert.deepEqual(Object.keys(PACK['node-red'].nodes).filter((t) => !configTypes.includes(t) && !used.has(t)), []);

    const before = ((await (await fetch(`${demo.simUrl}/mes/_sim/received`)).json()) as { items: unknown[] }).items.length;
    await deployFlow(url, token, legacy);
    // The poll runs at deploy (first run from the beginning); "Read now" is the same poll.
    await eventually(async () => (await fetch(`${url}/inject/legacy-poll-now`, { method: 'POST', headers: bearer() })).status === 200, 'the Read now button');
    const received = await eventually(async () => {
      const items = ((await (await fetch(`${demo.simUrl}/mes/_sim/received`)).json()) as { items: Array<{ outcome: string; workOrder: { workOrderNo: string } }> }).items;
      return items.length > before ? items : undefined;
    }, `a work order at the MES:\n${output.slice(-3000)}`, 30_000);
    assert.equal(received[before].outcome, 'created');
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
  });
});
