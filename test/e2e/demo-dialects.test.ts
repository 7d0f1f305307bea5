// The demo flow, unchanged, on every ERP dialect the simulator serves: DEMO_ERP picks the ERP profile
// preset and the simulator's matching fake, and the MES receives the mapped work orders each time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startServerProcess } from '../support/server-process';
import { eventually } from '../support/temp';

const DIALECTS = ['sap-s4hana-odata-v2', 'erpnext', 'odoo-jsonrpc', 'odoo-json2', 'kingdee-k3cloud'];

interface Received {
  outcome: string;
  workOrder: { workOrderNo: string; materialCode: string; site: string; operations: Array<{ equipmentCode: string; operationCode: string }> };
}

describe('the demo flow on every ERP dialect', () => {
  for (const dialect of DIALECTS) {
    it(`DEMO_ERP=${dialect}: the MES receives the 20 released, mappable work orders (3 drafts held back), mapped to MES codes`, async () => {
      const server = await startServerProcess({ env: { ADMIN_PASSWORD: 'e2e-pass', DEMO_ERP: dialect } });
      try {
        const received = await eventually(
          async () => {
            const items = ((await (await fetch(`${server.simUrl}/mes/_sim/received`)).json()) as { items: Received[] }).items;
            return items.length >= 20 ? items : undefined;
          },
          `20 work orders from ${dialect}`,
          30_000,
        );
        assert.equal(received.length, 20);
        assert.equal(new Set(received.map((r) => r.workOrder.workOrderNo)).size, 20);
        for (const { outcome, workOrder } of received) {
          assert.equal(outcome, 'created');
          assert.match(workOrder.materialCode, /^P-/);
          assert.equal(workOrder.site, 'SZ01');
          for (const op of workOrder.operations) {
            assert.match(op.equipmentCode, /^EQ-/);
            assert.match(op.operationCode, /^OP-/);
          }
        }
      } finally {
        assert.equal(await server.stop(), 0);
      }
    });
  }
});
