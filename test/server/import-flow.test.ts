// The flow-import CLI: its merge/check logic on its own, then `node dist/server/import-flow.js` run as a
// process against the real bridge server (demo mode, started empty), the way plant IT uses it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerOf, FlowFileError, installedNodeTypes, missingNodeTypes, parseFlowFile, planImport, type FlowNode } from '../../server/flow-import';
import { login, tempDir } from '../support/server-kit';
import { repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually } from '../support/temp';
import { runCli, type CliRun } from '../support/import-cli';

const DEMO_FLOW = join(repoRoot, 'flows', 'demo-plant.json');

const tab = (id: string, label = id): FlowNode => ({ id, type: 'tab', label });
const on = (z: string, id: string, type = 'comment'): FlowNode => ({ id, type, z, name: id });
const config = (id: string, type = 'erp-endpoint', extra: Record<string, unknown> = {}): FlowNode => ({ id, type, name: id, ...extra });
const ids = (nodes: readonly FlowNode[]) => nodes.map((n) => n.id);

/** Ids are unique and every node's tab exists: what Node-RED needs to run a configuration. */
function assertWellFormed(nodes: readonly FlowNode[]): void {
  assert.equal(new Set(ids(nodes)).size, nodes.length, `duplicate ids in ${ids(nodes).join(', ')}`);
  const containers = new Set(nodes.filter((n) => n.type === 'tab' || n.type === 'subflow').map((n) => n.id));
  for (const n of nodes) {
    const z = containerOf(n);
    if (z !== undefined) assert.ok(containers.has(z), `node ${n.id} is on missing tab ${z}`);
  }
}

describe('flow file checks (parseFlowFile)', () => {
  const parseError = (text: string) => {
    try {
      parseFlowFile(text, 'flows/plant-1010.json');
    } catch (err) {
      assert.ok(err instanceof FlowFileError);
      return err.message;
    }
    assert.fail('the file was accepted');
  };

  it('accepts an export: tabs, nodes on them and config nodes, an empty z counting as none', () => {
    const nodes = [tab('t1'), on('t1', 'a'), config('c1'), { id: 'c2', type: 'bridge-store', z: '' }];
    assert.deepEqual(parseFlowFile(JSON.stringify(nodes), 'f.json'), nodes);
  });

  it('names the file and the parser position when the JSON is malformed', () => {
    assert.match(parseError('[{"id":"a","type":"tab"'), /^flows\/plant-1010\.json is not valid JSON: .*position \d+/);
  });

  it('refuses anything but a non-empty array of node objects', () => {
    assert.match(parseError('{"flows":[]}'), /plant-1010\.json must hold a JSON array of flow nodes.*holds an object/);
    assert.match(parseError('[]'), /plant-1010\.json holds an empty array/);
    assert.match(parseError('[{"id":"t","type":"tab"}, 7]'), /^flows\/plant-1010\.json: node 2 is a number, not a node object\.$/);
  });

  it('names the position (counting from 1) and the id of a node without a type or id', () => {
    const nodes: unknown[] = [tab('t1'), ...[2, 3, 4, 5, 6].map((i) => on('t1', `n${i}`)), { id: 'n7', z: 't1' }];
    assert.equal(parseError(JSON.stringify(nodes)), 'flows/plant-1010.json: node 7 (id "n7") has no type.');
    assert.equal(parseError('[{"type":"tab"}]'), 'flows/plant-1010.json: node 1 has no id.');
    assert.match(parseError('[{"id":12,"type":"tab"}]'), /node 1 has an id that is a number, not a string/);
    assert.match(parseError('[{"id":"t","type":"tab"},{"id":"x","type":"inject","z":5}]'), /node 2 \(id "x"\) has a z \(its tab\) that is a number/);
  });

  it('refuses duplicate ids, naming both positions', () => {
    assert.equal(parseError(JSON.stringify([tab('t1'), on('t1', 'a'), on('t1', 'a')])), 'flows/plant-1010.json: node 3 (id "a") has the same id as node 2.');
  });

  it('refuses a node whose tab is not in the file', () => {
    assert.match(parseError(JSON.stringify([tab('t1'), on('elsewhere', 'a', 'inject')])), /node 2 \(id "a", type inject\) is on tab "elsewhere", which is not in the file/);
  });
});

