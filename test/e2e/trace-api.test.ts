// End to end, quality traceability in the demo plant on the real server: plan sync's work orders, the simulated
// MES's job reports (through the execution-feedback tab) and quality records (POST /mes/quality-records) reach
// trace-record over the demo flow's links; GET /api/trace/:code on the admin API answers a unit code with the
// order, its operations and inspections; a code nothing carries is 404 with a sentence naming it, a code that
// cannot be one is 400, an anonymous caller 401, and a malformed quality post is refused naming the field.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TraceAnswer } from '../../nodes/lib/trace';
import { validate } from '../../nodes/lib/validation';
import { lotOf } from '../../server/simulator/mes-reports';
import { unitCode } from '../../server/simulator/mes-quality';
import { basic, login } from '../support/server-kit';
import { startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually } from '../support/temp';

interface MesWorkOrder {
  workOrderNo: string;
  productName?: string;
  operations: Array<{ sequence: string; equipmentCode: string }>;
}

describe('quality traceability end to end', () => {
  let server: ServerProcess;
  let token: string;
  let order: MesWorkOrder;
  const trace = (code: string, auth = true) => fetch(`${server.url}/api/trace/${code}`, { headers: auth ? { authorization: `Bearer ${token}` } : {} });
  const postQuality = (records: unknown) =>
    fetch(`${server.url}/mes/quality-records`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic('mes-demo', 'demo-mes-webhook-pass') }, body: JSON.stringify(records) });

  before(async () => {
    server = await startServerProcess({ env: { ADMIN_PASSWORD: 'trace-pass', SIM_MES_REPORTS_MS: '0' } });
    token = await login(server.url, 'admin', 'trace-pass');
    order = await eventually(
      async () => {
        const res = await fetch(`${server.simUrl}/mes/api/work-orders`, { headers: { authorization: 'Bearer demo-mes-token' } });
        return ((await res.json()) as { items: MesWorkOrder[] }).items.find((o) => o.operations.length >= 3);
      },
      'plan sync to deliver the work orders',
      30_000,
    );
    const [first, second] = order.operations;
    for (const [op, status] of [
      [first, 'completed'],
      [second, 'running'],
    ] as const) {
      const res = await fetch(`${server.simUrl}/mes/_sim/reports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ orderNo: order.workOrderNo, opNo: op.sequence, goodQty: 50, scrapQty: 1, status, equipment: op.equipmentCode }),
      });
      assert.equal(((await res.json()) as { pending: number }).pending, 0, 'the bridge took the job report');
    }
  });
  after(async () => {
    await server?.stop();
  });

  const unit = () => unitCode(order.workOrderNo, 25);

  it('answers a unit code with the order from plan sync, the job reports of its batch and its inspection', async () => {
    const second = order.operations[1];
    const accepted = await postQuality([
      {
        recordId: `QC-${unit()}-${second.sequence}`,
        orderNo: order.workOrderNo,
        opNo: second.sequence,
        traceCode: unit(),
        result: 'fail',
        defectCode: 'D-ASSEMBLY',
        inspector: 'QC-孙丽',
        gaugeId: 'GA-ASM-01-02',
        timestamp: '2026-12-01T10:00:00+08:00',
      },
    ]);
    assert.equal(accepted.status, 202);
    const answer = await eventually(async () => {
      const res = await trace(unit());
      if (res.status !== 200) return undefined;
      const body = (await res.json()) as TraceAnswer;
      // The plan comes by another link than the reports: wait for both.
      return body.order.planned && body.matches.inspections === 1 && body.operations[0].reports.length > 0 ? body : undefined;
    }, 'the trace of the unit');
    const valid = validate('trace-answer', answer);
    assert.equal(valid.ok ? true : valid.message, true);
    assert.equal(answer.order.orderNo, order.workOrderNo);
    assert.equal(answer.order.productName, order.productName);
    assert.deepEqual(
      answer.operations.slice(0, order.operations.length).map((op) => op.opNo),
      order.operations.map((op) => op.sequence),
    );
    const [op1, op2] = answer.operations;
    assert.deepEqual(op1.equipment, [order.operations[0].equipmentCode]);
    assert.equal(op1.reports[0].traceCode, lotOf(order.workOrderNo));
    assert.ok(op1.endedAt, 'the completed operation has its end time');
    assert.equal(op2.status, 'running');
    assert.deepEqual(
      op2.inspections.map((q) => [q.traceCode, q.result, q.defectCode, q.gaugeId, q.match]),
      [[unit(), 'fail', 'D-ASSEMBLY', 'GA-ASM-01-02', true]],
    );
    const batch = (await (await trace(lotOf(order.workOrderNo))).json()) as TraceAnswer;
    assert.equal(batch.order.orderNo, order.workOrderNo);
    assert.equal(batch.matches.reports, 2);
  });

  it('answers a code nothing carries with 404 and a sentence naming the code', async () => {
    const res = await trace('SN-NOT-MADE-HERE');
    assert.equal(res.status, 404);
    assert.match(((await res.json()) as { error: string }).error, /No job report, quality record or order of this bridge carries the trace code "SN-NOT-MADE-HERE"/);
  });

  it('refuses a code that cannot be one with 400: empty, too long, with control characters', async () => {
    for (const [code, sentence] of [
      ['', /A trace code is required/],
      ['%20%20', /A trace code is required/],
      ['X'.repeat(65), /65 characters long; trace codes have at most 64/],
      ['SN-1%0A', /control character \(U\+000A\) at position 5/],
      ['SN-%01-1', /control character \(U\+0001\) at position 4/],
    ] as const) {
      const res = await trace(code);
      assert.equal(res.status, 400, `code ${JSON.stringify(code)}`);
      assert.match(((await res.json()) as { error: string }).error, sentence);
    }
  });

  it('needs a login: anonymous callers get 401; a read-only (viewer) login may trace', async () => {
    assert.equal((await trace(unit(), false)).status, 401);
    const viewer = await login(server.url, 'admin', 'trace-pass', 'read');
    const res = await fetch(`${server.url}/api/trace/${unit()}`, { headers: { authorization: `Bearer ${viewer}` } });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as TraceAnswer).code, unit());
  });

  it('refuses a malformed quality post with 400 naming the field, and stores none of it', async () => {
    const res = await postQuality([
      { orderNo: order.workOrderNo, opNo: '0010', traceCode: 'SN-HALF-1', result: 'pass', inspector: 'QC-周杰', timestamp: '2026-12-01T10:00:00+08:00' },
      { orderNo: order.workOrderNo, opNo: '0010', traceCode: 'SN-HALF-2', result: 'fail', inspector: 'QC-周杰', timestamp: '2026-12-01T10:00:00+08:00' },
    ]);
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: string }).error, /payload\[1\]\.defectCode is required/);
    assert.equal((await trace('SN-HALF-1')).status, 404);
  });
});
