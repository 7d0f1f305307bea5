// batch-record inside a real Node-RED runtime with a real bridge store (a SQLite file) and the simulated ERP:
// the record of an order a real trace-record node stored answers an order number on output 1 with its gaps;
// "list" and "print" answer too; a signature through the desk (as the REST API makes it) leaves output 2 and a
// release reaches the ERP's inbox once, also after a redeploy; bad input and a missing store read as sentences.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import helper from 'node-red-node-test-helper';
import { batchDesks, type BatchRecordView } from '../../nodes/lib/batch-record';
import { inspection, report, workOrder } from '../integration/trace-contract';
import { inLanguage } from '../support/locale';
import { usePlantFixture } from '../support/plant-fixture';
import { eventually } from '../support/temp';

helper.init(require.resolve('node-red'));
const nodes = [
  require('../../nodes/bridge-store/bridge-store'),
  require('../../nodes/erp-endpoint/erp-endpoint'),
  require('../../nodes/trace-record/trace-record'),
  inLanguage(require('../../nodes/batch-record/batch-record'), 'batch-record', 'en-US'),
  require('@node-red/nodes/core/common/25-catch'),
];
const ORDER_NO = 'MO-2026-0102';

interface Out {
  records: Array<{ topic?: string; payload: unknown }>;
  signatures: Array<{ topic: string; payload: { orderNo: string; version: number; signature: { signer: string } } }>;
  caught: Array<{ error: { message: string } }>;
}

