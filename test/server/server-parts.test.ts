// The server's pure parts: Prometheus formatting and counting, where the pack is loaded from,
// demo flow seeding.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSettings } from '../../settings';
import { BridgeMetrics, formatPrometheus } from '../../plugins/api/metrics';
import { nodesDirFor } from '../../server/node-red-settings';
import { seedDemoFlows } from '../../server/demo';
import { tempDir } from '../support/server-kit';

describe('metrics', () => {
  it('counts sends per source node type and errors (level error/fatal) per node type, ignoring warnings', () => {
    const m = new BridgeMetrics();
    m.countSends([{ source: { node: { type: 'erp-order-fetch' } } }, { source: { node: { type: 'erp-order-fetch' } } }]);
    m.countSends([{ source: { node: { type: 'code-map' } } }]);
    m.countLogEvent({ level: 20, type: 'code-map', msg: 'unmapped material' });
    m.countLogEvent({ level: 10, msg: 'runtime fatal' });
    m.countLogEvent({ level: 30, type: 'code-map', msg: 'a warning' });
    const s = m.snapshot();
    assert.deepEqual(
      [...s.messagesByNodeType],
      [
        ['erp-order-fetch', 2],
        ['code-map', 1],
      ],
    );
    assert.deepEqual(
      [...s.errorsByNodeType],
      [
        ['code-map', 1],
        ['runtime', 1],
      ],
    );
  });

  it('formats Prometheus 0.0.4 text with sorted, escaped node_type labels', () => {
    const text = formatPrometheus({
      messagesByNodeType: new Map([
        ['inject', 3],
        ['code-map', 2],
      ]),
      errorsByNodeType: new Map([['we"ird\\type', 1]]),
      residentMemoryBytes: 1234,
      eventLoopLagSeconds: 0.002,
    });
    assert.equal(
      text,
      [
        '# HELP erp_mes_up 1 while the bridge server is running.',
        '# TYPE erp_mes_up gauge',
        'erp_mes_up 1',
        '# HELP erp_mes_messages_total Messages sent by nodes, by node type.',
        '# TYPE erp_mes_messages_total counter',
        'erp_mes_messages_total{node_type="code-map"} 2',
        'erp_mes_messages_total{node_type="inject"} 3',
        '# HELP erp_mes_errors_total Errors logged by the runtime, by node type.',
        '# TYPE erp_mes_errors_total counter',
        'erp_mes_errors_total{node_type="we\\"ird\\\\type"} 1',
        '# HELP process_resident_memory_bytes Resident memory size in bytes.',
        '# TYPE process_resident_memory_bytes gauge',
        'process_resident_memory_bytes 1234',
        '# HELP nodejs_eventloop_lag_seconds Mean event loop delay in seconds since start.',
        '# TYPE nodejs_eventloop_lag_seconds gauge',
        'nodejs_eventloop_lag_seconds 0.002',
        '',
      ].join('\n'),
    );
  });
});

describe('nodesDirFor', () => {
  const core = '/srv/app/node_modules/@node-red/nodes';

  it('loads a checkout outside node_modules through nodesDir', () => {
    assert.deepEqual(nodesDirFor('/work/main', '/work/main/node_modules/@node-red/nodes'), ['/work/main']);
  });

  it('leaves nodesDir empty when the pack is installed where Node-RED already scans, so no type registers twice', () => {
    assert.deepEqual(nodesDirFor('/srv/app/node_modules/node-red-contrib-erp-mes-bridge', core), []);
    assert.deepEqual(nodesDirFor('/srv/app/node_modules/@plant/erp-mes-bridge', core), []);
  });
});

describe('seedDemoFlows', () => {
  const tmp = tempDir();
  after(() => tmp.remove());
  const repo = join(tmp.path, 'repo');
  mkdirSync(join(repo, 'flows'), { recursive: true });
  const demoFlow = [{ id: 'plant-1010', type: 'tab', label: 'Demo plant 1010' }];
  writeFileSync(join(repo, 'flows', 'demo-plant.json'), JSON.stringify(demoFlow));

  function demoSettings(userDir: string, env: Record<string, string> = {}) {
    return { ...loadSettings({ BRIDGE_DEMO: '1', ADMIN_PASSWORD: 'x', BRIDGE_USER_DIR: userDir, ...env }, []), repoRoot: repo };
  }

  it('copies flows/demo-plant.json into a userDir that has no flows file', () => {
    const s = demoSettings(join(tmp.path, 'fresh'));
    assert.equal(seedDemoFlows(s), 'seeded');
    assert.deepEqual(JSON.parse(readFileSync(s.flowFile, 'utf8')), demoFlow);
  });

  it('keeps a flows file the integrator edited, and re-seeds it with DEMO_RESET=1', () => {
    const userDir = join(tmp.path, 'edited');
    mkdirSync(userDir);
    writeFileSync(join(userDir, 'flows.json'), '[{"id":"mine","type":"tab"}]');
    assert.equal(seedDemoFlows(demoSettings(userDir)), 'kept');
    assert.equal(JSON.parse(readFileSync(join(userDir, 'flows.json'), 'utf8'))[0].id, 'mine');
    assert.equal(seedDemoFlows(demoSettings(userDir, { DEMO_RESET: '1' })), 'seeded');
    assert.deepEqual(JSON.parse(readFileSync(join(userDir, 'flows.json'), 'utf8')), demoFlow);
  });

  it('starts from an empty flow when the repo has no demo flow', () => {
    const s = { ...demoSettings(join(tmp.path, 'nodemo')), repoRoot: join(tmp.path, 'no-repo') };
    assert.equal(seedDemoFlows(s), 'missing-demo-flow');
    assert.equal(readFileSync(s.flowFile, 'utf8').trim(), '[]');
  });
});
