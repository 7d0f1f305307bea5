// Talks HTTP(S) to an ERP and turns every way a call can fail into one ErpRequestError whose
// message is a sentence naming the endpoint: unreachable, timed out, refused credentials,
// an HTTP error status, or an answer that is not JSON.
import http from 'node:http';
import https from 'node:https';

export type ErpAuth = { kind: 'none' } | { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; token: string };

export interface ErpConnection {
  /** Shown in every error, e.g. "Demo ERP". */
  name: string;
  baseUrl: string;
  auth: ErpAuth;
  timeoutMs: number;
  tls?: { rejectUnauthorized?: boolean; ca?: string | Buffer };
  /** Answers larger than this are refused rather than buffered. */
  maxBodyBytes?: number;
}

/**
 * 'erp' = the ERP answered, and its answer says the call failed (often inside an HTTP 200); 'refused' = what the
 * ERP holds cannot take this write (the profile's push.confirmation.refuse said why): asking again cannot help.
 */
export type ErpFailure = 'unreachable' | 'timeout' | 'auth' | 'status' | 'malformed' | 'config' | 'erp' | 'refused';

/** ERP words that name a field or property this install does not have: asking again gets the same answer. */
const UNKNOWN_FIELD = /unknown column|invalid field|property .{0,80}not found|not found .{0,40}property|字段不存在|does not exist on|no such column/i;

export class ErpRequestError extends Error {
  constructor(
    message: string,
    readonly failure: ErpFailure,
    readonly url: string,
    readonly status?: number,
    /** The ERP's own words, when it gave any: shown in the status and kept apart from our sentence around them. */
    readonly erpWords?: string,
  ) {
    super(message);
    this.name = 'ErpRequestError';
  }

  /** Node-RED puts toString() into msg.error.message: the sentence alone reads best there. */
  override toString(): string {
    return this.message;
  }

  /**
   * Asking again cannot help: wrong settings or credentials, a request the ERP refuses (4xx other than 408 and
   * 429), or an answer that names a field this install lacks (ERPNext's 500 "Unknown column", Odoo's
   * "Invalid field" inside a 200). The ERP or the profile must change first.
   */
  get permanent(): boolean {
    if (this.failure === 'config' || this.failure === 'auth' || this.failure === 'refused') return true;
    if (UNKNOWN_FIELD.test(this.erpWords ?? this.message)) return true;
    const s = this.status ?? 0;
    return s >= 400 && s < 500 && s !== 408 && s !== 429;
  }

  /** Worth retrying soon with backoff: the ERP may come back (unreachable, timed out, garbled, 5xx, 408, 429). */
  get retryable(): boolean {
    if (this.permanent) return false;
    return this.failure === 'unreachable' || this.failure === 'timeout' || this.failure === 'malformed' || (this.status ?? 0) >= 500 || this.status === 408 || this.status === 429;
  }
}

export type QueryValue = string | number | undefined;

export interface RawRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  /** Sent as JSON unless it is already a string. */
  body?: unknown;
  /** Leave out the endpoint's own Authorization (the profile authenticates by other means). */
  noAuth?: boolean;
}

export interface RawAnswer {
  status: number;
  statusText: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export class ErpHttpClient {
  private readonly agent: http.Agent;
  private readonly base: URL;
  /** Session cookies the ERP set (name → value), sent back on every request: session logins and SAP's CSRF need them. */
  private readonly cookies = new Map<string, string>();

  constructor(readonly connection: ErpConnection) {
    try {
      this.base = new URL(connection.baseUrl.endsWith('/') ? connection.baseUrl : `${connection.baseUrl}/`);
    } catch {
      throw new ErpRequestError(`ERP endpoint '${connection.name}' has an invalid base URL '${connection.baseUrl}'.`, 'config', connection.baseUrl);
    }
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') {
      throw new ErpRequestError(`ERP endpoint '${connection.name}' must use http or https, not '${this.base.protocol}'.`, 'config', connection.baseUrl);
    }
    this.agent = this.base.protocol === 'https:' ? new https.Agent({ keepAlive: true, rejectUnauthorized: connection.tls?.rejectUnauthorized ?? true, ca: connection.tls?.ca }) : new http.Agent({ keepAlive: true });
  }

