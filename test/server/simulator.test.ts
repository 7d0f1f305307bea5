import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlantSimulator, demoCodeTable, demoCodeTableCsv, type PlantSimulator, type ProductionOrder, type WorkOrder } from '../../server/simulator/plant-simulator';
import { validate } from '../../nodes/lib/validation';

const PLANT_NOW = new Date('2026-11-20T10:00:00+08:00');
const ERP_AUTH = `Basic ${Buffer.from('erp-bridge:demo-erp-pass').toString('base64')}`;
const MES_AUTH = 'Bearer demo-mes-token';

function ordersUrl(sim: PlantSimulator, query: Record<string, string | number> = {}): string {
  const params = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  return `${sim.erpUrl}/production-orders${params.size ? `?${params}` : ''}`;
}

async function getOrders(sim: PlantSimulator, query: Record<string, string | number> = {}) {
  const res = await fetch(ordersUrl(sim, query), { headers: { authorization: ERP_AUTH } });
  return { status: res.status, body: (await res.json()) as { items: ProductionOrder[]; offset: number; limit: number; total: number; error?: string } };
}

function byWatermark(a: ProductionOrder, b: ProductionOrder): number {
  return Date.parse(a.updatedAt) - Date.parse(b.updatedAt) || (a.orderNo < b.orderNo ? -1 : a.orderNo > b.orderNo ? 1 : 0);
}

const codeOf = (table: string, erp: string) => demoCodeTable.find((e) => e.table === table && e.erp === erp)?.mes;

/** What plan sync would send the MES for a seeded order, mapped through the demo code table. */
function workOrderFor(order: ProductionOrder, revision = order.revision): WorkOrder {
  return {
    workOrderNo: order.orderNo,
    source: { system: 'erp', orderNo: order.orderNo, revision, updatedAt: order.updatedAt },
    status: order.status,
    materialCode: codeOf('material', order.productCode) ?? order.productCode,
    productName: order.productName,
    plannedQty: order.quantity,
    unit: codeOf('unit', order.unit) ?? order.unit,
    dueDate: order.dueDate,
    priority: order.priority,
    site: codeOf('plant', order.plant) ?? order.plant,
    operations: order.operations.map((op) => ({
      sequence: op.opNo,
      operationCode: codeOf('operation', op.opCode) ?? op.opCode,
      equipmentCode: codeOf('equipment', op.workCentre) ?? op.workCentre,
      plannedStart: op.plannedStart,
      plannedEnd: op.plannedEnd,
      stdSecondsPerUnit: op.stdTimePerUnitSec,
    })),
    materials: order.bom.map((line) => ({
      materialCode: codeOf('material', line.materialCode) ?? line.materialCode,
      qtyPer: line.qtyPer,
      requiredQty: line.qtyPer * order.quantity,
      unit: codeOf('unit', line.unit) ?? line.unit,
      issueTolerancePct: line.issueTolerancePct ?? 0,
    })),
  };
}