describe('batch-record', () => {
  const plant = usePlantFixture(1);

  async function load(batch: Record<string, unknown> = {}) {
    await helper.load(
      nodes,
      [
        { id: 'store', type: 'bridge-store', file: join(plant.dir.path, 'store.sqlite') },
        { id: 'erp', type: 'erp-endpoint', name: 'test ERP', baseUrl: plant.sim.erpUrl, authType: 'basic', username: 'erp-bridge', timeoutSec: 5, retryBaseSec: 0.05, retryMaxSec: 0.2 },
        { id: 'tracer', type: 'trace-record', store: 'store', book: 'trace', maxRecords: 20000, wires: [[], ['stored']] },
        { id: 'stored', type: 'helper' },
        {
          id: 'batch',
          type: 'batch-record',
          store: 'store',
          endpoint: 'erp',
          path: 'batch-releases',
          book: 'trace',
          timeZone: 'Asia/Shanghai',
          fourEyes: true,
          inspectionsRequired: true,
          maxAttempts: 3,
          ...batch,
          wires: [['records'], ['signatures']],
        },
        { id: 'records', type: 'helper' },
        { id: 'signatures', type: 'helper' },
        { id: 'catcher', type: 'catch', scope: ['batch'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ] as Array<Record<string, unknown>> as Parameters<typeof helper.load>[1],
      { erp: { password: 'demo-erp-pass' } },
    );
    const out: Out = { records: [], signatures: [], caught: [] };
    for (const name of ['records', 'signatures', 'caught'] as const) helper.getNode(name).on('input', (m: unknown) => (out[name] as unknown[]).push(m));
    let stored = 0;
    helper.getNode('stored').on('input', () => (stored += 1));
    const store = async (payload: unknown) => {
      const before = stored;
      helper.getNode('tracer').receive({ payload });
      await eventually(() => stored > before, 'trace-record to store');
    };
    const ask = async (msg: Record<string, unknown>) => {
      const seen = out.records.length + out.caught.length;
      helper.getNode('batch').receive(msg);
      await eventually(() => out.records.length + out.caught.length > seen, `batch-record to answer ${JSON.stringify(msg).slice(0, 60)}`);
      return out.records[out.records.length - 1];
    };
    return { ...out, out, store, ask };
  }
  const releases = async () =>
    ((await (await fetch(`${plant.sim.erpUrl.replace(/\/api\/v1\/?$/, '')}/_sim/workflows?inbox=batch-releases`)).json()) as { items: Array<{ key: string; body: { orderNo: string; released: { signer: string } } }> }).items;

  it('answers an order number with its batch record and the gaps that keep it from review', async () => {
    const run = await load();
    await run.store(workOrder(ORDER_NO));
    await run.store([report(ORDER_NO, 'EV-1', '0010', '2026-12-01T08:10:00+08:00', { status: 'completed', goodQty: 498 })]);
    const answer = (await run.ask({ payload: ORDER_NO })).payload as Omit<BatchRecordView, 'findings'> & { findings: Array<{ code: string; text: { 'zh-CN': string } }> };
    assert.equal(answer.orderNo, ORDER_NO);
    assert.equal(answer.status, 'in-progress');
    assert.ok(answer.findings.some((f) => f.code === 'no-inspection' && /工序 0010 没有质检记录/.test(f.text['zh-CN'])));
    const list = (await run.ask({ topic: 'list' })).payload as Array<{ orderNo: string }>;
    assert.ok(Array.isArray(list));
    const printed = (await run.ask({ topic: 'print', payload: { orderNo: ORDER_NO, lang: 'zh-CN' } })).payload as { ok: boolean; html: string };
    assert.equal(printed.ok, true);
    assert.match(printed.html, /电子批记录 · MO-2026-0102/);
    const certificate = (await run.ask({ topic: 'certificate', payload: { orderNo: ORDER_NO, lang: 'en-US' } })).payload as { ok: boolean; error: string };
    assert.deepEqual(certificate, { orderNo: ORDER_NO, document: 'certificate', language: 'en-US', ok: false, error: `The batch record of ${ORDER_NO} is not released: no certificate of conformance can be issued.` });
  });

  it('sends each signature on output 2 and tells the ERP of a release once, also after a redeploy', async () => {
    const run = await load({ inspectionsRequired: false });
    await run.store(workOrder(ORDER_NO));
    // Every planned operation of the fixture's work order completed, with its inspection.
    const planned = (workOrder(ORDER_NO) as { operations: Array<{ sequence: string }> }).operations.map((op) => op.sequence);
    await run.store(planned.map((op, i) => report(ORDER_NO, `EV-${op}`, op, `2026-12-01T${String(8 + i).padStart(2, '0')}:00:00+08:00`, { status: 'completed', goodQty: 498 })));
    await run.store(inspection(ORDER_NO, 'SN-0102-0007', planned[0], '2026-12-01T12:00:00+08:00'));
    const desk = batchDesks().find((d) => d.nodeId === 'batch')!;
    const reviewed = await desk.desk.sign(ORDER_NO, { meaning: 'reviewed', signer: 'qa-wang', reason: 'ok', signedAt: '2026-12-01T13:00:00Z' });
    assert.equal(reviewed.ok, true, !reviewed.ok ? reviewed.problem : '');
    const released = await desk.desk.sign(ORDER_NO, { meaning: 'released', signer: 'qa-li', reason: 'conforms', signedAt: '2026-12-01T13:05:00Z' });
    assert.equal(released.ok, true);
    await eventually(() => run.out.signatures.length === 2, 'two signatures on output 2');
    assert.deepEqual(
      run.out.signatures.map((m) => [m.topic, m.payload.signature.signer]),
      [
        ['batch.reviewed', 'qa-wang'],
        ['batch.released', 'qa-li'],
      ],
    );
    const arrived = await eventually(async () => (await releases()).find((r) => r.body.orderNo === ORDER_NO), 'the release at the ERP');
    assert.equal(arrived.key, `batch-release:${ORDER_NO}:v1`);
    assert.equal(arrived.body.released.signer, 'qa-li');
    // A new start looks for releases the ERP was not told of: this one was, so nothing more is sent.
    await helper.unload();
    const again = await load({ inspectionsRequired: false });
    assert.equal(((await again.ask({ payload: ORDER_NO })).payload as BatchRecordView).status, 'released');
    assert.equal((await releases()).filter((r) => r.body.orderNo === ORDER_NO).length, 1);
  });

  it('refuses what cannot be an order number, naming it, and keeps running', async () => {
    const run = await load();
    helper.getNode('batch').receive({ payload: { order: 1 } });
    await eventually(() => run.out.caught.length === 1, 'the refusal');
    assert.match(run.out.caught[0].error.message, /payload must be the order number whose batch record is wanted .* not \{"order":1\}/);
    assert.equal(((await run.ask({ payload: ORDER_NO })).payload as BatchRecordView).orderNo, ORDER_NO);
  });

  it('fails every message with a sentence when it has no bridge store, and registers nothing', async () => {
    await helper.load(nodes, [
      { id: 'batch', type: 'batch-record', store: '', endpoint: '', wires: [[], []] },
      { id: 'catcher', type: 'catch', scope: ['batch'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ] as unknown as Parameters<typeof helper.load>[1]);
    const caught: Array<{ error: { message: string } }> = [];
    helper.getNode('caught').on('input', (m: unknown) => caught.push(m as { error: { message: string } }));
    helper.getNode('batch').receive({ payload: ORDER_NO });
    await eventually(() => caught.length === 1, 'the refusal');
    assert.match(caught[0].error.message, /batch-record has no bridge store configured\./);
    assert.equal(
      batchDesks().some((d) => d.nodeId === 'batch'),
      false,
    );
  });
});
