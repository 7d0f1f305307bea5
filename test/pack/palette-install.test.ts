// The pack as a plant's Node-RED gets it: `npm pack`, installed with the palette manager's exact npm arguments
// (@node-red/registry/lib/installer.js) into a fresh userDir from the npm registry, then a plain Node-RED (the one
// in our node_modules) started on that userDir. Every node type loads, the pack's own REST API, health and
// metrics answer on the admin app behind Node-RED's login, every example deploys, and one order runs through the
// legacy-ERP example against the demo plant's simulator (our server beside it, with no flows of its own).
// The install is cached by the tarball's hash (test/support/plain-node-red.ts).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deployFlow } from '../support/server-kit';
import { installedPack, PACK, startPlainNodeRed, type PlainNodeRed } from '../support/plain-node-red';
import { repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually } from '../support/temp';

/**
 * Node types the demo-plant example takes from other packs (Dashboard 2.0, node-red-contrib-opcua, -modbus). Node-RED
 * also loads the packs installed beside itself (here: our node_modules, as in a global install), so it may know them;
 * the pack's own code still resolves its dependencies from the userDir only.
 */
const OTHER_PACKS = /^(ui-|OpcUa-|modbus-)/;

describe('the pack installed from the palette into a plain Node-RED 4.1', () => {
  let installed: string;
  let demo: ServerProcess;
  let plain: PlainNodeRed;
  let url: string;
  let token: string;

  before(async () => {
    installed = await installedPack();
    // The demo plant's simulator (ERP, MES, legacy ERP database) from our checkout, with no flows of its own.
    demo = await startServerProcess({ flows: [], env: { ADMIN_PASSWORD: 'pack-test-admin' } });
    plain = await startPlainNodeRed(installed, { MES_BASE_URL: `${demo.simUrl}/mes/api`, MES_TOKEN: 'demo-mes-token', LEGACY_ERP_DB_CLIENT: 'sqlite', LEGACY_ERP_DB_NAME: join(demo.userDir, 'legacy-erp.sqlite') });
    ({ url, token } = plain);
  });

  after(async () => {
    await plain?.stop();
    await demo?.stop('SIGTERM');
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
    assert.deepEqual(
      ours.filter((s) => !s.enabled || s.err).map((s) => `${s.types.join(',')}: ${s.err}`),
      [],
    );
    assert.deepEqual(ours.flatMap((s) => s.types).sort(), Object.keys(PACK['node-red'].nodes).sort());
    const info = (await (await fetch(`${url}/api/info`, { headers: bearer() })).json()) as { nodes: string[] };
    assert.deepEqual(info.nodes, Object.keys(PACK['node-red'].nodes).sort());
  });

  it("serves the REST API, health and metrics on the admin app behind Node-RED's login", async () => {
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
    assert.deepEqual(
      missing.filter((t) => !OTHER_PACKS.test(t)),
      [],
      'the demo plant lacks only the types of Dashboard 2.0 and the equipment packs',
    );
    await deployFlow(url, token, demoPlant);

    const confirm = JSON.parse(readFileSync(join(examples, 'erp-confirm.json'), 'utf8')) as Array<{ type: string }>;
    assert.deepEqual(
      confirm.map((n) => n.type).filter((t) => t !== 'tab' && !known.has(t)),
      [],
    );
    await deployFlow(url, token, confirm);
    // node-red-dev N02: every node of the pack (config nodes aside) is used by an example.
    const configTypes = ['erp-endpoint', 'bridge-store', 'code-map-table', 'legacy-db'];
    const legacy = JSON.parse(readFileSync(join(examples, 'plant-legacy-erp.json'), 'utf8')) as Array<{ type: string }>;
    const used = new Set([...demoPlant, ...confirm, ...legacy].map((n) => n.type));
    assert.deepEqual(
      Object.keys(PACK['node-red'].nodes).filter((t) => !configTypes.includes(t) && !used.has(t)),
      [],
    );

    const before = ((await (await fetch(`${demo.simUrl}/mes/_sim/received`)).json()) as { items: unknown[] }).items.length;
    await deployFlow(url, token, legacy);
    // The poll runs at deploy (first run from the beginning); "Read now" is the same poll.
    await eventually(async () => (await fetch(`${url}/inject/legacy-poll-now`, { method: 'POST', headers: bearer() })).status === 200, 'the Read now button');
    const received = await eventually(
      async () => {
        const items = ((await (await fetch(`${demo.simUrl}/mes/_sim/received`)).json()) as { items: Array<{ outcome: string; workOrder: { workOrderNo: string } }> }).items;
        return items.length > before ? items : undefined;
      },
      `a work order at the MES:\n${plain.output().slice(-3000)}`,
      30_000,
    );
    assert.equal(received[before].outcome, 'created');
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
  });
});
