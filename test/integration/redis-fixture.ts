// Redis for tests: the machine's server (REDIS_URL, default redis://127.0.0.1:6379) with a random key prefix per
// test, removed afterwards; or a redis-server of the test's own (AOF on, fsync always) that it may kill -9 and
// start again. A missing server skips the test with the reason, except when CI=true: there it fails.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { TestContext } from 'node:test';
import Redis from 'ioredis';
import { RedisConnection, type RedisSettings } from '../../nodes/lib/stores/redis-connection';

export const redisUrl = () => process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/** A prefix no other test uses. */
export const testPrefix = (what: string) => `test:${what}:${randomBytes(4).toString('hex')}:`;

/** Resolves true when the server answers PING, else skips the test (or throws under CI=true). */
export async function redisAvailable(t: TestContext, url = redisUrl()): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, connectTimeout: 2000, maxRetriesPerRequest: 0 });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch (err) {
    const reason = `Redis at ${url} (REDIS_URL) is not available: ${(err as Error).message}`;
    if (process.env.CI === 'true') throw new Error(`${reason}. CI=true requires this server.`, { cause: err });
    t.skip(reason);
    return false;
  } finally {
    probe.disconnect();
  }
}

/** A connection on the machine's Redis under `prefix`; closed by the test's after hook. */
export function connect(t: TestContext, prefix: string, settings: Partial<RedisSettings> = {}): RedisConnection {
  const connection = new RedisConnection({ url: redisUrl(), keyPrefix: prefix, ...settings });
  t.after(() => connection.close());
  return connection;
}

/** Deletes every key under the prefix (run it in t.after). */
export async function dropKeys(prefix: string, url = redisUrl()): Promise<void> {
  const admin = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await admin.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    admin.disconnect();
  }
}

/** A free loopback port (redis-server does not take port 0): bind one, note it, let it go. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface OwnRedis {
  port: number;
  url: string;
  /** SIGKILL, and resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts again on the same port and directory (the AOF is replayed). */
  start(): Promise<void>;
}

/** A redis-server of this test's own, writing an AOF with fsync always into dir; killed after the test. */
export async function ownRedis(t: Pick<TestContext, 'after'>, dir: string, extraArgs: string[] = []): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'no', ...extraArgs];
      const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (/Ready to accept connections/.test(output)) {
          proc.stdout!.off('data', onData);
          proc.stdout!.resume();
          resolve();
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.resume();
      proc.once('error', (err) => reject(new Error(`redis-server could not be started: ${err.message}`)));
      proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready: ${output.slice(-500)}`)));
    });
  const kill = () =>
    new Promise<void>((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  t.after(kill);
  await start();
  return { port, url: `redis://127.0.0.1:${port}`, kill, start };
}
