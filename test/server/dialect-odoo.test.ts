import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimulatedErp } from '../../server/simulator/erp';
import { createPrng } from '../../server/simulator/seed';
import { createOdooDialect } from '../../server/simulator/dialects/odoo';
import { validate } from '../../nodes/lib/validation';
import type { ProductionOrder } from '../../server/simulator/types';

const DB = 'plant1010';
const LOGIN = 'mes-bridge';
const PASSWORD = 'demo-odoo-pass';
const API_KEY = 'demo-odoo-api-key';
const START = new Date('2026-11-20T10:00:00+08:00');

type Row = Record<string, unknown> & { id: number };
interface RpcAnswer {
  jsonrpc: string;
  id: unknown;
  result?: unknown;
  error?: { code: number; message: string; data: { name: string; message: string; arguments: unknown[]; debug: string } };
}

let clock = START.getTime();
let erp: SimulatedErp;
let dialect: ReturnType<typeof createOdooDialect>;
let server: Server;
let base: string;

async function rpc(service: string, method: string, args: unknown[], id: unknown = 1): Promise<RpcAnswer> {
  const res = await fetch(`${base}/jsonrpc`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'call', params: { service, method, args }, id }),
  });
  assert.equal(res.status, 200, 'Odoo answers every JSON-RPC call with HTTP 200');
  return (await res.json()) as RpcAnswer;
}

async function executeKw(model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}, password = PASSWORD): Promise<RpcAnswer> {
  return rpc('object', 'execute_kw', [DB, 7, password, model, method, args, kwargs]);
}

async function ok<T = Row[]>(answer: Promise<RpcAnswer>): Promise<T> {
  const body = await answer;
  assert.equal(body.error, undefined, `unexpected Odoo error: ${JSON.stringify(body.error)}`);
  return body.result as T;
}

