// Shared helpers for the server tests: bcrypt hashes, Basic headers, login through the admin API.
import bcrypt from 'bcryptjs';
import { eventually } from './temp';

export { tempDir } from './temp';

export function bcryptHash(password: string): string {
  // Cost 4 keeps the tests fast; the server accepts any bcrypt cost.
  return bcrypt.hashSync(password, 4);
}

/** Re-checks `probe` until it returns a value (not undefined), failing with `what` after `timeoutMs`. */
export function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15000): Promise<T> {
  return eventually(
    async () => {
      const value = await probe();
      return value === undefined ? undefined : { value };
    },
    what,
    timeoutMs,
  ).then((box) => box.value);
}

/** Logs in through Node-RED's admin API (what the editor does) and returns the bearer token. */
export async function login(baseUrl: string, username: string, password: string, scope = '*'): Promise<string> {
  const res = await fetch(`${baseUrl}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: 'node-red-admin', grant_type: 'password', scope, username, password }),
  });
  if (res.status !== 200) throw new Error(`login as ${username} failed with HTTP ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export function basic(username: string, password: string): string {
  return 'Basic ' + Buffer.from(`${username}:${password}`).toString('base64');
}

/** Deploys `flow` as the whole configuration through the admin API (what the editor's Deploy does); throws unless 204. */
export async function deployFlow(baseUrl: string, token: string, flow: unknown[]): Promise<void> {
  const res = await fetch(`${baseUrl}/flows`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
    body: JSON.stringify(flow),
  });
  if (res.status !== 204) throw new Error(`deploying the flow answered HTTP ${res.status}: ${await res.text()}`);
}