async function postWorkOrder(sim: PlantSimulator, body: unknown, auth = MES_AUTH) {
  const res = await fetch(`${sim.mesUrl}/work-orders`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('plant simulator: ERP production orders API', () => {
  let sim: PlantSimulator;
  let clock = PLANT_NOW;
  before(async () => {
    sim = await startPlantSimulator({ now: () => clock });
  });
  after(() => sim.close());

  it('pages through every order with a stable total, sorted by updatedAt then orderNo', async () => {
    const seen: ProductionOrder[] = [];
    for (let offset = 0; ; offset += 10) {
      const { status, body } = await getOrders(sim, { offset, limit: 10 });
      assert.equal(status, 200);
      assert.equal(body.total, 24);
      assert.equal(body.offset, offset);
      assert.equal(body.limit, 10);
      seen.push(...body.items);
      if (body.items.length < 10) break;
    }
    assert.equal(seen.length, 24);
    assert.deepEqual(
      seen.map((o) => o.orderNo),
      [...seen].sort(byWatermark).map((o) => o.orderNo),
    );
    assert.equal(new Set(seen.map((o) => o.orderNo)).size, 24);
    const whole = await getOrders(sim);
    assert.equal(whole.body.limit, 100, 'limit defaults to 100');
    assert.deepEqual(whole.body.items, seen);
  });

  it('updatedSince is inclusive, so every order sharing the watermark second comes back', async () => {
    const orders = sim.erp.orders();
    const counts = new Map<string, number>();
    for (const o of orders) counts.set(o.updatedAt, (counts.get(o.updatedAt) ?? 0) + 1);
    const tied = [...counts.entries()]
      .filter(([, n]) => n > 1)
      .map(([at]) => at)
      .sort((a, b) => Date.parse(b) - Date.parse(a));
    assert.ok(tied.length > 0, 'the seed has orders sharing one updatedAt');
    const watermark = tied[0];
    const expected = orders
      .filter((o) => Date.parse(o.updatedAt) >= Date.parse(watermark))
      .sort(byWatermark)
      .map((o) => o.orderNo);

    const inclusive = await getOrders(sim, { updatedSince: watermark });
    assert.deepEqual(
      inclusive.body.items.map((o) => o.orderNo),
      expected,
    );
    assert.equal(inclusive.body.total, expected.length);
    assert.ok(inclusive.body.items.filter((o) => o.updatedAt === watermark).length >= 2);

    const sameInstantUtc = await getOrders(sim, { updatedSince: new Date(watermark).toISOString() });
    assert.deepEqual(
      sameInstantUtc.body.items.map((o) => o.orderNo),
      expected,
    );

    // A client that forgets to encode '+' sends a space; the ERP still reads it as the +08:00 offset.
    const unencoded = await fetch(`${sim.erpUrl}/production-orders?updatedSince=${watermark}`, { headers: { authorization: ERP_AUTH } });
    assert.deepEqual(
      ((await unencoded.json()) as { items: ProductionOrder[] }).items.map((o) => o.orderNo),
      expected,
    );

    const oneSecondLater = await getOrders(sim, { updatedSince: new Date(Date.parse(watermark) + 1000).toISOString() });
    assert.ok(oneSecondLater.body.items.every((o) => o.updatedAt !== watermark));
    assert.equal(oneSecondLater.body.total, expected.length - counts.get(watermark)!);
  });

  it('answers 400 with a sentence naming the bad query parameter', async () => {
    const cases: Array<[Record<string, string | number>, RegExp]> = [
      [{ limit: 0 }, /limit must be an integer from 1 to 1000; got "0"/],
      [{ limit: 1001 }, /limit must be an integer from 1 to 1000/],
      [{ offset: -1 }, /offset must be an integer ≥ 0; got "-1"/],
      [{ offset: 'ten' }, /offset/],
      [{ updatedSince: 'yesterday' }, /updatedSince must be an ISO 8601 date-time with a time zone.*"yesterday"/],
      [{ updatedSince: '2026-11-20T08:30:00' }, /updatedSince must be an ISO 8601 date-time with a time zone/],
    ];
    for (const [query, message] of cases) {
      const { status, body } = await getOrders(sim, query);
      assert.equal(status, 400, JSON.stringify(query));
      assert.match(body.error ?? '', message);
    }
  });

  it('refuses missing or wrong credentials with 401, a Basic challenge and a JSON error', async () => {
    const wrong = `Basic ${Buffer.from('erp-bridge:guess').toString('base64')}`;
    for (const headers of [{}, { authorization: wrong }, { authorization: MES_AUTH }] as Array<Record<string, string>>) {
      const res = await fetch(ordersUrl(sim), { headers });
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), 'Basic realm="ERP"');
      const body = (await res.json()) as { error: string };
      assert.match(body.error, /ERP/);
    }
  });

  it('a changed order gets revision + 1 and updatedAt = now, and is served after that watermark', async () => {
    const before = sim.erp.order('MO-2026-0003')!;
    assert.deepEqual(sim.erp.upsertOrder(before), before, 'saving identical content changes nothing');

    clock = new Date('2026-11-20T10:15:42.678+08:00');
    const saved = sim.erp.upsertOrder({ ...before, quantity: before.quantity + 500 });
    assert.equal(saved.revision, before.revision + 1);
    assert.equal(saved.updatedAt, '2026-11-20T10:15:42+08:00');
    assert.deepEqual(sim.erp.order('MO-2026-0003'), saved);

    const since = await getOrders(sim, { updatedSince: '2026-11-20T10:15:42+08:00' });
    assert.deepEqual(
      since.body.items.map((o) => [o.orderNo, o.revision, o.quantity]),
      [['MO-2026-0003', saved.revision, before.quantity + 500]],
    );

    const overHttp = await fetch(`${sim.url}/erp/_sim/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...saved, priority: saved.priority === 1 ? 2 : 1 }),
    });
    assert.equal(overHttp.status, 200);
    assert.equal(((await overHttp.json()) as ProductionOrder).revision, saved.revision + 1);
  });

  it('upsertOrder refuses an order that breaks the schema, naming the field', async () => {
    const order = sim.erp.order('MO-2026-0004')!;
    assert.throws(() => sim.erp.upsertOrder({ ...order, priority: 0 }), /MO-2026-0004 was not stored: order\.priority/);
    const res = await fetch(`${sim.url}/erp/_sim/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...order, unit: '' }) });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: string }).error, /order\.unit/);
  });

  it('addRawOrder serves an item as-is, even one that violates the schema', async () => {
    const broken = structuredClone(sim.erp.order('MO-2026-0002')!) as unknown as Record<string, unknown>;
    (broken.operations as Array<Record<string, unknown>>)[1].workCentre = 42;
    broken.orderNo = 'MO-2026-9001';
    broken.updatedAt = '2026-11-20T11:00:00+08:00';
    sim.erp.addRawOrder(broken);
    const { body } = await getOrders(sim, { updatedSince: '2026-11-20T11:00:00+08:00' });
    assert.equal(body.items.length, 1);
    assert.equal((body.items[0].operations[1] as unknown as { workCentre: unknown }).workCentre, 42);
    const check = validate('production-order', body.items[0]);
    assert.equal(check.ok, false);
    assert.match(check.ok ? '' : check.message, /payload\.operations\[1\]\.workCentre must be a string/);
  });
});

