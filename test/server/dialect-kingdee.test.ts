import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimulatedErp } from '../../server/simulator/erp';
import { createPrng } from '../../server/simulator/seed';
import { createKingdeeDialect, KINGDEE_MAX_ROWS } from '../../server/simulator/dialects/kingdee';
import { validate } from '../../nodes/lib/validation';
import type { ProductionOrder } from '../../server/simulator/types';

const PLANT_NOW = new Date('2026-11-20T10:00:00+08:00');
const K3 = '/kingdee/k3cloud/Kingdee.BOS.WebApi.ServicesStub';
const LOGIN = `${K3}.AuthService.LoginByAppSecret.common.kdsvc`;
const VALIDATE_USER = `${K3}.AuthService.ValidateUser.common.kdsvc`;
const QUERY = `${K3}.DynamicFormService.ExecuteBillQuery.common.kdsvc`;
const SAVE = `${K3}.DynamicFormService.Save.common.kdsvc`;
const APP_LOGIN = ['6571d8f1a2c3e4', 'mes-bridge', '301451_demoMesBridge', 'demo-kingdee-app-secret-0000001', 2052];
const SESSION_LOST = '会话信息已丢失，请重新登录';
const MO_KEYS = 'FBillNo,FTreeEntity_FEntryId,FTreeEntity_FSeq,FModifyDate,FMaterialId.FNumber,FMaterialId.FName,FQty,FUnitId.FNumber,FPlanFinishDate,FStatus,F_PAEZ_Priority,FPrdOrgId.FNumber';

type Query = Record<string, unknown>;
type ErrorEnvelope = { Result: { ResponseStatus: { IsSuccess: boolean; MsgCode: number; ErrorCode?: number; Errors: Array<{ FieldName: string | null; Message: string }> } } };

interface Plant {
  url: string;
  erp: SimulatedErp;
  dialect: ReturnType<typeof createKingdeeDialect>;
  setClock(d: Date): void;
  close(): Promise<void>;
}

