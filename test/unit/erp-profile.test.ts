// The ERP profile engine: time formats, loading and checking profiles, and the worked in-house profile
// (test/schemas/erp-profile/valid/in-house-erp.json) pulling and pushing against a real local HTTP server
// that speaks that ERP's dialect: page numbers, an API-key header, errors inside HTTP 200.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErpHttpClient } from '../../nodes/lib/erp/http-client';
import { ProfileSession, loadProfile, preset, presetIds, profileConfirmationWriter, profileOrdersReader } from '../../nodes/lib/erp/profile';
import { formatChangeTime, parseChangeTime } from '../../nodes/lib/time-format';
import { OrderFetcher } from '../../nodes/lib/plan-sync/order-fetch';
import { SqliteStore } from '../../nodes/lib/stores/sqlite-store';
import { schemasDirectory } from '../../nodes/lib/validation';

const inHouse = JSON.parse(readFileSync(join(dirname(schemasDirectory()), 'test/schemas/erp-profile/valid/in-house-erp.json'), 'utf8'));

describe('ERP change times', () => {
  it('writes an instant the way each ERP filters on it', () => {
    const t = '2026-11-20T08:30:05.250+08:00';
    assert.equal(formatChangeTime(t, 'compact', 'UTC'), '20261120003005');
    assert.equal(formatChangeTime(t, 'sql', 'Asia/Shanghai'), '2026-11-20 08:30:05');
    assert.equal(formatChangeTime(t, 'sql-micro', 'Asia/Shanghai'), '2026-11-20 08:30:05.250000');
    assert.equal(formatChangeTime(t, 'iso', 'Asia/Shanghai'), '2026-11-20T08:30:05+08:00');
    assert.equal(formatChangeTime(t, 'iso-utc'), '2026-11-20T00:30:05Z');
    assert.equal(formatChangeTime('2026-07-01T12:00:00Z', 'iso', 'Europe/Berlin'), '2026-07-01T14:00:00+02:00');
  });

  it('reads ERP times back, naive ones in the profile time zone', () => {
    assert.equal(parseChangeTime('20261120003005', 'UTC'), '2026-11-20T00:30:05.000Z');
    assert.equal(parseChangeTime('2026-11-20 08:30:05.123456', 'Asia/Shanghai'), '2026-11-20T00:30:05.123Z');
    assert.equal(parseChangeTime('/Date(1795134605000)/'), new Date(1795134605000).toISOString());
    assert.equal(parseChangeTime('2026-03-29 02:30:00', 'Europe/Berlin'), '2026-03-29T01:30:00.000Z', 'a wall time in the DST gap still reads');
    assert.equal(parseChangeTime(false), undefined, "Odoo's false for an unset date");
  });
});

describe('loading ERP profiles', () => {
  it('every shipped preset is a valid profile whose expressions compile', () => {
    assert.ok(presetIds().includes('generic-rest'));
    for (const id of presetIds()) assert.doesNotThrow(() => loadProfile(preset(id), `preset ${id}`));
  });

  it('names the field of a JSONata expression that does not parse', () => {
    const broken = structuredClone(inHouse);
    broken.pull.map = '{ "orderNo": ddh, ';
    assert.throws(() => loadProfile(broken), /ERP profile 'In-house ERP \(worked example\)' pull\.map: the JSONata expression does not parse/);
  });

  it('names the field that breaks the profile schema, and bad JSON text', () => {
    const broken = structuredClone(inHouse);
    delete broken.pull.items;
    assert.throws(() => loadProfile(broken, 'the custom profile'), /the custom profile is not a valid ERP profile: profile\.pull\.items is required/);
    assert.throws(() => loadProfile('{ "id": ', 'the custom profile'), /the custom profile is not valid JSON/);
    const zone = structuredClone(inHouse);
    zone.pull.changeTime.timeZone = 'Mars/Olympus';
    assert.throws(() => loadProfile(zone), /'Mars\/Olympus' is not a time zone/);
  });
});

