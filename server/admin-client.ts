// The import CLI's client of Node-RED's Admin API: login with a token (revoked at the end), JSON requests, and
// every failure turned into an ImportError naming the endpoint, so the CLI prints a sentence, not a stack.
const REQUEST_TIMEOUT_MS = 60_000;

/** A failure the user can act on; its message is the line printed, problems (if any) the lines after it. */
export class ImportError extends Error {
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
  }
}

/** Talks to one bridge's Admin API; every failure becomes an ImportError naming the endpoint. */
export class AdminApi {
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
      throw new ImportError(`the bridge at ${this.baseUrl} refused the login as "${user}": the user name or password is wrong, or the user is not an admin (check --user and BRIDGE_ADMIN_PASSWORD).`);
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

export async function answerText(res: Response): Promise<string> {
  const text = (await res.text().catch(() => '')).replace(/\s+/g, ' ').trim();
  try {
    const body = JSON.parse(text) as { message?: string; code?: string };
    if (body.message || body.code) return [body.code, body.message].filter(Boolean).join(': ');
  } catch {
    // not JSON: show the text itself
  }
  return text.slice(0, 300) || '(empty answer)';
}
