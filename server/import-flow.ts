// CLI: `node dist/server/import-flow.js <flow-file> [--url URL] [--user NAME] [--replace-all] [--dry-run]`.
// Imports one plant's flow file into a running bridge through Node-RED's Admin API. The password comes
// from BRIDGE_ADMIN_PASSWORD only (a flag would show in `ps` and shell history). Any failure prints one
// line on stderr and exits 1; the merge and checks live in flow-import.ts.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  describePlan,
  FlowFileError,
  installedNodeTypes,
  missingNodeTypes,
  parseFlowFile,
  planImport,
  type FlowNode,
  type ImportMode,
} from './flow-import';

const USAGE = 'usage: node dist/server/import-flow.js <flow-file> [--url http://127.0.0.1:1880] [--user admin] [--replace-all] [--dry-run]';
const REQUEST_TIMEOUT_MS = 60_000;

/** A failure the user can act on; its message is the one line printed. */
class ImportError extends Error {}

interface Options {
  file: string;
  url: string;
  user: string;
  password: string | undefined;
  mode: ImportMode;
  dryRun: boolean;
}

function readOptions(argv: string[], env: NodeJS.ProcessEnv): Options | 'help' {
  if (argv.some((a) => a === '--password' || a.startsWith('--password='))) {
    throw new ImportError('--password is not accepted (it would show in the process list and shell history); set BRIDGE_ADMIN_PASSWORD instead.');
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        user: { type: 'string' },
        'replace-all': { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new ImportError(`${(err as Error).message.split(/\.\s/)[0]} (${USAGE})`);
  }
  if (parsed.values.help) return 'help';
  if (parsed.positionals.length !== 1) {
    throw new ImportError(`give exactly one flow file, got ${parsed.positionals.length} (${USAGE})`);
  }
  const url = (parsed.values.url ?? env.BRIDGE_URL?.trim() ?? '') || `http://127.0.0.1:${env.PORT?.trim() || '1880'}`;
  try {
    new URL(url);
  } catch {
    throw new ImportError(`the bridge URL "${url}" is not a URL (give --url http://host:port or set BRIDGE_URL).`);
  }
  return {
    file: parsed.positionals[0]!,
    url: url.replace(/\/+$/, ''),
    user: parsed.values.user ?? 'admin',
    password: env.BRIDGE_ADMIN_PASSWORD || undefined,
    mode: parsed.values['replace-all'] ? 'replace-all' : 'merge-by-tab',
    dryRun: parsed.values['dry-run'] ?? false,
  };
}

function readFlowFile(file: string): FlowNode[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ImportError(code === 'ENOENT' ? `${file} does not exist.` : `${file} could not be read: ${(err as Error).message}.`);
  }
  return parseFlowFile(text, file);
}

/** Talks to one bridge's Admin API; every failure becomes an ImportError naming the endpoint. */
class AdminApi {
  private token: string | undefined;

  constructor(private readonly baseUrl: string) {}

  async request(method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    try {
      return await fetch(`${this.baseUrl}${path}`, { method, headers, body: init.body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const why = e.name === 'TimeoutError' ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : (e.cause?.code ?? e.cause?.message ?? e.message);
      throw new ImportError(`cannot reach the bridge at ${this.baseUrl} (${method} ${path}: ${why}); is it running, and is --url or BRIDGE_URL right?`);
    }
  }

  async json<T>(method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}): Promise<T> {
    const res = await this.request(method, path, { ...init, headers: { accept: 'application/json', ...init.headers } });
    if (res.status === 401 || res.status === 403) {
      throw new ImportError(`the bridge at ${this.baseUrl} refused ${method} ${path} (HTTP ${res.status}): the user may not manage flows.`);
    }
    if (!res.ok) throw new ImportError(`${method} ${this.baseUrl}${path} failed with HTTP ${res.status}: ${await answerText(res)}`);
    return (await res.json()) as T;
  }

  /** Logs in when the bridge asks for a login (it always does unless adminAuth is off). */
  async login(user: string, password: string | undefined): Promise<void> {
    const scheme = await this.json<{ type?: string }>('GET', '/auth/login');
    if (scheme.type === undefined) return;
    if (scheme.type !== 'credentials') {
      throw new ImportError(`the bridge at ${this.baseUrl} signs users in through "${scheme.type}" login, which this tool cannot use; import through the editor instead.`);
    }
    if (!password) throw new ImportError(`BRIDGE_ADMIN_PASSWORD is not set: set it to the password of "${user}" on ${this.baseUrl}.`);
    const res = await this.request('POST', '/auth/token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: user, password }).toString(),
    });
    if (res.status === 401 || res.status === 403) {
      throw new ImportError(
        `the bridge at ${this.baseUrl} refused the login as "${user}": the user name or password is wrong, or the user is not an admin (check --user and BRIDGE_ADMIN_PASSWORD).`,
      );
    }
    if (!res.ok) throw new ImportError(`logging in as "${user}" at ${this.baseUrl} failed with HTTP ${res.status}: ${await answerText(res)}`);
    this.token = ((await res.json()) as { access_token: string }).access_token;
  }

