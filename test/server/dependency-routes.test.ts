// Every admin route a dependency registers has been reviewed: the real server (in-process, with every node
// module of the pack's dependencies loaded) lists what was registered and by whom. A dependency upgrade that
// adds a route fails this test until the route is reviewed in server/dependency-routes.ts and the README.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSettings } from '../../settings';
import { startBridgeServer, type BridgeServer } from '../../server/app';
import { adminRoutes, packageOfFile, REVIEWED_DEPENDENCY_ROUTES } from '../../server/dependency-routes';
import { repoRoot } from '../support/server-process';
import { bcryptHash, login, tempDir } from '../support/server-kit';

describe('admin routes registered by dependencies', () => {
  const tmp = tempDir();
  let bridge: BridgeServer;

  before(async () => {
    writeFileSync(join(tmp.path, 'flows.json'), '[]');
    const settings = loadSettings(
      {
        CREDENTIAL_SECRET: 'dependency-routes-credential-secret-0123',
        AUDIT_KEY: 'test-audit-key-of-at-least-32-bytes!!',
        ADMIN_USERS: `planner:${bcryptHash('planner-pw')}:admin,auditor:${bcryptHash('auditor-pw')}:viewer`,
        BRIDGE_USER_DIR: tmp.path,
        PORT: '0',
        LOG_LEVEL: 'warn',
      },
      [],
    );
    bridge = await startBridgeServer(settings, { banner: false });
  });

  after(async () => {
    await bridge?.close();
    tmp.remove();
  });

  it('finds node-red-contrib-modbus and Dashboard 2.0 among the modules that register admin routes', () => {
    const modules = new Set(bridge.routeReview.dependencyRoutes().map((r) => r.module));
    assert.ok(modules.has('node-red-contrib-modbus'), `modules seen: ${[...modules].join(', ')}`);
    assert.ok(modules.has('@flowfuse/node-red-dashboard'), `modules seen: ${[...modules].join(', ')}`);
  });

  it('has a review on record for every admin route a dependency registered, and no review of a route that no longer exists', () => {
    const seen = bridge.routeReview.dependencyRoutes();
    const unreviewed = seen.filter((r) => r.decision === 'unreviewed').map((r) => `${r.method} ${r.path} (${r.module})`);
    assert.deepEqual(unreviewed, [], 'review these in server/dependency-routes.ts and the README table');
    const stale = REVIEWED_DEPENDENCY_ROUTES.filter((r) => !seen.some((s) => s.module === r.module && s.method === r.method && s.path === r.path)).map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(stale, [], 'reviews of routes the installed modules no longer register');
  });

  it("leaves no route in the admin app's stack unaccounted for: each was there before the node modules loaded or was registered through the review", () => {
    assert.deepEqual(bridge.routeReview.unaccounted(), []);
    assert.ok(adminRoutes(bridge.red).includes('POST /modbus/fc/:id'));
  });

  it('attributes the routes of core nodes to Node-RED and of our nodes to the pack', () => {
    const registered = bridge.routeReview.registered();
    const owner = (method: string, path: string) => registered.find((r) => r.method === method && r.path === path)?.owner;
    assert.equal(owner('POST', '/inject/:id'), 'node-red');
    assert.equal(owner('POST', '/erp-endpoint/test'), 'ours');
  });

  it('lists every reviewed route in the README table with its decision', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    for (const r of REVIEWED_DEPENDENCY_ROUTES) {
      const row = readme.split('\n').find((line) => line.startsWith('|') && line.includes(`\`${r.method} ${r.path}\``));
      assert.ok(row, `README has a row for ${r.method} ${r.path}`);
      assert.match(row, new RegExp(`\\b${r.decision.kind}\\b`), `the README row says ${r.decision.kind}: ${row}`);
    }
  });

  it('refuses the modbus file route to a viewer, whatever file is named', async () => {
    const viewer = await login(bridge.url, 'auditor', 'auditor-pw', 'read');
    const res = await fetch(`${bridge.url}/modbus/fc/x`, {
      method: 'POST',
      headers: { authorization: `Bearer ${viewer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mapPath: join(tmp.path, '.sessions.json') }),
    });
    assert.ok(res.status === 401 || res.status === 403, `a viewer got ${res.status}`);
  });

  it('names the package of a file by its last node_modules folder, scoped packages included', () => {
    assert.equal(packageOfFile('/srv/app/node_modules/node-red-contrib-modbus/modbus/modbus-flex-fc.js'), 'node-red-contrib-modbus');
    assert.equal(packageOfFile('/srv/node_modules/a/node_modules/@flowfuse/node-red-dashboard/nodes/config/ui_base.js'), '@flowfuse/node-red-dashboard');
    assert.equal(packageOfFile('/work/bridge/dist/nodes/erp-endpoint/erp-endpoint.js'), undefined);
  });
});
