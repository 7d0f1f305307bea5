// End to end, the demo plant's execution feedback: the simulated MES posts job reports to the bridge's webhook
// (HTTP Basic), progress-push answers once they are durable and the ERP receives the updates; bad input is
// answered with a sentence; an update the ERP refuses lands in the dead letters, which the admin REST API lists
// and replays; /metrics shows the outbox per ERP endpoint.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { login } from '../support/server-kit';
import { startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually } from '../support/temp';

interface MesWorkOrder {
  workOrderNo: string;
  plannedQty: number;
  operations: Array<{ sequence: string; equipmentCode: string }>;
}
interface ErpReceived {
  key: string;
  orderNo: string;
  update: { operations: Array<{ opNo: string; goodQty: number }> };
}

const OUTBOX = 'progress@demo-erp-feedback';

describe('execution feedback end to end (demo plant)', () => {
  let server: ServerProcess;
  let token: string;
  let orders: MesWorkOrder[];
  const webhook = () => `${server.url}/mes/progress-reports`;
  const mesAuth = `Basic ${Buffer.from('mes-demo:demo-mes-webhook-pass').toString('base64')}`;
  const erpReceived = async () => ((await (await fetch(`${server.simUrl}/erp/_sim/progress-updates`)).json()) as { items: ErpReceived[] }).items;
  const api = (path: string, init: RequestInit = {}) => fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  const report = (order: MesWorkOrder, eventId: string, goodQty: number) => ({
    eventId,
    orderNo: order.workOrderNo,
    opNo: order.operations[0].sequence,
    goodQty,
    scrapQty: 0,
    status: 'running',
    operator: '王芳',
    equipment: order.operations[0].equipmentCode,
    timestamp: new Date().toISOString(),
  });

  before(async () => {
    server = await startServerProcess({ env: { ADMIN_PASSWORD: 'feedback-pass', SIM_MES_REPORTS_MS: '0' } });
    token = await login(server.url, 'admin', 'feedback-pass');
    orders = await eventually(
      async () => {
        const items = ((await (await fetch(`${server.simUrl}/mes/api/work-orders`, { headers: { authorization: 'Bearer demo-mes-token' } })).json()) as { items: MesWorkOrder[] }).items;
        return items.length >= 20 ? items : undefined;
      },
      'the work orders at the MES',
      30_000,
    );
  });
  after(async () => {
    await server?.stop();
  });

  it('takes the MES job reports only with credentials, answers 202 once durable, and the ERP receives the update', async () => {
    const order = orders[3];
    const anonymous = await fetch(webhook(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([report(order, 'e2e-1', 10)]) });
    assert.equal(anonymous.status, 401);

    const res = await fetch(webhook(), { method: 'POST', headers: { 'content-type': 'application/json', authorization: mesAuth }, body: JSON.stringify([report(order, 'e2e-1', 10)]) });
    assert.equal(res.status, 202, await res.text());
    const got = await eventually(async () => (await erpReceived()).find((r) => r.key === `progress:${order.workOrderNo}:e2e-1`), 'the update at the ERP');
    // The ERP hears ERP codes: the report's MES equipment code was mapped back on the way in.
    assert.equal(got.update.operations.find((o) => o.opNo === order.operations[0].sequence)?.goodQty, 10);
  });

  it('answers a malformed report with 400 naming the field, and an unmapped equipment code with 422', async () => {
    const order = orders[4];
    const bad = await fetch(webhook(), { method: 'POST', headers: { 'content-type': 'application/json', authorization: mesAuth }, body: JSON.stringify([{ ...report(order, 'e2e-2', 5), goodQty: 'five' }]) });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /payload\.goodQty must be a number/);

    const unmapped = await fetch(webhook(), { method: 'POST', headers: { 'content-type': 'application/json', authorization: mesAuth }, body: JSON.stringify([{ ...report(order, 'e2e-3', 5), equipment: 'NO-SUCH-MACHINE' }]) });
    assert.equal(unmapped.status, 422);
    assert.match(JSON.stringify(await unmapped.json()), /NO-SUCH-MACHINE/);
  });

  it('lists an update the ERP refused among the dead letters (admins and viewers only), and replays it', async () => {
    const order = orders[5];
    const armed = await fetch(`${server.simUrl}/erp/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'status', status: 422, target: 'progress', message: 'order is being re-costed' }),
    });
    assert.equal(armed.status, 200);
    const res = await fetch(webhook(), { method: 'POST', headers: { 'content-type': 'application/json', authorization: mesAuth }, body: JSON.stringify([report(order, 'e2e-4', 7)]) });
    assert.equal(res.status, 202);

    assert.equal((await fetch(`${server.url}/api/outbox`)).status, 401, 'the API needs a login');
    const dead = await eventually(async () => {
      const list = ((await (await api(`/api/outbox/${encodeURIComponent(OUTBOX)}/dead-letters`)).json()) as { items: Array<{ id: string; idempotencyKey: string; reason: string }> }).items;
      return list.length === 1 ? list : undefined;
    }, 'one dead letter');
    assert.equal(dead[0].idempotencyKey, `progress:${order.workOrderNo}:e2e-4`);
    assert.match(dead[0].reason, /HTTP 422.*order is being re-costed/);
    const figures = ((await (await api('/api/outbox')).json()) as { items: Array<{ outbox: string; endpoint: string; deadLetters: number }> }).items;
    // Other tabs have outboxes of their own (e.g. oee@oee): this one holds the dead letter.
    const progress = figures.filter((f) => f.outbox === OUTBOX);
    assert.deepEqual(
      progress.map((f) => [f.outbox, f.deadLetters]),
      [[OUTBOX, 1]],
    );
    assert.match(progress[0].endpoint, /Demo ERP \(feedback\)/);
    assert.match(await (await api('/metrics')).text(), /erp_mes_outbox_dead_letters\{outbox="progress@demo-erp-feedback",endpoint="Demo ERP \(feedback\)[^"]*"\} 1/);

    const replay = await api(`/api/outbox/${encodeURIComponent(OUTBOX)}/dead-letters/replay`, { method: 'POST', body: JSON.stringify({ ids: [dead[0].id] }) });
    assert.equal(replay.status, 200, await replay.text());
    await eventually(async () => (await erpReceived()).some((r) => r.key === `progress:${order.workOrderNo}:e2e-4`), 'the replayed update at the ERP');
    const unknown = await api('/api/outbox/no-such-outbox/dead-letters');
    assert.equal(unknown.status, 404);
    assert.match(((await unknown.json()) as { error: string }).error, /There is no outbox 'no-such-outbox'/);
  });
});
