import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import jsonata from 'jsonata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimulatedErp } from '../../server/simulator/erp';
import { createPrng } from '../../server/simulator/seed';
import { createErpnextDialect } from '../../server/simulator/dialects/erpnext';
import { validate } from '../../nodes/lib/validation';

const TOKEN = 'token mesbridge0a1b2c:demo-erpnext-secret';
type Body = Record<string, unknown> & { data?: unknown; exc_type?: string; _server_messages?: string; exception?: string };

/** The human message Frappe queued in _server_messages (a JSON list of JSON strings). */
function serverMessage(body: Body): string {
  return (JSON.parse(JSON.parse(String(body._server_messages))[0]) as { message: string }).message;
}

// A stock Work Order has no plant and no priority (work_order.json): the integrator's settings give them.
// What a product-side JSONata mapping needs to turn a Work Order (list row + document) into a production order.
const MAPPING = jsonata(`(
  $wo := $;
  {
    "orderNo": name,
    "revision": $toMillis($replace(modified, " ", "T") & "+08:00"),
    "status": $lookup({"Draft": "created", "Not Started": "released", "In Process": "released", "Completed": "completed", "Closed": "closed", "Cancelled": "cancelled"}, status),
    "productCode": production_item,
    "productName": item_name,
    "quantity": qty,
    "unit": stock_uom,
    "dueDate": expected_delivery_date & "T17:00:00+08:00",
    "priority": 5,
    "plant": "1010",
    "operations": [operations.{
      "opNo": $formatInteger(sequence_id, "0000"),
      "opCode": operation,
      "description": description,
      "workCentre": workstation,
      "plannedStart": $replace(planned_start_time, " ", "T") & "+08:00",
      "plannedEnd": $replace(planned_end_time, " ", "T") & "+08:00",
      "stdTimePerUnitSec": $round(time_in_mins * 60 / $wo.qty, 3)
    }],
    "bom": [required_items.(
      $op := operation;
      {
        "materialCode": item_code,
        "materialName": item_name,
        "qtyPer": $round(required_qty / $wo.qty, 6),
        "unit": stock_uom,
        "opNo": $formatInteger($wo.operations[operation = $op].sequence_id, "0000")
      }
    )],
    "updatedAt": $replace($substring(modified, 0, 19), " ", "T") & "+08:00"
  }
)`);

