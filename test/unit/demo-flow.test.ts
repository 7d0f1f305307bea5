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
      assert.deepEqual(
        table.entries,
        demoCodeTable.map(({ table: t, erp, mes, description }) => ({ table: t, erp, mes, description })),
      );
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

describe('flows/demo-plant.json workflows tab', () => {
  const byId = new Map(flow.map((n) => [n.id as string, n]));
  const on = (tab: string) => flow.filter((n) => n.z === tab);

  it('has material-overdraw "overdraw" and exception-escalation "escalation" on the workflows tab, both through the outbox to the simulated ERP', () => {
    assert.equal(byId.get('overdraw')?.type, 'material-overdraw');
    assert.equal(byId.get('escalation')?.type, 'exception-escalation');
    for (const id of ['overdraw', 'escalation']) {
      assert.equal(byId.get(id)!.z, 'workflows');
      assert.equal(byId.get(id)!.endpoint, 'demo-erp-feedback');
      assert.equal(byId.get(id)!.store, 'demo-store');
    }
    // Shortages (output 3) go to escalation, where the severe material-shortage row asks the ERP for an emergency request.
    assert.deepEqual((byId.get('overdraw')!.wires as string[][])[2], ['escalation']);
    const rows = byId.get('escalation')!.policy as Array<{ level: string; type?: string; erpAction?: string }>;
    assert.equal(rows.find((r) => r.level === 'severe' && r.type === 'material-shortage')?.erpAction, 'emergency-purchase-or-transfer');
  });

  it('provides the agreed link nodes: exceptions-link-in and quality-link-in feed escalation, material-issued-link-out carries the released requisitions', () => {
    const reaches = (id: string, target: string, seen = new Set<string>()): boolean => {
      if (id === target) return true;
      if (seen.has(id)) return false;
      seen.add(id);
      return ((byId.get(id)?.wires as string[][] | undefined) ?? []).flat().some((next) => reaches(next, target, seen));
    };
    assert.equal(byId.get('exceptions-link-in')?.type, 'link in');
    assert.equal(byId.get('quality-link-in')?.type, 'link in');
    assert.ok(reaches('exceptions-link-in', 'escalation') && reaches('quality-link-in', 'escalation'));
    const out = byId.get('material-issued-link-out')!;
    assert.equal(out.type, 'link out');
    assert.equal(out.mode, 'link');
    // Trace and cost both take the released requisitions; every link out names link-in nodes of the flow.
    assert.deepEqual(out.links, ['material-issued-link-in', 'cost-material-link-in']);
    for (const link of flow.filter((n) => n.type === 'link out')) {
      for (const target of link.links as string[]) assert.equal(byId.get(target)?.type, 'link in', `${link.id} links to ${target}, which is not a link in`);
    }
    assert.ok(reaches('overdraw', 'material-issued-link-out'));
  });

  it('gets the plans from plan sync and sends the lag reason to progress-push by links that point both ways', () => {
    const planOut = flow.find((n) => n.type === 'link out' && n.z === 'plan-sync')!;
    assert.ok((planOut.links as string[]).includes('workflows-plan-in'));
    assert.deepEqual(byId.get('workflows-plan-in')!.links, [planOut.id]);
    assert.deepEqual(byId.get('workflows-plan-in')!.wires, [['overdraw']]);
    assert.deepEqual(byId.get('lag-reason-link-out')!.links, ['progress-exceptions-in']);
    assert.equal(byId.get('progress-exceptions-in')!.z, 'feedback');
    assert.deepEqual(byId.get('progress-exceptions-in')!.wires, [['progress']]);
    assert.deepEqual((byId.get('escalation')!.wires as string[][])[3].includes('lag-reason-link-out'), true);
  });

  it('takes the MES posts on http-in endpoints and answers every one of them', () => {
    const urls = on('workflows')
      .filter((n) => n.type === 'http in')
      .map((n) => n.url)
      .sort();
    assert.deepEqual(urls, ['/mes/exceptions', '/mes/material-requisitions']);
    // Inspection records are taken once, on the trace tab, and passed on to escalation by the quality link.
    const everyUrl = flow.filter((n) => n.type === 'http in').map((n) => `${n.method} ${n.url}`);
    assert.deepEqual(
      everyUrl.filter((u, i) => everyUrl.indexOf(u) !== i),
      [],
      'two http-in nodes take the same URL',
    );
    assert.equal(flow.find((n) => n.type === 'http in' && n.url === '/mes/quality-records')!.z, 'trace');
    const complete = on('workflows').find((n) => n.type === 'complete')!;
    assert.deepEqual(complete.scope, ['overdraw', 'escalation']);
    assert.equal(on('workflows').filter((n) => n.type === 'http response').length, 1);
  });

  it('serves the two pages with the Vue templates of dashboards/, the shared client methods in each', () => {
    const pages = flow.filter((n) => n.type === 'ui-page').map((n) => [n.path, n.ui, n.theme]);
    for (const path of ['/approvals', '/exceptions'])
      assert.deepEqual(
        pages.find(([p]) => p === path),
        [path, 'demo-dashboard', 'demo-theme'],
      );
    for (const name of ['approvals', 'exceptions']) {
      const [before, after] = readFileSync(join(root, 'dashboards', `${name}.vue`), 'utf8').split('    // @bridge-client\n');
      const format = byId.get(`${name}-page`)!.format as string;
      assert.ok(format.startsWith(before) && format.endsWith(after), `${name}: the page's own source around the shared methods`);
      assert.match(format, /async signedPost\(username, password, path, body, loginError\)/);
      assert.doesNotMatch(format, /@bridge-client/);
      assert.doesNotMatch(format, /fetch\('\//, 'calls no absolute path: the page works under any httpAdminRoot next to its httpNodeRoot');
    }
    assert.deepEqual(byId.get('approvals-page')!.wires, [['approvals-page-reads']]);
    assert.deepEqual(byId.get('exceptions-page')!.wires, [['exceptions-page-reads']]);
  });

  it('passes on only the read request of every dashboard template: one switch on the topic after each', () => {
    const reads: Record<string, [string | RegExp, string]> = {
      'approvals-page': ['pending', 'overdraw'],
      'exceptions-page': ['exceptions', 'escalation'],
      'progress-board': ['board', 'progress'],
      'equipment-board': ['board', 'oee'],
      'trace-view': ['trace', 'trace-record'],
      'batch-records-view': [/^\^\(list\|view\|print\|certificate\)\$$/, 'batch-records'],
      'reconcile-card': ['report', 'mes-reconcile'],
    };
    const templates = flow.filter((n) => n.type === 'ui-template');
    assert.deepEqual(templates.map((t) => t.id as string).sort(), Object.keys(reads).sort());
    for (const template of templates) {
      const [topic, target] = reads[template.id as string];
      const wires = template.wires as string[][];
      assert.equal(wires.length, 1);
      assert.equal(wires[0].length, 1, `${template.id} is wired to one node`);
      const gate = byId.get(wires[0][0])!;
      assert.equal(gate.type, 'switch');
      assert.equal(gate.property, 'topic');
      if (typeof topic === 'string') assert.deepEqual(gate.rules, [{ t: 'eq', v: topic, vt: 'str' }]);
      else {
        // A page with several reads passes exactly those topics, by one anchored pattern.
        const rules = gate.rules as Array<{ t: string; v: string }>;
        assert.equal(rules.length, 1);
        assert.equal(rules[0].t, 'regex');
        assert.match(rules[0].v, topic);
      }
      assert.deepEqual(gate.wires, [[target]]);
    }
  });
});