async function json2(model: string, method: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/json/2/${model}/${method}`, {
    method: 'POST',
    headers: { authorization: `bearer ${API_KEY}`, 'x-odoo-database': DB, 'content-type': 'application/json; charset=utf-8', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as unknown };
}

const odooTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const utcMs = (odoo: string) => Date.parse(`${odoo.replace(' ', 'T')}Z`);

/** What a profile's mapping has to do with Odoo's records: rebuild our production order from them. */
function toProductionOrder(mo: Row, workorders: Row[], moves: Row[]): ProductionOrder {
  const display = (v: unknown) => (v as [number, string])[1];
  const code = (v: unknown) => /^\[([^\]]+)\]/.exec(display(v))?.[1] ?? display(v);
  const iso = (v: unknown) => new Date(utcMs(String(v))).toISOString();
  const status = { draft: 'created', confirmed: 'released', progress: 'released', to_close: 'completed', done: 'closed', cancel: 'cancelled' } as const;
  const opNo = (wo: Row) => String(wo.sequence).padStart(4, '0');
  return {
    orderNo: String(mo.name),
    revision: Math.floor(utcMs(String(mo.write_date)) / 1000),
    status: status[mo.state as keyof typeof status],
    productCode: code(mo.product_id),
    productName: display(mo.product_id).replace(/^\[[^\]]+\] /, ''),
    quantity: mo.product_qty as number,
    unit: display(mo.product_uom_id),
    dueDate: iso(mo.date_deadline),
    priority: mo.priority === '1' ? 1 : 5,
    plant: display(mo.picking_type_id).split(':')[0],
    operations: workorders.map((wo) => ({
      opNo: opNo(wo),
      opCode: String(wo.name).split(' ')[0],
      workCentre: display(wo.workcenter_id),
      plannedStart: iso(wo.date_start),
      plannedEnd: iso(wo.date_finished),
      stdTimePerUnitSec: Math.round(((wo.duration_expected as number) * 60 * 100) / (wo.qty_production as number)) / 100,
    })),
    bom: moves.map((m) => ({
      materialCode: code(m.product_id),
      qtyPer: m.unit_factor as number,
      unit: display(m.product_uom),
      ...(Array.isArray(m.workorder_id) ? { opNo: opNo(workorders.find((wo) => wo.id === (m.workorder_id as [number, string])[0]) as Row) } : {}),
    })),
    updatedAt: iso(mo.write_date),
  };
}

describe('Odoo dialect of the simulated ERP', () => {
  before(async () => {
    const app = express();
    app.use('/odoo', (req, res, next) => dialect.router(req, res, next));
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/odoo`;
  });

  beforeEach(() => {
    dialect?.close();
    clock = START.getTime();
    erp = new SimulatedErp({ user: 'erp-bridge', password: 'demo-erp-pass', seedOrders: 250, now: () => new Date(clock), rng: createPrng(20261010) });
    dialect = createOdooDialect(erp, { now: () => new Date(clock) });
  });

  after(async () => {
    dialect.close();
    erp.close();
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  });

  describe('JSON-RPC authentication', () => {
    it('common.login returns the uid for the right password and false for a wrong one', async () => {
      assert.equal(await ok<number>(rpc('common', 'login', [DB, LOGIN, PASSWORD])), 7);
      assert.equal(await ok<number>(rpc('common', 'authenticate', [DB, LOGIN, API_KEY, {}])), 7, 'an API key stands in for the password');
      assert.equal(await ok<boolean>(rpc('common', 'login', [DB, LOGIN, 'wrong'])), false);
      const version = await ok<{ server_version: string; protocol_version: number }>(rpc('common', 'version', []));
      assert.equal(version.server_version, '19.0');
    });

    it('execute_kw with a wrong password answers HTTP 200 with an AccessDenied error member', async () => {
      const body = await executeKw('mrp.production', 'search_read', [[]], { limit: 1 }, 'wrong');
      assert.equal(body.result, undefined);
      assert.equal(body.id, 1);
      assert.equal(body.error?.code, 200);
      assert.equal(body.error?.message, 'Odoo Server Error');
      assert.equal(body.error?.data.name, 'odoo.exceptions.AccessDenied');
      assert.equal(body.error?.data.message, 'Access Denied');
    });

    it('an unknown database is a psycopg2 error naming the database, still in HTTP 200', async () => {
      const body = await rpc('common', 'login', ['nope', LOGIN, PASSWORD]);
      assert.equal(body.error?.data.name, 'psycopg2.OperationalError');
      assert.match(body.error?.data.message ?? '', /database "nope" does not exist/);
    });
  });

  describe('pulling manufacturing orders over JSON-RPC', () => {
    it('search_read without a limit returns every order (Odoo has no default page size); limit 0 means no limit too', async () => {
      assert.equal((await ok(executeKw('mrp.production', 'search_read', [[]], { fields: ['name'] }))).length, 250);
      assert.equal((await ok(executeKw('mrp.production', 'search_read', [[]], { fields: ['name'], limit: 0 }))).length, 250);
      assert.equal(await ok<number>(executeKw('mrp.production', 'search_count', [[]])), 250);
    });

    it('pages through 250 orders with offset/limit ordered by write_date, id, the last page short', async () => {
      const seen: Row[] = [];
      for (let offset = 0; ; offset += 80) {
        const page = await ok(executeKw('mrp.production', 'search_read', [[['write_date', '>=', '2000-01-01 00:00:00']]], { fields: ['name', 'write_date'], offset, limit: 80, order: 'write_date asc, id asc' }));
        seen.push(...page);
        if (page.length < 80) {
          assert.equal(page.length, 250 - 3 * 80);
          break;
        }
      }
      assert.equal(seen.length, 250);
      assert.equal(new Set(seen.map((r) => r.name)).size, 250);
      const keys = seen.map((r) => `${String(r.write_date)}#${String(r.id).padStart(6, '0')}`);
      assert.deepEqual(keys, [...keys].sort());
    });

    it('serves write_date as naive UTC with many2one pairs and false for unset fields', async () => {
      const [mo] = await ok(executeKw('mrp.production', 'search_read', [[['name', '=', 'MO-2026-0001']]]));
      const order = erp.order('MO-2026-0001') as ProductionOrder;
      assert.equal(mo.write_date, odooTime(Date.parse(order.updatedAt)));
      assert.match(String(mo.write_date), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      assert.deepEqual((mo.product_id as unknown[])[1], `[${order.productCode}] ${order.productName}`);
      assert.equal(typeof (mo.product_id as unknown[])[0], 'number');
      assert.equal(mo.origin, false);
      assert.equal(mo.user_id, false);
      assert.ok(Array.isArray(mo.workorder_ids) && (mo.workorder_ids as number[]).every(Number.isInteger));
    });

    it('the write_date filter is exclusive with ">" and finds an order changed after the first read, in UTC', async () => {
      const first = await ok(executeKw('mrp.production', 'search_read', [[]], { fields: ['name', 'write_date'], order: 'write_date desc, id desc', limit: 1 }));
      const watermark = String(first[0].write_date);
      assert.deepEqual(await ok(executeKw('mrp.production', 'search_read', [[['write_date', '>', watermark]]], { fields: ['name'] })), []);
      assert.ok((await ok(executeKw('mrp.production', 'search_read', [[['write_date', '>=', watermark]]], { fields: ['name'] }))).length >= 1, '">=" includes the watermark second');

      clock += 24 * 3600_000; // past every seeded change stamp
      const changed = erp.order('MO-2026-0042') as ProductionOrder;
      erp.upsertOrder({ ...changed, quantity: changed.quantity + 500 });
      const after = await ok(executeKw('mrp.production', 'search_read', [[['write_date', '>', watermark]]], { fields: ['name', 'write_date', 'product_qty'] }));
      assert.deepEqual(
        after.map((r) => r.name),
        ['MO-2026-0042'],
      );
      assert.equal(after[0].write_date, odooTime(clock), 'write_date is the UTC time of the change, not plant time');
      assert.equal(after[0].product_qty, changed.quantity + 500);
    });

    it('an ISO 8601 filter value is refused as Odoo refuses it, and a zone suffix is silently cut off', async () => {
      const iso = await executeKw('mrp.production', 'search_read', [[['write_date', '>', '2026-11-19T00:00:00Z']]]);
      assert.equal(iso.error?.data.name, 'builtins.ValueError');
      assert.equal(iso.error?.data.message, "time data '2026-11-19T00:00:00' does not match format '%Y-%m-%d %H:%M:%S'");
      // "10:00:00+08:00" is read as 10:00 UTC: the client that sends plant time loses 8 hours of changes.
      const all = await ok(executeKw('mrp.production', 'search_read', [[]], { fields: ['write_date'] }));
      const cut = '2026-11-19 02:00:00';
      const plantStyle = await ok(executeKw('mrp.production', 'search_count', [[['write_date', '>', `${cut}+08:00`]]]));
      assert.equal(plantStyle, all.filter((r) => String(r.write_date) > cut).length);
    });

    it('operations come from mrp.workorder and components from stock.move, enough to rebuild a valid production order', async () => {
      const mos = await ok(executeKw('mrp.production', 'search_read', [[['name', 'in', ['MO-2026-0001', 'MO-2026-0250']]]], { order: 'name' }));
      const ids = mos.map((m) => m.id);
      const workorders = await ok(executeKw('mrp.workorder', 'search_read', [[['production_id', 'in', ids]]], { order: 'production_id, sequence' }));
      const moves = await ok(executeKw('stock.move', 'search_read', [[['raw_material_production_id', 'in', ids]]]));
      for (const mo of mos) {
        const order = erp.order(String(mo.name)) as ProductionOrder;
        const rebuilt = toProductionOrder(
          mo,
          workorders.filter((w) => (w.production_id as [number, string])[0] === mo.id),
          moves.filter((m) => (m.raw_material_production_id as [number, string])[0] === mo.id),
        );
        const check = validate('production-order', rebuilt, 'order');
        assert.ok(check.ok, check.ok ? '' : check.message);
        assert.equal(rebuilt.quantity, order.quantity);
        assert.equal(Date.parse(rebuilt.dueDate), Date.parse(order.dueDate));
        assert.deepEqual(
          rebuilt.operations.map((o) => [o.opNo, o.opCode, o.workCentre, Date.parse(o.plannedStart)]),
          order.operations.map((o) => [o.opNo, o.opCode, o.workCentre, Date.parse(o.plannedStart)]),
        );
        assert.deepEqual(
          rebuilt.bom.map((b) => [b.materialCode, b.qtyPer, b.unit, b.opNo]),
          order.bom.map((b) => [b.materialCode, b.qtyPer, b.unit, b.opNo]),
        );
      }
    });

    it('malformed domains, orders, fields and limits are answered with Odoo errors, never silence', async () => {
      const cases: Array<[unknown[], Record<string, unknown>, string, RegExp]> = [
        [[[['write_date', '~', 'x']]], {}, 'builtins.ValueError', /Invalid operator '~'/],
        [[[['modified', '>', '2026-01-01 00:00:00']]], {}, 'builtins.ValueError', /Invalid field mrp.production.modified/],
        [[[]], { order: 'write_date sideways' }, 'builtins.ValueError', /Invalid "order" specified/],
        [[[]], { order: 'updated_at' }, 'builtins.ValueError', /Invalid field 'updated_at' on model 'mrp.production'/],
        [[[]], { fields: ['updatedAt'] }, 'builtins.ValueError', /Invalid field 'updatedAt'/],
        [[[]], { limit: -5 }, 'psycopg2.errors.InvalidRowCountInLimitClause', /LIMIT must not be negative/],
        [[[]], { page: 2 }, 'builtins.TypeError', /unexpected keyword argument 'page'/],
      ];
      for (const [args, kwargs, name, message] of cases) {
        const body = await executeKw('mrp.production', 'search_read', args, kwargs);
        assert.equal(body.error?.data.name, name, JSON.stringify(kwargs));
        assert.match(body.error?.data.message ?? '', message);
      }
      const unknownModel = await executeKw('mrp.order', 'search_read', [[]]);
      assert.equal(unknownModel.error?.data.message, "Object mrp.order doesn't exist");
    });

    it('a body that is not JSON, or not sent as JSON, is refused with HTTP 400', async () => {
      const broken = await fetch(`${base}/jsonrpc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc": "2.0",' });
      assert.equal(broken.status, 400);
      assert.equal(await broken.text(), 'Invalid JSON data');
      const form = await fetch(`${base}/jsonrpc`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' });
      assert.equal(form.status, 400);
      assert.match(await form.text(), /\/jsonrpc is type=json/);
    });

    it('an injected error arrives once inside HTTP 200, then pulls work again', async () => {
      dialect.injectError('access-error');
      const body = await executeKw('mrp.production', 'search_read', [[]], { limit: 1 });
      assert.equal(body.error?.code, 200);
      assert.equal(body.error?.data.name, 'odoo.exceptions.AccessError');
      assert.match(body.error?.data.message ?? '', /not allowed to access 'Manufacturing Order' \(mrp.production\)/);
      assert.equal((await ok(executeKw('mrp.production', 'search_read', [[]], { limit: 1 }))).length, 1);
      assert.throws(() => dialect.injectError('teapot'), /must be one of/);
    });

    it('expiring sessions changes nothing: /jsonrpc carries the password in every call', async () => {
      dialect.expireSessions();
      assert.equal((await ok(executeKw('mrp.production', 'search_count', [[]]))) as unknown, 250);
    });
  });

  describe('JSON-2 API (Odoo 19+)', () => {
    it('answers a bare array for search_read with named arguments', async () => {
      const res = await json2('mrp.production', 'search_read', { domain: [['write_date', '>', '2000-01-01 00:00:00']], fields: ['name', 'write_date'], offset: 200, limit: 100, order: 'write_date, id', context: { lang: 'en_US' } });
      assert.equal(res.status, 200);
      assert.ok(Array.isArray(res.body));
      assert.equal((res.body as Row[]).length, 50);
    });

    it('refuses a missing or wrong bearer key with 401 and a wrong database with 404', async () => {
      const missing = await json2('mrp.production', 'search_read', {}, { authorization: '' });
      assert.equal(missing.status, 401);
      assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
      const wrong = await json2('mrp.production', 'search_read', {}, { authorization: 'bearer nope' });
      assert.equal(wrong.status, 401);
      assert.deepEqual(
        { name: (wrong.body as Row).name, message: (wrong.body as Row).message, arguments: (wrong.body as Row).arguments },
        { name: 'werkzeug.exceptions.Unauthorized', message: 'Invalid apikey', arguments: ['Invalid apikey', 401] },
      );
      const db = await json2('mrp.production', 'search_read', {}, { 'x-odoo-database': 'other' });
      assert.equal(db.status, 404);
    });

    it('answers real HTTP codes for bad calls: unknown model 404, ids on a model method 422, bad argument 422, bad JSON 400, bad domain 500', async () => {
      const model = await json2('mrp.order', 'search_read', {});
      assert.equal(model.status, 404);
      assert.equal((model.body as Row).message, "the model 'mrp.order' does not exist");
      assert.equal((await json2('mrp.production', 'search_read', { ids: [1] })).status, 422);
      const arg = await json2('mrp.workorder', 'write', { ids: [1], values: {} });
      assert.equal(arg.status, 422);
      assert.equal((arg.body as Row).message, "got an unexpected keyword argument 'values'");
      assert.equal((await json2('mrp.production', 'search_read', '{"domain": [')).status, 400);
      const domain = await json2('mrp.production', 'search_read', { domain: [['write_date', '>', '2026-11-19T00:00:00']] });
      assert.equal(domain.status, 500);
      assert.equal((domain.body as Row).name, 'builtins.ValueError');
      assert.equal((await json2('mrp.production', '_read', {})).status, 403);
    });

    it('an injected error comes with its HTTP status, not in a 200', async () => {
      dialect.injectError('access-error');
      const res = await json2('mrp.production', 'search_read', { limit: 1 });
      assert.equal(res.status, 403);
      assert.equal((res.body as Row).name, 'odoo.exceptions.AccessError');
    });
  });

  describe('write-back of work-order progress', () => {
    it('stores every accepted write, duplicates included, and finds a previous time log by its description', async () => {
      const [wo] = await ok(executeKw('mrp.workorder', 'search_read', [[['production_id.name', '=', 'MO-2026-0003']]], { fields: ['name', 'workcenter_id', 'qty_produced', 'state'], limit: 1 }));
      assert.equal(wo.state, 'ready');
      assert.equal(await ok<boolean>(executeKw('mrp.workorder', 'button_start', [[wo.id]])), true);
      assert.equal(await ok<boolean>(executeKw('mrp.workorder', 'write', [[wo.id], { qty_produced: 1200 }])), true);
      const key = 'MES:MO-2026-0003/0010/0001';
      const log = { workorder_id: wo.id, workcenter_id: (wo.workcenter_id as [number, string])[0], loss_id: 1, date_start: '2026-11-20 01:00:00', date_end: '2026-11-20 02:00:00', description: key };
      const first = await ok<number>(executeKw('mrp.workcenter.productivity', 'create', [log]));
      const again = await ok<number>(executeKw('mrp.workcenter.productivity', 'create', [log]));
      assert.notEqual(first, again, 'Odoo has no idempotency key: the same log is stored twice');

      const found = await ok(executeKw('mrp.workcenter.productivity', 'search_read', [[['description', '=', key]]], { fields: ['workorder_id', 'production_id', 'duration', 'loss_type'] }));
      assert.deepEqual(found.map((r) => r.id).sort(), [first, again].sort());
      assert.equal(found[0].duration, 60);
      assert.equal((found[0].production_id as [number, string])[1], 'MO-2026-0003');
      const [after] = await ok(executeKw('mrp.workorder', 'read', [[wo.id], ['qty_produced', 'state', 'qty_remaining']]));
      assert.equal(after.qty_produced, 1200);
      assert.equal(after.state, 'progress');

      const writes = dialect.writes();
      assert.deepEqual(
        writes.map((w) => w.id),
        [`mrp.workorder,${wo.id}`, `mrp.workorder,${wo.id}`, `mrp.workcenter.productivity,${first}`, `mrp.workcenter.productivity,${again}`],
      );
      assert.deepEqual((writes[1].body as { args: unknown }).args, { vals: { qty_produced: 1200 } });
    });

    it('refuses unknown fields and missing mandatory fields with the ORM messages', async () => {
      const bad = await executeKw('mrp.workorder', 'write', [[1], { goodQty: 5 }]);
      assert.equal(bad.error?.data.message, "Invalid field 'goodQty' on model 'mrp.workorder'");
      const missing = await executeKw('mrp.workcenter.productivity', 'create', [{ workorder_id: 1, loss_id: 1 }]);
      assert.equal(missing.error?.data.name, 'odoo.exceptions.ValidationError');
      assert.match(missing.error?.data.message ?? '', /Field: Work Center \(workcenter_id\)/);
      const gone = await executeKw('mrp.workorder', 'write', [[999999], { qty_produced: 1 }]);
      assert.equal(gone.error?.data.name, 'odoo.exceptions.MissingError');
      const refused = await executeKw('mrp.production', 'unlink', [[1]]);
      assert.equal(refused.error?.data.name, 'odoo.exceptions.AccessError');
      assert.deepEqual(dialect.writes(), []);
    });

    it('writing qty_producing on a manufacturing order bumps its write_date, so the next pull sees it again', async () => {
      const [mo] = await ok(executeKw('mrp.production', 'search_read', [[['name', '=', 'MO-2026-0010']]], { fields: ['write_date'] }));
      clock += 60_000;
      assert.equal(await ok<boolean>(executeKw('mrp.production', 'write', [[mo.id], { qty_producing: 300 }])), true);
      const changed = await ok(
        executeKw(
          'mrp.production',
          'search_read',
          [
            [
              ['write_date', '>', String(mo.write_date)],
              ['name', '=', 'MO-2026-0010'],
            ],
          ],
          { fields: ['qty_producing', 'write_date'] },
        ),
      );
      assert.equal(changed.length, 1);
      assert.equal(changed[0].qty_producing, 300);
      assert.equal(changed[0].write_date, odooTime(clock));
    });

    it('JSON-2 create takes vals_list and returns the list of new ids; scrap is looked up by origin', async () => {
      const product = await json2('product.product', 'search_read', { domain: [['default_code', '=', 'FG-100234']], fields: ['id'] });
      const productId = (product.body as Row[])[0].id;
      const res = await json2('stock.scrap', 'create', { vals_list: [{ product_id: productId, scrap_qty: 12, origin: 'MES:scrap-77' }] });
      assert.equal(res.status, 200);
      assert.ok(Array.isArray(res.body) && (res.body as number[]).length === 1);
      const found = await json2('stock.scrap', 'search_read', { domain: [['origin', '=', 'MES:scrap-77']], fields: ['scrap_qty', 'product_uom_id', 'name'] });
      assert.equal((found.body as Row[])[0].scrap_qty, 12);
      assert.equal(dialect.writes().length, 1);
      assert.equal((dialect.writes()[0].body as { api: string }).api, 'json2');
    });
  });
});