describe('node types the server lacks (missingNodeTypes, installedNodeTypes)', () => {
  const installed = installedNodeTypes([
    { id: 'node-red/inject', types: ['inject'], enabled: true },
    { id: 'node-red/unknown', types: ['unknown'], enabled: true },
    { id: 'x/opcua', types: ['opcua-item'], enabled: false },
    { id: 'bridge/erp-endpoint', types: ['erp-endpoint'] },
  ]);

  it('counts enabled node sets only, and never the editor placeholder "unknown"', () => {
    assert.deepEqual([...installed].sort(), ['erp-endpoint', 'inject']);
  });

  it('lists each missing type once with how many nodes use it; containers and installed types pass', () => {
    const file = [tab('t'), { id: 'g', type: 'group', z: 't' }, { id: 'j', type: 'junction', z: 't' }, on('t', 'i', 'inject'), on('t', 'o1', 'opcua-item'), on('t', 'o2', 'opcua-item'), on('t', 'u', 'unknown'), config('e')];
    assert.deepEqual(missingNodeTypes(file, installed), [
      { type: 'opcua-item', nodes: 2 },
      { type: 'unknown', nodes: 1 },
    ]);
  });

  it('accepts a subflow instance when the subflow is in the file or stays on the server', () => {
    const file = [{ id: 'sf1', type: 'subflow', name: 'sf' }, tab('t'), on('t', 'a', 'subflow:sf1'), on('t', 'b', 'subflow:sf2'), on('t', 'c', 'subflow:sf3')];
    assert.deepEqual(missingNodeTypes(file, installed, new Set(['sf2'])), [{ type: 'subflow:sf3', nodes: 1 }]);
  });
});

describe('merge by tab and replace all (planImport)', () => {
  const server: FlowNode[] = [
    tab('line-1'),
    on('line-1', 'l1-a'),
    on('line-1', 'l1-b'),
    tab('line-2'),
    on('line-2', 'l2-old'),
    tab('line-3'),
    on('line-3', 'l3-a'),
    config('erp', 'erp-endpoint', { url: 'old' }),
    config('other-config', 'bridge-store'),
  ];

  it('replaces the file tab and every node on it, replaces same-id config nodes, keeps other tabs in their order', () => {
    const file = [tab('line-2', 'Line 2 new'), on('line-2', 'l2-new-a'), on('line-2', 'l2-new-b'), config('erp', 'erp-endpoint', { url: 'new' }), config('mes-store', 'bridge-store')];
    const plan = planImport(server, file, 'merge-by-tab');
    assert.deepEqual(ids(plan.flows), ['line-1', 'l1-a', 'l1-b', 'line-2', 'l2-new-a', 'l2-new-b', 'line-3', 'l3-a', 'erp', 'other-config', 'mes-store']);
    assert.equal(plan.flows.find((n) => n.id === 'erp')!.url, 'new');
    assert.deepEqual(
      plan.containers.map((c) => [c.id, c.change, c.nodesBefore, c.nodesAfter]),
      [
        ['line-1', 'kept', 2, 2],
        ['line-2', 'replaced', 1, 2],
        ['line-3', 'kept', 1, 1],
      ],
    );
    assert.equal(plan.containers[1]!.label, 'Line 2 new');
    assert.deepEqual(plan.configNodes, { added: 1, replaced: 1 });
    assert.deepEqual([plan.nodesBefore, plan.nodesAfter, plan.unchanged], [9, 11, false]);
    assertWellFormed(plan.flows);
  });

  it('adds a new tab after the existing ones', () => {
    const plan = planImport(server, [tab('line-4'), on('line-4', 'l4-a')], 'merge-by-tab');
    assert.deepEqual(ids(plan.flows), [...ids(server), 'line-4', 'l4-a']);
    assert.deepEqual(
      plan.containers.map((c) => c.change),
      ['kept', 'kept', 'kept', 'added'],
    );
    assertWellFormed(plan.flows);
  });

  it('is unchanged when the server already runs the file, whatever the property or node order', () => {
    const file = [tab('line-4'), on('line-4', 'l4-a'), config('c4', 'erp-endpoint', { url: 'x', timeout: 5 })];
    const first = planImport(server, file, 'merge-by-tab');
    // What GET /flows might give back: nodes and their properties in another order, tabs in the same order.
    const shuffled = first.flows.map((n) => Object.fromEntries(Object.entries(n).reverse()) as FlowNode);
    const serverNow = [...shuffled.filter((n) => n.type !== 'tab').reverse(), ...shuffled.filter((n) => n.type === 'tab')];
    const again = planImport(serverNow, file, 'merge-by-tab');
    assert.equal(new Set(ids(again.flows)).size, again.flows.length, 'no node placed twice');
    assert.equal(again.unchanged, true);
    assert.equal(again.nodesAfter, first.nodesAfter);
    assert.equal(planImport(first.flows, [tab('line-4'), on('line-4', 'l4-a'), config('c4', 'erp-endpoint', { url: 'y', timeout: 5 })], 'merge-by-tab').unchanged, false);
  });

  it('replace-all makes the file the whole configuration and reports the removed tabs', () => {
    const file = [tab('line-2'), on('line-2', 'l2-new')];
    const plan = planImport(server, file, 'replace-all');
    assert.deepEqual(plan.flows, file);
    assert.deepEqual(
      plan.containers.map((c) => [c.id, c.change]),
      [
        ['line-1', 'removed'],
        ['line-2', 'replaced'],
        ['line-3', 'removed'],
      ],
    );
    assert.deepEqual(plan.takenFromOtherTabs, []);
  });

  it('takes the nodes of a server tab along when a file node reuses that tab id, leaving no orphans', () => {
    const plan = planImport(server, [config('line-3', 'erp-endpoint'), tab('t9'), on('t9', 'x')], 'merge-by-tab');
    assert.ok(!ids(plan.flows).includes('l3-a'));
    assert.equal(plan.containers.find((c) => c.id === 'line-3')!.change, 'removed');
    assertWellFormed(plan.flows);
  });

  it('reports a node on a kept tab that a file node with the same id replaces', () => {
    const plan = planImport(server, [tab('t9'), on('t9', 'l1-b')], 'merge-by-tab');
    assert.deepEqual(plan.takenFromOtherTabs, [{ id: 'l1-b', type: 'comment', tab: 'line-1' }]);
    assert.equal(plan.flows.filter((n) => n.id === 'l1-b').length, 1);
    assert.equal(plan.flows.find((n) => n.id === 'l1-b')!.z, 't9');
    assertWellFormed(plan.flows);
  });

  it("replaces the server's global-config node with the file's even when the ids differ (Node-RED runs one)", () => {
    const plan = planImport([...server, config('gc-old', 'global-config')], [config('gc-new', 'global-config')], 'merge-by-tab');
    assert.deepEqual(
      plan.flows.filter((n) => n.type === 'global-config').map((n) => n.id),
      ['gc-new'],
    );
  });
});

