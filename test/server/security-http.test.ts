// The served surface under hostile input, against the real demo server in a child process (a crash ends the
// child, not the test): deep and large JSON on every flow endpoint and admin route is refused at parse time with
// JSON naming the limit and the process stays up; wrong content types get 415; errors are JSON without stacks or
// paths; security headers everywhere and no wildcard CORS; /metrics needs a token and names no internal URL;
// the modbus file route is closed to viewers and confined for admins; state files are 0600 after a deploy.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { basic, bcryptHash, deployFlow, login, waitFor } from '../support/server-kit';
import { repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';

const ADMIN_PASSWORD = 'security-admin-pass';
const VIEWER_PASSWORD = 'security-viewer-pass';
const METRICS_TOKEN = 'security-test-scrape-token';
// The demo's MES webhook account (server/demo.ts): the machine account flow endpoints are for.
const MES = basic('mes-demo', 'demo-mes-webhook-pass');
const MAX_BODY_BYTES = 1024 * 1024;

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
const demoFlow = (): Array<{ type: string; url?: string; method?: string }> => JSON.parse(readFileSync(join(repoRoot, 'flows', 'demo-plant.json'), 'utf8'));

/** Every http-in endpoint of the shipped demo flow, as the MES calls them. */
const flowEndpoints = (): Array<{ method: string; url: string }> =>
  demoFlow()
    .filter((n) => n.type === 'http in')
    .map((n) => ({ method: n.method!.toUpperCase(), url: n.url! }));

describe('the served surface under hostile input (demo server)', () => {
  let server: ServerProcess;
  let admin: string;
  let viewer: string;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  before(async () => {
    server = await startServerProcess({
      env: {
        ADMIN_PASSWORD,
        ADMIN_USERS: `viewer:${bcryptHash(VIEWER_PASSWORD)}:viewer`,
        METRICS_TOKEN,
        HTTP_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
        SIM_MES_REPORTS_MS: '0',
      },
    });
    admin = await login(server.url, 'admin', ADMIN_PASSWORD);
    viewer = await login(server.url, 'viewer', VIEWER_PASSWORD, 'read');
  });

  after(async () => {
    await server?.stop();
  });

  async function assertAlive(): Promise<void> {
    const res = await fetch(`${server.url}/healthz`);
    assert.equal(res.status, 200, `the server still answers /healthz 200 (output: ${server.output().slice(-1500)})`);
  }

  /** A JSON error answer: application/json, an error sentence, no HTML, stack frame or server path. */
  async function jsonError(res: Response): Promise<{ error: string } & Record<string, unknown>> {
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/, `HTTP ${res.status} answered as ${res.headers.get('content-type')}`);
    const text = await res.text();
    assert.doesNotMatch(text, /<html|<pre>|\n\s+at |node_modules|\/work\/|\/tmp\//i, `the answer shows no HTML, stack or path: ${text}`);
    assert.ok(!text.includes(repoRoot) && !text.includes(server.userDir), 'the answer names no folder of the server');
    const body = JSON.parse(text) as { error: string };
    assert.equal(typeof body.error, 'string');
    return body as { error: string } & Record<string, unknown>;
  }

  it('refuses JSON nested 10,000 deep on every http-in endpoint of the demo flow with 400 naming the depth limit, and stays up', async () => {
    const endpoints = flowEndpoints();
    assert.ok(endpoints.length >= 6, `the demo flow has its MES endpoints: ${JSON.stringify(endpoints)}`);
    for (const { method, url } of endpoints) {
      const res = await fetch(`${server.url}${url}`, { method, headers: { authorization: MES, 'content-type': 'application/json' }, body: nested(10_000) });
      assert.equal(res.status, 400, `${method} ${url} answered ${res.status}`);
      const body = await jsonError(res);
      assert.match(body.error, /nests deeper than the 32 levels/);
      assert.deepEqual(body.limit, { maxJsonDepth: 32 });
    }
    await assertAlive();
  });

  it('refuses JSON nested 10,000 deep on the admin API and our REST routes with 400, logged in or not, and stays up', async () => {
    const routes = ['/api/approvals/REQ-1', '/api/exceptions/EX-1/ack', '/api/outbox/progress/dead-letters/replay', '/flows', '/auth/token', '/auth/revoke'];
    for (const path of routes) {
      for (const headers of [{}, bearer(admin)]) {
        const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: nested(10_000) });
        assert.equal(res.status, 400, `POST ${path} answered ${res.status}`);
        assert.match((await jsonError(res)).error, /HTTP_MAX_JSON_DEPTH/);
      }
    }
    await assertAlive();
  });

  it('refuses a JSON body over HTTP_MAX_BODY_BYTES with 413 naming the limit, declared or chunked, and stays up', async () => {
    const big = JSON.stringify({ note: 'x'.repeat(MAX_BODY_BYTES) });
    const declared = await fetch(`${server.url}/mes/progress-reports`, { method: 'POST', headers: { authorization: MES, 'content-type': 'application/json' }, body: big });
    assert.equal(declared.status, 413);
    assert.deepEqual((await jsonError(declared)).limit, { maxBodyBytes: MAX_BODY_BYTES });
    // Without Content-Length the limit is counted as the bytes arrive.
    const chunked = await fetch(`${server.url}/flows`, {
      method: 'POST',
      headers: { ...bearer(admin), 'content-type': 'application/json' },
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit);
    assert.equal(chunked.status, 413);
    await jsonError(chunked);
    await assertAlive();
  });

  it('bounds a chunked text body outside /mes/ by HTTP_MAX_BODY_BYTES too: 413 as JSON, and a small one still reaches its flow', async () => {
    const res = await fetch(`${server.url}/flow`, {
      method: 'POST',
      headers: { ...bearer(admin), 'content-type': 'application/json' },
      body: JSON.stringify({
        label: 'security: text notes',
        nodes: [
          { id: 'sec-notes-in', type: 'http in', url: '/line/notes', method: 'post', upload: false, swaggerDoc: '', wires: [['sec-notes-out']] },
          { id: 'sec-notes-out', type: 'http response', statusCode: '200', headers: {}, wires: [] },
        ],
      }),
    });
    assert.equal(res.status, 200, await res.text());
    const chunked = (body: string) => fetch(`${server.url}/line/notes`, { method: 'POST', headers: { authorization: MES, 'content-type': 'text/plain' }, body: new Blob([body]).stream(), duplex: 'half' } as RequestInit);
    const small = await waitFor('the notes endpoint', async () => {
      const answer = await chunked('shift note: line 2 idle 10 min');
      return answer.status === 404 ? undefined : answer;
    });
    assert.equal(small.status, 200);
    assert.equal(await small.text(), 'shift note: line 2 idle 10 min');
    const big = await chunked('x'.repeat(MAX_BODY_BYTES + 1));
    assert.equal(big.status, 413);
    assert.deepEqual((await jsonError(big)).limit, { maxBodyBytes: MAX_BODY_BYTES });
    await assertAlive();
  });

  it('answers 415 with JSON to a text or untyped body on the MES endpoints, where a JSON body is taken', async () => {
    for (const { method, url } of flowEndpoints().filter((e) => e.url.startsWith('/mes/'))) {
      const text = await fetch(`${server.url}${url}`, { method, headers: { authorization: MES, 'content-type': 'text/plain' }, body: '{"orderNo":"MO-1"}' });
      assert.equal(text.status, 415, `${method} ${url} with text/plain answered ${text.status}`);
      assert.match((await jsonError(text)).error, /takes application\/json, not "text\/plain"/);
      const untyped = await fetch(`${server.url}${url}`, { method, headers: { authorization: MES }, body: new Uint8Array([123, 125]) });
      assert.equal(untyped.status, 415, `${method} ${url} without Content-Type answered ${untyped.status}`);
    }
  });

  it('answers malformed JSON, unknown paths and failed admin calls with JSON sentences, never an HTML page with a stack', async () => {
    const malformed = await fetch(`${server.url}/flows`, { method: 'POST', headers: { ...bearer(admin), 'content-type': 'application/json' }, body: '{"flows": [' });
    assert.equal(malformed.status, 400);
    assert.match((await jsonError(malformed)).error, /not valid JSON/);
    const mesMalformed = await fetch(`${server.url}/mes/progress-reports`, { method: 'POST', headers: { authorization: MES, 'content-type': 'application/json' }, body: '{"orderNo":' });
    assert.equal(mesMalformed.status, 400);
    await jsonError(mesMalformed);
    const unknown = await fetch(`${server.url}/mes/no-such-endpoint`, { headers: { authorization: MES } });
    assert.equal(unknown.status, 404);
    assert.match((await jsonError(unknown)).error, /Nothing is served at GET \/mes\/no-such-endpoint/);
    const latin1 = await fetch(`${server.url}/mes/progress-reports`, { method: 'POST', headers: { authorization: MES, 'content-type': 'application/json; charset=latin1' }, body: '{}' });
    assert.equal(latin1.status, 415);
    await jsonError(latin1);
  });

  it('sends CSP with frame-ancestors, nosniff, SAMEORIGIN and a Referrer-Policy on the editor, the dashboard, the API and errors; no HSTS without TLS', async () => {
    const answers = [
      await fetch(`${server.url}/`),
      await fetch(`${server.url}/dashboard/progress`, { headers: bearer(admin) }),
      await fetch(`${server.url}/api/info`, { headers: bearer(admin) }),
      await fetch(`${server.url}/healthz`),
      await fetch(`${server.url}/mes/progress-reports`, { method: 'POST', headers: { authorization: MES, 'content-type': 'text/plain' }, body: 'x' }),
    ];
    for (const res of answers) {
      const where = `${res.url} (${res.status})`;
      assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'self'/, where);
      assert.match(res.headers.get('content-security-policy') ?? '', /object-src 'none'/, where);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', where);
      assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN', where);
      assert.equal(res.headers.get('referrer-policy'), 'same-origin', where);
      assert.equal(res.headers.get('strict-transport-security'), null, where);
      await res.arrayBuffer();
    }
  });

  it('answers no admin route with a wildcard Access-Control-Allow-Origin, preflight included', async () => {
    const origin = { origin: 'https://attacker.example' };
    for (const path of ['/settings', '/flows', '/api/approvals', '/auth/login']) {
      const res = await fetch(`${server.url}${path}`, { headers: { ...origin, ...bearer(admin) } });
      assert.equal(res.headers.get('access-control-allow-origin'), null, `GET ${path} allowed origin ${res.headers.get('access-control-allow-origin')}`);
      const preflight = await fetch(`${server.url}${path}`, { method: 'OPTIONS', headers: { ...origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' } });
      assert.equal(preflight.headers.get('access-control-allow-origin'), null, `OPTIONS ${path} allowed origin ${preflight.headers.get('access-control-allow-origin')}`);
    }
    const token = await fetch(`${server.url}/auth/token`, {
      method: 'POST',
      headers: { ...origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'admin', password: ADMIN_PASSWORD }),
    });
    assert.equal(token.headers.get('access-control-allow-origin'), null, 'a page elsewhere cannot read a login answer');
  });

  it('refuses /metrics without credentials or with a wrong token, serves it with METRICS_TOKEN or an admin-API login', async () => {
    const anonymous = await fetch(`${server.url}/metrics`);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.match((await jsonError(anonymous)).error, /METRICS_TOKEN/);
    assert.equal((await fetch(`${server.url}/metrics`, { headers: bearer('not-the-scrape-token') })).status, 401);
    for (const token of [METRICS_TOKEN, viewer]) {
      const res = await fetch(`${server.url}/metrics`, { headers: bearer(token) });
      assert.equal(res.status, 200);
      assert.match(await res.text(), /^erp_mes_up 1$/m);
    }
  });

  it('names outboxes and ERP endpoints in /metrics and /api/outbox by node name, never by an internal URL', async () => {
    const metrics = await (await fetch(`${server.url}/metrics`, { headers: bearer(METRICS_TOKEN) })).text();
    assert.match(metrics, /erp_mes_outbox_depth\{outbox="[^"]+",endpoint="Demo ERP[^"]*"\}/);
    assert.doesNotMatch(metrics, /https?:\/\/|127\.0\.0\.1|localhost/, 'no address in /metrics');
    const outboxes = await (await fetch(`${server.url}/api/outbox`, { headers: bearer(viewer) })).text();
    assert.doesNotMatch(outboxes, /https?:\/\/|127\.0\.0\.1|localhost/, 'no address in /api/outbox');
  });

  it("keeps a viewer off node-red-contrib-modbus's file route, and confines an admin to the module's argument maps", async () => {
    const sessionsFile = join(server.userDir, '.sessions.json');
    const asViewer = await fetch(`${server.url}/modbus/fc/any`, { method: 'POST', headers: { ...bearer(viewer), 'content-type': 'application/json' }, body: JSON.stringify({ mapPath: sessionsFile }) });
    assert.ok(asViewer.status === 401 || asViewer.status === 403, `a viewer got ${asViewer.status}`);
    assert.doesNotMatch(await asViewer.text(), /sha256|admin|expires/);
    const asAdmin = await fetch(`${server.url}/modbus/fc/any`, { method: 'POST', headers: { ...bearer(admin), 'content-type': 'application/json' }, body: JSON.stringify({ mapPath: sessionsFile }) });
    assert.equal(asAdmin.status, 403);
    assert.match((await jsonError(asAdmin)).error, /extras\/argumentMaps/);
    const codes = join(dirname(require.resolve('node-red-contrib-modbus/package.json')), 'extras', 'argumentMaps', 'defaults', 'codes.json');
    const ownMap = await fetch(`${server.url}/modbus/fc/any`, { method: 'POST', headers: { ...bearer(admin), 'content-type': 'application/json' }, body: JSON.stringify({ mapPath: codes }) });
    assert.equal(ownMap.status, 200, 'the flex-fc editor still loads its own argument maps');
  });

  it('keeps login sessions on disk by the hash of their token, never the token', () => {
    const text = readFileSync(join(server.userDir, '.sessions.json'), 'utf8');
    for (const token of [admin, viewer]) assert.ok(!text.includes(token), 'no token in clear in .sessions.json');
    const keys = Object.keys(JSON.parse(text) as object);
    assert.ok(keys.length >= 2 && keys.every((k) => /^sha256:[0-9a-f]{64}$/.test(k)), `keys: ${keys.join(', ')}`);
  });

  // Last: the deploy replaces the demo flow.
  it('leaves the flows, credentials, sessions and config files 0600 and the user folder 0700 after a deploy with credentials', async () => {
    const flow = [
      { id: 'modes-tab', type: 'tab', label: 'modes' },
      { id: 'modes-broker', type: 'mqtt-broker', name: 'credential holder', broker: '127.0.0.1', port: '1883', credentials: { user: 'line', password: 'line-secret' } },
    ];
    await deployFlow(server.url, admin, flow);
    const mode = (name: string) => (statSync(join(server.userDir, name)).mode & 0o777).toString(8);
    assert.equal(mode('.'), '700');
    for (const name of ['flows.json', 'flows_cred.json', '.flows.json.backup', '.sessions.json', '.config.runtime.json', '.config.nodes.json']) {
      assert.equal(mode(name), '600', `${name} is ${mode(name)}`);
    }
    assert.doesNotMatch(readFileSync(join(server.userDir, 'flows_cred.json'), 'utf8'), /line-secret/, 'credentials are encrypted');
    // The deploy restarts the flows: /healthz is 503 for that moment.
    await waitFor('healthz 200 after the deploy', async () => ((await fetch(`${server.url}/healthz`)).status === 200 ? true : undefined));
  });
});
