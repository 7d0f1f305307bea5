// The CLI as a process: configuration errors, graceful SIGTERM, and demo mode's start banner.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bcryptHash, login, tempDir, waitFor } from '../support/server-kit';

const MAIN = join(__dirname, '..', '..', 'server', 'main.js');

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

// Only what the test sets: no CREDENTIAL_SECRET/ADMIN_* leaking in from the shell.
function run(args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exited };
}

function bannerUrl(r: Run): Promise<string> {
  return waitFor('the start banner', async () => /Editor:\s+(http\S+?)\/\s/.exec(r.stdout())?.[1], 30000);
}

describe('bridge CLI (node dist/server/main.js)', () => {
  const tmp = tempDir();
  const running: Run[] = [];
  after(async () => {
    for (const r of running) {
      if (r.child.exitCode === null && r.child.signalCode === null) {
        r.child.kill('SIGKILL');
        await r.exited;
      }
    }
    tmp.remove();
  });

  it('outside demo mode without CREDENTIAL_SECRET exits 1 with one line on stderr naming the variable', async () => {
    const r = run([], { BRIDGE_USER_DIR: tmp.path, ADMIN_USERS: `planner:${bcryptHash('pw')}:admin` });
    const { code } = await r.exited;
    assert.equal(code, 1);
    const lines = r.stderr().trimEnd().split('\n');
    assert.equal(lines.length, 1, `stderr was: ${r.stderr()}`);
    assert.match(lines[0]!, /CREDENTIAL_SECRET/);
  });

  it('outside demo mode without an admin user exits 1 with one line naming ADMIN_USERS', async () => {
    const r = run([], { BRIDGE_USER_DIR: tmp.path, CREDENTIAL_SECRET: 'cli-test-credential-secret-0123456789' });
    assert.equal((await r.exited).code, 1);
    const lines = r.stderr().trimEnd().split('\n');
    assert.equal(lines.length, 1, `stderr was: ${r.stderr()}`);
    assert.match(lines[0]!, /ADMIN_USERS/);
  });

  it('on SIGTERM stops the flows, logs that they stopped, and exits 0', async () => {
    const dir = join(tmp.path, 'sigterm');
    const r = run([], {
      BRIDGE_USER_DIR: dir,
      CREDENTIAL_SECRET: 'cli-test-credential-secret-0123456789',
      ADMIN_USERS: `planner:${bcryptHash('pw')}:admin`,
      AUDIT_KEY: 'test-audit-key-of-at-least-32-bytes!!',
      PORT: '0',
    });
    running.push(r);
    const url = await bannerUrl(r);
    await waitFor('healthz 200', async () => ((await fetch(`${url}/healthz`)).status === 200 ? true : undefined));
    r.child.kill('SIGTERM');
    const { code } = await r.exited;
    assert.equal(code, 0, `stderr: ${r.stderr()}`);
    assert.match(r.stdout(), /Stopped flows/);
    assert.match(r.stdout(), /ERP–MES Bridge stopped/);
  });

  it('in demo mode starts the plant simulator, seeds the flows file, and prints a generated admin password once that logs in', async () => {
    const dir = join(tmp.path, 'demo');
    const r = run(['--demo'], { BRIDGE_USER_DIR: dir, PORT: '0', LOG_LEVEL: 'warn' });
    running.push(r);
    const url = await bannerUrl(r);
    const out = r.stdout();
    const password = /Login:\s+admin \/ (\S+)/.exec(out)?.[1];
    assert.ok(password, `banner: ${out}`);
    assert.equal(out.split(password).length - 1, 1, 'the generated password is printed exactly once');
    assert.match(out, /Simulator:\s+ERP http:\/\/127\.0\.0\.1:\d+\/erp\/api\/v1\s+MES http:\/\/127\.0\.0\.1:\d+\/mes\/api/);
    assert.ok(existsSync(join(dir, 'flows.json')), 'the demo flows file was seeded');
    const demoFlow = join(__dirname, '..', '..', '..', 'flows', 'demo-plant.json');
    if (existsSync(demoFlow)) {
      assert.deepEqual(JSON.parse(readFileSync(join(dir, 'flows.json'), 'utf8')), JSON.parse(readFileSync(demoFlow, 'utf8')));
    }
    const token = await login(url, 'admin', password);
    const info = (await (await fetch(`${url}/api/info`, { headers: { authorization: `Bearer ${token}` } })).json()) as { demo: boolean };
    assert.equal(info.demo, true);
    r.child.kill('SIGTERM');
    assert.equal((await r.exited).code, 0, `stderr: ${r.stderr()}`);
  });
});