describe('plant simulator: ERP fault injection', () => {
  let sim: PlantSimulator;
  before(async () => {
    sim = await startPlantSimulator({ seedOrders: 6, now: () => PLANT_NOW });
  });
  after(() => sim.close());

  it("'status' answers the given HTTP status with a JSON error for the next `times` requests, then recovers", async () => {
    const count = sim.erp.requestCount;
    sim.erp.injectFault({ kind: 'status', status: 503, times: 2 });
    for (let i = 0; i < 2; i++) {
      const res = await fetch(ordersUrl(sim), { headers: { authorization: ERP_AUTH } });
      assert.equal(res.status, 503);
      assert.match(((await res.json()) as { error: string }).error, /503/);
    }
    assert.equal((await getOrders(sim)).status, 200);
    assert.equal(sim.erp.requestCount, count + 3);
  });

  it("'timeout' holds the request until the client gives up, and the next request is answered", async () => {
    sim.erp.injectFault({ kind: 'timeout' });
    await assert.rejects(fetch(ordersUrl(sim), { headers: { authorization: ERP_AUTH }, signal: AbortSignal.timeout(200) }), { name: 'TimeoutError' });
    assert.equal((await getOrders(sim)).status, 200);
  });

  it("'malformed' answers 200 with a truncated JSON body", async () => {
    sim.erp.injectFault({ kind: 'malformed' });
    const res = await fetch(ordersUrl(sim), { headers: { authorization: ERP_AUTH } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const text = await res.text();
    assert.ok(text.startsWith('{"items":['));
    assert.throws(() => JSON.parse(text), SyntaxError);
  });

  it("'reset' destroys the connection so the client sees a network error", async () => {
    const count = sim.erp.requestCount;
    sim.erp.injectFault({ kind: 'reset' });
    await assert.rejects(fetch(ordersUrl(sim), { headers: { authorization: ERP_AUTH } }), TypeError);
    assert.equal(sim.erp.requestCount, count + 1);
    assert.equal((await getOrders(sim)).status, 200);
  });

  it('faults can be armed and cleared over HTTP', async () => {
    const armed = await fetch(`${sim.url}/erp/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'status', status: 500, times: 3 }) });
    assert.equal(armed.status, 200);
    assert.equal((await getOrders(sim)).status, 500);
    assert.equal((await fetch(`${sim.url}/erp/_sim/faults`, { method: 'DELETE' })).status, 200);
    assert.equal((await getOrders(sim)).status, 200);
    const bad = await fetch(`${sim.url}/erp/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'flaky' }) });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /fault\.kind must be one of/);
  });

  it('close() releases a request held by a timeout fault', async () => {
    const own = await startPlantSimulator({ seedOrders: 1 });
    own.erp.injectFault({ kind: 'timeout', times: 1 });
    const held = fetch(ordersUrl(own), { headers: { authorization: ERP_AUTH } });
    // The fault is consumed when the request arrives; wait for that, not for a fixed time.
    while (own.erp.requestCount === 0) await new Promise((r) => setImmediate(r));
    await own.close();
    await assert.rejects(held, TypeError);
  });
});

