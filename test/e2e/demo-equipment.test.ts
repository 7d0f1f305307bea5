// End to end: `npm start`'s demo mode runs the simulated machines beside the bridge and gives the demo flow
// their addresses by env; the seeded flow's equipment tab reads them through the real contrib nodes (the server's
// /metrics counts what the OPC UA client, the Modbus reads and the equipment-signal nodes sent), the simulator's
// control is served, and the server still exits cleanly with OPC UA and Modbus connections open.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually } from '../support/temp';

const sent = (metrics: string, type: string) => Number(new RegExp(`erp_mes_messages_total\\{node_type="${type}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
// A scraper sends METRICS_TOKEN as its bearer token (/metrics is not anonymous).
const SCRAPE_TOKEN = 'equipment-e2e-scrape-token';

describe('demo plant equipment end to end', () => {
  let server: ServerProcess;

  before(async () => {
    server = await startServerProcess({ env: { ADMIN_PASSWORD: 'e2e-admin-pass', METRICS_TOKEN: SCRAPE_TOKEN } });
  });
  after(async () => {
    const code = await server.stop('SIGTERM');
    assert.equal(code, 0, `the server exits cleanly on SIGTERM:\n${server.output().slice(-2000)}`);
  });

  it('reads both OPC UA machines and both Modbus units through the seeded demo flow', async () => {
    const machines = ((await (await fetch(`${server.simUrl}/equipment/_sim/machines`)).json()) as { items: Array<{ equipment: string }> }).items;
    assert.deepEqual(
      machines.map((m) => m.equipment),
      ['EQ-EXTR-01', 'EQ-ASM-01', 'EQ-UVB-01', 'EQ-LEAK-01'],
    );
    await eventually(
      async () => {
        const text = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${SCRAPE_TOKEN}` } })).text();
        return sent(text, 'OpcUa-Client') > 10 && sent(text, 'modbus-read') > 4 && sent(text, 'equipment-signal') > 10;
      },
      'OPC UA values and Modbus readings passing through the equipment tab',
      45_000,
    );
  });
});
