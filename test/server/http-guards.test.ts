// The parse-time guards and JSON error answers on a real Express app of their own (no Node-RED): compressed
// bodies are limited by what they inflate to, +json types are JSON, a route's fault is logged in full and
// answered without detail, and body-parser's own refusals come back as JSON sentences.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import express from 'express';
import { jsonBodyGuard, jsonOnlyFlowEndpoints } from '../../server/http-guards';
import { jsonErrorHandler, jsonNotFound, jsonStatusPages } from '../../server/json-errors';

const limits = { maxBodyBytes: 4096, maxJsonDepth: 4, jsonOnlyPaths: ['/mes/'] };

describe('HTTP guards and JSON errors on an Express app', () => {
  let server: Server;
  let url: string;
  const logged: string[] = [];

  before(async () => {
    const app = express();
    app.use(jsonStatusPages, jsonBodyGuard(limits));
    app.post('/echo', (req, res) => res.json({ body: req.body as unknown }));
    app.post('/form', express.urlencoded({ extended: true, parameterLimit: 2 }), (req, res) => res.json({ body: req.body as unknown }));
    app.get('/fault', () => {
      throw new Error('disk /var/lib/bridge/store.sqlite is locked');
    });
    app.get('/status', (_req, res) => res.sendStatus(500));
    app.use(jsonOnlyFlowEndpoints(limits), (_req, res) => res.json({ reached: true }));
    app.use(
      jsonNotFound,
      jsonErrorHandler((line) => logged.push(line)),
    );
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const post = (path: string, body: BodyInit, headers: Record<string, string>) => fetch(`${url}${path}`, { method: 'POST', headers, body });

  it('parses a gzip-compressed JSON body, and refuses one that inflates past the byte limit with 413', async () => {
    const ok = await post('/echo', gzipSync(JSON.stringify({ orderNo: 'MO-1' })), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    assert.deepEqual(await ok.json(), { body: { orderNo: 'MO-1' } });
    // 100 kB of spaces compress to a few hundred bytes: the limit counts what arrives after inflating.
    const bomb = gzipSync(`{"a":"${' '.repeat(100_000)}"}`);
    assert.ok(bomb.length < limits.maxBodyBytes);
    const refused = await post('/echo', bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    assert.equal(refused.status, 413);
    assert.deepEqual(await refused.json(), { error: 'The request body is larger than the 4096 bytes this server accepts (HTTP_MAX_BODY_BYTES).', limit: { maxBodyBytes: 4096 } });
  });

  it('refuses a body in an encoding it does not read with 415', async () => {
    const res = await post('/echo', '{}', { 'content-type': 'application/json', 'content-encoding': 'br' });
    assert.equal(res.status, 415);
    assert.match(((await res.json()) as { error: string }).error, /Content-Encoding "br" is not supported/);
  });

  it('treats application/<type>+json as JSON, with the same depth limit', async () => {
    const ok = await post('/echo', '{"a":[{"b":1}]}', { 'content-type': 'application/merge-patch+json' });
    assert.deepEqual(await ok.json(), { body: { a: [{ b: 1 }] } });
    const deep = await post('/echo', '{"a":[{"b":[[1]]}]}', { 'content-type': 'application/problem+json; charset=utf-8' });
    assert.equal(deep.status, 400);
  });

  it('answers a fault in a route with 500 and a sentence naming the request, and logs the stack it does not show', async () => {
    const res = await fetch(`${url}/fault`);
    assert.equal(res.status, 500);
    const text = await res.text();
    assert.equal(text, JSON.stringify({ error: 'The server could not handle GET /fault; the fault was logged.' }));
    assert.match(logged.join('\n'), /HTTP GET \/fault failed: Error: disk \/var\/lib\/bridge\/store\.sqlite is locked\n\s+at /);
  });

  it("turns body-parser's refusals and sendStatus error pages into JSON", async () => {
    const form = await post('/form', 'a=1&b=2&c=3', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(form.status, 413);
    assert.deepEqual(await form.json(), { error: 'The form body has more parameters than this server accepts.' });
    const status = await fetch(`${url}/status`);
    assert.equal(status.status, 500);
    assert.deepEqual(await status.json(), { error: 'The server could not answer this request (HTTP 500).' });
  });

  it('lets JSON through to a JSON-only path and refuses a form post there with 415; other paths take any type', async () => {
    assert.deepEqual(await (await post('/mes/reports', '{}', { 'content-type': 'application/json' })).json(), { reached: true });
    const form = await post('/mes/reports', 'a=1', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(form.status, 415);
    assert.deepEqual(await (await post('/line/reports', 'a', { 'content-type': 'text/plain' })).json(), { reached: true });
  });
});
