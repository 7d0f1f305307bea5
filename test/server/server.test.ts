// The real bridge server in-process: Node-RED runtime, login, roles, flow endpoints, metrics.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSettings } from '../../settings';
import { startBridgeServer, type BridgeServer } from '../../server/app';
import { basic, bcryptHash, login, tempDir, waitFor } from '../support/server-kit';

const PACK = 'node-red-contrib-erp-mes-bridge';

// inject → debug, and a flow endpoint: GET /line/ping → function → http response;
// ?fail=1 makes the function node log an error with the msg (what Catch nodes see).
const tinyFlow = [
  { id: 'tab1', type: 'tab', label: 'server test' },
  { id: 'inj1', type: 'inject', z: 'tab1', props: [{ p: 'payload' }], payload: 'tick', payloadType: 'str', once: true, onceDelay: 0.1, repeat: '', wires: [['dbg1']] },
  { id: 'dbg1', type: 'debug', z: 'tab1', active: true, tosidebar: false, console: false, complete: 'payload', wires: [] },
  { id: 'in1', type: 'http in', z: 'tab1', url: '/line/ping', method: 'get', wires: [['fn1']] },
  {
    id: 'fn1',
    type: 'function',
    z: 'tab1',
    func: "if (msg.req.query.fail) { node.error('work centre WC-09 unknown', msg); }\nmsg.payload = { pong: true };\nreturn msg;",
    outputs: 1,
    wires: [['out1']],
  },
  { id: 'out1', type: 'http response', z: 'tab1', statusCode: '', wires: [] },
];