describe('simulated ERPNext (Frappe REST) dialect', () => {
  let clock = new Date('2026-11-20T10:00:00+08:00');
  let erp: SimulatedErp;
  let dialect: ReturnType<typeof createErpnextDialect>;
  let server: Server;
  let base = '';

  beforeEach(async () => {
    clock = new Date('2026-11-20T10:00:00+08:00');
    erp = new SimulatedErp({ user: 'erp', password: 'pw', seedOrders: 250, now: () => clock, rng: createPrng(20261010) });
    dialect = createErpnextDialect(erp, { now: () => clock });
    const app = express();
    app.use('/erpnext', dialect.router);
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/erpnext`;
  });
  afterEach(async () => {
    dialect.close();
    erp.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function call(path: string, init: { method?: string; auth?: string | null; body?: unknown; cookie?: string; form?: boolean } = {}) {
    const headers: Record<string, string> = {};
    if (init.auth !== null) headers.authorization = init.auth ?? TOKEN;
    if (init.cookie) headers.cookie = init.cookie;
    let body: string | undefined;
    if (init.body !== undefined) {
      headers['content-type'] = init.form ? 'application/x-www-form-urlencoded' : 'application/json';
      body = init.form ? new URLSearchParams(init.body as Record<string, string>).toString() : JSON.stringify(init.body);
    }
    const res = await fetch(`${base}${path}`, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
    const text = await res.text();
    let json: Body;
    try {
      json = JSON.parse(text) as Body;
    } catch {
      json = { html: text };
    }
    return { status: res.status, body: json, text, headers: res.headers };
  }
  const list = (doctype: string, params: Record<string, unknown>, init: Parameters<typeof call>[1] = {}) => {
    const q = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
    return call(`/api/resource/${encodeURIComponent(doctype)}?${q}`, init);
  };
  const rows = (r: { body: Body }) => r.body.data as Array<Record<string, unknown>>;

  it('answers a valid `token key:secret` with {"data": [...]}: only `name` by default, 20 rows, newest modified first', async () => {
    const r = await list('Work Order', {});
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body), ['data']);
    assert.equal(rows(r).length, 20);
    assert.deepEqual(Object.keys(rows(r)[0]), ['name']);
    const modified = await list('Work Order', { fields: ['name', 'modified'], limit_page_length: 0 });
    const newestFirst = [...rows(modified)]
      .sort((a, b) => (String(a.modified) < String(b.modified) ? 1 : -1))
      .slice(0, 20)
      .map((x) => x.name);
    assert.deepEqual(
      rows(r).map((x) => x.name),
      newestFirst,
    );
  });

  it('accepts the same key:secret as HTTP Basic, refuses a wrong secret with a bare 401 AuthenticationError', async () => {
    const basic = await list('Work Order', {}, { auth: `Basic ${Buffer.from('mesbridge0a1b2c:demo-erpnext-secret').toString('base64')}` });
    assert.equal(basic.status, 200);
    const wrong = await list('Work Order', {}, { auth: 'token mesbridge0a1b2c:wrong' });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body, { exc_type: 'AuthenticationError' });
    const bearer = await list('Work Order', {}, { auth: 'Bearer abc' });
    assert.equal(bearer.status, 401);
  });

  it('treats a request without credentials as Guest: 403 PermissionError naming the doctype', async () => {
    const r = await list('Work Order', {}, { auth: null });
    assert.equal(r.status, 403);
    assert.equal(r.body.exc_type, 'PermissionError');
    assert.match(serverMessage(r.body), /User <strong>Guest<\/strong> does not have doctype access via role permission for document <strong>Work Order<\/strong>/);
    assert.equal(r.body.exception, undefined, 'no traceback for Guest');
  });

  it('pages all 250 orders with limit_start/limit_page_length until a short page, ordered by modified asc then name', async () => {
    const seen: Array<Record<string, unknown>> = [];
    const sizes: number[] = [];
    for (let start = 0; ; start += 100) {
      const r = await list('Work Order', { fields: ['name', 'modified'], order_by: 'modified asc, name asc', limit_start: start, limit_page_length: 100 });
      assert.equal(r.status, 200);
      sizes.push(rows(r).length);
      seen.push(...rows(r));
      if (rows(r).length < 100) break;
    }
    assert.deepEqual(sizes, [100, 100, 50]);
    assert.deepEqual(new Set(seen.map((x) => x.name)), new Set(erp.orders().map((o) => o.orderNo)));
    const keys = seen.map((x) => `${String(x.modified)}|${String(x.name)}`);
    assert.deepEqual(keys, [...keys].sort());
    const all = await list('Work Order', { limit_page_length: 0 });
    assert.equal(rows(all).length, 250, 'limit_page_length=0 means no limit');
    const alias = await list('Work Order', { limit: 7 });
    assert.equal(rows(alias).length, 7, 'limit is an alias of limit_page_length');
  });

  it('serves modified as naive site time with microseconds, in the configured time zone', async () => {
    const order = erp.order('MO-2026-0001')!;
    const r = await list('Work Order', { fields: ['name', 'modified', 'creation'], filters: [['name', '=', 'MO-2026-0001']] });
    const modified = String(rows(r)[0].modified);
    assert.match(modified, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/);
    assert.equal(modified.slice(0, 19), order.updatedAt.slice(0, 19).replace('T', ' '), 'Asia/Shanghai site time of updatedAt');
    const utc = createErpnextDialect(erp, { now: () => clock, timeZone: 'UTC' });
    const app = express().use('/erpnext', utc.router);
    const other = createServer(app);
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(other.address() as AddressInfo).port}/erpnext/api/resource/Work%20Order?fields=["modified"]&filters=[["name","=","MO-2026-0001"]]`, { headers: { authorization: TOKEN } });
      const utcModified = String(((await res.json()) as { data: Array<{ modified: string }> }).data[0].modified);
      assert.equal(Date.parse(`${modified.slice(0, 19).replace(' ', 'T')}+08:00`), Date.parse(`${utcModified.slice(0, 19).replace(' ', 'T')}Z`));
    } finally {
      other.closeAllConnections();
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  it('filters modified with a strict ">" to the microsecond, and returns only an order changed after a first read', async () => {
    const first = rows(await list('Work Order', { fields: ['name', 'modified'], order_by: 'modified asc', limit_page_length: 0 }));
    const mark = String(first[first.length - 1].modified);
    assert.equal(rows(await list('Work Order', { filters: [['modified', '>', mark]] })).length, 0);
    assert.equal(rows(await list('Work Order', { filters: [['modified', '>=', mark]] })).length, first.filter((x) => x.modified === mark).length);
    const secondAgo = mark.slice(0, 19);
    assert.ok(rows(await list('Work Order', { filters: [['modified', '>', secondAgo]] })).length >= 1, 'the fraction counts: "…:SS" < "…:SS.ffffff"');

    // The seeded plan's change stamps run into today, so the planner edits after the last of them.
    clock = new Date('2026-11-21T09:05:30+08:00');
    const changed = erp.order('MO-2026-0042')!;
    changed.quantity += 1000;
    erp.upsertOrder(changed);
    const since = await list('Work Order', { fields: ['name', 'modified'], filters: [['modified', '>', mark]], order_by: 'modified asc' });
    assert.deepEqual(
      rows(since).map((x) => x.name),
      ['MO-2026-0042'],
    );
    assert.match(String(rows(since)[0].modified), /^2026-11-21 09:05:30\.\d{6}$/);
    const dictForm = await list('Work Order', { filters: { modified: ['>', mark] } });
    assert.deepEqual(
      rows(dictForm).map((x) => x.name),
      ['MO-2026-0042'],
    );
    // MariaDB truncates a zone suffix: "+00:00" is read as site time, not converted.
    const withZone = await list('Work Order', { filters: [['modified', '>', '2026-11-21T09:05:00+00:00']] });
    assert.deepEqual(
      rows(withZone).map((x) => x.name),
      ['MO-2026-0042'],
    );
  });

  it('serves operations and required_items only from the document, refuses a field a stock Work Order lacks, and maps back to a valid production order', async () => {
    const listed = await list('Work Order', { fields: ['name'], filters: [['name', '=', 'MO-2026-0007']] });
    assert.deepEqual(rows(listed), [{ name: 'MO-2026-0007' }]);
    const custom = await list('Work Order', { fields: ['name', 'custom_plant'], filters: [['name', '=', 'MO-2026-0007']] });
    assert.equal(custom.status, 500);
    assert.equal(custom.body.exc_type, 'OperationalError');
    assert.match(String(custom.body.exception), /Unknown column 'tabWork Order\.custom_plant' in 'field list'/);
    const meta = await call('/api/method/frappe.desk.form.load.getdoctype?doctype=Work%20Order');
    const fieldnames = (meta.body.docs as Array<{ fields: Array<{ fieldname: string }> }>)[0].fields.map((f) => f.fieldname);
    assert.ok(fieldnames.includes('expected_delivery_date') && !fieldnames.includes('custom_plant'), 'the doctype meta lists the stock fields only');
    const doc = await call('/api/resource/Work%20Order/MO-2026-0007');
    assert.equal(doc.status, 200);
    const wo = doc.body.data as Record<string, unknown> & { operations: Array<Record<string, unknown>>; required_items: Array<Record<string, unknown>> };
    assert.equal(wo.doctype, 'Work Order');
    assert.equal(wo.operations[0].doctype, 'Work Order Operation');
    assert.equal(wo.operations[0].parent, 'MO-2026-0007');
    assert.equal(wo.required_items[0].parentfield, 'required_items');
    assert.equal('actual_start_date' in wo, false, 'nulls are left out of a document');
    const mapped = (await MAPPING.evaluate(wo)) as Record<string, unknown>;
    assert.deepEqual(validate('production-order', mapped), { ok: true });
    const canonical = erp.order('MO-2026-0007')!;
    const strip = (o: Record<string, unknown>) => {
      const { revision: _r, updatedAt: _u, priority: _p, ...rest } = o;
      return { ...rest, operations: (rest.operations as Array<Record<string, unknown>>).map(({ qcSpecRef: _q, ...op }) => op), bom: (rest.bom as Array<Record<string, unknown>>).map(({ issueTolerancePct: _t, ...l }) => l) };
    };
    assert.deepEqual(strip(mapped), strip(canonical as unknown as Record<string, unknown>));
    assert.equal(mapped.updatedAt, canonical.updatedAt);
  });

  it('answers malformed queries with Frappe errors: bad JSON, unknown operator, wrong filter length, unknown column, unknown names', async () => {
    const badJson = await call('/api/resource/Work%20Order?filters=[["modified",">"');
    assert.equal(badJson.status, 500);
    assert.equal(badJson.body.exc_type, 'JSONDecodeError');
    const op = await list('Work Order', { filters: [['modified', '=>', '2026-01-01']] });
    assert.equal(op.status, 417);
    assert.equal(op.body.exc_type, 'ValidationError');
    assert.match(serverMessage(op.body), /^Operator must be one of =, !=, >, </);
    assert.match(String(op.body.exception), /^frappe\.exceptions\.ValidationError: Operator must be one of/);
    const short = await list('Work Order', { filters: [['modified', '>']] });
    assert.equal(short.status, 417);
    assert.equal(serverMessage(short.body), "Filter must have 4 values (doctype, fieldname, operator, value): ['modified', '>']");
    const column = await list('Work Order', { filters: [['updatedAt', '>', '2026-01-01']] });
    assert.equal(column.status, 500);
    assert.equal(column.body.exc_type, 'OperationalError');
    assert.match(String(column.body.exception), /Unknown column 'tabWork Order\.updatedAt' in 'where clause'/);
    const order = await list('Work Order', { order_by: 'updatedAt asc' });
    assert.equal(order.status, 500);
    const doctype = await list('Production Order', {});
    assert.equal(doctype.status, 404);
    assert.equal(doctype.body.exc_type, 'DoesNotExistError');
    const missing = await call('/api/resource/Work%20Order/MO-2026-9999');
    assert.equal(missing.status, 404);
    assert.equal(serverMessage(missing.body), 'Work Order MO-2026-9999 not found');
  });

  it('injects errors into the next read only: red _server_messages in a 200, 403, 429, 500 and the HTML 503 page', async () => {
    dialect.injectError('messages-in-200');
    const hidden = await list('Work Order', {});
    assert.equal(hidden.status, 200);
    assert.deepEqual(hidden.body.data, []);
    assert.match(serverMessage(hidden.body), /locked/);
    dialect.injectError('permission');
    assert.equal((await list('Work Order', {})).body.exc_type, 'PermissionError');
    dialect.injectError('rate-limit');
    const limited = await list('Work Order', {});
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '60');
    dialect.injectError('server-error');
    assert.equal((await list('Work Order', {})).status, 500);
    dialect.injectError('maintenance');
    const down = await list('Work Order', {});
    assert.equal(down.status, 503);
    assert.match(down.text, /Your system is being updated/);
    assert.equal((await list('Work Order', {})).status, 200);
    assert.throws(() => dialect.injectError('teapot'), /must be one of permission, server-error/);
  });

  it('logs in with usr/pwd for a sid cookie; after expireSessions the stale sid is Guest with session_expired: 1', async () => {
    const wrong = await call('/api/method/login', { auth: null, body: { usr: 'mes-bridge@plant.local', pwd: 'nope' } });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body, { message: 'Invalid login credentials', exc_type: 'AuthenticationError' });
    const login = await call('/api/method/login', { auth: null, body: { usr: 'mes-bridge@plant.local', pwd: 'demo-erpnext-pass' }, form: true });
    assert.equal(login.status, 200);
    assert.equal(login.body.message, 'Logged In');
    const sid = /sid=([^;]+)/.exec(login.headers.getSetCookie().join('\n'))![1];
    const cookie = `sid=${sid}`;
    assert.equal((await list('Work Order', {}, { auth: null, cookie })).status, 200);
    assert.deepEqual((await call('/api/method/frappe.auth.get_logged_user', { auth: null, cookie })).body, { message: 'mes-bridge@plant.local' });
    dialect.expireSessions();
    const expired = await list('Work Order', {}, { auth: null, cookie });
    assert.equal(expired.status, 403);
    assert.equal(expired.body.session_expired, 1);
    assert.equal(expired.body.exc_type, 'PermissionError');
    assert.equal((await list('Work Order', {})).status, 200, 'API key auth has no session to expire');
    const again = await call('/api/method/login', { auth: null, body: { usr: 'mes-bridge@plant.local', pwd: 'demo-erpnext-pass' } });
    const fresh = /sid=([^;]+)/.exec(again.headers.getSetCookie().join('\n'))![1];
    assert.equal((await list('Work Order', {}, { auth: null, cookie: `sid=${fresh}` })).status, 200);
  });

  it('writes a Manufacture Stock Entry drafted by make_stock_entry, stores duplicates, and finds it by a remarks filter', async () => {
    const draft = await call('/api/method/erpnext.manufacturing.doctype.work_order.work_order.make_stock_entry', { method: 'POST', body: { work_order_id: 'MO-2026-0002', purpose: 'Manufacture', qty: 500 } });
    assert.equal(draft.status, 200);
    const entry = draft.body.message as Record<string, unknown> & { items: Array<Record<string, unknown>> };
    assert.equal(entry.__islocal, 1);
    assert.equal(entry.fg_completed_qty, 500);
    assert.equal(entry.items.filter((i) => i.is_finished_item === 1).length, 1);
    const before = rows(await list('Work Order', { fields: ['modified', 'produced_qty'], filters: [['name', '=', 'MO-2026-0002']] }))[0];
    clock = new Date('2026-11-20T11:00:00+08:00');
    const body = { ...entry, remarks: 'MES confirmation MES-CONF-0002-0010-1', docstatus: 1 };
    const saved = await call('/api/resource/Stock%20Entry', { method: 'POST', body });
    assert.equal(saved.status, 200);
    const doc = saved.body.data as Record<string, unknown>;
    assert.equal(doc.name, 'MAT-STE-2026-00001');
    assert.equal(doc.docstatus, 1);
    const again = await call('/api/resource/Stock%20Entry', { method: 'POST', body });
    assert.equal((again.body.data as Record<string, unknown>).name, 'MAT-STE-2026-00002', 'no idempotency key: the same body is stored twice');
    assert.deepEqual(
      dialect.writes().map((w) => w.id),
      ['MAT-STE-2026-00001', 'MAT-STE-2026-00002'],
    );
    const found = await list('Stock Entry', {
      fields: ['name', 'docstatus', 'fg_completed_qty'],
      filters: [
        ['work_order', '=', 'MO-2026-0002'],
        ['remarks', 'like', '%MES-CONF-0002-0010-1%'],
      ],
    });
    // Without order_by the list comes newest modified first (the doctype's default sort).
    assert.deepEqual(rows(found), [
      { name: 'MAT-STE-2026-00002', docstatus: 1, fg_completed_qty: 500 },
      { name: 'MAT-STE-2026-00001', docstatus: 1, fg_completed_qty: 500 },
    ]);
    const after = rows(await list('Work Order', { fields: ['modified', 'produced_qty', 'status'], filters: [['name', '=', 'MO-2026-0002']] }))[0];
    assert.equal(after.produced_qty, 1000);
    assert.equal(after.status, 'In Process');
    assert.ok(String(after.modified) > String(before.modified), 'produced_qty moves modified');
    const over = await call('/api/resource/Stock%20Entry', { method: 'POST', body: { ...body, fg_completed_qty: 10_000_000 } });
    assert.equal(over.status, 417);
    assert.equal(over.body.exc_type, 'StockOverProductionError');
    const mandatory = await call('/api/resource/Stock%20Entry', { method: 'POST', body: { purpose: 'Manufacture', docstatus: 1 } });
    assert.equal(mandatory.status, 417);
    assert.equal(mandatory.body.exc_type, 'MandatoryError');
    assert.match(String(mandatory.body.exception), /\[Stock Entry, MAT-STE-2026-00003\]: company, items/);
    assert.equal(dialect.writes().length, 2, 'refused writes are not stored');
  });

  it('replaces a Job Card time_logs table on PUT, so a client must send earlier rows back', async () => {
    const cards = await list('Job Card', { fields: ['name', 'operation', 'workstation', 'for_quantity'], filters: [['work_order', '=', 'MO-2026-0001']], order_by: 'sequence_id asc' });
    assert.equal(cards.status, 200);
    const card = rows(cards)[0];
    assert.equal(card.operation, erp.order('MO-2026-0001')!.operations[0].opCode);
    const path = `/api/resource/Job%20Card/${String(card.name)}`;
    const first = { from_time: '2026-11-21 08:00:00', to_time: '2026-11-21 09:00:00', completed_qty: 1200 };
    const put1 = await call(path, { method: 'PUT', body: { time_logs: [first] } });
    assert.equal(put1.status, 200);
    const logs1 = (put1.body.data as { time_logs: Array<Record<string, unknown>> }).time_logs;
    assert.equal(logs1[0].time_in_mins, 60);
    const second = { from_time: '2026-11-21 09:00:00', to_time: '2026-11-21 10:00:00', completed_qty: 800 };
    await call(path, { method: 'PUT', body: { time_logs: [...logs1, second] } });
    const read = await call(path);
    const doc = read.body.data as { time_logs: Array<Record<string, unknown>>; total_completed_qty: number; status: string };
    assert.deepEqual(
      doc.time_logs.map((l) => l.completed_qty),
      [1200, 800],
    );
    assert.equal(doc.total_completed_qty, 2000);
    assert.equal(doc.status, 'Work In Progress');
    await call(path, { method: 'PUT', body: { time_logs: [second] } });
    const replaced = (await call(path)).body.data as { time_logs: unknown[] };
    assert.equal(replaced.time_logs.length, 1, 'rows left out of the PUT are deleted');
    const backwards = await call(path, { method: 'PUT', body: { time_logs: [{ from_time: '2026-11-21 10:00:00', to_time: '2026-11-21 09:00:00', completed_qty: 1 }] } });
    assert.equal(backwards.status, 417);
    assert.equal(serverMessage(backwards.body), 'Row 1: From time must be less than to time');
    assert.equal(dialect.writes().length, 3);
    const draft = rows(await list('Job Card', { filters: [['work_order', '=', erp.orders().find((o) => o.status === 'created')!.orderNo]] }));
    assert.equal(draft.length, 0, 'a Draft Work Order has no Job Cards');
  });
});
