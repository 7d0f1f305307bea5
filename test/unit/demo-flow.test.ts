// flows/demo-plant.json is generated from the simulator's master data; this keeps the two in step and
// checks the flow file is importable as Node-RED expects (ids unique, wires point at nodes, no secrets).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { schemasDirectory } from '../../nodes/lib/validation';
import { demoCodeTable } from '../../server/simulator/demo-master-data';

const root = dirname(schemasDirectory());
const read = (name: string) => JSON.parse(readFileSync(join(root, 'flows', name), 'utf8')) as Array<Record<string, unknown>>;
const flow = read('demo-plant.json');

for (const name of ['demo-plant.json', 'plant-legacy-erp.json']) {
  describe(`flows/${name}`, () => {
    const nodes = read(name);
    it('has unique ids and every wire points at a node of the flow', () => {
      const ids = nodes.map((n) => n.id as string);
      assert.equal(new Set(ids).size, ids.length);
      for (const node of nodes) {
        for (const target of ((node.wires as string[][] | undefined) ?? []).flat()) assert.ok(ids.includes(target), `${node.id} wires to missing ${target}`);
      }
    });

    it('carries the demo plant master data exactly (regenerate with node scripts/make-demo-flow.mjs)', () => {
      const table = nodes.find((n) => n.type === 'code-map-table') as { entries: unknown[] };
      assert.deepEqual(table.entries, demoCodeTable.map(({ table: t, erp, mes, description }) => ({ table: t, erp, mes, description })));
    });

    it('keeps no credentials in the file', () => {
      assert.ok(nodes.every((n) => !('credentials' in n)));
      assert.ok(!JSON.stringify(nodes).includes('demo-mes-token') && !JSON.stringify(nodes).includes('demo-erp-pass'));
    });
  });
}

describe('flows/demo-plant.json', () => {
  it('keeps no secret in the flow file: the ERP address and credentials come from the environment', () => {
    const erp = flow.find((n) => n.type === 'erp-endpoint')!;
    assert.equal(erp.baseUrlType, 'env');
    assert.equal(erp.passwordEnv, 'ERP_PASSWORD');
    assert.ok(!('credentials' in erp) && !JSON.stringify(flow).includes('demo-erp-pass') && !JSON.stringify(flow).includes('demo-mes-token'));
  });
});
