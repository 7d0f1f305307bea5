// Login sessions across a restart of the real server: .sessions.json holds no token in clear, yet a login from
// before the restart still works afterwards (editor API and /metrics), a logout ends it for good, and a file
// written by an older version (tokens in clear) is hashed on the next save.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tokenKey } from '../../server/session-storage';
import { bcryptHash, login, tempDir, waitFor } from '../support/server-kit';
import { startServerProcess, type ServerProcess } from '../support/server-process';

describe('login sessions kept by the hash of their token', () => {
  const dir = tempDir('erp-mes-sessions-');
  const env = {
    CREDENTIAL_SECRET: 'session-storage-credential-secret-012345',
    AUDIT_KEY: 'test-audit-key-of-at-least-32-bytes!!',
    ADMIN_USERS: `planner:${bcryptHash('planner-pw')}:admin,auditor:${bcryptHash('auditor-pw')}:viewer`,
  };
  const start = () => startServerProcess({ demo: false, flows: [], userDir: dir.path, env });
  const sessionsText = () => readFileSync(join(dir.path, '.sessions.json'), 'utf8');
  let server: ServerProcess | undefined;
  let planner: string;
  let auditor: string;

  before(async () => {
    server = await start();
    planner = await login(server.url, 'planner', 'planner-pw');
    auditor = await login(server.url, 'auditor', 'auditor-pw', 'read');
  });

  after(async () => {
    await server?.stop();
    dir.remove();
  });

  const settingsStatus = async (token: string) => (await fetch(`${server!.url}/settings`, { headers: { authorization: `Bearer ${token}` } })).status;

  it('writes .sessions.json (mode 0600) without any token in clear, keyed by sha256 of each token', () => {
    const text = sessionsText();
    assert.ok(!text.includes(planner) && !text.includes(auditor), 'no token in clear');
    assert.deepEqual(Object.keys(JSON.parse(text) as object).sort(), [tokenKey(planner), tokenKey(auditor)].sort());
    assert.equal(statSync(join(dir.path, '.sessions.json')).mode & 0o777, 0o600);
  });

  it('does not accept the stored hash itself as a bearer token', async () => {
    assert.equal(await settingsStatus(tokenKey(planner)), 401);
    assert.equal(await settingsStatus(tokenKey(planner).slice('sha256:'.length)), 401);
  });

  it('keeps a login from before a restart working after it, with the permissions it had', async () => {
    assert.equal(await server!.stop(), 0);
    server = await start();
    assert.equal(await settingsStatus(planner), 200);
    assert.equal(await settingsStatus(auditor), 200);
    const deployAsViewer = await fetch(`${server.url}/flows`, {
      method: 'POST',
      headers: { authorization: `Bearer ${auditor}`, 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: '[]',
    });
    assert.ok(deployAsViewer.status === 401 || deployAsViewer.status === 403, `a viewer's restored login deployed: ${deployAsViewer.status}`);
    assert.equal((await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${auditor}` } })).status, 200);
  });

  it('ends a restored login on logout (POST /auth/revoke) and removes it from the file', async () => {
    const revoke = await fetch(`${server!.url}/auth/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${planner}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: planner }),
    });
    assert.equal(revoke.status, 200);
    assert.equal(await settingsStatus(planner), 401);
    // The file is rewritten once Node-RED has answered the logout.
    await waitFor('the hash gone from .sessions.json', async () => (sessionsText().includes(tokenKey(planner)) ? undefined : true));
    assert.equal(await settingsStatus(auditor), 200, 'other logins stay');
  });

  it('hashes a sessions file an older version wrote with tokens in clear, and the login in it still works', async () => {
    assert.equal(await server!.stop(), 0);
    const legacyToken = 'legacy-token-written-in-clear-by-node-red';
    writeFileSync(join(dir.path, '.sessions.json'), JSON.stringify({ [legacyToken]: { user: 'planner', client: 'node-red-admin', scope: ['*'], accessToken: legacyToken, expires: Date.now() + 3_600_000 } }));
    server = await start();
    assert.equal(await settingsStatus(legacyToken), 200);
    await login(server.url, 'auditor', 'auditor-pw', 'read'); // a save of the sessions
    assert.ok(!sessionsText().includes(legacyToken), 'the clear token is gone after the next save');
    assert.ok(sessionsText().includes(tokenKey(legacyToken)));
  });
});
