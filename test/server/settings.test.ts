import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { findRepoRoot, loadSettings, SettingsError } from '../../settings';
import { bcryptHash, tempDir } from '../support/server-kit';

const adminHash = bcryptHash('plant-admin-pw');
const viewerHash = bcryptHash('viewer-pw');
const SECRET = 'a-credential-secret-of-at-least-32-chars';
const AUDIT_KEY = 'test-audit-key-of-at-least-32-bytes!!';
const minimal = { CREDENTIAL_SECRET: SECRET, ADMIN_USERS: `alice:${adminHash}:admin`, AUDIT_KEY };

function settingsError(fn: () => unknown): SettingsError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SettingsError, `expected a SettingsError, got ${String(err)}`);
    assert.doesNotMatch(err.message, /\n/, 'a SettingsError is one line');
    return err;
  }
  assert.fail('expected a SettingsError');
}

describe('loadSettings', () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  it('applies safe defaults outside demo mode: localhost:1880, ~/.erp-mes-bridge, info logging, no TLS', () => {
    const s = loadSettings(minimal, []);
    assert.equal(s.demo, false);
    assert.equal(s.host, '127.0.0.1');
    assert.equal(s.port, 1880);
    assert.equal(s.userDir, join(homedir(), '.erp-mes-bridge'));
    assert.equal(s.flowFile, join(homedir(), '.erp-mes-bridge', 'flows.json'));
    assert.equal(s.storeDir, s.userDir);
    assert.equal(s.logLevel, 'info');
    assert.equal(s.simPort, 0);
    assert.equal(s.demoReset, false);
    assert.equal(s.tls, undefined);
    assert.equal(s.credentialSecret, SECRET);
    assert.deepEqual(s.adminUsers, [{ username: 'alice', password: adminHash, permissions: '*' }]);
    assert.deepEqual(s.httpNodeUsers, [], 'flow endpoints take machine accounts only: none unless MES_USERS or HTTP_NODE_USERS names one');
    assert.deepEqual(s.loginLimit, { maxFailures: 10, windowMs: 300_000 });
    assert.deepEqual(s.dashboardLimits, { maxDepth: 32, maxBytes: 65_536 });
    assert.equal(s.repoRoot, findRepoRoot());
  });

  it('reads host, port, directories, flows file, store dir, log level and HTTP node users from env', () => {
    const s = loadSettings(
      {
        ...minimal,
        HOST: '0.0.0.0',
        PORT: '0',
        BRIDGE_USER_DIR: tmp.path,
        FLOWS_FILE: 'plant-1010.json',
        BRIDGE_STORE_DIR: join(tmp.path, 'store'),
        LOG_LEVEL: 'WARN',
        SIM_PORT: '18999',
        DEMO_RESET: '1',
        HTTP_NODE_USERS: `scada:${viewerHash}`,
      },
      [],
    );
    assert.equal(s.host, '0.0.0.0');
    assert.equal(s.port, 0);
    assert.equal(s.userDir, tmp.path);
    assert.equal(s.flowFile, join(tmp.path, 'plant-1010.json'));
    assert.equal(s.storeDir, join(tmp.path, 'store'));
    assert.equal(s.logLevel, 'warn');
    assert.equal(s.simPort, 18999);
    assert.equal(s.demoReset, true);
    assert.deepEqual(s.httpNodeUsers, [{ username: 'scada', passwordHash: viewerHash }]);
  });

  it('takes machine accounts from MES_USERS and HTTP_NODE_USERS, and refuses a name that is also a person', () => {
    const s = loadSettings({ ...minimal, MES_USERS: `mes:${viewerHash}`, HTTP_NODE_USERS: `scada:${viewerHash}`, LOGIN_FAILURE_LIMIT: '5', LOGIN_FAILURE_WINDOW_SEC: '60' }, []);
    assert.deepEqual(
      s.httpNodeUsers.map((u) => u.username),
      ['mes', 'scada'],
    );
    assert.deepEqual(s.loginLimit, { maxFailures: 5, windowMs: 60_000 });
    assert.throws(() => loadSettings({ ...minimal, MES_USERS: `alice:${viewerHash}` }, []), /"alice" is both a person \(ADMIN_USERS\) and a machine account/);
    assert.throws(() => loadSettings({ ...minimal, LOGIN_FAILURE_LIMIT: 'many' }, []), /LOGIN_FAILURE_LIMIT must be a whole number of failed logins/);
  });

  it('maps roles: admin gets "*" and viewer gets "read", from ADMIN_USERS and ADMIN_USERS_FILE', () => {
    const file = join(tmp.path, 'users.json');
    writeFileSync(
      file,
      JSON.stringify([
        { username: 'carol', password: viewerHash, role: 'viewer' },
        { username: 'dave', password: adminHash, permissions: '*' },
      ]),
    );
    const s = loadSettings({ CREDENTIAL_SECRET: SECRET, ADMIN_USERS: `bob:${viewerHash}:viewer`, ADMIN_USERS_FILE: file, AUDIT_KEY }, []);
    assert.deepEqual(
      s.adminUsers.map((u) => [u.username, u.permissions]),
      [
        ['bob', 'read'],
        ['carol', 'read'],
        ['dave', '*'],
      ],
    );
  });

  it('outside demo mode refuses to start without CREDENTIAL_SECRET and says which env var to set', () => {
    const err = settingsError(() => loadSettings({ ADMIN_USERS: minimal.ADMIN_USERS }, []));
    assert.match(err.message, /CREDENTIAL_SECRET/);
  });

  it('outside demo mode refuses a CREDENTIAL_SECRET shorter than 32 characters, saying how long it is and how long it must be', () => {
    const err = settingsError(() => loadSettings({ ...minimal, CREDENTIAL_SECRET: 'x'.repeat(31) }, []));
    assert.match(err.message, /CREDENTIAL_SECRET is 31 characters long; it must be at least 32/);
    assert.equal(loadSettings({ ...minimal, CREDENTIAL_SECRET: 'x'.repeat(32) }, []).credentialSecret, 'x'.repeat(32));
  });

  it('in demo mode accepts the short demo secret, since the demo flow holds no credentials', () => {
    const s = loadSettings({ BRIDGE_DEMO: '1', ADMIN_PASSWORD: 'pw', BRIDGE_USER_DIR: tmp.path }, []);
    assert.ok(s.credentialSecret.length < 32);
  });

  it('reads the HTTP limits with defaults (5 MiB bodies, JSON 32 deep, /mes/ JSON only) and names a malformed one', () => {
    assert.deepEqual(loadSettings(minimal, []).http, { maxBodyBytes: 5 * 1024 * 1024, maxJsonDepth: 32, jsonOnlyPaths: ['/mes/'] });
    const s = loadSettings({ ...minimal, HTTP_MAX_BODY_BYTES: '65536', HTTP_MAX_JSON_DEPTH: '8', HTTP_JSON_ONLY_PATHS: '/mes/, /line/' }, []);
    assert.deepEqual(s.http, { maxBodyBytes: 65536, maxJsonDepth: 8, jsonOnlyPaths: ['/mes/', '/line/'] });
    assert.match(settingsError(() => loadSettings({ ...minimal, HTTP_MAX_JSON_DEPTH: 'deep' }, [])).message, /HTTP_MAX_JSON_DEPTH must be a whole number/);
    assert.match(settingsError(() => loadSettings({ ...minimal, HTTP_JSON_ONLY_PATHS: 'mes' }, [])).message, /HTTP_JSON_ONLY_PATHS entries are path prefixes/);
  });

  it('takes METRICS_TOKEN of 16 characters or more, and refuses a shorter one', () => {
    assert.equal(loadSettings(minimal, []).metricsToken, undefined);
    assert.equal(loadSettings({ ...minimal, METRICS_TOKEN: 'prometheus-scrape-token' }, []).metricsToken, 'prometheus-scrape-token');
    assert.match(settingsError(() => loadSettings({ ...minimal, METRICS_TOKEN: 'short' }, [])).message, /METRICS_TOKEN is 5 characters long/);
  });

  it('outside demo mode refuses to start without an admin user and names ADMIN_USERS', () => {
    const err = settingsError(() => loadSettings({ CREDENTIAL_SECRET: SECRET, ADMIN_PASSWORD: 'plain' }, []));
    assert.match(err.message, /ADMIN_USERS/);
  });

  it('names the malformed ADMIN_USERS entry: missing role, unknown role, or a password that is not a bcrypt hash', () => {
    const missingRole = settingsError(() => loadSettings({ CREDENTIAL_SECRET: SECRET, ADMIN_USERS: `alice:${adminHash}:admin,bob:${viewerHash}` }, []));
    assert.match(missingRole.message, /ADMIN_USERS entry 2 \("bob"\)/);
    const badRole = settingsError(() => loadSettings({ CREDENTIAL_SECRET: SECRET, ADMIN_USERS: `bob:${viewerHash}:operator` }, []));
    assert.match(badRole.message, /ADMIN_USERS entry 1 \("bob"\).*role "operator"/);
    const plain = settingsError(() => loadSettings({ CREDENTIAL_SECRET: SECRET, ADMIN_USERS: 'bob:hunter2:admin' }, []));
    assert.match(plain.message, /ADMIN_USERS entry 1 \("bob"\).*not a bcrypt hash/);
  });

  it('refuses a half-configured TLS setup, naming the missing file variable', () => {
    const key = join(tmp.path, 'key.pem');
    writeFileSync(key, 'not used');
    const onlyKey = settingsError(() => loadSettings({ ...minimal, TLS_KEY_FILE: key }, []));
    assert.match(onlyKey.message, /TLS_CERT_FILE is not/);
    const onlyCert = settingsError(() => loadSettings({ ...minimal, TLS_CERT_FILE: key }, []));
    assert.match(onlyCert.message, /TLS_KEY_FILE is not/);
    const s = loadSettings({ ...minimal, TLS_KEY_FILE: key, TLS_CERT_FILE: key }, []);
    assert.deepEqual(s.tls, { keyFile: key, certFile: key });
  });

  it('rejects a port that is not a number and a log level that does not exist', () => {
    assert.match(settingsError(() => loadSettings({ ...minimal, PORT: 'http' }, [])).message, /PORT/);
    assert.match(settingsError(() => loadSettings({ ...minimal, LOG_LEVEL: 'verbose' }, [])).message, /LOG_LEVEL/);
  });

  describe('demo mode', () => {
    let generated: ReturnType<typeof loadSettings>;
    before(() => {
      generated = loadSettings({}, ['--demo']);
    });

    it('starts with --demo and nothing else: a generated admin password, a demo secret, <repo>/.demo', () => {
      assert.equal(generated.demo, true);
      assert.ok(generated.generatedAdminPassword && generated.generatedAdminPassword.length >= 12);
      assert.equal(generated.adminUsers.length, 1);
      assert.equal(generated.adminUsers[0]!.username, 'admin');
      assert.equal(generated.adminUsers[0]!.permissions, '*');
      assert.ok(bcrypt.compareSync(generated.generatedAdminPassword, generated.adminUsers[0]!.password));
      assert.ok(generated.credentialSecret.length > 0);
      assert.equal(generated.userDir, join(findRepoRoot(), '.demo'));
    });

    it('generates a different password on each start', () => {
      assert.notEqual(loadSettings({ BRIDGE_DEMO: '1' }, []).generatedAdminPassword, generated.generatedAdminPassword);
    });

    it('uses ADMIN_PASSWORD for user admin instead of generating one', () => {
      const s = loadSettings({ BRIDGE_DEMO: '1', ADMIN_PASSWORD: 'demo-admin-pw' }, []);
      assert.equal(s.generatedAdminPassword, undefined);
      assert.ok(bcrypt.compareSync('demo-admin-pw', s.adminUsers[0]!.password));
    });
  });
});
