// End to end, the demo plant's cost tab: the bridge reads the simulated ERP's standard cost estimates, the simulated
// MES posts its time logs and job reports, and when an order of the demo completes its cost variance reaches the
// ERP's cost-variances inbox once — with the standard for its good quantity as the ERP's estimate gives it and
// the labour actual as the MES's hours × the ERP's rate.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually } from '../support/temp';

interface Received {
  key: string;
  body: {
    orderNo: string;
    goodQty: number;
    currency: string;
    standard: { source: string; lotSize: number; estimateId?: string };
    elements: Array<{ element: string; standard: number; actual: number; variance: number; variancePct: number | null; details?: Array<{ code: string; actualQty: number }> }>;
    total: { standard: number; actual: number; variance: number };
    actualHours: { labour: number; machine: number };
  };
}
interface Estimate {
  orderNo: string;
  lotSize: number;
  perUnit: Record<string, number>;
  labourRatePerHour: number;
  machineRates: Array<{ equipment: string; ratePerHour: number }>;
  estimateId: string;
}

const ERP_AUTH = `Basic ${Buffer.from('erp-bridge:demo-erp-pass').toString('base64')}`;
const cents = (v: number) => Math.round(v * 100) / 100;

describe('cost variance end to end (demo plant)', () => {
  let server: ServerProcess;
  const received = async () => (await (await fetch(`${server.simUrl}/erp/_sim/workflows?inbox=cost-variances`)).json()) as { items: Received[]; duplicates: number };

  before(async () => {
    server = await startServerProcess({ env: { ADMIN_PASSWORD: 'cost-pass', SIM_MES_REPORTS_MS: '1000' } });
  });
  after(async () => {
    await server?.stop();
  });

  it("sends the cost variance of a completed demo order to the ERP once, against the ERP's own estimate", async () => {
    const first = await eventually(async () => (await received()).items[0], 'a cost variance at the ERP', 60_000);
    const v = first.body;
    assert.equal(first.key, `cost-variance:${v.orderNo}`);
    assert.equal(v.currency, 'CNY');
    assert.equal(v.standard.source, 'order');

    const estimate = ((await (await fetch(`${server.simUrl}/erp/api/v1/standard-costs?orderNo=${v.orderNo}`, { headers: { authorization: ERP_AUTH } })).json()) as { items: Estimate[] }).items[0];
    assert.equal(v.standard.estimateId, estimate.estimateId);
    // The standard of each element: the ERP's amount per lot × good units / lot size, in cents.
    for (const e of v.elements) assert.ok(Math.abs(e.standard - cents((estimate.perUnit[e.element] * v.goodQty) / estimate.lotSize)) <= 0.01, `${e.element} standard ${e.standard}`);
    // Labour: the MES's hours were counted before the completing report, at the ERP's 42 CNY/h.
    assert.ok(v.actualHours.labour > 0, 'labour hours counted');
    const labour = v.elements.find((e) => e.element === 'labour')!;
    assert.ok(Math.abs(labour.actual - cents(v.actualHours.labour * estimate.labourRatePerHour)) <= 0.01, `labour actual ${labour.actual}`);
    assert.equal(v.total.variance, cents(v.total.actual - v.total.standard));

    // Machine: each equipment's hours × the ERP's rate for it.
    const machine = v.elements.find((e) => e.element === 'machine')!;
    const byEquipment = machine.details!.reduce((sum, d) => sum + d.actualQty * estimate.machineRates.find((r) => r.equipment === d.code)!.ratePerHour, 0);
    assert.ok(Math.abs(machine.actual - cents(byEquipment)) <= 0.01, `machine actual ${machine.actual}`);

    // The MES goes on reporting (the ERP's progress inbox grows); the order's record stays one.
    const updates = async () => ((await (await fetch(`${server.simUrl}/erp/_sim/progress-updates`)).json()) as { items: unknown[] }).items.length;
    const seen = await updates();
    await eventually(async () => (await updates()) > seen, 'more job reports after the variance', 30_000);
    const all = await received();
    assert.equal(all.items.filter((r) => r.body.orderNo === v.orderNo).length, 1);
    assert.equal(new Set(all.items.map((r) => r.key)).size, all.items.length);
    assert.equal(all.duplicates, 0);
  });
});
