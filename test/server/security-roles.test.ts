// Roles and login limits on the real server (not the demo): the flows' endpoints take machine accounts only, the
// dashboard's paths people only; wrong passwords are counted per client address — 429 with Retry-After and a
// JSON body once too many — so a stranger guessing the admin's password (on Basic or on POST /auth/token) is
// stopped without locking the admin out from another address, and no answer is ever a 500.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { basic, bcryptHash } from '../support/server-kit';
import { startServerProcess, type ServerProcess } from '../support/server-process';

const flows = [
  { id: 'roles-tab', type: 'tab', label: 'roles' },
  { id: 'mes-in', type: 'http in', z: 'roles-tab', url: '/mes/ping', method: 'post', wires: [['mes-answer']] },
  { id: 'mes-answer', type: 'change', z: 'roles-tab', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: '{"taken":true}', tot: 'json' }], wires: [['mes-out']] },
  { id: 'mes-out', type: 'http response', z: 'roles-tab', statusCode: '', wires: [] },
];

const ADMIN = basic('admin', 'admin-pw');
const VIEWER = basic('watcher', 'viewer-pw');
const MACHINE = basic('line-mes', 'machine-pw');

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request from a chosen loopback address (127.0.0.x are all this machine), so tests are different clients. */
function call(url: string, options: { method?: string; headers?: Record<string, string>; body?: string; from?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, localAddress: options.from ?? '127.0.0.1' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const postMes = (server: ServerProcess, authorization: string, from?: string) => call(`${server.url}/mes/ping`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: '{}', ...(from && { from }) });

const tokenLogin = (server: ServerProcess, username: string, password: string, from: string, scope = '*') =>
  call(`${server.url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: 'node-red-admin', grant_type: 'password', scope, username, password }).toString(),
    from,
  });

describe('roles and login limits (real server)', () => {
  let server: ServerProcess;

  before(async () => {
    server = await startServerProcess({
      demo: false,
      flows,
      env: {
        CREDENTIAL_SECRET: 'roles-test-secret-of-some-length',
        AUDIT_KEY: 'roles-test-audit-key-of-at-least-32-bytes',
        ADMIN_USERS: `admin:${bcryptHash('admin-pw')}:admin,watcher:${bcryptHash('viewer-pw')}:viewer`,
        MES_USERS: `line-mes:${bcryptHash('machine-pw')}`,
      },
    });
  });
  after(async () => {
    await server?.stop();
  });

  it('a flow endpoint (/mes/*) takes the machine account and refuses the admin and the viewer', async () => {
    const machine = await postMes(server, MACHINE);
    assert.equal(machine.status, 200);
    assert.deepEqual(JSON.parse(machine.body), { taken: true });
    for (const person of [ADMIN, VIEWER]) {
      const refused = await postMes(server, person);
      assert.equal(refused.status, 401);
      assert.match(JSON.parse(refused.body).error, /this path takes a machine account/);
    }
  });

  it('answers the Basic challenge (no credentials) with 401, WWW-Authenticate and a JSON sentence', async () => {
    const challenged = await call(`${server.url}/mes/ping`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(challenged.status, 401);
    assert.match(String(challenged.headers['www-authenticate']), /^Basic realm="ERP-MES Bridge"/);
    assert.match(String(challenged.headers['content-type']), /^application\/json/);
    assert.match(JSON.parse(challenged.body).error, /^Authentication required: this path takes a machine account/);
  });

  it('the dashboard paths take people and refuse the machine account', async () => {
    const machine = await call(`${server.url}/dashboard/progress`, { headers: { authorization: MACHINE } });
    assert.equal(machine.status, 401);
    assert.match(JSON.parse(machine.body).error, /this path takes a person's login/);
    // No dashboard in this flow: past the login the path is simply not there.
    assert.equal((await call(`${server.url}/dashboard/progress`, { headers: { authorization: VIEWER } })).status, 404);
  });

  it('a viewer cannot get an admin token: refused as 403, not counted by Node-RED against the name', async () => {
    const viewer = await tokenLogin(server, 'watcher', 'viewer-pw', '127.0.0.4');
    assert.equal(viewer.status, 403);
    assert.equal(JSON.parse(viewer.body).error, 'invalid_scope');
  });

  it('a viewer asking any scope but "read" gets a 403 JSON naming the scope, never a 500; "read" is given', async () => {
    for (const scope of ['write', 'flows.write', 'read *']) {
      const asked = await tokenLogin(server, 'watcher', 'viewer-pw', '127.0.0.4', scope);
      assert.equal(asked.status, 403, `scope ${scope}: ${asked.body}`);
      assert.equal(JSON.parse(asked.body).error, 'invalid_scope');
      assert.match(JSON.parse(asked.body).error_description, new RegExp(`watcher is a viewer: log in with scope "read", not "${scope.replace('*', '\\*')}"`));
    }
    const given = await tokenLogin(server, 'watcher', 'viewer-pw', '127.0.0.4', 'read');
    assert.equal(given.status, 200, given.body);
    assert.ok(JSON.parse(given.body).access_token);
  });

  it('50 wrong Basic passwords from one address end in 429 with Retry-After; the admin and the MES still get in from another', async () => {
    const statuses: number[] = [];
    let last: Answer | undefined;
    for (let i = 0; i < 50; i++) {
      last = await postMes(server, basic('admin', `guess-${i}`), '127.0.0.7');
      statuses.push(last.status);
    }
    assert.ok(
      statuses.every((s) => s === 401 || s === 429),
      `only 401 and 429: ${statuses.join(',')}`,
    );
    assert.equal(statuses.indexOf(429), 9, 'the tenth failure is refused');
    assert.equal(last!.status, 429);
    const retryAfter = Number(last!.headers['retry-after']);
    assert.ok(retryAfter > 0 && retryAfter <= 300, `Retry-After ${last!.headers['retry-after']}`);
    assert.deepEqual(Object.keys(JSON.parse(last!.body)).sort(), ['error', 'retryAfterSec']);
    assert.match(JSON.parse(last!.body).error, /^Too many failed logins from this address: try again in \d+ s\.$/);
    assert.match(server.output(), /Logins from (::ffff:)?127\.0\.0\.7 are refused for \d+ s: 10 failed within 300 s\./);

    // Refused from that address even with the right password, and on the dashboard socket's handshake too.
    assert.equal((await postMes(server, MACHINE, '127.0.0.7')).status, 429);
    assert.equal((await call(`${server.url}/dashboard/socket.io/?EIO=4&transport=polling`, { headers: { authorization: ADMIN }, from: '127.0.0.7' })).status, 429);

    assert.equal((await postMes(server, MACHINE, '127.0.0.2')).status, 200, 'the MES on another address still posts');
    const admin = await tokenLogin(server, 'admin', 'admin-pw', '127.0.0.2');
    assert.equal(admin.status, 200, admin.body);
    assert.ok(JSON.parse(admin.body).access_token);
  });

  it("guessing the admin's password on POST /auth/token ends in 429, never 500, and the admin still logs in from another address", async () => {
    const statuses: number[] = [];
    let last: Answer | undefined;
    for (let i = 0; i < 50; i++) {
      last = await tokenLogin(server, 'admin', `guess-${i}`, '127.0.0.3');
      statuses.push(last.status);
    }
    assert.ok(!statuses.includes(500), `no 500: ${statuses.join(',')}`);
    assert.ok(
      statuses.slice(0, 9).every((s) => s === 403),
      `wrong passwords are 403 first: ${statuses.join(',')}`,
    );
    assert.ok(
      statuses.slice(9).every((s) => s === 429),
      `then 429: ${statuses.join(',')}`,
    );
    assert.ok(Number(last!.headers['retry-after']) > 0);
    assert.match(JSON.parse(last!.body).error, /Too many failed logins/);

    // Node-RED's own lock is per user name (5 attempts, 10 minutes): the guesses never reached it.
    for (const from of ['127.0.0.2', '127.0.0.5']) {
      const admin = await tokenLogin(server, 'admin', 'admin-pw', from);
      assert.equal(admin.status, 200, `admin from ${from}: ${admin.body}`);
    }
  });
});