  /** Ends the session this run opened, so imports do not pile up live tokens. Best effort. */
  async logout(): Promise<void> {
    if (!this.token) return;
    await this.request('POST', '/auth/revoke', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: this.token }) }).catch(() => undefined);
    this.token = undefined;
  }
}

async function answerText(res: Response): Promise<string> {
  const text = (await res.text().catch(() => '')).replace(/\s+/g, ' ').trim();
  try {
    const body = JSON.parse(text) as { message?: string; code?: string };
    if (body.message || body.code) return [body.code, body.message].filter(Boolean).join(': ');
  } catch {
    // not JSON: show the text itself
  }
  return text.slice(0, 300) || '(empty answer)';
}

async function importFlow(o: Options, out: (line: string) => void): Promise<void> {
  const fileNodes = readFlowFile(o.file);
  const api = new AdminApi(o.url);
  try {
    await api.login(o.user, o.password);
    const nodeSets = await api.json<unknown>('GET', '/nodes');
    const current = await api.json<{ rev: string; flows: FlowNode[] }>('GET', '/flows', { headers: { 'Node-RED-API-Version': 'v2' } });

    const keptSubflows = new Set(o.mode === 'replace-all' ? [] : current.flows.filter((n) => n.type === 'subflow').map((n) => n.id));
    const missing = missingNodeTypes(fileNodes, installedNodeTypes(nodeSets), keptSubflows);
    if (missing.length > 0) {
      const list = missing.map((m) => `${m.type} (${m.nodes} node${m.nodes === 1 ? '' : 's'})`).join(', ');
      throw new ImportError(`${o.file} uses node types that are not installed on ${o.url}: ${list}; nothing was deployed. Install them on the bridge first.`);
    }

    const plan = planImport(current.flows, fileNodes, o.mode);
    out(`${o.dryRun ? 'Dry run: ' : ''}importing ${o.file} into ${o.url} (${o.mode === 'replace-all' ? 'replace all flows' : 'merge by tab'})`);
    for (const line of describePlan(plan)) out(line);
    if (o.dryRun) {
      out(plan.unchanged ? 'Dry run: the server already runs exactly this; nothing would change.' : 'Dry run: nothing was deployed.');
      return;
    }
    if (plan.unchanged) {
      out(`The server already runs exactly this flow; nothing deployed (rev ${current.rev}).`);
      return;
    }

    // The rev makes Node-RED refuse (409) if someone deployed after we read the flows.
    const res = await api.request('POST', '/flows', {
      headers: { 'content-type': 'application/json', 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify({ rev: current.rev, flows: plan.flows }),
    });
    if (res.status === 409) {
      throw new ImportError(`someone deployed to ${o.url} while this import was running, so nothing was deployed (their changes are kept); run the import again.`);
    }
    if (res.status === 401 || res.status === 403) {
      throw new ImportError(`the bridge at ${o.url} refused the deploy (HTTP ${res.status}): "${o.user}" may not change flows; use an admin user.`);
    }
    if (!res.ok) throw new ImportError(`deploying to ${o.url} failed with HTTP ${res.status}: ${await answerText(res)}`);
    const { rev } = (await res.json()) as { rev: string };
    const tabs = plan.flows.filter((n) => n.type === 'tab').length;
    out(`Deployed ${o.file} to ${o.url}: the server now runs ${plan.nodesAfter} nodes on ${tabs} tab${tabs === 1 ? '' : 's'} (rev ${rev}).`);
  } finally {
    await api.logout();
  }
}

async function main(): Promise<void> {
  const options = readOptions(process.argv.slice(2), process.env);
  if (options === 'help') {
    process.stdout.write(`${USAGE}\nThe password is read from BRIDGE_ADMIN_PASSWORD; the URL defaults to BRIDGE_URL or http://127.0.0.1:$PORT (1880).\n`);
    return;
  }
  await importFlow(options, (line) => process.stdout.write(line + '\n'));
}

main().catch((err: Error) => {
  const known = err instanceof ImportError || err instanceof FlowFileError;
  const message = `Flow import failed: ${known ? err.message : `unexpected error: ${err.message}`}`;
  process.stderr.write(message.replace(/\s*\n\s*/g, ' ') + '\n');
  process.exitCode = 1;
});
