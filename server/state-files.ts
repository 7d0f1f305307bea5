// The runtime's state files hold flow credentials, login sessions and user settings: readable by the
// server's own account only (0600), in a folder only it can list (0700). Node-RED writes them with the
// process umask (usually 0644), so they are tightened after every save and once at start.
import { chmod, readdir } from 'node:fs/promises';
import { chmodSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const STATE_FILE_MODE = 0o600;
export const STATE_DIR_MODE = 0o700;

/** flows.json, flows_cred.json, .sessions.json, .config.*.json, package.json and their .backup copies. */
export function isStateFile(name: string): boolean {
  return name.endsWith('.json') || name.endsWith('.backup') || name.endsWith('.$$$');
}

/** Tightens the folder and every state file in it; a file that vanished meanwhile is no error. */
export async function secureStateFiles(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  await Promise.all(entries.filter((e) => e.isFile() && isStateFile(e.name)).map((e) => chmod(join(dir, e.name), STATE_FILE_MODE).catch(() => undefined)));
}

/** At start, before Node-RED reads anything: the folder 0700 and the files an earlier run left 0600. */
export function secureStateDirSync(dir: string): void {
  if (!existsSync(dir)) return;
  chmodSync(dir, STATE_DIR_MODE);
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (isStateFile(name) && statSync(path).isFile()) chmodSync(path, STATE_FILE_MODE);
  }
}
