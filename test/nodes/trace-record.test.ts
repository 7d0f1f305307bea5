// trace-record inside a real Node-RED runtime with a real bridge store (a SQLite file; Redis for one case): job
// reports, quality records, work orders and the issues a real material-overdraw node releases are stored
// durably before done and answer a trace code on output 1; a bad item stores nothing of its message and its
// error names the field; the same records again are stored once; the store is registered for the server's API.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import helper from 'node-red-node-test-helper';
import Redis from 'ioredis';
import { SqliteTraceStore, type TraceAnswer } from '../../nodes/lib/trace';
import { traceAnywhere, traceDesks } from '../../nodes/lib/trace/registry';
import { validate } from '../../nodes/lib/validation';
import { inspection, report, workOrder } from '../integration/trace-contract';
import { dropKeys, redisAvailable, redisUrl, testPrefix } from '../integration/redis-fixture';
import { usePlantFixture } from '../support/plant-fixture';
import { eventually } from '../support/temp';
import { requisition, workOrder as bomOrder, ORDER } from '../unit/overdraw-fixture';
import { statusKey } from '../support/locale';

helper.init(require.resolve('node-red'));
const nodes = [
  require('../../nodes/bridge-store/bridge-store'),
  require('../../nodes/erp-endpoint/erp-endpoint'),
  require('../../nodes/material-overdraw/material-overdraw'),
  require('../../nodes/trace-record/trace-record'),
  require('@node-red/nodes/core/common/25-catch'),
];

interface Answer {
  payload: TraceAnswer & { error?: string };
  found: boolean;
}
interface Stored {
  trace: { stored: number; duplicates: number; plans: number };
}
const ORDER_NO = 'MO-2026-0102';

