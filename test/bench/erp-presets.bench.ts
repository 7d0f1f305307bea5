// Each ERP preset's pull (requests built from JSONata, the ERP's paging, per-order detail requests, the
// mapping to a production order) against its simulated ERP dialect, side by side with the floor: the very
// same requests, recorded from the pull, sent again through the same HTTP client and JSON.parse'd — six at
// a time, which the pull only does for detail requests, so the floor is the stricter of the two.
import { openEndpoint, type EndpointSettings } from '../../nodes/lib/erp/endpoint';
import type { RawRequest } from '../../nodes/lib/erp/http-client';
import { profileOrdersReader } from '../../nodes/lib/erp/profile';
import { startPlantSimulator } from '../../server/simulator/plant-simulator';
import { fmt, median } from './stats';

const ORDERS = 300;
const PAGE = 100;
const ROUNDS = 3;
const WIDTH = 6;

interface PresetBench {
  preset: string;
  mount: string;
  auth: Pick<EndpointSettings, 'authType' | 'username'>;
  secrets: { password?: string; token?: string };
  params: Record<string, unknown>;
}

const PRESETS: PresetBench[] = [
  { preset: 'sap-s4hana-odata-v2', mount: 'sap', auth: { authType: 'basic', username: 'erp-bridge' }, secrets: { password: 'demo-erp-pass' }, params: { timeZone: 'Asia/Shanghai' } },
  { preset: 'erpnext', mount: 'erpnext', auth: { authType: 'basic', username: 'mesbridge0a1b2c' }, secrets: { password: 'demo-erpnext-secret' }, params: { plant: '1010', timeZone: 'Asia/Shanghai' } },
  { preset: 'odoo-jsonrpc', mount: 'odoo', auth: { authType: 'basic', username: 'mes-bridge' }, secrets: { password: 'demo-odoo-pass' }, params: { database: 'plant1010' } },
  { preset: 'odoo-json2', mount: 'odoo', auth: { authType: 'bearer' }, secrets: { token: 'demo-odoo-api-key' }, params: { database: 'plant1010' } },
  {
    preset: 'kingdee-k3cloud',
    mount: 'kingdee/k3cloud',
    auth: { authType: 'basic', username: 'mes-bridge' },
    secrets: { password: 'demo-kingdee-app-secret-0000001' },
    params: { acctId: '6571d8f1a2c3e4', appId: '301451_demoMesBridge', timeZone: 'Asia/Shanghai' },
  },
];

async function inWaves<T>(items: T[], width: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await run(items[next++]);
    }),
  );
}

export async function benchErpPresets(): Promise<Array<Record<string, string>>> {
  const sim = await startPlantSimulator({ seedOrders: ORDERS });
  const rows: Array<Record<string, string>> = [];
  try {
    // `BENCH_PRESETS=sap,odoo npm run bench -- erp-presets` measures only those.
    const only = (process.env.BENCH_PRESETS ?? '').split(',').filter(Boolean);
    for (const p of PRESETS.filter((x) => only.length === 0 || only.some((w) => x.preset.includes(w)))) {
      const pullRates: number[] = [];
      const floorRates: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const open = openEndpoint({ name: p.preset, baseUrl: `${sim.url}/${p.mount}`, profile: p.preset, params: JSON.stringify(p.params), timeoutSec: 30, ...p.auth }, p.secrets, () => undefined);
        const recorded: RawRequest[] = [];
        const send = open.client.request.bind(open.client);
        open.client.request = (r: RawRequest) => (recorded.push(r), send(r));
        const read = profileOrdersReader(open.session);
        let started = performance.now();
        let count = 0;
        for (let offset = 0; ; offset += PAGE) {
          const page = await read({ offset, limit: PAGE });
          const got = page.items.length + (page.problems?.length ?? 0);
          count += page.items.length;
          if (got < PAGE) break;
        }
        pullRates.push(count / ((performance.now() - started) / 1000));
        if (count !== ORDERS) throw new Error(`the ${p.preset} pull mapped ${count} of ${ORDERS} orders`);

        // The floor: the same requests (the session is logged in by now), each answer parsed, nothing mapped.
        const replay = recorded.slice();
        started = performance.now();
        await inWaves(replay, WIDTH, async (r) => {
          const answer = await send(r);
          if (answer.body.trimStart().startsWith('{') || answer.body.trimStart().startsWith('[')) JSON.parse(answer.body);
        });
        floorRates.push(count / ((performance.now() - started) / 1000));
        open.client.close();
      }
      const pull = median(pullRates);
      const floor = median(floorRates);
      process.stderr.write(`erp-presets: ${p.preset} pull ${fmt(pull)} orders/s, floor ${fmt(floor)}\n`);
      rows.push({ measure: `${p.preset} pull, ${fmt(ORDERS)} orders, pages of ${PAGE} (orders/s)`, ours: fmt(pull), baseline: `${fmt(floor)} (same requests: fetch + JSON.parse only)`, ratio: fmt(pull / floor, 2) });
    }
  } finally {
    await sim.close();
  }
  return rows;
}
