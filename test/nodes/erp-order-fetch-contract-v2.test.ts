// Contract v2 end to end in a real Node-RED runtime: orders the v1 contract refused (no due date, no
// operations, held, a date-only due date, a plant's own fields) go from the simulated ERP through
// erp-order-fetch and a core http request node into the simulated MES.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import helper from 'node-red-node-test-helper';
import { usePlantFixture } from '../support/plant-fixture';
import { eventually } from '../support/temp';

helper.init(require.resolve('node-red'));

const nodes = [
  require('../../nodes/bridge-store/bridge-store'),
  require('../../nodes/erp-endpoint/erp-endpoint'),
  require('../../nodes/erp-order-fetch/erp-order-fetch'),
  require('@node-red/nodes/core/function/15-change'),
  require('@node-red/nodes/core/network/21-httprequest'),
  require('@node-red/nodes/core/common/25-catch'),
];

describe('erp-order-fetch with work-order contract v2', () => {
  const plant = usePlantFixture(3);

  function flow(output = 'work-order') {
    return [
      { id: 'tab', type: 'tab' },
      { id: 'store', type: 'bridge-store', z: 'tab', file: join(plant.dir.path, 'bridge.sqlite') },
      {
        id: 'erp',
        type: 'erp-endpoint',
        z: 'tab',
        name: 'Demo ERP',
        baseUrl: plant.sim.erpUrl,
        baseUrlType: 'str',
        authType: 'basic',
        username: 'erp-bridge',
        usernameType: 'str',
        timeoutSec: 5,
        retryBaseSec: 0.05,
        retryMaxSec: 0.2,
      },
      { id: 'fetch', type: 'erp-order-fetch', z: 'tab', endpoint: 'erp', store: 'store', intervalMin: 0, pageSize: 10, fetchOnStart: false, output, wires: [['auth'], ['parked']] },
      {
        id: 'auth',
        type: 'change',
        z: 'tab',
        rules: [{ t: 'set', p: 'headers', pt: 'msg', to: '{"authorization":"Bearer demo-mes-token","content-type":"application/json"}', tot: 'json' }],
        wires: [['post']],
      },
      { id: 'post', type: 'http request', z: 'tab', method: 'POST', ret: 'obj', url: `${plant.sim.mesUrl}/work-orders`, wires: [['answers']] },
      { id: 'answers', type: 'helper', z: 'tab' },
      { id: 'parked', type: 'helper', z: 'tab' },
      { id: 'catcher', type: 'catch', z: 'tab', scope: ['fetch'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab' },
    ];
  }

  it('delivers orders without a due date, without operations, held and with a date-only due date to the MES as v2', async () => {
    const template = plant.sim.erp.orders()[0];
    const { dueDate: _d, ...undated } = structuredClone(template);
    plant.sim.erp.addRawOrder({
      ...undated,
      orderNo: 'MO-2026-0900',
      orderKey: '9001',
      status: 'held',
      producedQty: 1200,
      scrapQty: 3,
      processLossQty: 0.5,
      operations: [],
      extensions: { custom_customer_po: 'PO-7781', cleanroom: { class: 'ISO 7' } },
    });
    plant.sim.erp.addRawOrder({ ...structuredClone(template), orderNo: 'MO-2026-0901', dueDate: '2026-12-05', predecessor: { orderNo: 'MO-2026-0900', orderKey: '9001', relation: 'split' } });

    await helper.load(nodes, flow(), { erp: { password: 'demo-erp-pass' } });
    const answers: Array<{ statusCode: number; payload: unknown }> = [];
    const caught: unknown[] = [];
    helper.getNode('answers').on('input', (msg: unknown) => answers.push(msg as { statusCode: number; payload: unknown }));
    helper.getNode('caught').on('input', (msg: unknown) => caught.push(msg));
    helper.getNode('fetch').receive({});

    await eventually(() => answers.length === 5, 'five MES answers (3 seeded orders and 2 added)', 30_000);
    assert.deepEqual(caught, [], 'no order is refused');
    assert.deepEqual(
      answers.map((a) => a.statusCode),
      [201, 201, 201, 201, 201],
      JSON.stringify(answers.map((a) => a.payload)),
    );

    const held = plant.sim.mes.workOrder('MO-2026-0900')!;
    assert.equal(held.contractVersion, 2);
    assert.equal(held.dueDate, undefined);
    assert.deepEqual(held.operations, []);
    assert.deepEqual([held.status, held.producedQty, held.scrapQty, held.processLossQty, held.source.orderKey], ['held', 1200, 3, 0.5, '9001']);
    assert.deepEqual(held.extensions, { custom_customer_po: 'PO-7781', cleanroom: { class: 'ISO 7' } });

    const split = plant.sim.mes.workOrder('MO-2026-0901')!;
    assert.equal(split.dueDate, '2026-12-05');
    assert.deepEqual(split.predecessor, { orderNo: 'MO-2026-0900', orderKey: '9001', relation: 'split' });
    assert.ok(
      plant.sim.mes.received().every((r) => r.contractVersion === 2),
      'erp-order-fetch sends contract v2',
    );
  });

  it('for an MES still on v1, sends v1 work orders and parks an order v1 cannot express, with the reason in Catch and the parked list', async () => {
    const template = plant.sim.erp.orders()[0];
    const { dueDate: _d, ...undated } = structuredClone(template);
    plant.sim.erp.addRawOrder({ ...undated, orderNo: 'MO-2026-0900', operations: [] });
    plant.sim.erp.addRawOrder({ ...structuredClone(template), orderNo: 'MO-2026-0901', status: 'running', orderKey: '77', producedQty: 10 });

    await helper.load(nodes, flow('work-order-v1'), { erp: { password: 'demo-erp-pass' } });
    const answers: Array<{ statusCode: number }> = [];
    const caught: Array<{ error: { message: string }; payload: { orderNo: string } }> = [];
    helper.getNode('answers').on('input', (msg: unknown) => answers.push(msg as { statusCode: number }));
    helper.getNode('caught').on('input', (msg: unknown) => caught.push(msg as (typeof caught)[number]));
    helper.getNode('fetch').receive({});

    await eventually(() => answers.length === 4 && caught.length === 1, 'four MES answers and one refusal', 30_000);
    assert.deepEqual(
      answers.map((a) => a.statusCode),
      [201, 201, 201, 201],
    );
    assert.match(caught[0].error.message, /work order MO-2026-0900 cannot be sent as contract version 1: it has no due date, which v1 requires; choose contract version 2/);
    assert.equal(caught[0].payload.orderNo, 'MO-2026-0900');
    const listed = new Promise<{ payload: Array<{ key: string; reason: string }> }>((resolve) => helper.getNode('parked').once('input', resolve));
    helper.getNode('fetch').receive({ topic: 'parked' });
    const parked = (await listed).payload;
    assert.deepEqual(
      parked.map((p) => p.key),
      ['MO-2026-0900'],
    );
    assert.match(parked[0].reason, /it has no due date, which v1 requires/);
    assert.ok(
      plant.sim.mes.received().every((r) => r.contractVersion === 1),
      'every order went as v1',
    );
    const running = plant.sim.mes.workOrder('MO-2026-0901')!;
    assert.deepEqual([running.status, running.producedQty, running.source.orderKey], ['released', undefined, undefined], 'v1 calls an order in process released and has no v2 fields');
  });
});
