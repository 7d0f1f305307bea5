// The ERP HTTP client against a real local HTTP server: each way a call fails becomes one sentence naming the endpoint.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { backoffDelay } from '../../nodes/lib/backoff';
import { ErpHttpClient, ErpRequestError } from '../../nodes/lib/erp/http-client';

describe('ErpHttpClient', () => {
  let server: http.Server;
  let baseUrl: string;
  const seen: http.IncomingHttpHeaders[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.headers);
      const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/api/, '');
      if (path === '/ok') return res.end(JSON.stringify({ items: [{ orderNo: '订单-1' }] }));
      if (path === '/locked') {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="ERP"' });
        return res.end('{"error":"bad credentials"}');
      }
      if (path === '/busy') {
        res.writeHead(503, 'Service Unavailable');
        return res.end('maintenance window');
      }
      if (path === '/broken') return res.end('{"items": [ {"orderNo": "MO-1"');
      if (path === '/slow') return; // never answers
      res.writeHead(404);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const client = (timeoutMs = 2000) => new ErpHttpClient({ name: 'Plant ERP', baseUrl, auth: { kind: 'basic', username: 'bridge', password: '密码' }, timeoutMs });

  it('sends Basic credentials and the query, and parses JSON with Chinese text', async () => {
    const c = client();
    try {
      const answer = await c.getJson('ok', { updatedSince: '2026-11-20T08:00:00+08:00', limit: 10, offset: undefined });
      assert.deepEqual(answer, { items: [{ orderNo: '订单-1' }] });
      assert.equal(seen.at(-1)?.authorization, `Basic ${Buffer.from('bridge:密码').toString('base64')}`);
      assert.equal(c.url('ok', { limit: 10 }).href, `${baseUrl}/ok?limit=10`);
    } finally {
      c.close();
    }
  });

  it('says the credentials were refused, naming the endpoint, and does not call that retryable', async () => {
    const c = client();
    try {
      const err = await c.getJson('locked').then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof ErpRequestError);
      assert.equal(err.failure, 'auth');
      assert.equal(err.retryable, false);
      assert.match(err.message, /^ERP endpoint 'Plant ERP' \(http:\/\/127\.0\.0\.1:\d+\/api\/locked\) refused the credentials \(HTTP 401/);
    } finally {
      c.close();
    }
  });

  it('reports a 503 with its body, as retryable', async () => {
    const c = client();
    try {
      await assert.rejects(c.getJson('busy'), (e: ErpRequestError) => e.failure === 'status' && e.retryable && /answered HTTP 503 Service Unavailable: maintenance window\.$/.test(e.message));
    } finally {
      c.close();
    }
  });

  it('reports malformed JSON', async () => {
    const c = client();
    try {
      await assert.rejects(c.getJson('broken'), (e: ErpRequestError) => e.failure === 'malformed' && /answered with malformed JSON/.test(e.message));
    } finally {
      c.close();
    }
  });

  it('gives up after the timeout', async () => {
    const c = client(200);
    try {
      await assert.rejects(c.getJson('slow'), (e: ErpRequestError) => e.failure === 'timeout' && /did not answer within 0\.2 s/.test(e.message));
    } finally {
      c.close();
    }
  });

  it('reports an unreachable ERP', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const c = new ErpHttpClient({ name: 'Gone', baseUrl: `http://127.0.0.1:${port}`, auth: { kind: 'none' }, timeoutMs: 1000 });
    try {
      await assert.rejects(c.getJson('x'), (e: ErpRequestError) => e.failure === 'unreachable' && e.retryable && /ERP endpoint 'Gone' .* is unreachable: connect ECONNREFUSED/.test(e.message));
    } finally {
      c.close();
    }
  });

  it('refuses a base URL that is not http(s)', () => {
    assert.throws(() => new ErpHttpClient({ name: 'X', baseUrl: 'ftp://erp', auth: { kind: 'none' }, timeoutMs: 1 }), /must use http or https/);
    assert.throws(() => new ErpHttpClient({ name: 'X', baseUrl: 'not a url', auth: { kind: 'none' }, timeoutMs: 1 }), /invalid base URL 'not a url'/);
  });
});

describe('backoffDelay', () => {
  it('doubles from the base up to the cap, with 50–100 % jitter', () => {
    const policy = { baseMs: 1000, maxMs: 8000 };
    assert.equal(
      backoffDelay(0, policy, () => 1),
      1000,
    );
    assert.equal(
      backoffDelay(2, policy, () => 1),
      4000,
    );
    assert.equal(
      backoffDelay(10, policy, () => 1),
      8000,
    );
    assert.equal(
      backoffDelay(2, policy, () => 0),
      2000,
    );
  });
});