describe('plant simulator: MES work orders API', () => {
  let sim: PlantSimulator;
  before(async () => {
    sim = await startPlantSimulator({ seedOrders: 4, now: () => PLANT_NOW });
  });
  after(() => sim.close());

  it('refuses a request without the bearer token with 401', async () => {
    const order = sim.erp.order('MO-2026-0001')!;
    assert.equal((await postWorkOrder(sim, workOrderFor(order), 'Bearer wrong')).status, 401);
    const list = await fetch(`${sim.mesUrl}/work-orders`);
    assert.equal(list.status, 401);
    assert.match(((await list.json()) as { error: string }).error, /Bearer/);
  });

  it('answers 400 naming the field when a work order breaks the schema, and for unparseable JSON', async () => {
    const wo = workOrderFor(sim.erp.order('MO-2026-0001')!) as unknown as { operations: Array<Record<string, unknown>> };
    wo.operations[0].equipmentCode = 42;
    const invalid = await postWorkOrder(sim, wo);
    assert.equal(invalid.status, 400);
    assert.match(String(invalid.body.error), /payload\.operations\[0\]\.equipmentCode must be a string/);

    const garbled = await postWorkOrder(sim, '{"workOrderNo": "MO-2026-0001",');
    assert.equal(garbled.status, 400);
    assert.match(String(garbled.body.error), /not valid JSON/);
    assert.deepEqual(sim.mes.received(), []);
  });

  it('refuses a body over 5 MB with 413 and a non-JSON body with 415', async () => {
    const huge = await postWorkOrder(sim, JSON.stringify({ padding: 'x'.repeat(5 * 1024 * 1024 + 10) }));
    assert.equal(huge.status, 413);
    assert.match(String(huge.body.error), /larger than the 5 MB limit/);
    const res = await fetch(`${sim.mesUrl}/work-orders`, { method: 'POST', headers: { authorization: MES_AUTH, 'content-type': 'text/plain' }, body: 'MO-2026-0001' });
    assert.equal(res.status, 415);
    assert.match(((await res.json()) as { error: string }).error, /application\/json/);
  });

  it('is idempotent by work order no + revision: 201 created, 200 duplicate, 200 updated, 409 older', async () => {
    sim.mes.reset();
    const order = sim.erp.order('MO-2026-0002')!;
    const first = await postWorkOrder(sim, workOrderFor(order, 3));
    assert.equal(first.status, 201);
    assert.equal(first.body.status, 'created');
    const again = await postWorkOrder(sim, workOrderFor(order, 3));
    assert.equal(again.status, 200);
    assert.equal(again.body.status, 'duplicate');
    const newer = await postWorkOrder(sim, workOrderFor(order, 4));
    assert.equal(newer.status, 200);
    assert.equal(newer.body.status, 'updated');
    const older = await postWorkOrder(sim, workOrderFor(order, 2));
    assert.equal(older.status, 409);
    assert.match(String(older.body.error), /MO-2026-0002 revision 2 is older than revision 4/);

    assert.deepEqual(
      sim.mes.received().map((r) => [r.outcome, r.duplicate, r.workOrder.source.revision]),
      [
        ['created', false, 3],
        ['duplicate', true, 3],
        ['updated', false, 4],
      ],
    );
    assert.deepEqual(
      sim.mes.workOrders().map((w) => [w.workOrderNo, w.source.revision]),
      [['MO-2026-0002', 4]],
    );
    const listed = await fetch(`${sim.mesUrl}/work-orders`, { headers: { authorization: MES_AUTH } });
    assert.deepEqual(((await listed.json()) as { items: WorkOrder[] }).items, sim.mes.workOrders());
    const overHttp = await fetch(`${sim.url}/mes/_sim/received`);
    assert.equal(((await overHttp.json()) as { items: unknown[] }).items.length, 3);
  });

  it('pages its work-order list with the total, refuses a bad page size, and forgets its orders on command', async () => {
    sim.mes.reset();
    for (const no of ['MO-2026-0001', 'MO-2026-0002', 'MO-2026-0003']) assert.equal((await postWorkOrder(sim, workOrderFor(sim.erp.order(no)!))).status, 201);
    const page = async (query: string) => {
      const res = await fetch(`${sim.mesUrl}/work-orders?${query}`, { headers: { authorization: MES_AUTH } });
      return { status: res.status, body: (await res.json()) as { items?: WorkOrder[]; page?: number; pageSize?: number; total?: number; error?: string } };
    };
    const second = await page('page=2&pageSize=2');
    assert.deepEqual([second.body.page, second.body.pageSize, second.body.total], [2, 2, 3]);
    assert.deepEqual(
      second.body.items!.map((w) => w.workOrderNo),
      ['MO-2026-0003'],
    );
    const bad = await page('pageSize=0');
    assert.equal(bad.status, 400);
    assert.match(bad.body.error!, /pageSize must be a whole number from 1 to 500/);

    const forgot = await fetch(`${sim.url}/mes/_sim/forget-work-orders`, { method: 'POST' });
    assert.deepEqual(await forgot.json(), { status: 'forgotten', forgotten: 3 });
    assert.deepEqual(sim.mes.workOrders(), []);
    assert.equal(sim.mes.received().length, 3, 'the MES keeps its log of what it received');
  });

  it('waitFor resolves when the received list satisfies the predicate, and rejects when it never does', async () => {
    assert.equal((await fetch(`${sim.url}/mes/_sim/reset`, { method: 'POST' })).status, 200);
    assert.deepEqual(sim.mes.received(), []);
    const arrived = sim.mes.waitFor((list) => list.some((r) => r.workOrder.workOrderNo === 'MO-2026-0003'), 5000);
    await postWorkOrder(sim, workOrderFor(sim.erp.order('MO-2026-0001')!));
    await postWorkOrder(sim, workOrderFor(sim.erp.order('MO-2026-0003')!));
    const list = await arrived;
    assert.deepEqual(
      list.map((r) => r.workOrder.workOrderNo),
      ['MO-2026-0001', 'MO-2026-0003'],
    );

    await assert.rejects(
      sim.mes.waitFor((l) => l.length > 10, 50),
      /did not receive the expected work orders within 50 ms \(2 received\)/,
    );
  });
});