  /** base + relative path + query, e.g. ("production-orders", {limit: 100}). */
  url(path: string, query: Record<string, QueryValue> = {}): URL {
    const url = new URL(path.replace(/^\//, ''), this.base);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  async getJson(path: string, query: Record<string, QueryValue> = {}): Promise<unknown> {
    const url = this.url(path, query);
    const { status, statusText, body } = await this.send({ method: 'GET', url });
    return this.parse(url, status, statusText, body);
  }

  /** Any call, answered as it came (status, headers, text); only transport failures throw. */
  request(request: RawRequest): Promise<RawAnswer> {
    return this.send(request);
  }

  forgetCookies(): void {
    this.cookies.clear();
  }

  /** "ERP endpoint 'X' (url)", the start of every message about a call. */
  where(url: URL): string {
    return `ERP endpoint '${this.connection.name}' (${redact(url)})`;
  }

  parse(url: URL, status: number, statusText: string, body: string): unknown {
    const where = this.where(url);
    if (status === 401 || status === 403) {
      throw new ErpRequestError(`${where} refused the credentials (HTTP ${status} ${statusText}): check the user name and password or token.`, 'auth', url.href, status);
    }
    if (status < 200 || status >= 300) {
      throw new ErpRequestError(`${where} answered HTTP ${status} ${statusText}${excerpt(body)}.`, 'status', url.href, status, excerpt(body).slice(2) || undefined);
    }
    try {
      return JSON.parse(body);
    } catch (err) {
      throw new ErpRequestError(`${where} answered with malformed JSON (${(err as Error).message})${excerpt(body)}.`, 'malformed', url.href, status);
    }
  }

  private send({ method, url, headers: extra, body, noAuth }: RawRequest): Promise<RawAnswer> {
    const { connection } = this;
    const where = this.where(url);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (!noAuth && connection.auth.kind === 'basic') {
      headers.authorization = `Basic ${Buffer.from(`${connection.auth.username}:${connection.auth.password}`).toString('base64')}`;
    } else if (!noAuth && connection.auth.kind === 'bearer') {
      headers.authorization = `Bearer ${connection.auth.token}`;
    }
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let payload: Buffer | undefined;
    if (body !== undefined) {
      payload = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
      headers['content-type'] = typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8';
      headers['content-length'] = String(payload.length);
    }
    Object.assign(headers, extra);
    const limit = connection.maxBodyBytes ?? 64 * 1024 * 1024;
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(url, { method, headers, agent: this.agent }, (res) => {
        for (const cookie of res.headers['set-cookie'] ?? []) {
          const [pair] = cookie.split(';');
          const eq = pair.indexOf('=');
          if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > limit) {
            req.destroy(new ErpRequestError(`${where} sent an answer larger than ${limit} bytes.`, 'malformed', url.href, res.statusCode));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (err) => reject(asErpError(err, where, url)));
        res.on('aborted', () => reject(new ErpRequestError(`${where} closed the connection in the middle of its answer.`, 'unreachable', url.href)));
      });
      req.setTimeout(connection.timeoutMs, () => {
        req.destroy(new ErpRequestError(`${where} did not answer within ${connection.timeoutMs / 1000} s.`, 'timeout', url.href));
      });
      req.on('error', (err) => reject(asErpError(err, where, url)));
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function asErpError(err: Error, where: string, url: URL): ErpRequestError {
  if (err instanceof ErpRequestError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  const reason = code === 'ECONNRESET' ? 'the connection was reset' : err.message;
  return new ErpRequestError(`${where} is unreachable: ${reason}.`, 'unreachable', url.href);
}

/** Never print credentials that someone put into a URL. */
function redact(url: URL): string {
  if (!url.username && !url.password) return url.href;
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href;
}

function excerpt(body: string): string {
  const text = body.trim().replace(/\s+/g, ' ');
  if (!text) return '';
  return `: ${text.length > 160 ? `${text.slice(0, 160)}…` : text}`;
}