describe('trace-record', () => {
  const plant = usePlantFixture(1);
  const storeFile = () => join(plant.dir.path, 'store.sqlite');

  async function load(store: Record<string, unknown> = { file: storeFile() }) {
    await helper.load(
      nodes,
      [
        { id: 'store', type: 'bridge-store', ...store },
        { id: 'erp', type: 'erp-endpoint', name: 'test ERP', baseUrl: plant.sim.erpUrl, authType: 'basic', username: 'erp-bridge', timeoutSec: 5, retryBaseSec: 0.05, retryMaxSec: 0.2 },
        {
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
          wires: [['tracer'], [], []],
        },
        { id: 'tracer', type: 'trace-record', name: 'trace record', store: 'store', book: 'trace', maxRecords: 20000, wires: [['answers'], ['stored']] },
        { id: 'answers', type: 'helper' },
        { id: 'stored', type: 'helper' },
        { id: 'catcher', type: 'catch', scope: ['tracer'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ] as Array<Record<string, unknown>> as Parameters<typeof helper.load>[1],
      { erp: { password: 'demo-erp-pass' } },
    );
    const out = { answers: [] as Answer[], stored: [] as Stored[], caught: [] as Array<{ error: { message: string } }> };
    for (const name of ['answers', 'stored', 'caught'] as const) helper.getNode(name).on('input', (m: unknown) => (out[name] as unknown[]).push(m));
    const node = helper.getNode('tracer');
    /** Sends a message and waits until the node answered or stored it (or refused it). */
    const send = async (msg: Record<string, unknown>) => {
      const seen = out.answers.length + out.stored.length + out.caught.length;
      node.receive(msg);
      await eventually(() => out.answers.length + out.stored.length + out.caught.length > seen, `the node to take ${JSON.stringify(msg).slice(0, 80)}`);
    };
    const trace = async (code: string) => {
      await send({ topic: 'trace', payload: code });
      return out.answers[out.answers.length - 1];
    };
    return { node, send, trace, ...out };
  }

  const reports = [
    report(ORDER_NO, 'EV-1', '0010', '2026-12-01T08:10:00+08:00', { status: 'started', goodQty: 0, scrapQty: 0 }),
    report(ORDER_NO, 'EV-2', '0010', '2026-12-01T10:40:00+08:00', { status: 'completed', goodQty: 498 }),
    report(ORDER_NO, 'EV-3', '0020', '2026-12-01T11:00:00+08:00', { equipment: 'EQ-ASM-01', operator: '李娜' }),
  ];
  const units = [inspection(ORDER_NO, 'SN-0102-0007', '0030', '2026-12-01T12:00:00+08:00'), inspection(ORDER_NO, 'SN-0102-0008', '0030', '2026-12-01T12:01:00+08:00', { result: 'fail', defectCode: 'D-LEAK' })];

  it('stores job reports, quality records and a work order, and answers a unit code with the order on output 1', async () => {
    const run = await load();
    await run.send({ payload: workOrder(ORDER_NO) });
    await run.send({ payload: reports });
    await run.send({ payload: units[0] });
    await run.send({ topic: 'quality', payload: [units[1]] });
    assert.deepEqual(run.caught, []);
    assert.deepEqual(
      run.stored.map((m) => m.trace),
      [
        { stored: 0, duplicates: 0, plans: 1 },
        { stored: 3, duplicates: 0, plans: 0 },
        { stored: 1, duplicates: 0, plans: 0 },
        { stored: 1, duplicates: 0, plans: 0 },
      ],
    );
    const answer = await run.trace('SN-0102-0008');
    assert.equal(answer.found, true);
    const valid = validate('trace-answer', answer.payload);
    assert.equal(valid.ok ? true : valid.message, true);
    assert.equal(answer.payload.order.productName, '导尿管 16Fr');
    assert.deepEqual(
      answer.payload.operations.map((op) => [op.opNo, op.equipment, op.status ?? null, op.passed, op.failed]),
      [
        ['0010', ['EQ-EXTR-01'], 'completed', 0, 0],
        ['0020', ['EQ-ASM-01'], 'running', 0, 0],
        ['0030', [], null, 1, 1],
      ],
    );
    assert.equal(answer.payload.operations[2].inspections[1].match, true);
  });

  it('keeps the lot of every requisition a real material-overdraw releases to the order', async () => {
    const run = await load();
    helper.getNode('overdraw').receive({ topic: 'plan', payload: bomOrder() });
    helper.getNode('overdraw').receive({ payload: { ...requisition(1000), lot: 'LOT-PVC-20261128-A' } });
    await eventually(() => run.stored.length === 1, 'the released issue stored');
    await run.send({ payload: report(ORDER, 'EV-9', '0010', '2026-11-25T09:00:00+08:00', { traceCode: 'SN-IV-0001' }) });
    const answer = await run.trace('SN-IV-0001');
    assert.deepEqual(
      answer.payload.materials.map((m) => [m.materialCode, m.lot, m.qty, m.unit]),
      [['RM-PVC-TUBE', 'LOT-PVC-20261128-A', 1000, 'M']],
    );
  });

  it('refuses a message with one bad item, naming the field, and stores nothing of it', async () => {
    const run = await load();
    const bad = { ...reports[2], goodQty: '12' };
    await run.send({ payload: [reports[0], reports[1], bad] });
    assert.equal(run.caught.length, 1);
    assert.match(run.caught[0].error.message, /payload\[2\]\.goodQty must be a number/);
    assert.match(run.caught[0].error.message, /progress-report/);
    const answer = await run.trace(`LOT-${ORDER_NO}`);
    assert.equal(answer.found, false, 'the two good reports of the refused message were not stored either');
    await run.send({ payload: { orderNo: ORDER_NO, what: 'unknown' } });
    assert.match(run.caught[1].error.message, /payload is neither a job report/);
    await run.send({ topic: 'quality', payload: { ...units[1], defectCode: undefined } });
    assert.match(run.caught[2].error.message, /payload\.defectCode is required/);
  });

  it('stores the same records once when the MES sends them again', async () => {
    const run = await load();
    await run.send({ payload: reports });
    await run.send({ payload: [...reports, reports[0]] });
    assert.deepEqual(run.stored[1].trace, { stored: 0, duplicates: 4, plans: 0 });
    const answer = await run.trace(`LOT-${ORDER_NO}`);
    assert.equal(answer.payload.matches.reports, 3);
  });

  it('answers a code nothing carries with found false and a sentence naming it; refuses an empty or control-character code', async () => {
    const run = await load();
    await run.send({ payload: reports });
    const unknown = await run.trace('SN-NOWHERE');
    assert.equal(unknown.found, false);
    assert.match(unknown.payload.error!, /"SN-NOWHERE"/);
    await run.send({ topic: 'trace', payload: '  ' });
    assert.match(run.caught[0].error.message, /payload: A trace code is required/);
    await run.send({ topic: 'trace', payload: 'SN-1\n' });
    assert.match(run.caught[1].error.message, /control character \(U\+000A\) at position 5/);
    await run.send({ topic: 'trace', payload: 'X'.repeat(65) });
    assert.match(run.caught[2].error.message, /65 characters long/);
  });

  it('has written every record before done: a store opened after the flow is gone finds them', async () => {
    const run = await load();
    await run.send({ payload: reports });
    await run.send({ payload: units });
    await helper.unload();
    const store = new SqliteTraceStore(storeFile(), 'trace');
    try {
      const answer = await store.trace('SN-0102-0007');
      assert.equal(answer?.operations.flatMap((op) => op.reports).length, 3);
      assert.equal(answer?.operations.flatMap((op) => op.inspections).length, 2);
    } finally {
      await store.close();
    }
  });

  it('registers its store for the server while it runs, and not after', async () => {
    const run = await load();
    await run.send({ payload: reports });
    assert.equal(traceDesks().length, 1);
    assert.equal((await traceAnywhere('EV-2'))?.order.orderNo, undefined, 'an event id is not a trace code');
    assert.equal((await traceAnywhere(`LOT-${ORDER_NO}`))?.order.orderNo, ORDER_NO);
    await helper.unload();
    assert.equal(traceDesks().length, 0);
  });

  it('keeps the trace in Redis when the bridge store is Redis', async (t) => {
    if (!(await redisAvailable(t))) return;
    const prefix = testPrefix('trace-node');
    t.after(() => dropKeys(prefix));
    const run = await load({ storeType: 'redis', url: redisUrl(), keyPrefix: prefix });
    await run.send({ payload: reports });
    await run.send({ payload: units });
    const answer = await run.trace('SN-0102-0008');
    assert.equal(answer.found, true);
    assert.equal(answer.payload.matches.inspections, 1);
    assert.equal(answer.payload.operations.flatMap((op) => op.reports).length, 3);
  });

  it('refuses to acknowledge when the store cannot write durably: error to Catch, red status, nothing stored', async (t) => {
    if (!(await redisAvailable(t))) return;
    const prefix = testPrefix('trace-node');
    t.after(() => dropKeys(prefix));
    // The machine's Redis keeps nothing on disk (appendonly no): with "require durable writes" nothing is written.
    const probe = new Redis(redisUrl());
    const [, appendonly] = (await probe.config('GET', 'appendonly').finally(() => probe.disconnect())) as string[];
    if (appendonly === 'yes') return t.skip('this Redis writes an AOF; the case needs one that does not');
    const run = await load({ storeType: 'redis', url: redisUrl(), keyPrefix: prefix, requireDurable: true });
    const statuses: Array<{ fill?: string; text?: string }> = [];
    const node = helper.getNode('tracer') as unknown as { status: (s: { fill?: string; text?: string }) => void };
    const status = node.status.bind(node);
    node.status = (s) => {
      statuses.push(statusKey(s));
      status(s);
    };
    await run.send({ payload: reports });
    assert.equal(run.caught.length, 1);
    assert.match(run.caught[0].error.message, /does not write durably.*"require durable writes" is on, so nothing is written/);
    assert.deepEqual(statuses.at(-1), { fill: 'red', shape: 'ring', text: 'trace-record.status.store' });
    assert.equal(run.stored.length, 0);
    const admin = new Redis(redisUrl());
    try {
      assert.deepEqual(
        (await admin.keys(`${prefix}*`)).filter((k) => k.includes('trace:')),
        [],
      );
    } finally {
      admin.disconnect();
    }
  });
});