describe('the worked in-house profile against its ERP', () => {
  let server: http.Server;
  let base: string;
  const orders: Array<Record<string, unknown>> = [];
  const reports: Array<Record<string, unknown>> = [];
  let failNext = false;
  let ignoreFilter = false;

  before(async () => {
    for (let i = 1; i <= 23; i++) {
      orders.push({
        ddh: `SC-${String(i).padStart(4, '0')}`,
        bbh: '1',
        zt: '已下达',
        cpbm: 'FG-100234',
        cpmc: '一次性使用输液器',
        sl: '500.000',
        dw: 'PCS',
        jhwgrq: '2026-12-01 17:00:00',
        yxj: 3,
        gc: '1010',
        // Several orders share a change second, as they do in a real ERP.
        xgsj: `2026-11-20 08:${String(Math.floor(i / 4)).padStart(2, '0')}:00`,
        gxlb: [{ gxh: '0010', gxdm: 'ASSY', gzzx: 'WC-ASM01', jhks: '2026-11-25 08:00:00', jhjs: '2026-11-25 12:00:00', dejs: '12.5' }],
        bom: [{ wlbm: 'RM-200101', dwyl: '0.018', dw: 'KG' }],
      });
    }
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const reply = (body: unknown) => res.end(JSON.stringify(body));
      if (req.headers['x-api-key'] !== 'secret-key') return reply({ code: 401, msg: 'API key 无效' });
      if (failNext) {
        failNext = false;
        return reply({ code: 5001, msg: '数据库连接失败' });
      }
      if (url.pathname === '/erp/api/scdd/list') {
        const since = url.searchParams.get('xgsjBegin');
        const size = Number(url.searchParams.get('pageSize'));
        const page = Number(url.searchParams.get('pageNo'));
        const rows = orders.filter((o) => !since || String(o.xgsj) >= since).sort((a, b) => `${a.xgsj}${a.ddh}`.localeCompare(`${b.xgsj}${b.ddh}`));
        return reply({ code: 0, msg: 'ok', data: { rows: rows.slice((page - 1) * size, page * size), total: rows.length } });
      }
      // Some ERPs ignore a filter on a field they cannot filter and answer every row.
      if (url.pathname === '/erp/api/bgd/list') return reply({ code: 0, data: { rows: ignoreFilter ? reports : reports.filter((r) => r.wbdh === url.searchParams.get('wbdh')) } });
      if (url.pathname === '/erp/api/bgd/save') {
        let body = '';
        req.on('data', (d) => (body += d));
        req.on('end', () => {
          const report = { ...JSON.parse(body), id: `BG${reports.length + 1}` };
          reports.push(report);
          reply({ code: 0, data: { id: report.id } });
        });
        return;
      }
      res.statusCode = 404;
      reply({ code: 404, msg: 'no such API' });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/erp`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  function session(token = 'secret-key') {
    const client = new ErpHttpClient({ name: 'In-house', baseUrl: base, auth: { kind: 'none' }, timeoutMs: 2000 });
    return new ProfileSession(client, loadProfile(inHouse), { token });
  }

  it('pulls every order once across page numbers, mapped to valid production orders', async () => {
    const store = new SqliteStore(':memory:');
    const s = session();
    try {
      // Page size 5 against ties of four orders per second: keyset offsets fall inside pages.
      const fetcher = new OrderFetcher({ store, stateKey: 'in-house', readPage: profileOrdersReader(s), pageSize: 5, firstRunFrom: { kind: 'beginning' }, source: 'ERP endpoint In-house', overlapSeconds: 2 });
      const got: string[] = [];
      const invalid: string[] = [];
      await fetcher.run({ onOrder: (o) => got.push(o.orderNo), onInvalid: (_i, m) => invalid.push(m) });
      assert.deepEqual(invalid, []);
      assert.deepEqual([...got].sort(), orders.map((o) => String(o.ddh)).sort());
      orders[3] = { ...orders[3], bbh: '2', sl: '800', xgsj: '2026-11-20 09:00:00' };
      const again: string[] = [];
      await fetcher.run({ onOrder: (o) => again.push(`${o.orderNo}#${o.revision}`), onInvalid: () => {} });
      assert.deepEqual(again, ['SC-0004#2']);
    } finally {
      s.client.close();
      await store.close();
    }
  });

  it('turns an error inside an HTTP 200 into an error carrying the ERP message', async () => {
    const s = session();
    try {
      failNext = true;
      await assert.rejects(profileOrdersReader(s)({ offset: 0, limit: 5 }), /ERP endpoint 'In-house' \(.*\/erp\/api\/scdd\/list\?.*\) answered with an error: 数据库连接失败/);
      await assert.rejects(profileOrdersReader(session('wrong'))({ offset: 0, limit: 5 }), /answered with an error: API key 无效/);
    } finally {
      s.client.close();
    }
  });

  it('writes a confirmation once per key, looking it up before writing', async () => {
    const s = session();
    try {
      const write = profileConfirmationWriter(s);
      const confirmation = { orderNo: 'SC-0001', opNo: '0010', yieldQty: 480, scrapQty: 20, unit: 'PCS', finalConfirmation: true, postedAt: '2026-11-25T12:00:00+08:00', key: 'MES-EV-1' };
      assert.deepEqual(await write(confirmation), { id: 'BG1', alreadyThere: false });
      assert.deepEqual(await write(confirmation), { id: 'BG1', alreadyThere: true });
      assert.equal(reports.length, 1);
      assert.deepEqual({ ddh: reports[0].ddh, hgsl: reports[0].hgsl, wbdh: reports[0].wbdh }, { ddh: 'SC-0001', hgsl: 480, wbdh: 'MES-EV-1' });
    } finally {
      s.client.close();
    }
  });

  it("writes a second key even when the ERP ignores the lookup's filter, and still finds the first", async () => {
    const s = session();
    ignoreFilter = true;
    try {
      const write = profileConfirmationWriter(s);
      const confirmation = { orderNo: 'SC-0001', opNo: '0010', yieldQty: 480, scrapQty: 20, unit: 'PCS', finalConfirmation: false, postedAt: '2026-11-25T12:00:00+08:00', key: 'MES-EV-11' };
      assert.equal((await write(confirmation)).alreadyThere, false);
      assert.deepEqual(await write({ ...confirmation, key: 'MES-EV-12', yieldQty: 20 }), { id: `BG${reports.length}`, alreadyThere: false });
      assert.equal((await write(confirmation)).alreadyThere, true);
      assert.deepEqual(
        reports.slice(-2).map((r) => r.wbdh),
        ['MES-EV-11', 'MES-EV-12'],
      );
    } finally {
      ignoreFilter = false;
      s.client.close();
    }
  });
});

