// HTTPS: with TLS_KEY_FILE and TLS_CERT_FILE the bridge serves the editor, health and login over TLS.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { loadSettings } from '../../settings';
import { startBridgeServer, type BridgeServer } from '../../server/app';
import { bcryptHash, tempDir, waitFor } from '../support/server-kit';

function httpsGet(url: string, ca: Buffer): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, servername: 'localhost' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('bridge server over HTTPS', () => {
  const tmp = tempDir();
  let bridge: BridgeServer;
  let cert: Buffer;

  before(async () => {
    const keyFile = join(tmp.path, 'key.pem');
    const certFile = join(tmp.path, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
    cert = readFileSync(certFile);
    writeFileSync(join(tmp.path, 'flows.json'), '[]');
    const settings = loadSettings(
      {
        CREDENTIAL_SECRET: 'tls-test-credential-secret-0123456789',
        AUDIT_KEY: 'test-audit-key-of-at-least-32-bytes!!',
        ADMIN_USERS: `planner:${bcryptHash('planner-pw')}:admin`,
        BRIDGE_USER_DIR: tmp.path,
        HOST: 'localhost',
        PORT: '0',
        LOG_LEVEL: 'warn',
        TLS_KEY_FILE: keyFile,
        TLS_CERT_FILE: certFile,
      },
      [],
    );
    bridge = await startBridgeServer(settings, { banner: false });
  });

  after(async () => {
    await bridge?.close();
    tmp.remove();
  });

  it('reports an https:// URL and answers /healthz over TLS with the self-signed certificate', async () => {
    assert.match(bridge.url, /^https:\/\/localhost:\d+$/);
    const health = await waitFor('healthz 200 over https', async () => {
      const res = await httpsGet(`${bridge.url}/healthz`, cert);
      return res.status === 200 ? res : undefined;
    });
    assert.deepEqual(JSON.parse(health.body), { status: 'ok', flows: 'started' });
  });

  it('still requires a login for the admin API over TLS', async () => {
    assert.equal((await httpsGet(`${bridge.url}/settings`, cert)).status, 401);
  });

  it('tells browsers to keep to HTTPS (Strict-Transport-Security) on every answer, the editor page included', async () => {
    for (const path of ['/', '/healthz', '/settings']) {
      const res = await httpsGet(`${bridge.url}${path}`, cert);
      assert.match(String(res.headers['strict-transport-security']), /^max-age=31536000/, `${path} answered without HSTS`);
    }
  });

  it('refuses a plain-HTTP request on the TLS port', async () => {
    await assert.rejects(fetch(bridge.url.replace('https:', 'http:') + '/healthz'));
  });
});
