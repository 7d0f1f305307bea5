// The flows' endpoints before and after the flows run, on a real Express server: 503 + Retry-After with a JSON
// sentence while starting, stopped or stopping; through once started, and through while a deploy restarts the
// flows (Node-RED reports them stopped then; the deploy gate holds the request instead).
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { flowsReadiness, type FlowsState } from '../../server/flows-readiness';

describe('flow endpoints until the flows run', () => {
  let state: FlowsState = 'starting';
  let restarting = false;
  let url = '';
  let close: () => void = () => undefined;
  before(async () => {
    const app = express();
    app.use(
      '/',
      flowsReadiness(() => state, { restarting: () => restarting }),
    );
    app.post('/mes/progress-reports', (_req, res) => void res.status(202).json({ status: 'accepted' }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  after(() => close());

  const postReport = () => fetch(`${url}/mes/progress-reports`, { method: 'POST' });

  for (const [s, words] of [
    ['starting', /flows are starting/],
    ['stopped', /flows are stopped/],
    ['stopping', /server is stopping/],
  ] as const) {
    it(`answers 503 with Retry-After and a JSON sentence while the flows are ${s}`, async () => {
      state = s;
      restarting = false;
      const res = await postReport();
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '2');
      const body = (await res.json()) as { error: string; flows: string };
      assert.match(body.error, words);
      assert.equal(body.flows, s);
    });
  }

  it('lets requests through once the flows are started, and while a deploy restarts them', async () => {
    state = 'started';
    assert.equal((await postReport()).status, 202);
    state = 'stopped';
    restarting = true;
    assert.equal((await postReport()).status, 202);
  });
});
