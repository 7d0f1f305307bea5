// Orders/s through erp-order-fetch (HTTP paging + schema validation + de-duplication + watermark in
// SQLite + one message per order) inside a running Node-RED runtime, against the demo simulator's ERP,
// side by side with the floor: the same pages fetched and parsed by a plain loop, nothing else.
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import { startPlantSimulator } from '../../server/simulator/plant-simulator';
import { tempDir } from '../support/temp';
import { fmt, median } from './stats';

const ORDERS = 10_000;
const PAGE = 500;
const ROUNDS = 5;

export async function benchOrderFetch(): Promise<Array<Record<string, string>>> {
  const sim = await startPlantSimulator({ seedOrders: ORDERS });
  const dir = tempDir('erp-mes-bench-');
  const auth = `Basic ${Buffer.from('erp-bridge:demo-erp-pass').toString('base64')}`;
  const nodeRates: number[] = [];
  const rawRates: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // Plain loop: fetch and parse every page.
      let started = performance.now();
      let count = 0;
      for (let offset = 0; ; offset += PAGE) {
        const res = await fetch(`${sim.erpUrl}/production-orders?offset=${offset}&limit=${PAGE}`, { headers: { authorization: auth } });
        const { items } = (await res.json()) as { items: unknown[] };
        count += items.length;
        if (items.length < PAGE) break;
      }
      if (count !== ORDERS) throw new Error(`plain loop read ${count} orders`);
      rawRates.push(ORDERS / ((performance.now() - started) / 1000));

      // The node, fresh store each round so every order is new.
      await helper.load(
        [require('../../nodes/bridge-store/bridge-store'), require('../../nodes/erp-endpoint/erp-endpoint'), require('../../nodes/erp-order-fetch/erp-order-fetch')],
        [
          { id: 'store', type: 'bridge-store', file: join(dir.path, `round-${round}.sqlite`) },
          { id: 'erp', type: 'erp-endpoint', name: 'bench', baseUrl: sim.erpUrl, authType: 'basic', username: 'erp-bridge', timeoutSec: 30 },
          { id: 'fetch', type: 'erp-order-fetch', endpoint: 'erp', store: 'store', intervalMin: 0, pageSize: PAGE, fetchOnStart: false, release: 'all', wires: [['sink']] },
          { id: 'sink', type: 'helper' },
        ] as Array<Record<string, unknown>> as Parameters<typeof helper.load>[1],
        { erp: { password: 'demo-erp-pass' } },
      );
      helper.log().restore();
      const received = await new Promise<number>((resolve) => {
        let n = 0;
        helper.getNode('sink').on('input', () => {
          n += 1;
          if (n === ORDERS) resolve(performance.now());
        });
        started = performance.now();
        helper.getNode('fetch').receive({});
      });
      nodeRates.push(ORDERS / ((received - started) / 1000));
      await helper.unload();
    }
  } finally {
    await sim.close();
    dir.remove();
  }
  const node = median(nodeRates);
  const raw = median(rawRates);
  return [{ measure: `erp-order-fetch, ${fmt(ORDERS)} orders, pages of ${PAGE} (orders/s)`, ours: fmt(node), baseline: `${fmt(raw)} (fetch + JSON.parse only)`, ratio: fmt(node / raw, 2) }];
}
