// Calls an ERP the way its profile says: builds each request from JSONata, authenticates (header,
// signature or a session kept and renewed when the ERP says it expired), fetches SAP-style CSRF tokens
// for writes, and turns an error hidden in an HTTP 200 into an ErpRequestError carrying the ERP's words.
import { createHash, createHmac } from 'node:crypto';
import { ErpHttpClient, ErpRequestError, type RawAnswer } from '../http-client';
import { type Bindings, type CompiledExpression, compileExpression } from './expressions';
import type { AuthSpec, ErpProfile, RequestSpec } from './types';

export interface ErpCredentials {
  username?: string;
  password?: string;
  token?: string;
}

export interface CompiledRequest {
  spec: RequestSpec;
  query?: CompiledExpression;
  headers?: CompiledExpression;
  body?: CompiledExpression;
}

export function compileRequest(spec: RequestSpec, field: string, profile: ErpProfile): CompiledRequest {
  const c = (src: string | undefined, part: string) => (src === undefined ? undefined : compileExpression(src, `${field}.${part}`, profile.name, profile.pull.changeTime.timeZone));
  return { spec, query: c(spec.query, 'query'), headers: c(spec.headers, 'headers'), body: c(spec.body, 'body') };
}

export interface CallResult {
  status: number;
  headers: RawAnswer['headers'];
  /** The parsed JSON answer (undefined for an empty body). */
  answer: unknown;
  url: URL;
}

interface CallOptions {
  /** Writes fetch a CSRF token first where the profile asks for one. */
  write?: boolean;
  /** JSONata over the answer → an error message; checked on every answer, HTTP 200 included. */
  error?: CompiledExpression;
  /** An absolute URL to call instead of the spec's path (a next link). */
  url?: string;
  /** Return the answer unchecked (the caller inspects it, then calls check()). */
  unchecked?: boolean;
}

export class ProfileSession {
  private readonly compiled: {
    headers?: CompiledExpression;
    auth?: { value?: CompiledExpression; login?: CompiledRequest; loginError?: CompiledExpression; token?: CompiledExpression; expired?: CompiledExpression; message?: CompiledExpression };
    csrf?: CompiledRequest;
  };
  private readonly params: Record<string, unknown>;
  private session: { token?: unknown } | undefined;
  private csrfToken: string | undefined;
  /** What this install has (asked once at connect, see discovery.ts); bound as $metadata and $optional. */
  private discovered: { metadata: Record<string, unknown>; optional: Record<string, string[]> } | undefined;
  private discovering: Promise<void> | undefined;
  /** Told each warning once (a field the preset would use that this install lacks); the endpoint node logs it. */
  onWarning: (message: string) => void = () => {};

  constructor(
    readonly client: ErpHttpClient,
    readonly profile: ErpProfile,
    private readonly credentials: ErpCredentials,
    params: Record<string, unknown> = {},
  ) {
    // The profile's defaults for settings not given (openEndpoint has already checked and filled them; a session made directly gets them too).
    this.params = { ...Object.fromEntries((profile.settings ?? []).filter((s) => s.default !== undefined).map((s) => [s.name, s.default])), ...params };
    const tz = profile.pull.changeTime.timeZone;
    const expr = (src: string | undefined, field: string) => (src === undefined ? undefined : compileExpression(src, field, profile.name, tz));
    const auth = profile.auth;
    this.compiled = {
      headers: expr(profile.headers, 'headers'),
      auth:
        auth.kind === 'token-header'
          ? { value: expr(auth.value, 'auth.value') }
          : auth.kind === 'session'
            ? { login: compileRequest(auth.login, 'auth.login', profile), loginError: expr(auth.loginError, 'auth.loginError'), token: expr(auth.token, 'auth.token'), expired: expr(auth.expired, 'auth.expired') }
            : auth.kind === 'signed'
              ? { message: expr(auth.message, 'auth.message'), value: expr(auth.value, 'auth.value') }
              : undefined,
      csrf: profile.csrf ? compileRequest(profile.csrf.fetch, 'csrf.fetch', profile) : undefined,
    };
  }

