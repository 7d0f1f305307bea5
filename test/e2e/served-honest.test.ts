// Honest answers from the real server (node dist/server/main.js --demo) to a MES posting job reports:
// - from the moment it listens until the flows run, /mes/progress-reports answers 503 + Retry-After, never 404;
// - with the progress kept in a Redis of the test's own, killed and started again while reports keep coming:
//   during the outage every post is answered 503 + Retry-After within the bridge store's wait (1 s here), what was
//   answered 202 reaches the simulated ERP and what was answered 503 never does (not even in a later update's
//   figures); reports after the outage go through;
// - with the demo's SQLite store locked by another process, a post is answered 503, that report never reaches the
//   ERP, and the next one (lock gone) does;
// - goodQty 1e300 and 1.7e308 are refused 400 naming the field; a non-ASCII event id reaches the ERP under a
//   valid Idempotency-Key header, and the order's later updates are not held up.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { wireIdempotencyKey } from '../../nodes/lib/outbox/idempotency-key';
import { demoCodeTable } from '../../server/simulator/demo-master-data';
import { ownRedis, redisAvailable } from '../integration/redis-fixture';
import { repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually, tempDir } from '../support/temp';

// The demo's webhook user: /mes/* is for machine accounts.
const MES_AUTH = `Basic ${Buffer.from('mes-demo:demo-mes-webhook-pass').toString('base64')}`;
const MES_EQUIPMENT = demoCodeTable.find((e) => e.table === 'equipment')!.mes;

interface MesWorkOrder {
  workOrderNo: string;
  operations: Array<{ sequence: string; equipmentCode: string }>;
}
interface ErpReceived {
  key: string;
  orderNo: string;
  update: { operations: Array<{ opNo: string; goodQty: number }> };
}
interface Answer {
  status: number;
  retryAfter: string | null;
  body: { error?: string };
}

const report = (orderNo: string, opNo: string, equipment: string, eventId: string, goodQty: number) => ({
  eventId,
  orderNo,
  opNo,
  goodQty,
  scrapQty: 0,
  status: 'running',
  operator: 'OP-HONEST',
  equipment,
  timestamp: new Date().toISOString(),
});

async function post(server: ServerProcess, body: unknown): Promise<Answer> {
  // Far longer than the store's wait: a post that hangs (as during Redis outages before) fails the test here.
  const res = await fetch(`${server.url}/mes/progress-reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: MES_AUTH },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  let parsed: Answer['body'] = {};
  try {
    parsed = JSON.parse(text) as Answer['body'];
  } catch {
    assert.fail(`HTTP ${res.status} answered with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: parsed };
}

async function mesOrders(server: ServerProcess): Promise<MesWorkOrder[]> {
  return eventually(
    async () => {
      const items = ((await (await fetch(`${server.simUrl}/mes/api/work-orders`, { headers: { authorization: 'Bearer demo-mes-token' } })).json()) as { items: MesWorkOrder[] }).items;
      return items.length >= 20 ? items : undefined;
    },
    'the work orders at the MES',
    60_000,
  );
}

const erpReceived = async (server: ServerProcess) => (await (await fetch(`${server.simUrl}/erp/_sim/progress-updates`)).json()) as { items: ErpReceived[]; duplicates: number };

