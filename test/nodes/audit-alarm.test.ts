// The audit chain's alarm and head export in a real Node-RED runtime: material-overdraw on a SQLite bridge store
// with an audit key from the settings and a verification interval of a fraction of a second. The verified head
// reaches the simulated ERP's audit-heads inbox through the node's outbox and audit-heads.json in the userDir;
// an entry edited in the store file turns the status red and reaches the Catch node as an error naming the
// first bad entry; a tail cut off while the flow was stopped is found against the exported head at start.
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import helper from 'node-red-node-test-helper';
import { AuditLog } from '../../nodes/lib/audit/log';
import { auditKeyring } from '../../nodes/lib/audit/keys';
import { SqliteStore } from '../../nodes/lib/stores/sqlite-store';
import { usePlantFixture } from '../support/plant-fixture';
import { eventually } from '../support/temp';
import { requisition, workOrder } from '../unit/overdraw-fixture';
import { statusKey } from '../support/locale';

helper.init(require.resolve('node-red'));
const nodes = [
  require('../../nodes/bridge-store/bridge-store'),
  require('../../nodes/erp-endpoint/erp-endpoint'),
  require('../../nodes/material-overdraw/material-overdraw'),
  require('../../nodes/exception-escalation/exception-escalation'),
  require('@node-red/nodes/core/common/25-catch'),
];
const KEY = 'node-test audit key of 32 bytes or more';
const keyId = auditKeyring([KEY], 'test').current.id;
type Status = { fill?: string; shape?: string; text?: string };