async function startPlant(seedOrders: number, timeZone?: string, extensions = true): Promise<Plant> {
  let clock = PLANT_NOW;
  const now = () => clock;
  const erp = new SimulatedErp({ user: 'erp-bridge', password: 'demo-erp-pass', seedOrders, now, rng: createPrng(20261010) });
  const dialect = createKingdeeDialect(erp, { now, timeZone, extensions });
  const app = express();
  app.use('/kingdee', dialect.router);
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    erp,
    dialect,
    setClock: (d) => void (clock = d),
    close: () =>
      new Promise<void>((resolve, reject) => {
        dialect.close();
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function post(plant: Plant, path: string, body: unknown, cookie?: string) {
  const res = await fetch(`${plant.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as unknown, setCookies: res.headers.getSetCookie() };
}

async function login(plant: Plant): Promise<string> {
  const res = await post(plant, LOGIN, { parameters: APP_LOGIN });
  const session = res.setCookies.map((c) => c.split(';')[0]).find((c) => c.startsWith('kdservice-sessionid='));
  assert.ok(session, `login set no kdservice-sessionid cookie: ${res.text}`);
  return session;
}

async function query(plant: Plant, cookie: string, q: Query): Promise<unknown[][]> {
  const res = await post(plant, QUERY, { parameters: [JSON.stringify(q)] }, cookie);
  assert.equal(res.status, 200);
  return res.json() as unknown[][];
}

/** The error K/3 Cloud hides inside the 200 array, or undefined when the answer is data rows. */
function hiddenError(rows: unknown[][]): ErrorEnvelope['Result']['ResponseStatus'] | undefined {
  const first = rows[0]?.[0] as ErrorEnvelope | undefined;
  return first && typeof first === 'object' && 'Result' in first ? first.Result.ResponseStatus : undefined;
}

const plantLocal = (iso: string) => new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 19);

// Most of this suite reads an install with one customer's BOS extensions (F_PAEZ_Priority, F_PAEZ_QCSpec), to
// check that every field round-trips; the last test checks that a stock install has none of them.
describe('Kingdee K/3 Cloud dialect', () => {
  let plant: Plant;
  let cookie: string;
  before(async () => {
    plant = await startPlant(250);
  });
  after(() => plant.close());
  beforeEach(async () => {
    plant.setClock(PLANT_NOW);
    cookie = await login(plant);
  });

  it('LoginByAppSecret answers LoginResultType 1 with KDSVCSessionId and sets the kdservice-sessionid cookie', async () => {
    const res = await post(plant, LOGIN, { parameters: APP_LOGIN });
    const body = res.json() as { LoginResultType: number; KDSVCSessionId: string; IsSuccessByAPI: boolean; Context: { UserName: string } };
    assert.equal(res.status, 200);
    assert.equal(body.LoginResultType, 1);
    assert.equal(body.IsSuccessByAPI, true);
    assert.equal(body.Context.UserName, 'mes-bridge');
    assert.ok(res.setCookies.some((c) => c.startsWith(`kdservice-sessionid=${body.KDSVCSessionId};`)));
  });

  it('a wrong app secret is refused in a 200 with LoginResultType 0, a message and no session cookie', async () => {
    const res = await post(plant, LOGIN, { parameters: [...APP_LOGIN.slice(0, 3), 'wrong-secret', 2052] });
    const body = res.json() as { LoginResultType: number; Message: string; KDSVCSessionId: null };
    assert.equal(res.status, 200);
    assert.equal(body.LoginResultType, 0);
    assert.match(body.Message, /AppSecret/);
    assert.equal(body.KDSVCSessionId, null);
    assert.equal(res.setCookies.length, 0);
  });

  it('ValidateUser takes named arguments and refuses a wrong password with 用户名或密码错误', async () => {
    const ok = await post(plant, VALIDATE_USER, { acctid: '6571d8f1a2c3e4', username: 'mes-bridge', password: 'demo-kingdee-pass', lcid: 2052 });
    assert.equal((ok.json() as { LoginResultType: number }).LoginResultType, 1);
    const bad = await post(plant, VALIDATE_USER, { acctid: '6571d8f1a2c3e4', username: 'mes-bridge', password: 'nope', lcid: 2052 });
    assert.deepEqual([(bad.json() as { LoginResultType: number }).LoginResultType, (bad.json() as { Message: string }).Message], [0, '用户名或密码错误！']);
  });

  it('a query without a session answers HTTP 200 with 会话信息已丢失 (MsgCode 1) hidden in the array', async () => {
    const res = await post(plant, QUERY, { parameters: [JSON.stringify({ FormId: 'PRD_MO', FieldKeys: 'FBillNo' })] });
    assert.equal(res.status, 200);
    const status = hiddenError(res.json() as unknown[][]);
    assert.deepEqual([status?.IsSuccess, status?.MsgCode, status?.Errors[0].Message], [false, 1, SESSION_LOST]);
  });

  it('serves every order as one PRD_MO entry line, rows as arrays in FieldKeys order, up to 3 lines per bill', async () => {
    const rows = await query(plant, cookie, { FormId: 'PRD_MO', FieldKeys: MO_KEYS, OrderString: 'FBillNo ASC, FTreeEntity_FSeq ASC', Limit: 1000 });
    assert.equal(rows.length, 250);
    const keys = new Set(rows.map((r) => `${r[0]}/${r[1]}`));
    assert.equal(keys.size, 250, 'FBillNo + FTreeEntity_FEntryId identifies each line');
    const bills = new Map<string, unknown[][]>();
    for (const r of rows) bills.set(String(r[0]), [...(bills.get(String(r[0])) ?? []), r]);
    assert.equal(bills.size, Math.ceil(250 / 3));
    for (const [billNo, lines] of bills) {
      assert.ok(lines.length <= 3, `${billNo} has ${lines.length} lines`);
      assert.equal(new Set(lines.map((l) => l[3])).size, 1, `${billNo}: FModifyDate is one header value for all its lines`);
      const orders = lines.map((l) => plant.erp.order(plant.dialect.orderNoOf(billNo, l[2] as number) as string) as ProductionOrder);
      assert.equal(
        lines[0][3],
        plantLocal(
          orders
            .map((o) => o.updatedAt)
            .sort()
            .pop() as string,
        ),
        `${billNo}: FModifyDate is its latest line change, in server local time`,
      );
      lines.forEach((l, i) => {
        const o = orders[i];
        assert.deepEqual(l.slice(4), [o.productCode, o.productName, o.quantity, o.unit, plantLocal(o.dueDate), o.status === 'created' ? '1' : '3', o.priority, o.plant]);
      });
    }
  });

  it('pages with StartRow/Limit in a stable order until a short page, and never returns more than 10000 rows', async () => {
    const seen: string[] = [];
    for (let start = 0; ; start += 100) {
      const page = await query(plant, cookie, { FormId: 'PRD_MO', FieldKeys: 'FBillNo,FTreeEntity_FEntryId', OrderString: 'FModifyDate ASC,FBillNo ASC,FTreeEntity_FEntryId ASC', StartRow: start, Limit: 100 });
      seen.push(...page.map((r) => `${r[0]}/${r[1]}`));
      if (page.length < 100) break;
    }
    assert.equal(seen.length, 250);
    assert.equal(new Set(seen).size, 250);
    const big = await startPlant(2200);
    try {
      const c = await login(big);
      const capped = await query(big, c, { FormId: 'SFC_OperationPlanning', FieldKeys: 'FSubEntity_FDetailID', Limit: 20000 });
      const rest = await query(big, c, { FormId: 'SFC_OperationPlanning', FieldKeys: 'FSubEntity_FDetailID', StartRow: KINGDEE_MAX_ROWS, Limit: 0 });
      const total = big.erp.orders().reduce((n, o) => n + o.operations.length, 0);
      assert.ok(total > KINGDEE_MAX_ROWS, 'the fixture has more operation rows than one call may return');
      assert.equal(capped.length, KINGDEE_MAX_ROWS);
      assert.equal(rest.length, total - KINGDEE_MAX_ROWS);
    } finally {
      await big.close();
    }
  });

  it('filters FModifyDate in server local time with the SQL operator as written (> exclusive, >= inclusive), and sees a later change', async () => {
    const rows = await query(plant, cookie, { FormId: 'PRD_MO', FieldKeys: 'FBillNo,FTreeEntity_FSeq,FModifyDate', OrderString: 'FModifyDate DESC' });
    const newest = String(rows[0][2]);
    const atNewest = rows.filter((r) => r[2] === newest).length;
    assert.equal((await query(plant, cookie, { FormId: 'PRD_MO', FieldKeys: 'FBillNo', FilterString: `FModifyDate > '${newest.replace('T', ' ')}'` })).length, 0);
    assert.equal((await query(plant, cookie, { FormId: 'PRD_MO', FieldKeys: 'FBillNo', FilterString: `FModifyDate >= '${newest.replace('T', ' ')}'` })).length, atNewest);

    // The seed stamps changes up to a day after midnight; change one order an hour after the newest.
    const changeAt = new Date(Date.parse(`${newest}+08:00`) + 3600_000 + 7000);
    plant.setClock(changeAt);
    cookie = await login(plant); // hours later: the morning's session has idled out
    const target = plant.erp.order('MO-2026-0100') as ProductionOrder;
    plant.erp.upsertOrder({ ...target, quantity: target.quantity + 500 });
    const changed = await query(plant, cookie, { FormId: 'PRD_MO', FieldKeys: 'FBillNo,FTreeEntity_FSeq,FQty,FModifyDate', FilterString: `FModifyDate > '${newest}' AND FDocumentStatus <> 'Z'` });
    const orderNos = changed.map((r) => plant.dialect.orderNoOf(String(r[0]), r[1] as number));
    assert.ok(orderNos.includes('MO-2026-0100'));
    assert.deepEqual(new Set(changed.map((r) => r[0])).size, 1, 'only the changed bill comes back, with all its lines');
    assert.ok(
      changed.every((r) => r[3] === plantLocal(changeAt.toISOString())),
      'the new change time is served in plant-local time',
    );
    assert.equal(changed.find((r) => plant.dialect.orderNoOf(String(r[0]), r[1] as number) === 'MO-2026-0100')?.[2], target.quantity + 500);
  });

  it('serves times in the configured server zone: a UTC server shows 02:05:07 for the same change', async () => {
    const utc = await startPlant(6, 'UTC');
    try {
      utc.setClock(new Date('2026-11-20T10:05:07+08:00'));
      const order = utc.erp.order('MO-2026-0001') as ProductionOrder;
      utc.erp.upsertOrder({ ...order, priority: order.priority === 1 ? 2 : 1 });
      const c = await login(utc);
      const rows = await query(utc, c, { FormId: 'PRD_MO', FieldKeys: 'FModifyDate', FilterString: "FModifyDate >= '2026-11-20 02:05:07'" });
      assert.deepEqual(rows, [['2026-11-20T02:05:07'], ['2026-11-20T02:05:07'], ['2026-11-20T02:05:07']]);
    } finally {
      await utc.close();
    }
  });

  it('refuses a zoned literal, an unknown field key, an unknown form and bad syntax with errors hidden in a 200', async () => {
    const cases: Array<[Query, RegExp]> = [
      [{ FormId: 'PRD_MO', FieldKeys: 'FBillNo', FilterString: "FModifyDate >= '2026-11-19T08:30:00+08:00'" }, /从字符串转换日期和\/或时间时，转换失败/],
      [{ FormId: 'PRD_MO', FieldKeys: 'FBillNo,FNoSuchField' }, /^元数据中标识为FNoSuchField的字段不存在$/],
      [{ FormId: 'PRD_MO', FieldKeys: 'FBillNo', OrderString: 'FNope ASC' }, /^元数据中标识为FNope的字段不存在$/],
      [{ FormId: 'PRD_NOPE', FieldKeys: 'FBillNo' }, /^业务对象不存在$/],
      [{ FormId: 'PRD_MO', FieldKeys: 'FBillNo', FilterString: "FBillNo = 'MO000001' AND" }, /附近有语法错误/],
      [{ FormId: 'PRD_MO', FieldKeys: 'FBillNo', Limit: -1 }, /Limit 应为非负整数/],
    ];
    for (const [q, message] of cases) {
      const status = hiddenError(await query(plant, cookie, q));
      assert.equal(status?.IsSuccess, false, JSON.stringify(q));
      assert.equal(status?.MsgCode, 9);
      assert.match(status?.Errors[0].Message ?? '', message);
    }
  });

  it('answers a body that is not JSON, or lacks the query argument, with response_error: in a 200', async () => {
    for (const body of ['{"parameters":[', '{"nothing":1}', '{"parameters":["not json"]}']) {
      const res = await post(plant, QUERY, body, cookie);
      assert.equal(res.status, 200);
      assert.match(res.text, /^response_error:\{"Message":"/, body);
    }
  });

  it('accepts {"data": {...}} bodies and case-insensitive field keys, and filters by IN and LIKE', async () => {
    const res = await post(
      plant,
      QUERY,
      { data: { formid: 'prd_mo', fieldkeys: 'fbillno,FTREEENTITY_FSEQ', FilterString: "FBillNo IN ('MO000001','mo000002') AND FMaterialId.FNumber LIKE 'FG-%'", OrderString: 'FBillNo,FTreeEntity_FSeq' } },
      cookie,
    );
    assert.deepEqual(res.json(), [
      ['MO000001', 1],
      ['MO000001', 2],
      ['MO000001', 3],
      ['MO000002', 1],
      ['MO000002', 2],
      ['MO000002', 3],
    ]);
  });

  it('a session idle for more than 20 minutes is lost; use within 20 minutes keeps it alive; login again recovers', async () => {
    const q = { FormId: 'PRD_MO', FieldKeys: 'FBillNo', Limit: 1 };
    plant.setClock(new Date(PLANT_NOW.getTime() + 19 * 60_000));
    assert.equal(hiddenError(await query(plant, cookie, q)), undefined);
    plant.setClock(new Date(PLANT_NOW.getTime() + 38 * 60_000));
    assert.equal(hiddenError(await query(plant, cookie, q)), undefined, 'the idle clock restarted at the last call');
    plant.setClock(new Date(PLANT_NOW.getTime() + 59 * 60_000));
    assert.equal(hiddenError(await query(plant, cookie, q))?.Errors[0].Message, SESSION_LOST);
    assert.equal(hiddenError(await query(plant, await login(plant), q)), undefined);
  });

  it('expireSessions() makes the next call answer exactly like an expired session', async () => {
    plant.dialect.expireSessions();
    const status = hiddenError(await query(plant, cookie, { FormId: 'PRD_MO', FieldKeys: 'FBillNo' }));
    assert.deepEqual([status?.MsgCode, status?.ErrorCode, status?.Errors[0].Message], [1, 500, SESSION_LOST]);
  });

  it('injectError fails only the next pull with the chosen error shape, and refuses unknown kinds', async () => {
    const q = { FormId: 'PRD_MO', FieldKeys: 'FBillNo', Limit: 1 };
    plant.dialect.injectError('unknown-field');
    assert.equal(hiddenError(await query(plant, cookie, q))?.Errors[0].Message, '元数据中标识为FBillNo的字段不存在');
    assert.deepEqual(await query(plant, cookie, q), [['MO000001']]);
    plant.dialect.injectError('sql-timeout');
    assert.match(hiddenError(await query(plant, cookie, q))?.Errors[0].Message ?? '', /执行超时已过期/);
    plant.dialect.injectError('response-error');
    assert.match((await post(plant, QUERY, { parameters: [JSON.stringify(q)] }, cookie)).text, /^response_error:/);
    assert.throws(() => plant.dialect.injectError('teapot'), /session-lost, unknown-field, sql-timeout, response-error/);
  });

  it('maps back to valid production orders: PRD_MO lines + SFC_OperationPlanning + PRD_PPBOM give every field of the order', async () => {
    const mo = await query(plant, cookie, { FormId: 'PRD_MO', FieldKeys: `${MO_KEYS},FPlanStartDate`, Limit: 1000 });
    const ops = await query(plant, cookie, {
      FormId: 'SFC_OperationPlanning',
      FieldKeys: 'FMONumber,FMOEntrySeq,FOperNumber,FProcessId.FNumber,FOperDescription,FWorkCenterId.FNumber,FOperPlanStartTime,FOperPlanFinishTime,FActivity1Qty,F_PAEZ_QCSpec',
      OrderString: 'FMONumber,FMOEntrySeq,FOperNumber',
      Limit: 10000,
    });
    const bom = await query(plant, cookie, {
      FormId: 'PRD_PPBOM',
      FieldKeys: 'FMOBillNO,FMOEntrySeq,FMaterialID2.FNumber,FMaterialID2.FName,FNumerator,FDenominator,FUnitID2.FNumber,FScrapRate,FOperID',
      OrderString: 'FMOBillNO,FMOEntrySeq,FEntity_FSeq',
      Limit: 10000,
    });
    const zoned = (local: unknown) => `${String(local)}+08:00`;
    const pad = (n: unknown) => String(n).padStart(4, '0');
    for (const line of mo) {
      const [billNo, , seq] = line;
      const of = (r: unknown[]) => r[0] === billNo && r[1] === seq;
      const rebuilt = {
        orderNo: `${billNo}-${seq}`,
        revision: 0,
        status: line[9] === '1' ? 'created' : 'released',
        productCode: line[4],
        productName: line[5],
        quantity: line[6],
        unit: line[7],
        dueDate: zoned(line[8]),
        priority: line[10],
        plant: line[11],
        operations: ops.filter(of).map((o) => ({ opNo: pad(o[2]), opCode: o[3], description: o[4], workCentre: o[5], plannedStart: zoned(o[6]), plannedEnd: zoned(o[7]), stdTimePerUnitSec: o[8], qcSpecRef: o[9] })),
        bom: bom.filter(of).map((b) => ({ materialCode: b[2], materialName: b[3], qtyPer: (b[4] as number) / (b[5] as number), unit: b[6], issueTolerancePct: b[7], opNo: pad(b[8]) })),
        updatedAt: zoned(line[3]),
      };
      assert.ok(validate('production-order', rebuilt).ok, `${billNo}-${seq}: ${JSON.stringify(validate('production-order', rebuilt))}`);
      const original = plant.erp.order(plant.dialect.orderNoOf(String(billNo), seq as number) as string) as ProductionOrder;
      const { orderNo: _a, revision: _b, updatedAt: _c, ...same } = rebuilt;
      const { orderNo: _d, revision: _e, updatedAt: _f, ...expected } = original;
      assert.deepEqual(same, expected, `${billNo}-${seq} round-trips to ${original.orderNo}`);
    }
  });
});

describe('Kingdee K/3 Cloud dialect: production reports (PRD_MORPT Save)', () => {
  let plant: Plant;
  let cookie: string;
  const model = (reportNo: string, overrides: Record<string, unknown> = {}) => ({
    FDate: '2026-11-20',
    FPrdOrgId: { FNumber: '1010' },
    FDescription: `MES ${reportNo}`,
    FEntity: [{ FMaterialId: { FNumber: 'FG-100234' }, FMoBillNo: 'MO000001', FMoEntrySeq: 1, FFinishQty: 1200, FQuaQty: 1190, FFailQty: 10, ...overrides }],
  });
  before(async () => {
    plant = await startPlant(12);
    cookie = await login(plant);
  });
  after(() => plant.close());

  async function saveReport(body: unknown, c = cookie) {
    return (await post(plant, SAVE, body, c)).json() as {
      Result: { ResponseStatus: { IsSuccess: boolean; MsgCode: number; Errors: Array<{ FieldName: string | null; Message: string }>; SuccessEntitys: Array<{ Id: number; Number: string }> }; Id?: number; Number?: string };
    };
  }

  it('stores every accepted save (duplicates included) and a client finds them again by ExecuteBillQuery on PRD_MORPT', async () => {
    const line = (await query(plant, cookie, { FormId: 'PRD_MO', FieldKeys: 'FMaterialId.FNumber', FilterString: "FBillNo = 'MO000001' AND FTreeEntity_FSeq = 1" }))[0];
    const body = { formid: 'PRD_MORPT', data: { Model: model('MES-RPT-0001', { FMaterialId: { FNumber: line[0] } }) } };
    const first = await saveReport(body);
    assert.equal(first.Result.ResponseStatus.IsSuccess, true);
    assert.equal(first.Result.ResponseStatus.MsgCode, 0);
    assert.match(String(first.Result.Number), /^SCHB\d{6}$/);
    assert.deepEqual(
      first.Result.ResponseStatus.SuccessEntitys.map((e) => e.Number),
      [first.Result.Number],
    );
    const again = await saveReport({ parameters: ['PRD_MORPT', JSON.stringify(body.data)] });
    assert.notEqual(again.Result.Number, first.Result.Number, 'K/3 Cloud has no idempotency key: the same report saved twice is two bills');
    assert.deepEqual(
      plant.dialect.writes().map((w) => w.id),
      [first.Result.Number, again.Result.Number],
    );

    const found = await query(plant, cookie, { FormId: 'PRD_MORPT', FieldKeys: 'FBillNo,FMoBillNo,FMoEntrySeq,FFinishQty,FQuaQty,FFailQty,FDocumentStatus', FilterString: "FDescription LIKE 'MES MES-RPT-0001%'", OrderString: 'FBillNo' });
    assert.deepEqual(found, [
      [first.Result.Number, 'MO000001', 1, 1200, 1190, 10, 'A'],
      [again.Result.Number, 'MO000001', 1, 1200, 1190, 10, 'A'],
    ]);
    // SQL Server's LIKE: [0-9] is a class, [[] a literal bracket.
    const byClass = await query(plant, cookie, { FormId: 'PRD_MORPT', FieldKeys: 'FBillNo', FilterString: "FDescription LIKE 'MES MES-RPT-000[0-9]'", OrderString: 'FBillNo' });
    assert.equal(byClass.length, 2);
    assert.deepEqual(await query(plant, cookie, { FormId: 'PRD_MORPT', FieldKeys: 'FBillNo', FilterString: "FDescription LIKE 'MES MES-RPT-000[[]1'" }), []);
  });

  it('refuses a model missing required fields or pointing at no order line with MsgCode 11 and stores nothing', async () => {
    const before = plant.dialect.writes().length;
    const missing = await saveReport({ formid: 'PRD_MORPT', data: { Model: { FPrdOrgId: { FNumber: '1010' }, FEntity: [{ FMoBillNo: 'MO000001', FMoEntrySeq: 1 }] } } });
    assert.equal(missing.Result.ResponseStatus.IsSuccess, false);
    assert.equal(missing.Result.ResponseStatus.MsgCode, 11);
    assert.deepEqual(
      missing.Result.ResponseStatus.Errors.map((e) => e.FieldName),
      ['FMaterialId', 'FFinishQty'],
    );
    const noLine = await saveReport({ formid: 'PRD_MORPT', data: { Model: model('MES-RPT-9', { FMoBillNo: 'MO999999' }) } });
    assert.match(noLine.Result.ResponseStatus.Errors[0].Message, /生产订单“MO999999”第1行不存在/);
    const wrongSum = await saveReport({ formid: 'PRD_MORPT', data: { Model: model('MES-RPT-9', { FQuaQty: 1000 }) } });
    assert.match(wrongSum.Result.ResponseStatus.Errors[0].Message, /完成数量\(1200\)应等于合格数量\(1000\)与不合格数量\(10\)之和/);
    assert.equal(plant.dialect.writes().length, before);
  });

  it('a save without a live session answers the session-lost status object (not wrapped in arrays)', async () => {
    const res = await saveReport({ formid: 'PRD_MORPT', data: { Model: model('MES-RPT-2') } }, 'kdservice-sessionid=stale');
    assert.deepEqual([res.Result.ResponseStatus.IsSuccess, res.Result.ResponseStatus.MsgCode, res.Result.ResponseStatus.Errors[0].Message], [false, 1, SESSION_LOST]);
  });

  it('a stock install has no F_PAEZ_ fields: QueryBusinessInfo lists the stock keys only, and ExecuteBillQuery refuses an extension field with 字段不存在', async () => {
    const stock = await startPlant(6, undefined, false);
    try {
      const stockCookie = await login(stock);
      const info = await post(stock, `${K3}.DynamicFormService.QueryBusinessInfo.common.kdsvc`, { parameters: [JSON.stringify({ FormId: 'PRD_MO' })] }, stockCookie);
      const keys = (info.json() as { Result: { NeedReturnData: { Entrys: Array<{ Fields: Array<{ Key: string }> }> } } }).Result.NeedReturnData.Entrys.flatMap((e) => e.Fields.map((f) => f.Key));
      assert.ok(keys.includes('FBillNo') && keys.includes('FMaterialId'));
      assert.deepEqual(
        keys.filter((k) => k.startsWith('F_PAEZ_')),
        [],
      );
      const rows = await query(stock, stockCookie, { FormId: 'PRD_MO', FieldKeys: 'FBillNo,F_PAEZ_Priority', Limit: 10 });
      assert.match(String(hiddenError(rows)?.Errors[0].Message), /F_PAEZ_Priority的字段不存在/);
    } finally {
      await stock.close();
    }
  });
});
