// One flow file for every plant, imported with the CLI into a real bridge (demo server, started empty): checks
// before deploying, plant values reaching config nodes, ids per plant, a config-id collision refused, a deploy
// that restarts only what changed (proved by start counters kept in global context), the field diff, snapshots
// and rollback.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FlowNode } from '../../server/flow-import';
import { plantNodeId } from '../../server/plant-values';
import { runCli, type CliRun } from '../support/import-cli';
import { login, tempDir } from '../support/server-kit';
import { startServerProcess, type ServerProcess } from '../support/server-process';

// Each function node counts its own starts in global context: a node the deploy does not restart keeps its count.
const COUNT_STARTS = "const key = 'starts_' + node.id; global.set(key, (global.get(key) || 0) + 1);";

/** The one flow file every plant imports; per-plant values come from the plant file. */
const PRESS_SHOP: FlowNode[] = [
  { id: 'press-shop', type: 'tab', label: 'Press shop ${PLANT}' },
  { id: 'press-starts', type: 'function', z: 'press-shop', name: 'Starts ${LINE}', func: 'return msg;', initialize: COUNT_STARTS, finalize: '', outputs: 1, libs: [], x: 200, y: 60, wires: [[]] },
  { id: 'press-map', type: 'code-map', z: 'press-shop', name: 'Map ${PLANT}', tables: 'press-codes', direction: 'erp-to-mes', rules: [{ path: 'payload.material', table: 'material' }], x: 200, y: 120, wires: [[], []] },
  { id: 'press-codes', type: 'code-map-table', name: 'Codes ${PLANT}', entries: [{ table: 'material', erp: '${ERP_MATERIAL}', mes: 'M-${PLANT}' }], file: '', fileTable: '' },
  {
    id: 'press-erp',
    type: 'erp-endpoint',
    name: 'ERP ${PLANT}',
    baseUrl: '${ERP_BASE_URL}',
    baseUrlType: 'str',
    profile: 'generic-rest',
    params: '{}',
    authType: 'basic',
    username: '',
    usernameType: 'str',
    passwordEnv: '',
    tokenEnv: '',
    timeoutSec: 30,
    retryBaseSec: 5,
    retryMaxSec: 300,
    rejectUnauthorized: true,
    caFile: '',
  },
];

