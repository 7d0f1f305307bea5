import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimulatedErp } from '../../server/simulator/erp';
import { createPrng } from '../../server/simulator/seed';
import { toPlantIso } from '../../server/simulator/plant-time';
import { createSapDialect, type SapDialect, type SapDialectOptions } from '../../server/simulator/dialects/sap';
import { validate } from '../../nodes/lib/validation';

type Rec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const AUTH = `Basic ${Buffer.from('erp-bridge:demo-erp-pass').toString('base64')}`;
const START = Date.parse('2026-11-20T10:00:00+08:00');

let clock = START;
let erp: SimulatedErp;
let dialect: SapDialect;
let server: Server;
let root: string; // …/sap/opu/odata/sap

async function start(options: SapDialectOptions = {}): Promise<void> {
  clock = START;
  const now = () => new Date(clock);
  erp = new SimulatedErp({ user: 'erp-bridge', password: 'demo-erp-pass', seedOrders: 250, now, rng: createPrng(20261010) });
  dialect = createSapDialect(erp, { now, ...options });
  const app = express();
  app.use('/sap', dialect.router);
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  root = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sap/opu/odata/sap`;
}

async function stop(): Promise<void> {
  dialect.close();
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
}

const ORDERS = () => `${root}/API_PRODUCTION_ORDER_2_SRV/A_ProductionOrder_2`;
const CONFIRMATIONS = () => `${root}/API_PROD_ORDER_CONFIRMATION_2_SRV/ProdnOrdConf2`;

async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Rec; headers: Headers }> {
  const res = await fetch(url, { headers: { authorization: AUTH, accept: 'application/json', ...headers } });
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : { text }, headers: res.headers };
}

function ts14(iso: string): string {
  return new Date(Date.parse(iso)).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** What the product's preset mapping has to do with SAP's fields to get our production-order back. */
function fromSap(o: Rec): Rec {
  const at = (date: string, time: string) => {
    const [h, m, s] = /^PT(\d+)H(\d+)M(\d+)S$/.exec(time)!.slice(1).map(Number);
    return toPlantIso(Number(/-?\d+/.exec(date)![0]) + ((h * 60 + m) * 60 + s) * 1000 - 8 * 3600_000);
  };
  const c = o.LastChangeDateTime as string;
  const status = o.OrderIsMarkedForDeletion ? 'cancelled' : o.OrderIsClosed ? 'closed' : o.OrderIsTechnicallyCompleted ? 'completed' : o.OrderIsReleased ? 'released' : 'created';
  return {
    orderNo: o.ManufacturingOrder,
    revision: 0,
    status,
    productCode: o.Material,
    quantity: Number(o.TotalQuantity),
    unit: o.ProductionUnit,
    dueDate: at(o.MfgOrderPlannedEndDate, o.MfgOrderPlannedEndTime),
    // An unset CHAR(1) comes as "": the integrator's default priority (5 here) stands in.
    priority: o.ManufacturingOrderImportance === '' ? 5 : Number(o.ManufacturingOrderImportance),
    plant: o.ProductionPlant,
    operations: o.to_ProductionOrderOperation.results.map((op: Rec) => {
      const plannedStart = at(op.OpErlstSchedldExecStrtDte, op.OpErlstSchedldExecStrtTme);
      const plannedEnd = at(op.OpErlstSchedldExecEndDte, op.OpErlstSchedldExecEndTme);
      const text = op.MfgOrderOperationText as string;
      return {
        opNo: op.ManufacturingOrderOperation,
        opCode: text.split(' ')[0],
        description: text.slice(text.indexOf(' ') + 1),
        workCentre: op.WorkCenter,
        plannedStart,
        plannedEnd,
        stdTimePerUnitSec: (Date.parse(plannedEnd) - Date.parse(plannedStart)) / 1000 / Number(op.OpPlannedTotalQuantity),
      };
    }),
    bom: o.to_ProductionOrderComponent.results.map((b: Rec) => ({
      materialCode: b.Material,
      materialName: b.BOMItemDescription,
      qtyPer: Number(b.RequiredQuantity) / Number(o.TotalQuantity),
      unit: b.BaseUnit,
      opNo: b.ManufacturingOrderOperation,
    })),
    updatedAt: toPlantIso(Date.UTC(+c.slice(0, 4), +c.slice(4, 6) - 1, +c.slice(6, 8), +c.slice(8, 10), +c.slice(10, 12), +c.slice(12, 14))),
  };
}

async function fetchToken(headers: Record<string, string> = {}): Promise<{ token: string; cookie: string }> {
  const res = await fetch(`${root}/API_PROD_ORDER_CONFIRMATION_2_SRV/`, { method: 'HEAD', headers: { authorization: AUTH, 'x-csrf-token': 'Fetch', ...headers } });
  assert.equal(res.status, 200);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return { token: res.headers.get('x-csrf-token') ?? '', cookie };
}

async function postConfirmation(body: unknown, csrf: { token: string; cookie: string }, contentType = 'application/json') {
  const res = await fetch(CONFIRMATIONS(), {
    method: 'POST',
    headers: { authorization: AUTH, accept: 'application/json', 'content-type': contentType, 'x-csrf-token': csrf.token, cookie: csrf.cookie },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text.startsWith('{') ? JSON.parse(text) : { text }) as Rec };
}

const confirmation = (extra: Rec = {}) => ({
  OrderID: 'MO-2026-0001',
  OrderOperation: '0010',
  Sequence: '0',
  ConfirmationYieldQuantity: '480',
  ConfirmationScrapQuantity: '20',
  ConfirmationUnit: 'PCS',
  ExternalSystemConfirmation: '6f1c2a9e-3b7d-4c55-9a10-0b8e2f4d7c31',
  ...extra,
});

describe('SAP S/4HANA dialect: reading production orders (API_PRODUCTION_ORDER_2_SRV)', () => {
  beforeEach(() => start());
  afterEach(() => stop());

  it("refuses a request without or with wrong Basic credentials with SAP's 401 logon page", async () => {
    for (const headers of [{}, { authorization: `Basic ${Buffer.from('erp-bridge:wrong').toString('base64')}` }]) {
      const res = await fetch(ORDERS(), { headers: headers as Record<string, string> });
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Basic realm="SAP NetWeaver Application Server \[S4H\/100\]"/);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    }
    assert.equal((await getJson(`${ORDERS()}?$top=1`)).status, 200);
    assert.equal((await getJson(`${ORDERS()}?$top=1&sap-client=200`)).status, 401);
  });

  it('answers in Atom XML unless JSON is asked for with Accept or $format=json', async () => {
    const atom = await fetch(`${ORDERS()}?$top=1`, { headers: { authorization: AUTH } });
    assert.match(atom.headers.get('content-type') ?? '', /application\/atom\+xml/);
    assert.match(await atom.text(), /<d:ManufacturingOrder>MO-2026-0001<\/d:ManufacturingOrder>/);
    const json = await fetch(`${ORDERS()}?$top=1&$format=json`, { headers: { authorization: AUTH } });
    assert.equal(((await json.json()) as Rec).d.results[0].ManufacturingOrder, 'MO-2026-0001');
  });

  it('serves the OData v2 envelope: d.results, __count as a string, decimals as strings, /Date(ms)/, "X" flags, deferred navigation', async () => {
    const { status, body } = await getJson(`${ORDERS()}?$top=3&$inlinecount=allpages`);
    assert.equal(status, 200);
    assert.equal(body.d.__count, '250');
    assert.equal(body.d.results.length, 3);
    const first = body.d.results[0];
    const order = erp.order('MO-2026-0001')!;
    assert.equal(first.TotalQuantity, String(order.quantity));
    assert.match(first.MfgOrderPlannedEndDate, /^\/Date\(\d+\)\/$/);
    assert.match(first.MfgOrderPlannedEndTime, /^PT\d{2}H\d{2}M\d{2}S$/);
    assert.equal(first.OrderIsReleased, order.status === 'released' ? 'X' : '');
    assert.match(first.LastChangeDateTime, /^\d{14}$/);
    assert.match(first.to_ProductionOrderOperation.__deferred.uri, /A_ProductionOrder_2\('MO-2026-0001'\)\/to_ProductionOrderOperation$/);
    assert.equal(first.__metadata.type, 'API_PRODUCTION_ORDER_2_SRV.A_ProductionOrder_2Type');
    const created = body.d.results.find((r: Rec) => erp.order(r.ManufacturingOrder)!.status === 'created') ?? (await getJson(`${ORDERS()}('MO-2026-0006')`)).body.d;
    assert.equal(created.OrderIsCreated, 'X');
    assert.equal(created.OrderIsReleased, '');
  });

  it('maps all 250 orders with $expand of operations and components back to valid production orders', async () => {
    const { body } = await getJson(`${ORDERS()}?$expand=to_ProductionOrderOperation,to_ProductionOrderComponent`);
    assert.equal(body.d.results.length, 250);
    for (const sap of body.d.results) {
      const mapped = fromSap(sap);
      const check = validate('production-order', mapped);
      assert.ok(check.ok, check.ok ? '' : `${sap.ManufacturingOrder}: ${check.message}`);
      const { productName: _lostInSap, ...order } = erp.order(sap.ManufacturingOrder)!;
      assert.deepEqual(
        { ...mapped, revision: order.revision },
        {
          ...order,
          operations: order.operations.map(({ qcSpecRef: _q, ...op }) => op),
          bom: order.bom.map(({ issueTolerancePct: _t, ...line }) => line),
        } as Rec,
        sap.ManufacturingOrder,
      );
    }
  });

  it('stamps LastChangeDateTime in UTC and filters it with ge inclusive and gt exclusive, also after a later change', async () => {
    const orders = erp.orders();
    const newest = orders.reduce((a, b) => (Date.parse(b.updatedAt) > Date.parse(a.updatedAt) ? b : a));
    const watermark = ts14(newest.updatedAt);
    const atWatermark = orders
      .filter((o) => ts14(o.updatedAt) === watermark)
      .map((o) => o.orderNo)
      .sort();
    const ge = await getJson(`${ORDERS()}?$filter=${encodeURIComponent(`LastChangeDateTime ge '${watermark}'`)}&$select=ManufacturingOrder,LastChangeDateTime`);
    assert.deepEqual(
      ge.body.d.results.map((r: Rec) => r.ManufacturingOrder),
      atWatermark,
    );
    assert.equal(ge.body.d.results[0].LastChangeDateTime, watermark);
    const gt = await getJson(`${ORDERS()}?$filter=${encodeURIComponent(`LastChangeDateTime gt '${watermark}'`)}`);
    assert.deepEqual(gt.body.d.results, []);

    clock = Date.parse(newest.updatedAt) + 3600_000;
    const revised = erp.order('MO-2026-0042')!;
    revised.quantity += 500;
    erp.upsertOrder(revised);
    const after = await getJson(`${ORDERS()}?$filter=${encodeURIComponent(`LastChangeDateTime gt '${watermark}'`)}&$expand=to_ProductionOrderOperation`);
    assert.deepEqual(
      after.body.d.results.map((r: Rec) => r.ManufacturingOrder),
      ['MO-2026-0042'],
    );
    assert.equal(after.body.d.results[0].LastChangeDateTime, ts14(new Date(clock).toISOString()));
    assert.equal(after.body.d.results[0].LastChangeDateTime.slice(8, 10), String(new Date(clock).getUTCHours()).padStart(2, '0'), 'UTC, not plant time');
    assert.equal(after.body.d.results[0].TotalQuantity, String(revised.quantity));
  });

  it('pages 250 orders with $skip/$top and $orderby on the change time, the last page short, nothing twice', async () => {
    const seen: string[] = [];
    for (let skip = 0; ; skip += 100) {
      const { body } = await getJson(`${ORDERS()}?$orderby=LastChangeDateTime,ManufacturingOrder&$skip=${skip}&$top=100&$select=ManufacturingOrder,LastChangeDateTime`);
      seen.push(...body.d.results.map((r: Rec) => r.ManufacturingOrder));
      assert.equal(body.d.__next, undefined);
      if (body.d.results.length < 100) {
        assert.equal(body.d.results.length, 50);
        break;
      }
    }
    assert.equal(new Set(seen).size, 250);
    const expected = erp
      .orders()
      .sort((a, b) => Date.parse(a.updatedAt) - Date.parse(b.updatedAt) || (a.orderNo < b.orderNo ? -1 : 1))
      .map((o) => o.orderNo);
    assert.deepEqual(seen, expected);
  });

  it('serves operations and components as their own entity sets filtered by ManufacturingOrder, and $count as text', async () => {
    const ops = await getJson(`${root}/API_PRODUCTION_ORDER_2_SRV/A_ProductionOrderOperation_2?$filter=${encodeURIComponent("ManufacturingOrder eq 'MO-2026-0001'")}`);
    assert.deepEqual(
      ops.body.d.results.map((r: Rec) => r.WorkCenter),
      erp.order('MO-2026-0001')!.operations.map((o) => o.workCentre),
    );
    const nav = await getJson(`${ORDERS()}('MO-2026-0001')/to_ProductionOrderComponent`);
    assert.deepEqual(
      nav.body.d.results.map((r: Rec) => r.Material),
      erp.order('MO-2026-0001')!.bom.map((b) => b.materialCode),
    );
    const count = await fetch(`${ORDERS()}/$count?$filter=${encodeURIComponent("OrderIsReleased eq 'X'")}`, { headers: { authorization: AUTH } });
    assert.equal(await count.text(), String(erp.orders().filter((o) => o.status === 'released').length));
    const missing = await getJson(`${ORDERS()}('MO-2099-0001')`);
    assert.equal(missing.status, 404);
  });

  it('answers malformed or unsupported queries with the OData error envelope', async () => {
    const cases: Array<[string, number, RegExp]> = [
      [`$filter=${encodeURIComponent("LastChangeDateTime ge datetimeoffset'2026-11-19T00:00:00Z'")}`, 400, /Invalid parametertype used at function 'ge'/],
      [`$filter=${encodeURIComponent("LastChangeDateTime ge '2026-11-19 00:00:00'")}`, 400, /LastChangeDateTime/],
      [`$filter=${encodeURIComponent("ModifiedAt ge '20261119000000'")}`, 400, /Property ModifiedAt not found in type A_ProductionOrder_2Type/],
      [`$filter=${encodeURIComponent('LastChangeDateTime ge')}`, 400, /Invalid filter expression/],
      [`$filter=${encodeURIComponent("substringof('MO',ManufacturingOrder)")}`, 501, /substringof/],
      ['$top=-5', 400, /\$top/],
      ['$top=10&$top=20', 400, /more than once/],
      ['$limit=10', 400, /\$limit/],
      ['$inlinecount=yes', 400, /\$inlinecount/],
      ['$expand=to_Routing', 400, /to_Routing/],
      ['$orderby=Priority desc', 400, /Property Priority not found/],
    ];
    for (const [query, status, message] of cases) {
      const { status: got, body } = await getJson(`${ORDERS()}?${query}`);
      assert.equal(got, status, query);
      assert.match(body.error.message.value, message, query);
      assert.equal(body.error.message.lang, 'en');
      assert.equal(body.error.innererror.application.service_id, 'API_PRODUCTION_ORDER_2_SRV');
    }
  });

  it('fails the next pull only, as SAP fails: Gateway error JSON, the ICM HTML page, or a missing authorization', async () => {
    dialect.injectError('internal-error');
    const failed = await getJson(`${ORDERS()}?$top=1`);
    assert.equal(failed.status, 500);
    assert.equal(failed.body.error.code, 'SY/530');
    assert.equal(failed.body.error.message.value, 'An exception was raised');
    assert.equal((await getJson(`${ORDERS()}?$top=1`)).status, 200);
    dialect.injectError('service-unavailable');
    const down = await fetch(`${ORDERS()}?$top=1`, { headers: { authorization: AUTH, accept: 'application/json' } });
    assert.equal(down.status, 503);
    assert.match(down.headers.get('content-type') ?? '', /text\/html/);
    dialect.injectError('no-authorization');
    const denied = await getJson(`${ORDERS()}?$top=1`);
    assert.equal(denied.status, 403);
    assert.match(denied.body.error.message.value, /No authorization/);
    assert.throws(() => dialect.injectError('teapot'), /internal-error, service-unavailable, no-authorization/);
  });
});

describe('SAP S/4HANA dialect: server-driven paging', () => {
  beforeEach(() => start({ serverPageSize: 100 }));
  afterEach(() => stop());

  it('cuts an unbounded request at the server page size and links the rest with an opaque d.__next', async () => {
    const seen: string[] = [];
    let url: string | undefined = `${ORDERS()}?$inlinecount=allpages&$select=ManufacturingOrder`;
    let pages = 0;
    while (url) {
      const { body }: { body: Rec } = await getJson(url);
      assert.equal(body.d.__count, '250');
      seen.push(...body.d.results.map((r: Rec) => r.ManufacturingOrder));
      url = body.d.__next;
      pages++;
    }
    assert.equal(pages, 3);
    assert.deepEqual(
      seen,
      erp.orders().map((o) => o.orderNo),
    );
    const bounded = await getJson(`${ORDERS()}?$top=150&$select=ManufacturingOrder`);
    assert.equal(bounded.body.d.results.length, 100);
    const rest = await getJson(bounded.body.d.__next);
    assert.equal(rest.body.d.results.length, 50);
    assert.equal(rest.body.d.__next, undefined);
  });
});

describe('SAP S/4HANA dialect: confirmations with the CSRF token (API_PROD_ORDER_CONFIRMATION_2_SRV)', () => {
  beforeEach(() => start());
  afterEach(() => stop());

  it('refuses a write without a fetched token with 403 and x-csrf-token: Required', async () => {
    const res = await postConfirmation(confirmation(), { token: '', cookie: '' });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-csrf-token'), 'Required');
    assert.equal(res.body.text, 'CSRF token validation failed');
    const csrf = await fetchToken();
    const withoutCookie = await postConfirmation(confirmation(), { token: csrf.token, cookie: '' });
    assert.equal(withoutCookie.status, 403, 'the token is bound to the session cookie');
    assert.deepEqual(dialect.writes(), []);
  });

  it('stores a confirmation posted with token and cookie, and finds it again by ExternalSystemConfirmation', async () => {
    const csrf = await fetchToken();
    assert.match(csrf.cookie, /SAP_SESSIONID_S4H_100=/);
    const res = await postConfirmation(confirmation(), csrf);
    assert.equal(res.status, 201);
    assert.equal(res.body.d.OrderID, 'MO-2026-0001');
    assert.equal(res.body.d.ConfirmationYieldQuantity, '480');
    assert.equal(res.headers.get('location'), res.body.d.__metadata.uri);
    const writes = dialect.writes();
    assert.equal(writes.length, 1);
    assert.deepEqual(writes[0].body, confirmation());
    assert.equal(writes[0].id, `${res.body.d.ConfirmationGroup}/${res.body.d.ConfirmationCount}`);

    const filter = encodeURIComponent("OrderID eq 'MO-2026-0001' and ExternalSystemConfirmation eq guid'6f1c2a9e-3b7d-4c55-9a10-0b8e2f4d7c31'");
    const lookup = await getJson(`${CONFIRMATIONS()}?$filter=${filter}`);
    assert.equal(lookup.status, 200);
    assert.deepEqual(
      lookup.body.d.results.map((r: Rec) => [r.ConfirmationGroup, r.ConfirmationCount]),
      [[res.body.d.ConfirmationGroup, res.body.d.ConfirmationCount]],
    );
    const byKey = await getJson(res.body.d.__metadata.uri);
    assert.equal(byKey.body.d.ExternalSystemConfirmation, '6f1c2a9e-3b7d-4c55-9a10-0b8e2f4d7c31');

    const op = await getJson(`${ORDERS()}('MO-2026-0001')/to_ProductionOrderOperation?$filter=${encodeURIComponent("ManufacturingOrderOperation eq '0010'")}`);
    assert.equal(op.body.d.results[0].OpTotalConfirmedYieldQty, '480');
    assert.equal(op.body.d.results[0].OperationIsPartiallyConfirmed, 'X');
  });

  it('refuses a second confirmation with the same external key but stores repeated confirmations without one', async () => {
    const csrf = await fetchToken();
    assert.equal((await postConfirmation(confirmation(), csrf)).status, 201);
    const again = await postConfirmation(confirmation(), csrf);
    assert.equal(again.status, 400);
    assert.match(again.body.error.message.value, /external key 6f1c2a9e-3b7d-4c55-9a10-0b8e2f4d7c31 already exists/);
    const keyless = confirmation({ ExternalSystemConfirmation: undefined });
    assert.equal((await postConfirmation(keyless, csrf)).status, 201);
    assert.equal((await postConfirmation(keyless, csrf)).status, 201);
    const writes = dialect.writes();
    assert.equal(writes.length, 3);
    assert.deepEqual(writes[1].body, writes[2].body);
    assert.notEqual(writes[1].id, writes[2].id);
  });

  it('makes an expired or idle session fail with 403 Required until a new token is fetched', async () => {
    const csrf = await fetchToken();
    dialect.expireSessions();
    const expired = await postConfirmation(confirmation(), csrf);
    assert.equal(expired.status, 403);
    assert.equal(expired.headers.get('x-csrf-token'), 'Required');
    const fresh = await fetchToken();
    assert.notEqual(fresh.token, csrf.token);
    assert.equal((await postConfirmation(confirmation(), fresh)).status, 201);

    clock += 31 * 60_000;
    const idle = await postConfirmation(confirmation({ ExternalSystemConfirmation: '0a7e4a52-8f7b-4c7c-8d0d-4a7c1f2e9b10' }), fresh);
    assert.equal(idle.status, 403);
    assert.equal(dialect.writes().length, 1);
  });

  it('checks the confirmation like SAP: Edm types, order, operation, release status, unit, content type, JSON', async () => {
    const csrf = await fetchToken();
    const cases: Array<[unknown, number, RegExp]> = [
      [confirmation({ ConfirmationYieldQuantity: 480 }), 400, /Failed to read property 'ConfirmationYieldQuantity'/],
      [confirmation({ ExternalSystemConfirmation: 'MES-0001' }), 400, /ExternalSystemConfirmation/],
      [confirmation({ OrderID: 'MO-2099-0001' }), 400, /Order MO-2099-0001 does not exist/],
      [confirmation({ OrderOperation: '0990' }), 400, /Operation 0990 does not exist in order MO-2026-0001/],
      [confirmation({ OrderID: 'MO-2026-0006' }), 400, /not released \(status CRTD\)/],
      [confirmation({ ConfirmationUnit: 'KG' }), 400, /Unit KG cannot be converted/],
      [confirmation({ Shift: 'A' }), 400, /Property 'Shift' is invalid/],
      [confirmation({ OrderID: undefined }), 400, /OrderID/],
      ['{"OrderID": ', 400, /Malformed JSON/],
    ];
    assert.equal(erp.order('MO-2026-0006')!.status, 'created');
    for (const [body, status, message] of cases) {
      const res = await postConfirmation(body, csrf);
      assert.equal(res.status, status, JSON.stringify(body));
      assert.match(res.body.error.message.value, message, JSON.stringify(body));
    }
    const wrongType = await postConfirmation(confirmation(), csrf, 'text/plain');
    assert.equal(wrongType.status, 415);
    assert.deepEqual(dialect.writes(), []);
  });
});

describe('SAP S/4HANA dialect: change time as Edm.DateTimeOffset (the other SAP APIs)', () => {
  beforeEach(() => start({ changeTimeFormat: 'datetimeoffset' }));
  afterEach(() => stop());

  it('serves /Date(ms+0000)/ and filters with a datetimeoffset literal, refusing the 14-character string', async () => {
    const newest = erp.orders().reduce((a, b) => (Date.parse(b.updatedAt) > Date.parse(a.updatedAt) ? b : a));
    const iso = new Date(Date.parse(newest.updatedAt)).toISOString().slice(0, 19) + 'Z';
    const { body } = await getJson(`${ORDERS()}?$filter=${encodeURIComponent(`LastChangeDateTime ge datetimeoffset'${iso}'`)}`);
    assert.ok(body.d.results.length >= 1);
    assert.equal(body.d.results[0].LastChangeDateTime, `/Date(${Date.parse(newest.updatedAt)}+0000)/`);
    const refused = await getJson(`${ORDERS()}?$filter=${encodeURIComponent(`LastChangeDateTime ge '${ts14(newest.updatedAt)}'`)}`);
    assert.equal(refused.status, 400);
    assert.match(refused.body.error.message.value, /Invalid parametertype/);
  });
});