describe('plant simulator: seed, demo master data and live changes', () => {
  it('seeds the same orders every time for the same plant day', async () => {
    const a = await startPlantSimulator({ now: () => PLANT_NOW });
    const b = await startPlantSimulator({ now: () => new Date('2026-11-20T23:59:59+08:00') });
    try {
      assert.equal(a.erp.orders().length, 24);
      assert.deepEqual(a.erp.orders(), b.erp.orders());
      assert.deepEqual(
        a.erp
          .orders()
          .map((o) => o.orderNo)
          .slice(0, 2),
        ['MO-2026-0001', 'MO-2026-0002'],
      );
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('every seeded order passes the production-order schema and has the plant shape the demo needs', async () => {
    const sim = await startPlantSimulator({ now: () => PLANT_NOW });
    try {
      for (const order of sim.erp.orders()) {
        const check = validate('production-order', order);
        assert.ok(check.ok, `${order.orderNo}: ${check.ok ? '' : check.message}`);
        assert.ok(order.operations.length >= 4 && order.operations.length <= 6, `${order.orderNo} has 4–6 operations`);
        assert.ok(order.bom.length >= 3 && order.bom.length <= 5, `${order.orderNo} has 3–5 BOM lines`);
        assert.deepEqual(
          order.operations.map((op) => op.opNo),
          order.operations.map((_, i) => String((i + 1) * 10).padStart(4, '0')),
        );
        for (let i = 1; i < order.operations.length; i++) assert.equal(order.operations[i].plannedStart, order.operations[i - 1].plannedEnd);
        assert.ok(Date.parse(order.dueDate) > PLANT_NOW.getTime(), `${order.orderNo} is due in the future`);
        assert.match(order.updatedAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
      }
      const statuses = new Set(sim.erp.orders().map((o) => o.status));
      assert.deepEqual([...statuses].sort(), ['created', 'released']);
    } finally {
      await sim.close();
    }
  });

  it('every seeded ERP code has a demo code table entry except WC-OLD09, used only by the last order', async () => {
    const sim = await startPlantSimulator({ now: () => PLANT_NOW });
    try {
      const orders = sim.erp.orders();
      const missing = new Set<string>();
      const need = (table: string, erp: string) => codeOf(table, erp) === undefined && missing.add(`${table}:${erp}`);
      for (const o of orders) {
        need('plant', o.plant);
        need('material', o.productCode);
        need('unit', o.unit);
        for (const op of o.operations) {
          need('operation', op.opCode);
          need('equipment', op.workCentre);
        }
        for (const line of o.bom) {
          need('material', line.materialCode);
          need('unit', line.unit);
        }
      }
      assert.deepEqual([...missing], ['equipment:WC-OLD09']);
      const usingOld = orders.filter((o) => o.operations.some((op) => op.workCentre === 'WC-OLD09')).map((o) => o.orderNo);
      assert.deepEqual(usingOld, ['MO-2026-0024']);
      const csv = demoCodeTableCsv().split('\n');
      assert.equal(csv[0], 'table,erp,mes,description');
      assert.ok(csv.includes('equipment,WC-STER,EQ-ETO-01,环氧乙烷灭菌柜'));
      assert.equal(csv.filter(Boolean).length, demoCodeTable.length + 1);
    } finally {
      await sim.close();
    }
  });

  it('live changes revise a released order or release a new one on every tick', async () => {
    const sim = await startPlantSimulator({ seedOrders: 5, now: () => PLANT_NOW });
    try {
      const before = new Map(sim.erp.orders().map((o) => [o.orderNo, o]));
      const kinds = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const change = sim.erp.liveChange();
        kinds.add(change.kind);
        const order = sim.erp.order(change.orderNo)!;
        assert.equal(order.revision, change.revision);
        assert.equal(order.updatedAt, '2026-11-20T10:00:00+08:00');
        assert.ok(validate('production-order', order).ok);
        const previous = before.get(change.orderNo);
        if (change.kind === 'released') {
          assert.equal(previous, undefined);
          assert.equal(change.revision, 0);
          assert.equal(order.status, 'released');
        } else {
          assert.equal(change.revision, previous!.revision + 1);
          assert.ok(order.quantity !== previous!.quantity || order.dueDate !== previous!.dueDate, 'a revision changes quantity or due date');
        }
        before.set(change.orderNo, order);
      }
      assert.deepEqual([...kinds].sort(), ['released', 'revised']);
    } finally {
      await sim.close();
    }
  });

  it('with liveChangesEveryMs set, a timer makes live changes on its own', async () => {
    let seen!: () => void;
    const firstChange = new Promise<void>((resolve) => (seen = resolve));
    const sim = await startPlantSimulator({ seedOrders: 3, liveChangesEveryMs: 10, onLiveChange: () => seen() });
    try {
      await firstChange;
      assert.ok(sim.erp.orders().some((o) => o.revision > 0 || o.orderNo > 'MO-2026-0003'));
    } finally {
      await sim.close();
    }
  });
});