describe('bridge server (in-process)', () => {
  const tmp = tempDir();
  let bridge: BridgeServer;
  let url: string;
  let adminToken: string;

  before(async () => {
    writeFileSync(join(tmp.path, 'flows.json'), '[]');
    const settings = loadSettings(
      {
        CREDENTIAL_SECRET: 'server-test-credential-secret-0123456789',
        AUDIT_KEY: 'test-audit-key-of-at-least-32-bytes!!',
        ADMIN_USERS: `planner:${bcryptHash('planner-pw')}:admin,supervisor:${bcryptHash('supervisor-pw')}:viewer`,
        HTTP_NODE_USERS: `scada:${bcryptHash('scada-pw')}`,
        BRIDGE_USER_DIR: tmp.path,
        PORT: '0',
        LOG_LEVEL: 'warn',
      },
      [],
    );
    bridge = await startBridgeServer(settings, { banner: false });
    url = bridge.url;
    adminToken = await login(url, 'planner', 'planner-pw');
  });

  after(async () => {
    await bridge?.close();
    tmp.remove();
  });

  const auth = (token: string) => ({ authorization: `Bearer ${token}` });

  it('answers /healthz with 200 and flows "started" once the flows run, without a login', async () => {
    const body = await waitFor('healthz 200', async () => {
      const res = await fetch(`${url}/healthz`);
      return res.status === 200 ? res.json() : undefined;
    });
    assert.deepEqual(body, { status: 'ok', flows: 'started' });
  });

  it('requires a login for the editor admin API: GET /settings is 401 without a token, 200 with one', async () => {
    assert.equal((await fetch(`${url}/settings`)).status, 401);
    assert.equal((await fetch(`${url}/settings`, { headers: auth(adminToken) })).status, 200);
  });

  it('serves the editor page titled ERP–MES Bridge at the root', async () => {
    const res = await fetch(`${url}/`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<title>ERP–MES Bridge<\/title>/);
  });

  it('refuses a login with the wrong password', async () => {
    await assert.rejects(login(url, 'planner', 'wrong'), /HTTP 401|HTTP 403/);
  });

  it('serves /api/info to a logged-in user and 401 without a token', async () => {
    assert.equal((await fetch(`${url}/api/info`)).status, 401);
    const res = await fetch(`${url}/api/info`, { headers: auth(adminToken) });
    assert.equal(res.status, 200);
    const info = (await res.json()) as { name: string; version: string; demo: boolean; nodes: string[] };
    assert.equal(info.name, PACK);
    assert.equal(info.demo, false);
    // The admin API's /nodes names a set that failed to load by its err (it does not send a loaded flag).
    const sets = (await (await fetch(`${url}/nodes`, { headers: { ...auth(adminToken), accept: 'application/json' } })).json()) as {
      module: string;
      types: string[];
      enabled: boolean;
      err?: string;
    }[];
    const loaded = sets.filter((s) => s.module === PACK && s.enabled && !s.err).flatMap((s) => s.types);
    assert.ok(loaded.length > 0);
    assert.deepEqual(info.nodes, loaded.sort(), 'lists exactly the pack types the runtime loaded');
  });

  it('loads the pack from the checkout as one module, and lists no node set twice', async () => {
    const res = await fetch(`${url}/nodes`, { headers: { ...auth(adminToken), accept: 'application/json' } });
    const sets = (await res.json()) as { id: string; module: string }[];
    assert.ok(
      sets.some((s) => s.module === PACK),
      `${PACK} is among the loaded modules`,
    );
    const ids = sets.map((s) => s.id);
    assert.deepEqual(ids, [...new Set(ids)], 'every node set id appears once');
  });

  it('lets a viewer read the flows but not deploy them', async () => {
    const viewer = await login(url, 'supervisor', 'supervisor-pw', 'read');
    const read = await fetch(`${url}/flows`, { headers: auth(viewer) });
    assert.equal(read.status, 200);
    const deploy = await fetch(`${url}/flows`, {
      method: 'POST',
      headers: { ...auth(viewer), 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify(tinyFlow),
    });
    assert.ok(deploy.status === 401 || deploy.status === 403, `viewer deploy answered ${deploy.status}`);
  });

  it('refuses palette installs: POST /nodes is refused even for an admin, and the editor is told installs are off', async () => {
    const res = await fetch(`${url}/nodes`, {
      method: 'POST',
      headers: { ...auth(adminToken), 'content-type': 'application/json' },
      body: JSON.stringify({ module: 'node-red-contrib-anything' }),
    });
    assert.ok(res.status >= 400 && res.status < 500, `palette install answered ${res.status}`);
    const settings = (await (await fetch(`${url}/settings`, { headers: auth(adminToken) })).json()) as {
      externalModules?: { palette?: { allowInstall?: boolean; allowUpload?: boolean } };
    };
    assert.equal(settings.externalModules?.palette?.allowInstall, false);
    assert.equal(settings.externalModules?.palette?.allowUpload, false);
  });

  describe('with a deployed flow', () => {
    before(async () => {
      const res = await fetch(`${url}/flows`, {
        method: 'POST',
        headers: { ...auth(adminToken), 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
        body: JSON.stringify(tinyFlow),
      });
      assert.equal(res.status, 204, `admin deploy answered ${res.status}`);
    });

    it('counts messages per node type in /metrics once the inject node has sent', async () => {
      const text = await waitFor('inject counted in /metrics', async () => {
        const body = await (await fetch(`${url}/metrics`, { headers: auth(adminToken) })).text();
        return /^erp_mes_messages_total\{node_type="inject"\} [1-9]/m.test(body) ? body : undefined;
      });
      assert.match(text, /^erp_mes_up 1$/m);
      assert.match(text, /^# TYPE erp_mes_messages_total counter$/m);
      assert.match(text, /^process_resident_memory_bytes \d+$/m);
    });

    it('answers a flow HTTP endpoint 401 with a Basic challenge without credentials, and 401 with wrong ones', async () => {
      const none = await fetch(`${url}/line/ping`);
      assert.equal(none.status, 401);
      assert.match(none.headers.get('www-authenticate') ?? '', /^Basic realm=/);
      const wrong = await fetch(`${url}/line/ping`, { headers: { authorization: basic('scada', 'nope') } });
      assert.equal(wrong.status, 401);
    });

    it('answers a flow HTTP endpoint 200 with HTTP_NODE_USERS credentials, also on the cached second call', async () => {
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${url}/line/ping`, { headers: { authorization: basic('scada', 'scada-pw') } });
        assert.equal(res.status, 200);
        assert.deepEqual(await res.json(), { pong: true });
      }
    });

    it('counts errors logged by a node in erp_mes_errors_total with its node type', async () => {
      const res = await fetch(`${url}/line/ping?fail=1`, { headers: { authorization: basic('scada', 'scada-pw') } });
      assert.equal(res.status, 200);
      const body = await (await fetch(`${url}/metrics`, { headers: auth(adminToken) })).text();
      assert.match(body, /^erp_mes_errors_total\{node_type="function"\} [1-9]/m);
      assert.match(body, /^erp_mes_messages_total\{node_type="http in"\} [1-9]/m);
    });
  });

  // Last: it leaves the runtime without running flows.
  it('answers /healthz 503 "stopped" when a deployed flow cannot start (a node type is not installed)', async () => {
    const res = await fetch(`${url}/flows`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify([
        { id: 'tab2', type: 'tab' },
        { id: 'x1', type: 'no-such-plant-node', z: 'tab2', wires: [] },
      ]),
    });
    assert.equal(res.status, 204);
    const body = await waitFor('healthz 503', async () => {
      const h = await fetch(`${url}/healthz`);
      return h.status === 503 ? h.json() : undefined;
    });
    assert.deepEqual(body, { status: 'stopped', flows: 'stopped' });
  });
});