describe('honest answers of the real server under faults', () => {
  const servers: ServerProcess[] = [];
  after(async () => {
    for (const s of servers) await s.stop();
  });

  it('answers /mes/progress-reports 503 with Retry-After from the moment it listens until the flows run, never 404, then 202', async (t: TestContext) => {
    const server = await startServerProcess({ waitUntilReady: false, env: { ADMIN_PASSWORD: 'honest-pass', SIM_MES_REPORTS_MS: '0' } });
    servers.push(server);
    const seen: Answer[] = [];
    let firstAnswerAt = 0;
    await eventually(
      async () => {
        let answer: Answer;
        try {
          answer = await post(server, [report('MO-HONEST-START', '0010', MES_EQUIPMENT, `start-${seen.length}`, 1)]);
        } catch (err) {
          // Not listening yet (or the test's own abort): nothing was answered, so nothing to judge.
          if ((err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED') return undefined;
          throw err;
        }
        seen.push(answer);
        firstAnswerAt ||= Date.now();
        return answer.status === 202 ? answer : undefined;
      },
      'a 202 once the flows run',
      60_000,
    );
    const statuses = seen.map((a) => a.status);
    assert.deepEqual(
      [...new Set(statuses)].filter((s) => s !== 503 && s !== 202),
      [],
      `only 503 then 202, never 404: ${statuses.join(' ')}`,
    );
    assert.ok(statuses.includes(503), `the server listens before the flows run, so some posts found them starting: ${statuses.join(' ')}`);
    for (const a of seen.filter((x) => x.status === 503)) {
      assert.ok(Number(a.retryAfter) > 0, `Retry-After on every 503, got ${a.retryAfter}`);
      assert.match(a.body.error ?? '', /flows are starting/);
    }
    t.diagnostic(`start-up figures: ${statuses.filter((s) => s === 503).length} posts answered 503 over ${Date.now() - firstAnswerAt} ms, then 202; 404: ${statuses.filter((s) => s === 404).length}`);
  });

  it('with Redis killed and started again: 503 within the wait, what was answered 202 delivered and what was answered 503 never', async (t: TestContext) => {
    if (!(await redisAvailable(t))) return;
    const dir = tempDir('served-honest-redis-');
    t.after(() => dir.remove());
    const redis = await ownRedis(t, dir.path);
    const flows = JSON.parse(readFileSync(join(repoRoot, 'flows', 'demo-plant.json'), 'utf8')) as Array<Record<string, unknown>>;
    flows.push({ id: 'honest-redis', type: 'bridge-store', name: 'Redis (outage test)', storeType: 'redis', url: redis.url, keyPrefix: 'honest:', requireDurable: true, deadlineSec: '1' });
    flows.find((n) => n.id === 'progress')!.store = 'honest-redis';
    const server = await startServerProcess({ flows, env: { ADMIN_PASSWORD: 'honest-pass', SIM_MES_REPORTS_MS: '0' } });
    servers.push(server);
    const [order] = (await mesOrders(server)).slice(6);
    const op = order.operations[0];
    const send = (eventId: string) => post(server, [report(order.workOrderNo, op.sequence, op.equipmentCode, eventId, 1)]);

    const accepted: string[] = [];
    const refused: string[] = [];
    const others: string[] = [];
    let slowest503Ms = 0;
    const total = 40;
    for (let i = 0; i < total; i++) {
      if (i === 10) await redis.kill();
      if (i === 20) await redis.start();
      const eventId = `honest-${i}`;
      const started = Date.now();
      const answer = await send(eventId);
      if (answer.status === 202) accepted.push(eventId);
      else if (answer.status === 503) {
        refused.push(eventId);
        slowest503Ms = Math.max(slowest503Ms, Date.now() - started);
        assert.ok(Number(answer.retryAfter) > 0, `Retry-After on the 503 of ${eventId}`);
        assert.match(answer.body.error ?? '', /could not be stored|Redis/, `the 503 of ${eventId} says why`);
      } else others.push(`${eventId}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    assert.deepEqual(others, [], 'every post is answered 202 or 503');
    assert.ok(refused.length >= 1 && refused.every((id) => Number(id.split('-')[1]) >= 10), `refused only from the kill on: ${refused.join(', ')}`);
    assert.ok(accepted.includes(`honest-${total - 1}`), 'reports after the outage go through');

    const keyOf = (eventId: string) => `progress:${order.workOrderNo}:${eventId}`;
    const got = await eventually(
      async () => {
        const erp = await erpReceived(server);
        const keys = new Set(erp.items.map((r) => r.key));
        return accepted.every((id) => keys.has(keyOf(id))) ? erp : undefined;
      },
      'every accepted report at the ERP',
      60_000,
    );
    // One order is one partition, delivered in order: with the last accepted update in, anything refused before it
    // would have been delivered already if it had been stored at all.
    const mine = got.items.filter((r) => r.orderNo === order.workOrderNo);
    const delivered = new Set(mine.map((r) => r.key));
    assert.deepEqual(
      refused.filter((id) => delivered.has(keyOf(id))),
      [],
      'no report answered 503 reached the ERP',
    );
    const last = mine.at(-1)!.update.operations.find((o) => o.opNo === op.sequence)!;
    assert.equal(last.goodQty, accepted.length, 'the last update counts the accepted reports (1 each) and none of the refused');
    t.diagnostic(
      `fault figures (Redis killed at report 10 of ${total}, started at 20, wait 1 s): accepted ${accepted.length}, refused 503 ${refused.length}, ` +
        `delivered ${accepted.filter((id) => delivered.has(keyOf(id))).length}, lost 0, refused-but-delivered 0, duplicates at the ERP ${mine.length - delivered.size}, slowest 503 ${slowest503Ms} ms`,
    );
  });

  it('answers 503 while the SQLite store is locked by another process, never delivers that report, and delivers the next', async (t: TestContext) => {
    const server = servers[0];
    const [order] = (await mesOrders(server)).slice(8);
    const op = order.operations[0];
    const send = (eventId: string, goodQty: number) => post(server, [report(order.workOrderNo, op.sequence, op.equipmentCode, eventId, goodQty)]);
    assert.equal((await send('before-lock', 5)).status, 202);
    // Another process takes the write lock of the store file: the bridge's write waits its busy timeout, then fails.
    const other = new Database(join(server.userDir, 'bridge-store.sqlite'));
    t.after(() => other.close());
    other.exec('BEGIN EXCLUSIVE');
    let locked: Answer;
    const lockedAt = Date.now();
    try {
      locked = await send('while-locked', 7);
    } finally {
      other.exec('ROLLBACK');
    }
    t.diagnostic(`SQLite locked by another process: answered ${locked.status} after ${Date.now() - lockedAt} ms (busy timeout 5 s)`);
    assert.equal(locked.status, 503, JSON.stringify(locked.body));
    assert.ok(Number(locked.retryAfter) > 0, 'Retry-After on the 503');
    assert.match(locked.body.error ?? '', /could not be stored.*database is locked/);
    assert.equal((await send('after-lock', 3)).status, 202);
    const mine = await eventually(
      async () => {
        const got = (await erpReceived(server)).items.filter((r) => r.orderNo === order.workOrderNo);
        return got.some((r) => r.key.endsWith(':after-lock')) ? got : undefined;
      },
      'the report after the lock at the ERP',
      60_000,
    );
    assert.deepEqual(
      mine.map((r) => r.key.split(':').at(-1)),
      ['before-lock', 'after-lock'],
      'the refused report never reached the ERP',
    );
    assert.equal(mine.at(-1)!.update.operations.find((o) => o.opNo === op.sequence)!.goodQty, 8, '5 + 3: the refused 7 is not in the figures');
  });

  it('refuses goodQty 1e300 and 1.7e308 naming the field, and delivers a non-ASCII event id without holding up the order', async () => {
    const server = servers[0];
    const [order] = (await mesOrders(server)).slice(7);
    const op = order.operations[0];
    for (const goodQty of [1e300, 1.7e308]) {
      const answer = await post(server, [report(order.workOrderNo, op.sequence, op.equipmentCode, `huge-${goodQty}`, goodQty)]);
      assert.equal(answer.status, 400);
      assert.match(answer.body.error ?? '', /payload\.goodQty must be <= 1000000000/);
      assert.equal(answer.retryAfter, null, 'bad input is not "try again"');
    }
    const nonAscii = '报工-ü-0001';
    for (const eventId of [nonAscii, 'after-non-ascii-1', 'after-non-ascii-2']) {
      assert.equal((await post(server, [report(order.workOrderNo, op.sequence, op.equipmentCode, eventId, 2)])).status, 202);
    }
    const wire = wireIdempotencyKey(`progress:${order.workOrderNo}:${nonAscii}`);
    assert.equal(wire, `progress:${order.workOrderNo}:%E6%8A%A5%E5%B7%A5-%C3%BC-0001`);
    const keys = await eventually(
      async () => {
        const got = (await erpReceived(server)).items.filter((r) => r.orderNo === order.workOrderNo).map((r) => r.key);
        return got.includes(`progress:${order.workOrderNo}:after-non-ascii-2`) ? got : undefined;
      },
      'the updates after the non-ASCII one at the ERP',
      60_000,
    );
    assert.deepEqual(keys, [wire, `progress:${order.workOrderNo}:after-non-ascii-1`, `progress:${order.workOrderNo}:after-non-ascii-2`], 'in order, none held up, none refused');
  });
});
