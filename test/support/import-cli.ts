// Runs the import CLI (`node dist/server/import-flow.js`) as plant IT does: a process with only the
// environment the test gives, its exit code and both streams collected.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const IMPORT_CLI = join(__dirname, '..', '..', 'server', 'import-flow.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  // Only what the test gives: no BRIDGE_* or PORT leaking in from the shell.
  const child = spawn(process.execPath, [IMPORT_CLI, ...args], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