describe('profile engine: server-driven next links, total counts and signed requests', () => {
  it("follows SAP's d.__next links when the server pages below the requested page size", async () => {
    const { SimulatedErp } = await import('../../server/simulator/erp');
    const { createPrng } = await import('../../server/simulator/seed');
    const { createSapDialect } = await import('../../server/simulator/dialects/sap');
    const express = (await import('express')).default;
    const erp = new SimulatedErp({ user: 'u', password: 'p', seedOrders: 250, now: () => new Date('2026-11-20T10:00:00+08:00'), rng: createPrng(7) });
    const sap = createSapDialect(erp, { user: 'u', password: 'p', serverPageSize: 40, now: () => new Date('2026-11-20T10:00:00+08:00') });
    const app = express();
    app.use('/sap', sap.router);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const client = new ErpHttpClient({ name: 'SAP', baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sap`, auth: { kind: 'basic', username: 'u', password: 'p' }, timeoutMs: 5000 });
    const store = new SqliteStore(':memory:');
    try {
      const session = new ProfileSession(client, preset('sap-s4hana-odata-v2'), { username: 'u', password: 'p' });
      const fetcher = new OrderFetcher({ store, stateKey: 'sap', readPage: profileOrdersReader(session), pageSize: 100, firstRunFrom: { kind: 'beginning' }, source: 'SAP', release: 'all' });
      const got: string[] = [];
      await fetcher.run({ onOrder: (o) => got.push(o.orderNo), onInvalid: (_i, m) => assert.fail(m) });
      assert.equal(new Set(got).size, 250);
      assert.equal(got.length, 250);
    } finally {
      client.close();
      await store.close();
      sap.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('signs each request with HMAC-SHA256 and stops paging at the total count the ERP reports', async () => {
    const { createHmac } = await import('node:crypto');
    const rows = Array.from({ length: 7 }, (_, i) => ({ id: `W${i + 1}`, t: `2026-11-20T0${i}:00:00Z` }));
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const ts = String(req.headers['x-timestamp']);
      const expected = createHmac('sha256', 'signing-secret').update(`${ts}\n${url.pathname}`).digest('hex');
      if (req.headers['x-signature'] !== `v1=${expected}`) {
        res.statusCode = 401;
        return res.end('{"message":"bad signature"}');
      }
      seen.push(url.search);
      const from = Number(url.searchParams.get('from'));
      // Always answers full pages of 3 while rows last: only the total tells where the list ends.
      res.end(JSON.stringify({ total: rows.length, list: rows.slice(from, from + 3) }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const profile = loadProfile({
      id: 'signed-erp',
      name: 'Signed ERP',
      auth: { kind: 'signed', header: 'X-Signature', algorithm: 'hmac-sha256', message: '$timestamp & "\\n" & $path', value: '"v1=" & $signature' },
      headers: '{ "X-Timestamp": $string($floor($millis() / 1000)) }',
      pull: {
        request: { method: 'GET', path: 'orders', query: '{ "from": $offset, "size": $limit }' },
        changeTime: { format: 'iso-utc', timeZone: 'UTC' },
        pageSize: 3,
        paging: { kind: 'total', total: 'total' },
        items: 'list',
        map: '{ "id": id, "updatedAt": $erpTime(t) }',
      },
    });
    const client = new ErpHttpClient({ name: 'Signed', baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, auth: { kind: 'none' }, timeoutMs: 2000 });
    try {
      const read = profileOrdersReader(new ProfileSession(client, profile, { password: 'signing-secret' }));
      const page = await read({ offset: 6, limit: 3 });
      assert.deepEqual(
        (page.items as Array<{ id: string }>).map((o) => o.id),
        ['W7'],
      );
      assert.deepEqual(seen, ['?from=6&size=3']);
      const wrong = profileOrdersReader(new ProfileSession(client, profile, { password: 'other' }));
      await assert.rejects(wrong({ offset: 0, limit: 3 }), /refused the credentials \(HTTP 401\)/);
    } finally {
      client.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