describe('audit chain alarm and head export (material-overdraw, exception-escalation)', () => {
  const plant = usePlantFixture(1);
  afterEach(() => void helper.settings({}));

  const overdrawNode = {
    id: 'overdraw',
    type: 'material-overdraw',
    endpoint: 'erp',
    store: 'store',
    path: 'approval-requests',
    decisionTimeoutMin: 120,
    onTimeout: 'escalate',
    defaultTolerancePct: 0,
    escalationSeverity: 'urgent',
    maxAttempts: 3,
    wires: [[], [], []],
  };
  const escalationNode = { id: 'escalation', type: 'exception-escalation', endpoint: 'erp', store: 'store', maxAttempts: 3, wires: [[], [], [], []] };

  async function load(workflowNode: Record<string, unknown> = overdrawNode) {
    helper.settings({ userDir: plant.dir.path, bridgeStoreAuditKeys: [KEY], bridgeStoreAuditVerifySec: 0.1 } as Record<string, unknown>);
    await helper.load(
      nodes,
      [
        { id: 'store', type: 'bridge-store', name: 'line store', file: join(plant.dir.path, 'store.sqlite') },
        { id: 'erp', type: 'erp-endpoint', name: 'test ERP', baseUrl: plant.sim.erpUrl, authType: 'basic', username: 'erp-bridge', timeoutSec: 5, retryBaseSec: 0.05, retryMaxSec: 0.2 },
        workflowNode,
        { id: 'catcher', type: 'catch', scope: [workflowNode.id], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ] as Array<Record<string, unknown>> as Parameters<typeof helper.load>[1],
      { erp: { password: 'demo-erp-pass' } },
    );
    const node = (id: string) => helper.getNode(id) as unknown as { on(event: string, fn: (arg: never) => void): void; receive(msg: unknown): void };
    const run = { node: node(workflowNode.id as string), statuses: [] as Status[], caught: [] as Array<{ topic: string; error: { message: string } }> };
    run.node.on('call:status', (c: { args: Status[] }) => run.statuses.push(statusKey(c.args[0])));
    node('caught').on('input', (m: { topic: string; error: { message: string } }) => run.caught.push(m));
    return run;
  }
  const erpHeads = () => plant.sim.erp.workflows.received('audit-heads');
  const entryKey = (seq: number) => `e${String(seq).padStart(12, '0')}`;

  it('exports each verified head that moved on to the ERP and to audit-heads.json, keyed', async () => {
    const run = await load();
    run.node.receive({ topic: 'plan', payload: workOrder() });
    run.node.receive({ payload: requisition(500) });
    const head = await eventually(() => erpHeads().find((h) => h.body.seq === 1), 'the head of entry 1 at the ERP');
    assert.deepEqual([head.key, head.body.chain, head.body.storeId, head.body.keyId], ['audit-head:store:1', 'line store', 'store', keyId]);
    const file = join(plant.dir.path, 'audit-heads.json');
    await eventually(() => existsSync(file), 'audit-heads.json');
    assert.equal(statSync(file).mode & 0o777, 0o600, 'only the bridge’s user reads the exported heads');
    const ledger = JSON.parse(readFileSync(file, 'utf8')) as { heads: Record<string, { seq: number; hash: string }> };
    assert.deepEqual(
      Object.values(ledger.heads).map((h) => [h.seq, h.hash]),
      [[1, head.body.hash]],
    );
    run.node.receive({ payload: requisition(400) });
    await eventually(() => erpHeads().some((h) => h.body.seq === 2), 'the head of entry 2 at the ERP');
    assert.ok(!run.statuses.some((s) => s.fill === 'red'), JSON.stringify(run.statuses));
  });

  it('turns the status red and tells the Catch node which entry is bad once an entry is edited in the store file', async () => {
    const run = await load();
    run.node.receive({ topic: 'plan', payload: workOrder() });
    run.node.receive({ payload: requisition(500) });
    await eventually(() => erpHeads().some((h) => h.body.seq === 1), 'the first export');
    const db = new Database(join(plant.dir.path, 'store.sqlite'));
    db.prepare("UPDATE kv SET value = json_set(value, '$.who', 'admin') WHERE namespace = 'audit' AND key = ?").run(entryKey(1));
    db.close();
    const caught = await eventually(() => run.caught.find((m) => m.topic === 'audit-broken'), 'the error at the Catch node');
    assert.equal(caught.error.message, 'material-overdraw.errors.auditBroken', 'the sentence of the locale (the test runtime shows its key)');
    const payload = (caught as unknown as { payload: { store: string; seq: number; message: string } }).payload;
    assert.deepEqual([payload.store, payload.seq, payload.message], ['line store', 1, `Audit entry 1 was altered: its HMAC under audit key ${keyId} does not match its content.`]);
    await eventually(() => run.statuses.at(-1)?.fill === 'red', 'the red status');
    assert.deepEqual(run.statuses.at(-1), { fill: 'red', shape: 'ring', text: 'material-overdraw.status.auditBroken' });
  });

  it('finds a tail cut off while the flow was stopped against the head exported before', async () => {
    let run = await load();
    run.node.receive({ topic: 'plan', payload: workOrder() });
    run.node.receive({ payload: requisition(500) });
    run.node.receive({ payload: requisition(400) });
    await eventually(() => erpHeads().some((h) => h.body.seq === 2), 'the export of entry 2');
    await helper.unload();
    const db = new Database(join(plant.dir.path, 'store.sqlite'));
    const first = JSON.parse((db.prepare("SELECT value FROM kv WHERE namespace = 'audit' AND key = ?").get(entryKey(1)) as { value: string }).value) as { hash: string };
    db.prepare("DELETE FROM kv WHERE namespace = 'audit' AND key = ?").run(entryKey(2));
    db.prepare("UPDATE kv SET value = ? WHERE namespace = 'audit' AND key = 'head'").run(JSON.stringify({ seq: 1, hash: first.hash }));
    db.close();
    run = await load();
    const caught = await eventually(() => run.caught.find((m) => m.topic === 'audit-broken'), 'the error at the Catch node');
    assert.ok(caught.error.message.length > 0);
    const payload = (caught as unknown as { payload: { seq: number; message: string } }).payload;
    assert.equal(payload.seq, 2);
    assert.match(payload.message, /^The audit log ends at entry 1, but entry 2 was exported as its head at .*: entry 2 was deleted\.$/);
  });

  it('exception-escalation on a store whose chain was altered while it was stopped: red and caught at start', async () => {
    const store = new SqliteStore(join(plant.dir.path, 'store.sqlite'));
    const log = new AuditLog(store, 'audit', auditKeyring([KEY], 'test'));
    await log.append({ who: 'li.ming', what: 'exception.acknowledged', why: 'On my way', subjectId: 'EXC-1' });
    const second = await log.append({ who: 'li.ming', what: 'exception.resolved', why: 'Bearing replaced', subjectId: 'EXC-1' });
    await store.put('audit', entryKey(2), { ...second, why: 'Nothing was wrong' });
    await store.close();
    const run = await load(escalationNode);
    const caught = await eventually(() => run.caught.find((m) => m.topic === 'audit-broken'), 'the error at the Catch node');
    assert.equal(caught.error.message, 'exception-escalation.errors.auditBroken');
    assert.equal((caught as unknown as { payload: { seq: number } }).payload.seq, 2);
    await eventually(() => run.statuses.at(-1)?.fill === 'red', 'the red status');
    assert.deepEqual(run.statuses.at(-1), { fill: 'red', shape: 'ring', text: 'exception-escalation.status.auditBroken' });
    assert.equal(erpHeads().length, 0, 'a broken chain exports no head');
  });
});
