// Runs workflow-child in a process of its own, waits until it says its state is durable, kills it with
// SIGKILL (no shutdown code runs), and hands back the SQLite file's entries of one namespace.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { SqliteStore } from '../../nodes/lib/stores/sqlite-store';

export async function killedChild(file: string, scenario: 'overdraw' | 'exceptions'): Promise<void> {
  const child = spawn(process.execPath, [join(__dirname, 'workflow-child.js'), file, scenario], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = once(child, 'exit');
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('durable\n')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`the child exited (${code}) before its state was durable: ${stderr}`)));
  });
  child.kill('SIGKILL');
  const [, signal] = await exited;
  if (signal !== 'SIGKILL') throw new Error(`the child ended by ${signal}, not by SIGKILL`);
}

export async function storedEntries(store: SqliteStore, namespace: string): Promise<Array<[string, unknown]>> {
  const keys = await store.keys(namespace);
  return [...(await store.getMany(namespace, keys))];
}