describe('plant rollout with the import CLI against the real bridge server', () => {
  const PASSWORD = 'rollout-admin-pass';
  const tmp = tempDir('erp-mes-rollout-');
  const snapshots = join(tmp.path, 'snapshots');
  let server: ServerProcess;
  let token: string;
  const write = (name: string, content: unknown): string => {
    const file = join(tmp.path, name);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return file;
  };
  const cli = (args: string[]): Promise<CliRun> => runCli([...args, '--snapshots', snapshots], { BRIDGE_URL: server.url, BRIDGE_ADMIN_PASSWORD: PASSWORD });
  const ok = (run: CliRun): CliRun => {
    assert.equal(run.code, 0, `stdout: ${run.stdout}\nstderr: ${run.stderr}`);
    return run;
  };
  const flows = async (): Promise<{ rev: string; flows: FlowNode[] }> => {
    const res = await fetch(`${server.url}/flows`, { headers: { authorization: `Bearer ${token}`, 'Node-RED-API-Version': 'v2' } });
    assert.equal(res.status, 200);
    return (await res.json()) as { rev: string; flows: FlowNode[] };
  };
  const node = async (id: string): Promise<FlowNode | undefined> => (await flows()).flows.find((n) => n.id === id);
  /** How often the function node with this id has been started, from the runtime's global context. */
  const starts = async (id: string): Promise<number> => {
    const res = await fetch(`${server.url}/context/global/starts_${id}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { msg?: string };
    return body.msg === undefined ? 0 : Number(body.msg);
  };
  const plantA = (line = 'L1') => write('plant-1010.json', { plant: '1010', values: { PLANT: '1010', LINE: line, ERP_BASE_URL: 'http://erp-1010.plant.local:8000', ERP_MATERIAL: 'RM-1010' } });
  const plantB = (line: string) => write('plant-2020.env', `# plant 2020\nPLANT=2020\nLINE=${line}\nERP_BASE_URL=http://erp-2020.plant.local:8000\nERP_MATERIAL="RM-2020"\n`);
  const A = (id: string) => plantNodeId('1010', id);
  const B = (id: string) => plantNodeId('2020', id);
  let flowFile: string;

  before(async () => {
    server = await startServerProcess({ flows: [], env: { ADMIN_PASSWORD: PASSWORD } });
    token = await login(server.url, 'admin', PASSWORD);
    flowFile = write('press-shop.json', PRESS_SHOP);
  });
  after(async () => {
    const code = await server?.stop('SIGTERM');
    tmp.remove();
    assert.equal(code, 0, `the server exits cleanly:\n${server?.output().slice(-2000)}`);
  });

  it('a bad setting, a dangling reference and an unknown type are each named in a sentence; exit 1 and nothing deployed', async () => {
    const before = await flows();
    const bad = write('bad-plant.json', [
      { id: 'bad-tab', type: 'tab', label: 'Bad' },
      { id: 'bad-map', type: 'code-map', z: 'bad-tab', name: 'map', tables: 'codes-that-are-not-there', wires: [[], []] },
      { id: 'bad-plc', type: 'plc-magic-reader', z: 'bad-tab', wires: [] },
      { id: 'bad-erp', type: 'erp-endpoint', name: 'ERP', baseUrl: '' },
      { id: 'bad-db', type: 'legacy-db', name: 'Old ERP', client: 'oracle' },
    ]);
    const run = await cli([bad]);
    assert.equal(run.code, 1, run.stdout);
    const lines = run.stderr.trimEnd().split('\n');
    assert.match(lines[0]!, /^Flow import failed: .*bad-plant\.json has 4 problems; nothing was deployed:$/);
    assert.match(lines[1]!, /^ {2}- .*bad-plant\.json uses the node type plc-magic-reader \(1 node\), which is not installed on http:\/\/127\.0\.0\.1:\d+; install it there first\.$/);
    assert.deepEqual(lines.slice(2), [
      '  - erp-endpoint "ERP" (id bad-erp) has no ERP URL (baseUrl is empty); set it, or write ${ERP_BASE_URL} and give the value in the plant file.',
      '  - legacy-db "Old ERP" (id bad-db) uses the database client "oracle", which the bridge does not support; use one of mssql, mysql, pg, sqlite.',
      '  - code-map "map" (id bad-map) refers to code-map-table "codes-that-are-not-there" (property tables), which is neither in the file nor on the server.',
    ]);
    assert.deepEqual(await flows(), before);
  });

  it("plant 1010 from its JSON plant file: the values reach the config nodes, and the ids are the plant's", async () => {
    ok(await cli([flowFile, '--plant', plantA(), '--reason', 'rollout of plant 1010']));
    assert.equal((await node(A('press-erp')))?.baseUrl, 'http://erp-1010.plant.local:8000');
    assert.deepEqual((await node(A('press-codes')))?.entries, [{ table: 'material', erp: 'RM-1010', mes: 'M-1010' }]);
    assert.equal((await node(A('press-map')))?.tables, A('press-codes'));
    assert.equal((await node(A('press-shop')))?.label, 'Press shop 1010');
    assert.equal(await starts(A('press-starts')), 1);
  });

  it('plant 2020 from the same flow file and a .env plant file gets nodes of its own; plant 1010 keeps its code table', async () => {
    ok(await cli([flowFile, '--plant', plantB('L1')]));
    assert.equal((await node(B('press-erp')))?.baseUrl, 'http://erp-2020.plant.local:8000');
    assert.equal((await node(B('press-map')))?.tables, B('press-codes'));
    assert.equal((await node(A('press-map')))?.tables, A('press-codes'));
    assert.deepEqual((await node(A('press-codes')))?.entries, [{ table: 'material', erp: 'RM-1010', mes: 'M-1010' }]);
    assert.equal(await starts(A('press-starts')), 1, 'plant 1010 was not restarted');
    assert.equal(await starts(B('press-starts')), 1);
  });

  it('re-importing plant 1010 unchanged deploys nothing and restarts nothing', async () => {
    const before = await flows();
    const run = ok(await cli([flowFile, '--plant', plantA()]));
    assert.match(run.stdout, /already runs exactly this flow; nothing deployed/);
    assert.equal((await flows()).rev, before.rev);
    assert.equal(await starts(A('press-starts')), 1);
  });

  it('--dry-run shows the field diff of a changed plant value: node, property, old → new', async () => {
    const before = await flows();
    const run = ok(await cli([flowFile, '--plant', plantB('L2'), '--dry-run']));
    assert.ok(run.stdout.includes(`  ~ function "Starts L2" (${B('press-starts')}) name: "Starts L1" → "Starts L2"`), run.stdout);
    assert.match(run.stdout, /Dry run: nothing was deployed\./);
    assert.deepEqual(await flows(), before);
  });

  it("deploying the change restarts only the changed node: plant 1010's node keeps running", async () => {
    const run = ok(await cli([flowFile, '--plant', plantB('L2')]));
    assert.match(run.stdout, /only changed nodes were restarted \(nodes\)/);
    assert.match(run.stdout, /Snapshot of what ran before: \S+/);
    assert.equal(await starts(B('press-starts')), 2, 'the changed node was restarted');
    assert.equal(await starts(A('press-starts')), 1, "the untouched plant's node was not");
  });

  it("a second plant's file reusing another plant's config-node id is refused, naming the tab it would rewire", async () => {
    const mapOn = (tab: string, id: string): FlowNode => ({ id, type: 'code-map', z: tab, name: id, tables: 'shared-codes', direction: 'erp-to-mes', rules: [{ path: 'payload.material', table: 'material' }], wires: [[], []] });
    const codes = (erp: string): FlowNode => ({ id: 'shared-codes', type: 'code-map-table', name: `codes ${erp}`, entries: [{ table: 'material', erp, mes: 'M' }], file: '', fileTable: '' });
    ok(await cli([write('line-c.json', [{ id: 'line-c', type: 'tab', label: 'Line C' }, mapOn('line-c', 'c-map'), codes('RM-C')])]));
    const before = await flows();
    const run = await cli([write('line-d.json', [{ id: 'line-d', type: 'tab', label: 'Line D' }, mapOn('line-d', 'd-map'), codes('RM-D')])]);
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stderr, /the code-map-table "shared-codes" of .*line-d\.json has the id of a different code-map-table on the server that 1 node on tab "line-c" uses; importing would rewire them/);
    assert.deepEqual(await flows(), before);
  });

  it('--rollback restores the snapshot before the last deploy, or a named one, restarting only what it changes; snapshots are listed and compared', async () => {
    const list = ok(await cli(['--list-snapshots']));
    assert.ok(list.stdout.trim().split('\n').length >= 4, list.stdout);
    const run = ok(await cli(['--rollback']));
    assert.match(run.stdout, /rolling http:\/\/127\.0\.0\.1:\d+ back to snapshot \S+ \(taken .*, before import of line-c\.json\)/);
    assert.ok(!(await flows()).flows.some((n) => n.id === 'line-c'), 'line C, deployed last, is gone');
    // Rolling back again undoes the rollback; a named snapshot goes further back: the one before plant 2020's L2.
    const beforeL2 = list.stdout
      .trim()
      .split('\n')
      .filter((l) => l.endsWith('before import of press-shop.json'))
      .at(-1)!
      .split(/\s+/)[0]!;
    ok(await cli(['--rollback', beforeL2, '--dry-run']));
    assert.equal((await node(B('press-starts')))?.name, 'Starts L2', 'a dry run deploys nothing');
    ok(await cli(['--rollback', beforeL2]));
    assert.equal((await node(B('press-starts')))?.name, 'Starts L1');
    assert.equal(await starts(B('press-starts')), 3);
    assert.equal(await starts(A('press-starts')), 1);
    const compare = ok(await cli(['--compare', list.stdout.trim().split('\n').at(-1)!.split(/\s+/)[0]!]));
    assert.match(compare.stdout, /^From snapshot \S+ to what http:\/\/127\.0\.0\.1:\d+ runs now:/);
  });
});