  /** Every expression sees the credentials, the endpoint's settings, the session and what discovery found. */
  bindings(extra: Bindings = {}): Bindings {
    return { credentials: this.credentials, params: this.params, session: this.session ?? {}, metadata: this.discovered?.metadata ?? {}, optional: this.discovered?.optional ?? {}, ...extra };
  }

  /** Runs `ask` once per connection (calls arriving meanwhile wait for it); a failed discovery is asked again next time. */
  async discoverOnce(ask: () => Promise<{ metadata: Record<string, unknown>; optional: Record<string, string[]>; warnings: string[] }>): Promise<void> {
    if (this.discovered) return;
    this.discovering ??= ask()
      .then((found) => {
        this.discovered = { metadata: found.metadata, optional: found.optional };
        for (const w of found.warnings) this.onWarning(w);
      })
      .finally(() => {
        this.discovering = undefined;
      });
    await this.discovering;
  }

  /** Makes one call; renews an expired session and a refused CSRF token once each. */
  async call(request: CompiledRequest, extra: Bindings = {}, options: CallOptions = {}): Promise<CallResult> {
    const auth = this.profile.auth;
    if (auth.kind === 'session' && !this.session) await this.login();
    if (options.write && this.profile.csrf && !this.csrfToken) await this.fetchCsrf();
    let result = await this.send(request, extra, options);
    if (auth.kind === 'session' && (await this.sessionExpired(result))) {
      await this.login();
      result = await this.send(request, extra, options);
    }
    if (options.write && this.profile.csrf && result.status === 403 && /required/i.test(String(result.headers[this.profile.csrf.header.toLowerCase()] ?? ''))) {
      await this.fetchCsrf();
      result = await this.send(request, extra, options);
    }
    return options.unchecked ? result : this.check(result, options.error);
  }

