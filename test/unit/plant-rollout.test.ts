// The pure parts of a plant rollout: checks before a deploy, per-plant values and ids, config-id collisions,
// the field diff and the change log's records of a deploy.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { adminAuditLine } from '../../server/admin-audit-log';
import { deployRecords } from '../../server/change-control';
import { CONFIG_REFERENCES, checkFlowFile } from '../../server/flow-checks';
import { describeDiff, diffFlows, summarizeDiff } from '../../server/flow-diff';
import { sameNode, type FlowNode } from '../../server/flow-import';
import { configCollisions, idsForPlant, parsePlantFile, plantNodeId, substitutePlantValues } from '../../server/plant-values';
import { repoRoot } from '../support/server-process';

const installed = new Set(['inject', 'function', 'code-map', 'code-map-table', 'erp-endpoint', 'legacy-db', 'bridge-store', 'progress-push', 'legacy-db-poll']);
const check = (nodes: FlowNode[], kept: FlowNode[] = []) => checkFlowFile(nodes, { installedTypes: installed, keptNodes: kept, file: 'plant-1010.json', target: 'http://bridge:1880' });

describe('checks before a deploy (checkFlowFile)', () => {
  it('names every problem at once: empty ERP URL, client "oracle", a store not chosen, a dangling table, a wrong-type reference, an unknown type, a dangling wire', () => {
    const problems = check([
      { id: 't', type: 'tab', label: 'Press shop' },
      { id: 'erp', type: 'erp-endpoint', name: 'ERP 1010', baseUrl: '' },
      { id: 'old-erp', type: 'legacy-db', name: '', client: 'oracle' },
      { id: 'push', type: 'progress-push', z: 't', name: 'push', endpoint: 'erp', store: '' },
      { id: 'map', type: 'code-map', z: 't', name: 'map', tables: 'codes-gone', wires: [['nowhere']] },
      { id: 'poll', type: 'legacy-db-poll', z: 't', name: 'poll', db: 'erp', store: '_ADD_' },
      { id: 'plc', type: 'plc-magic-reader', z: 't' },
    ]);
    assert.deepEqual(problems, [
      'plant-1010.json uses the node type plc-magic-reader (1 node), which is not installed on http://bridge:1880; install it there first.',
      'erp-endpoint "ERP 1010" (id erp) has no ERP URL (baseUrl is empty); set it, or write ${ERP_BASE_URL} and give the value in the plant file.',
      'legacy-db "old-erp" uses the database client "oracle", which the bridge does not support; use one of mssql, mysql, pg, sqlite.',
      'progress-push "push" has no bridge-store chosen (property store).',
      'code-map "map" refers to code-map-table "codes-gone" (property tables), which is neither in the file nor on the server.',
      'legacy-db-poll "poll" refers to "erp" as its legacy-db (property db), but that node is a erp-endpoint.',
      'legacy-db-poll "poll" has no bridge-store chosen (property store).',
      'code-map "map" is wired to "nowhere", which is not in the file.',
    ]);
  });

  it('accepts a reference to a config node that stays on the server, and values the runtime fills from env', () => {
    const kept: FlowNode[] = [{ id: 'shared-store', type: 'bridge-store', storeType: 'sqlite', file: 'x.sqlite' }];
    assert.deepEqual(
      check(
        [
          { id: 't', type: 'tab' },
          { id: 'erp', type: 'erp-endpoint', baseUrl: 'ERP_BASE_URL', baseUrlType: 'env', profile: '${ERP_PROFILE}' },
          { id: 'push', type: 'progress-push', z: 't', endpoint: 'erp', store: 'shared-store' },
        ],
        kept,
      ),
      [],
    );
  });

  it('knows every config reference the editor templates declare', () => {
    const declared: Record<string, Record<string, string>> = {};
    for (const type of readdirSync(join(repoRoot, 'nodes'))) {
      let html: string;
      try {
        html = readFileSync(join(repoRoot, 'nodes', type, `${type}.html`), 'utf8');
      } catch {
        continue;
      }
      for (const m of html.matchAll(/(\w+): \{ value: '', type: '([a-z-]+)'/g)) (declared[type] ??= {})[m[1]!] = m[2]!;
    }
    assert.deepEqual(CONFIG_REFERENCES, declared);
  });
});

describe('per-plant values and ids', () => {
  it('reads a JSON plant file and a .env file alike', () => {
    assert.deepEqual(parsePlantFile('{"plant": "1010", "values": {"ERP_BASE_URL": "http://erp-1010:8000", "POOL": 5}}', 'p.json'), { plant: '1010', values: { ERP_BASE_URL: 'http://erp-1010:8000', POOL: '5' } });
    assert.deepEqual(parsePlantFile('# plant 2020\nPLANT=2020\nexport ERP_BASE_URL="http://erp-2020:8000"\n\n', 'p.env'), { plant: '2020', values: { ERP_BASE_URL: 'http://erp-2020:8000', PLANT: '2020' } });
    assert.throws(() => parsePlantFile('ERP URL=x', 'bad.env'), /bad\.env, line 1, is not NAME=value/);
    assert.throws(() => parsePlantFile('{"plant": "10 10"}', 'p.json'), /names the plant "10 10"/);
  });

  it('fills ${NAME} in config nodes and nested properties, never in code; unknown names are left for the environment', () => {
    const { nodes, leftToEnvironment } = substitutePlantValues(
      [
        { id: 'erp', type: 'erp-endpoint', baseUrl: '${ERP_BASE_URL}/api', params: '${ERP_PARAMS}' },
        { id: 'codes', type: 'code-map-table', entries: [{ table: 'plant', erp: '${PLANT}', mes: 'P${PLANT}' }] },
        { id: 'f', type: 'function', z: 't', func: 'return `${PLANT}`;' },
      ],
      { plant: '1010', values: { ERP_BASE_URL: 'http://erp-1010', PLANT: '1010' } },
    );
    assert.equal(nodes[0]!.baseUrl, 'http://erp-1010/api');
    assert.deepEqual(nodes[1]!.entries, [{ table: 'plant', erp: '1010', mes: 'P1010' }]);
    assert.equal(nodes[2]!.func, 'return `${PLANT}`;');
    assert.deepEqual(leftToEnvironment, ['ERP_PARAMS']);
  });

  it('gives every node an id of the plant and rewires tabs, wires, links and config references the same way each time', () => {
    const file: FlowNode[] = [
      { id: 't', type: 'tab' },
      { id: 'in', type: 'inject', z: 't', wires: [['map']] },
      { id: 'map', type: 'code-map', z: 't', tables: 'codes', wires: [[]], g: 'grp' },
      { id: 'grp', type: 'group', z: 't', nodes: ['map'] },
      { id: 'catch', type: 'catch', z: 't', scope: ['map'] },
      { id: 'codes', type: 'code-map-table', name: 'codes' },
    ];
    const a = idsForPlant(file, '1010');
    const id = (x: string) => plantNodeId('1010', x);
    assert.deepEqual(
      a.map((n) => n.id),
      file.map((n) => id(n.id)),
    );
    assert.equal(a[1]!.z, id('t'));
    assert.deepEqual(a[1]!.wires, [[id('map')]]);
    assert.equal(a[2]!.tables, id('codes'));
    assert.equal(a[2]!.g, id('grp'));
    assert.deepEqual(a[3]!.nodes, [id('map')]);
    assert.deepEqual(a[4]!.scope, [id('map')]);
    assert.equal(a[5]!.name, 'codes', 'a name that is not an id of the file stays');
    assert.deepEqual(idsForPlant(file, '1010'), a);
    assert.notEqual(idsForPlant(file, '2020')[5]!.id, a[5]!.id);
  });

  it("finds a config node of the file that would rewire another plant's tab, but not a shared identical one", () => {
    const server: FlowNode[] = [
      { id: 'plant-a', type: 'tab' },
      { id: 'a-map', type: 'code-map', z: 'plant-a', tables: 'codes' },
      { id: 'codes', type: 'code-map-table', name: 'Plant A codes' },
      { id: 'store', type: 'bridge-store', file: 's.sqlite' },
      { id: 'a-push', type: 'trace-record', z: 'plant-a', store: 'store' },
    ];
    const fileB: FlowNode[] = [
      { id: 'plant-b', type: 'tab' },
      { id: 'codes', type: 'code-map-table', name: 'Plant B codes' },
      { id: 'store', type: 'bridge-store', file: 's.sqlite' },
    ];
    assert.deepEqual(configCollisions(server, fileB, sameNode), [{ id: 'codes', type: 'code-map-table', users: [{ id: 'a-map', type: 'code-map', tab: 'plant-a' }] }]);
  });
});

describe('field diff and the change log records of a deploy', () => {
  const before: FlowNode[] = [
    { id: 't', type: 'tab', label: 'Line 2' },
    { id: 'codes', type: 'code-map-table', name: 'codes', entries: [{ erp: 'M-1', mes: 'm1' }] },
    { id: 'erp', type: 'erp-endpoint', name: 'ERP', baseUrl: 'http://old', timeoutSec: 30 },
    { id: 'gone', type: 'debug', z: 't' },
  ];
  const after: FlowNode[] = [
    { id: 't', type: 'tab', label: 'Line 2' },
    { id: 'codes', type: 'code-map-table', name: 'codes', entries: [{ erp: 'M-1', mes: 'm2' }] },
    { id: 'erp', type: 'erp-endpoint', name: 'ERP', baseUrl: 'http://new', timeoutSec: 30 },
    { id: 'od', type: 'material-overdraw', z: 't', name: 'overdraw', tolerancePct: 5 },
  ];

  it('lists added and removed nodes and each changed field old → new', () => {
    const diff = diffFlows(before, after);
    assert.deepEqual(describeDiff(diff), [
      '  + material-overdraw "overdraw" (od)',
      '  - debug "gone" (gone)',
      '  ~ code-map-table "codes" (codes) entries: [{"erp":"M-1","mes":"m1"}] → [{"erp":"M-1","mes":"m2"}]',
      '  ~ erp-endpoint "ERP" (erp) baseUrl: "http://old" → "http://new"',
    ]);
    const s = summarizeDiff(diff);
    assert.deepEqual([s.added, s.removed, s.changedNodes, s.fields], [1, 1, 2, 2]);
    assert.deepEqual(Object.keys(s.kinds).sort(), ['code-table', 'erp-profile', 'flow', 'policy']);
  });

  it('records the deploy with who, why and the diff, and one entry per code table, ERP profile and policy changed', () => {
    const records = deployRecords({ who: 'qa.li', why: 'CR-7', source: 'editor', deploymentType: 'nodes', rev: 'r2', previousRev: 'r1', before, after });
    assert.deepEqual(
      records.map((r) => [r.what, r.subjectId, r.who, r.why]),
      [
        ['integration.flows-deployed', 'r2', 'qa.li', 'CR-7'],
        ['integration.code-table-changed', 'codes', 'qa.li', 'CR-7'],
        ['integration.erp-profile-changed', 'erp', 'qa.li', 'CR-7'],
        ['integration.policy-changed', 'od', 'qa.li', 'CR-7'],
      ],
    );
    assert.deepEqual((records[2]!.details as { changes: unknown[] }).changes, [{ id: 'erp', property: 'baseUrl', old: '"http://old"', new: '"http://new"' }]);
    assert.equal((records[3]!.details as { state: string }).state, 'added');
  });
});

describe('the change-reason editor plugin', () => {
  it('has the same texts in en-US and zh-CN, under the catalog name Node-RED gives it (package/plugin key)', () => {
    const read = (lang: string) => JSON.parse(readFileSync(join(repoRoot, 'plugins', 'locales', lang, 'change-reason.json'), 'utf8')) as Record<string, string>;
    assert.deepEqual(Object.keys(read('zh-CN')).sort(), Object.keys(read('en-US')).sort());
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { name: string; 'node-red': { plugins: Record<string, string> } };
    const key = Object.entries(pkg['node-red'].plugins).find(([, file]) => file.endsWith('/change-reason.js'))![0];
    const html = readFileSync(join(repoRoot, 'plugins', 'change-reason.html'), 'utf8');
    assert.ok(html.includes(`var NS = '${pkg.name}/${key}';`), 'the editor script names its catalog');
    for (const k of Object.keys(read('en-US'))) assert.ok(html.includes(`t('${k}')`), `the editor script uses ${k}`);
  });
});

describe("Node-RED's audit events in the server log (adminAuditLine)", () => {
  it('keeps writes and refusals with who and from where, and leaves reads and other levels out', () => {
    assert.equal(adminAuditLine({ level: 98, event: 'flows.set', user: { username: 'qa.li' }, ip: '10.0.0.7', type: 'nodes', path: '/flows' }), '[audit] flows.set by qa.li from 10.0.0.7 type nodes on /flows');
    assert.equal(adminAuditLine({ level: 98, event: 'auth.login.fail.credentials', ip: '10.0.0.9', error: 'unauthorized' }), '[audit] auth.login.fail.credentials by anonymous from 10.0.0.9 refused: unauthorized');
    assert.equal(adminAuditLine({ level: 98, event: 'flows.get', user: { username: 'qa.li' } }), undefined);
    assert.equal(adminAuditLine({ level: 40, event: 'flows.set' }), undefined);
  });
});