function assertOneLineFailure(run: CliRun, pattern: RegExp): void {
  assert.equal(run.code, 1, `exit code; stdout: ${run.stdout} stderr: ${run.stderr}`);
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got: ${run.stderr}`);
  assert.match(lines[0]!, pattern);
}

interface Received {
  workOrder: { workOrderNo: string };
}

describe('import-flow CLI against the real bridge server', () => {
  const PASSWORD = 'import-admin-pass';
  const tmp = tempDir('erp-mes-import-');
  let server: ServerProcess;
  let token: string;
  let cli: (args: string[], env?: Record<string, string>) => Promise<CliRun>;

  const flows = async (): Promise<{ rev: string; flows: FlowNode[] }> => {
    const res = await fetch(`${server.url}/flows`, { headers: { authorization: `Bearer ${token}`, 'Node-RED-API-Version': 'v2' } });
    assert.equal(res.status, 200);
    return (await res.json()) as { rev: string; flows: FlowNode[] };
  };
  const deploy = async (rev: string, nodes: FlowNode[]): Promise<void> => {
    const res = await fetch(`${server.url}/flows`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify({ rev, flows: nodes }),
    });
    assert.equal(res.status, 200, await res.text());
  };
  const writeFlow = (name: string, content: unknown): string => {
    const file = join(tmp.path, name);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return file;
  };
  const demoFlow = JSON.parse(readFileSync(DEMO_FLOW, 'utf8')) as FlowNode[];
  // The demo flow's shape, read from the file so these tests follow it as it grows.
  const onTab = (z: string) => demoFlow.filter((n) => n.z === z).length;
  const demoTabs = demoFlow.filter((n) => n.type === 'tab').map((n) => n.id);
  const demoConfigNodes = demoFlow.filter((n) => n.type !== 'tab' && !n.z).length;
  const line2 = (label: string, withDebug: boolean): FlowNode[] => [
    { id: 'andon-line-2', type: 'tab', label },
    { id: 'andon-note', type: 'comment', z: 'andon-line-2', name: 'Line 2 andon', info: '', x: 150, y: 40, wires: [] },
    {
      id: 'andon-tick',
      type: 'inject',
      z: 'andon-line-2',
      name: 'tick',
      props: [{ p: 'payload' }],
      repeat: '',
      crontab: '',
      once: false,
      onceDelay: 0.1,
      topic: '',
      payload: '',
      payloadType: 'date',
      x: 150,
      y: 100,
      wires: [withDebug ? ['andon-log'] : []],
    },
    ...(withDebug ? [{ id: 'andon-log', type: 'debug', z: 'andon-line-2', name: 'andon', active: true, tosidebar: true, console: false, tostatus: false, complete: 'payload', targetType: 'msg', x: 350, y: 100, wires: [] }] : []),
  ];

  before(async () => {
    server = await startServerProcess({ flows: [], env: { ADMIN_PASSWORD: PASSWORD } });
    token = await login(server.url, 'admin', PASSWORD);
    cli = (args, env = {}) => runCli(args, { BRIDGE_URL: server.url, BRIDGE_ADMIN_PASSWORD: PASSWORD, BRIDGE_SNAPSHOT_DIR: join(tmp.path, 'snapshots'), ...env });
  });
  after(async () => {
    const code = await server?.stop('SIGTERM');
    tmp.remove();
    assert.equal(code, 0, `the server exits cleanly:\n${server?.output().slice(-2000)}`);
  });

  it('--dry-run into an empty server prints the tab it would add and deploys nothing', async () => {
    const before = await flows();
    const run = await cli([DEMO_FLOW, '--dry-run']);
    assert.equal(run.code, 0, run.stderr);
    for (const z of demoTabs) assert.match(run.stdout, new RegExp(`\\+ tab ".*" \\(${z}\\): added, ${onTab(z)} nodes`));
    assert.match(run.stdout, new RegExp(`config nodes from the file: ${demoConfigNodes} added, 0 replaced`));
    assert.match(run.stdout, /Dry run: nothing was deployed\./);
    assert.deepEqual(await flows(), before);
  });

  it('imports flows/demo-plant.json into an empty server: the tab is deployed and the flow runs (work orders reach the MES)', async () => {
    const run = await cli([DEMO_FLOW]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`Deployed .*demo-plant\\.json to http://127\\.0\\.0\\.1:\\d+: the server now runs ${demoFlow.length} nodes on ${demoTabs.length} tabs`));
    const after = await flows();
    assert.ok(after.flows.some((n) => n.id === 'plan-sync' && n.type === 'tab'));
    assert.deepEqual(ids(after.flows).sort(), ids(demoFlow).sort());
    const received = await eventually(
      async () => {
        const items = ((await (await fetch(`${server.simUrl}/mes/_sim/received`)).json()) as { items: Received[] }).items;
        return items.length > 0 ? items : undefined;
      },
      'work orders at the simulated MES',
      20_000,
    );
    assert.ok(received.every((r) => typeof r.workOrder.workOrderNo === 'string'));
  });

  it('importing the same file again is idempotent: same nodes, no redeploy', async () => {
    const before = await flows();
    const run = await cli([DEMO_FLOW]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /already runs exactly this flow; nothing deployed/);
    const after = await flows();
    assert.equal(after.flows.length, before.flows.length);
    assert.equal(after.rev, before.rev, 'the flows were not redeployed');
  });

  it('merges a second plant file with another tab and keeps the first tab as it was', async () => {
    const file = writeFlow('line-2.json', line2('Line 2 andon', true));
    const run = await cli([file]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\+ tab "Line 2 andon" \(andon-line-2\): added, 3 nodes/);
    assert.match(run.stdout, new RegExp(`= tab ".*" \\(plan-sync\\): kept as it is, ${onTab('plan-sync')} nodes`));
    const { flows: now } = await flows();
    assert.equal(now.length, demoFlow.length + 4);
    for (const node of demoFlow)
      assert.deepEqual(
        now.find((n) => n.id === node.id),
        node,
        `demo node ${node.id} unchanged`,
      );
    assert.deepEqual(
      now.filter((n) => n.type === 'tab').map((n) => n.id),
      [...demoTabs, 'andon-line-2'],
    );
  });

  it('re-importing a changed plant file replaces its tab: nodes dropped from the file leave the server', async () => {
    const file = writeFlow('line-2-v2.json', line2('Line 2 andon v2', false));
    const run = await cli([file]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /~ tab "Line 2 andon v2" \(andon-line-2\): replaced, 3 → 2 nodes/);
    const { flows: now } = await flows();
    assert.ok(!now.some((n) => n.id === 'andon-log'), 'the debug node removed from the file is gone');
    assert.equal(now.find((n) => n.id === 'andon-line-2')!.label, 'Line 2 andon v2');
    assert.equal(now.length, demoFlow.length + 3);
  });

  it('refuses a file with a node type the server does not have, listing the type, and deploys nothing', async () => {
    const before = await flows();
    const file = writeFlow('plant-1010.json', [tab('press-shop'), on('press-shop', 'press-1', 'plc-magic-reader'), on('press-shop', 'press-2', 'plc-magic-reader'), on('press-shop', 'note')]);
    const run = await cli([file]);
    assert.equal(run.code, 1, run.stdout);
    assert.deepEqual(
      run.stderr
        .trimEnd()
        .split('\n')
        .map((l) => l.replace(/\/tmp\/\S+\//g, '').replace(/:\d+;/, ':PORT;')),
      ['Flow import failed: plant-1010.json has 1 problem; nothing was deployed:', '  - plant-1010.json uses the node type plc-magic-reader (2 nodes), which is not installed on http://127.0.0.1:PORT; install it there first.'],
    );
    assert.deepEqual(await flows(), before);
  });

  it('a malformed JSON file exits 1 with one line naming the file', async () => {
    const file = writeFlow('broken.json', '[{"id": "t", "type": "tab"},');
    assertOneLineFailure(await cli([file]), /broken\.json is not valid JSON/);
  });

  it('a node without a type exits 1 naming the file and the node position', async () => {
    const file = writeFlow('plant-no-type.json', [tab('t'), { id: 'n2', z: 't' }]);
    assertOneLineFailure(await cli([file]), /plant-no-type\.json: node 2 \(id "n2"\) has no type\./);
  });

  it('a wrong password exits 1 with a sentence about the refused login and deploys nothing', async () => {
    const before = await flows();
    const run = await cli([DEMO_FLOW, '--replace-all'], { BRIDGE_ADMIN_PASSWORD: 'not-the-password' });
    assertOneLineFailure(run, /refused the login as "admin": the user name or password is wrong.*BRIDGE_ADMIN_PASSWORD/);
    assert.deepEqual(await flows(), before);
  });

  it('without BRIDGE_ADMIN_PASSWORD exits 1 naming the variable; a --password flag is refused', async () => {
    assertOneLineFailure(await cli([DEMO_FLOW], { BRIDGE_ADMIN_PASSWORD: '' }), /BRIDGE_ADMIN_PASSWORD is not set/);
    assertOneLineFailure(await cli([DEMO_FLOW, '--password', PASSWORD]), /--password is not accepted.*BRIDGE_ADMIN_PASSWORD/);
  });

  it('an unreachable bridge exits 1 naming the URL', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as AddressInfo;
    await new Promise((r) => closed.close(r));
    assertOneLineFailure(await cli([DEMO_FLOW, '--url', `http://127.0.0.1:${port}`]), new RegExp(`cannot reach the bridge at http://127\\.0\\.0\\.1:${port}`));
  });

  describe('when someone deploys from the editor while the import runs', () => {
    let proxy: Server;
    let proxyUrl: string;
    let editorDeployed = false;

    // Stands between the CLI and the real bridge; just before the CLI's deploy reaches the bridge, it
    // deploys an editor change to the bridge itself, so the bridge sees a real concurrent edit.
    before(async () => {
      proxy = createServer((req: IncomingMessage, res: ServerResponse) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          void (async () => {
            if (req.method === 'POST' && req.url === '/flows' && !editorDeployed) {
              editorDeployed = true;
              const current = await flows();
              await deploy(current.rev, [...current.flows, tab('editor-tab'), on('editor-tab', 'editor-note')]);
            }
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers[k] = v;
            const answer = await fetch(`${server.url}${req.url}`, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
            const body = Buffer.from(await answer.arrayBuffer());
            res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' });
            res.end(body);
          })().catch((err: Error) => {
            res.writeHead(502);
            res.end(err.message);
          });
        });
      });
      await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
      proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    });
    after(async () => {
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
    });

    it('the bridge refuses the stale deploy (409): exit 1 saying someone deployed meanwhile, and the editor change stays', async () => {
      const file = writeFlow('line-3.json', [tab('line-3'), on('line-3', 'line-3-note')]);
      const run = await cli([file, '--url', proxyUrl]);
      assertOneLineFailure(run, /someone deployed to http:\/\/127\.0\.0\.1:\d+ while this import was running, so nothing was deployed.*run the import again/);
      assert.ok(editorDeployed);
      const { flows: now } = await flows();
      assert.ok(
        now.some((n) => n.id === 'editor-note'),
        'the editor change is on the server',
      );
      assert.ok(!now.some((n) => n.id === 'line-3'), 'the import did not overwrite it');
    });
  });

  it('--replace-all replaces the whole configuration with the file', async () => {
    const run = await cli([DEMO_FLOW, '--replace-all']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /replace all flows/);
    assert.match(run.stdout, /- tab "Line 2 andon v2" \(andon-line-2\): removed with its 2 nodes/);
    const { flows: now } = await flows();
    assert.deepEqual(ids(now).sort(), ids(demoFlow).sort());
  });
});