  private async send(request: CompiledRequest, extra: Bindings, options: CallOptions): Promise<CallResult> {
    const b = this.bindings(extra);
    const url = options.url ? new URL(options.url, this.client.url('')) : this.client.url(fillPath(request.spec.path, b, this.profile.name));
    // A next link is opaque: it already carries the query, and adding ours again would page twice.
    const query = options.url ? undefined : ((await request.query?.evaluate({}, b)) as Record<string, unknown> | undefined);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null) url.searchParams.set(k, typeof v === 'string' ? v : JSON.stringify(v));
    const headers: Record<string, string> = {};
    Object.assign(headers, stringValues((await this.compiled.headers?.evaluate({}, b)) as object | undefined));
    Object.assign(headers, stringValues((await request.headers?.evaluate({}, b)) as object | undefined));
    Object.assign(headers, await this.authHeaders(url, b));
    if (options.write && this.csrfToken && this.profile.csrf) headers[this.profile.csrf.header] = this.csrfToken;
    const body = request.body ? await request.body.evaluate({}, b) : undefined;
    const raw = await this.client.request({ method: request.spec.method, url, headers, body, noAuth: !['basic', 'bearer'].includes(this.profile.auth.kind) });
    let answer: unknown;
    if (request.spec.answer === 'text') answer = raw.body;
    else if (raw.body.trim() !== '') {
      try {
        answer = JSON.parse(raw.body);
      } catch (err) {
        if (raw.status >= 200 && raw.status < 300) {
          throw new ErpRequestError(`${this.client.where(url)} answered with malformed JSON (${(err as Error).message}).`, 'malformed', url.href, raw.status);
        }
        answer = raw.body;
      }
    }
    return { status: raw.status, headers: raw.headers, answer, url };
  }

  private async authHeaders(url: URL, b: Bindings): Promise<Record<string, string>> {
    const auth = this.profile.auth as AuthSpec;
    if (auth.kind === 'token-header') return { [auth.header]: String(await this.compiled.auth!.value!.evaluate({}, b)) };
    if (auth.kind === 'signed') {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const message = String(await this.compiled.auth!.message!.evaluate({}, { ...b, timestamp, path: url.pathname }));
      const secret = this.credentials.password ?? this.credentials.token ?? '';
      const signature = auth.algorithm === 'hmac-sha256' ? createHmac('sha256', secret).update(message).digest('hex') : createHash('sha256').update(message).digest('hex');
      const value = this.compiled.auth!.value ? String(await this.compiled.auth!.value.evaluate({}, { ...b, timestamp, signature })) : signature;
      return { [auth.header]: value };
    }
    return {};
  }

  private loggingIn: Promise<void> | undefined;

  /** One login at a time: calls that find the session expired together share it. */
  private login(): Promise<void> {
    this.loggingIn ??= this.doLogin().finally(() => {
      this.loggingIn = undefined;
    });
    return this.loggingIn;
  }

  private async doLogin(): Promise<void> {
    const c = this.compiled.auth!;
    this.client.forgetCookies();
    this.session = undefined;
    const result = await this.send(c.login!, {}, {});
    const message = result.status >= 400 ? `HTTP ${result.status}` : c.loginError ? await c.loginError.evaluate(result.answer, { status: result.status }) : undefined;
    if (message) {
      throw new ErpRequestError(`${this.client.where(result.url)} refused the login: ${String(message)}.`, 'auth', result.url.href, result.status, String(message));
    }
    this.session = { token: c.token ? await c.token.evaluate(result.answer) : undefined };
  }

  private async sessionExpired(result: CallResult): Promise<boolean> {
    if (result.status === 401) return true;
    const test = this.compiled.auth?.expired;
    return test ? Boolean(await test.evaluate(result.answer, { status: result.status, headers: result.headers })) : false;
  }

  private async fetchCsrf(): Promise<void> {
    const header = this.profile.csrf!.header;
    const result = await this.send(this.compiled.csrf!, {}, {});
    const token = result.headers[header.toLowerCase()];
    if (typeof token !== 'string' || token === '' || /required/i.test(token)) {
      throw new ErpRequestError(`${this.client.where(result.url)} gave no ${header} token for writing (HTTP ${result.status}).`, 'auth', result.url.href, result.status);
    }
    this.csrfToken = token;
  }

  async check(result: CallResult, error: CompiledExpression | undefined): Promise<CallResult> {
    const where = this.client.where(result.url);
    const message = error ? await error.evaluate(result.answer, { status: result.status }) : undefined;
    if (message !== undefined && message !== null && message !== false && message !== '') {
      const auth = result.status === 401 || result.status === 403;
      // ERP messages come with line breaks and tracebacks' spacing: one line reads best in a status and a log.
      const words = (typeof message === 'string' ? message : JSON.stringify(message)).replace(/\s+/g, ' ').trim();
      throw new ErpRequestError(`${where} answered with an error: ${words}.`, auth ? 'auth' : 'erp', result.url.href, result.status, words);
    }
    if (result.status === 401 || result.status === 403) {
      throw new ErpRequestError(`${where} refused the credentials (HTTP ${result.status}): check the user name and password or token.`, 'auth', result.url.href, result.status);
    }
    if (result.status < 200 || result.status >= 300) {
      const text = typeof result.answer === 'string' ? result.answer : JSON.stringify(result.answer ?? '');
      throw new ErpRequestError(`${where} answered HTTP ${result.status}${text ? `: ${text.slice(0, 200)}` : ''}.`, 'status', result.url.href, result.status, text ? text.slice(0, 200) : undefined);
    }
    return result;
  }
}

/**
 * "/api/resource/Work Order/{name}" with name bound → URL-encoded path; "{+params.basePath}/A_ProductionOrder_2"
 * inserts a setting as it is, slashes kept (RFC 6570's reserved expansion), for a service path that differs per site.
 */
function fillPath(path: string, b: Bindings, profileName: string): string {
  return path.replace(/\{(\+?)([A-Za-z_][\w.]*)\}/g, (_m, reserved: string, name: string) => {
    const value = name.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], b.item !== undefined ? { ...b, ...(b.item as object) } : b);
    if (value === undefined || value === null) throw new Error(`ERP profile '${profileName}': the path ${path} needs {${name}}, which is not set.`);
    return reserved
      ? String(value)
          .replace(/^\/+|\/+$/g, '')
          .split('/')
          .map(encodeURIComponent)
          .join('/')
      : encodeURIComponent(String(value));
  });
}

function stringValues(obj: object | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj ?? {})) if (v !== undefined && v !== null) out[k] = String(v);
  return out;
}
