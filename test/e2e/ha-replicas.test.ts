// Three bridges (the real server, outside demo mode) with the same flows on one Redis of the test's own, and one
// simulated ERP/MES in the test process. Proves issue 17:
// - exactly one replica polls the ERP (the lease holder); kill -9 it while its pull hangs at the ERP, and another
//   takes the lease over (a new fencing epoch) and delivers every order to the MES once;
// - kill -9 the next holder while progress deliveries hang at the ERP: the survivor takes over its outbox items,
//   and every update reaches the ERP under its idempotency key, none missing;
// - an urgent exception posted to one replica is escalated once, by the deadlines' lease holder, claimed once.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { ownRedis, redisAvailable } from '../integration/redis-fixture';
import { HA_MES_AUTH, HA_METRICS_TOKEN, HA_PREFIX, startHaPlant } from '../support/ha-plant';
import type { ServerProcess } from '../support/server-process';
import { eventually, tempDir } from '../support/temp';

const LEASE_SEC = 2;

async function mesPost(server: ServerProcess, path: string, body: unknown): Promise<number> {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: HA_MES_AUTH }, body: JSON.stringify(body), signal: AbortSignal.timeout(20_000) });
  await res.text();
  return res.status;
}

describe('three bridges on one Redis', () => {
  it('one active poller; kill -9 of the holder mid-poll and mid-delivery: takeover, every order and update once, the deadline fired once', async (t: TestContext) => {
    if (!(await redisAvailable(t))) return;
    const dir = tempDir('ha-replicas-');
    t.after(() => dir.remove());
    const redis = await ownRedis(t, dir.path);
    const plant = await startHaPlant(redis.url, {
      leaseSec: LEASE_SEC,
      claimIdleMs: 3000,
      // The first page of the first pull hangs at the ERP: the holder is killed in the middle of its poll.
      beforeStart: (sim) => sim.erp.injectFault({ kind: 'timeout', target: 'orders' }),
    });
    t.after(() => plant.stop());
    const { sim, admin, replicas, holding } = plant;
    admin.on('error', () => undefined);
    for (const id of ['replica-a', 'replica-b', 'replica-c']) await plant.start(id);

    const killHolderOf = async (lease: string) => {
      const before = (await eventually(() => holding(lease), `a holder of ${lease}`, 30_000))!;
      await replicas.get(before.holder)!.stop('SIGKILL');
      replicas.delete(before.holder);
      const after = await eventually(
        async () => {
          const now = await holding(lease);
          return now && now.holder !== before.holder ? now : undefined;
        },
        `another replica holding ${lease} after ${before.holder} was killed`,
        60_000,
      );
      assert.ok(replicas.has(after.holder), `${after.holder} is a live replica`);
      assert.ok(after.epoch > before.epoch, `a new fencing epoch: ${before.epoch} → ${after.epoch}`);
      return { before, after };
    };

    // 1. Mid-poll: exactly one replica asked the ERP (its request hangs); kill it.
    await eventually(async () => ((await holding('poll:fetch-orders')) ? true : undefined), 'the poll lease taken', 30_000);
    const poll = await killHolderOf('poll:fetch-orders');
    t.diagnostic(`poll lease: ${poll.before.holder}#${poll.before.epoch} killed → ${poll.after.holder}#${poll.after.epoch}`);
    const metrics = await (await fetch(`${replicas.get(poll.after.holder)!.url}/metrics`, { headers: { authorization: `Bearer ${HA_METRICS_TOKEN}` } })).text();
    assert.match(metrics, new RegExp(`erp_mes_lease_held\\{lease="poll:fetch-orders",replica="${poll.after.holder}",holder="${poll.after.holder}"\\} 1`));

    const ledgerKey = `${HA_PREFIX}kv:mes-ledger/mes`;
    const received = await eventually(
      async () => {
        const ledger = await admin.hkeys(ledgerKey);
        const got = sim.mes.received();
        return ledger.length >= 10 && ledger.every((o) => got.some((r) => r.workOrder.workOrderNo === o)) ? got : undefined;
      },
      'every order of the ledger at the MES',
      60_000,
    ).catch(async (err: Error) => {
      const logs = [...replicas.values()].map((r) =>
        r
          .output()
          .split('\n')
          .filter((l) => /warn|error/i.test(l))
          .slice(-15)
          .join('\n'),
      );
      throw new Error(
        `${err.message}; ledger ${(await admin.hkeys(ledgerKey)).join(' ')}; at the MES ${sim.mes
          .received()
          .map((r) => r.workOrder.workOrderNo)
          .join(' ')}; logs: ${logs.join('\n---\n')}`,
      );
    });
    const ledger = await admin.hkeys(ledgerKey);
    const perOrder = new Map<string, number>();
    for (const r of received) perOrder.set(r.workOrder.workOrderNo, (perOrder.get(r.workOrder.workOrderNo) ?? 0) + 1);
    assert.deepEqual(
      [...perOrder].filter(([, n]) => n !== 1),
      [],
      'every order reached the MES once',
    );
    assert.deepEqual([...perOrder.keys()].sort(), [...ledger].sort(), 'the MES holds what the ledger says it was sent');

    // 2. An urgent exception, posted to one replica, is escalated once across the three.
    const anyReplica = () => [...replicas.values()][0];
    const exceptionId = 'EX-HA-URGENT-1';
    assert.equal(await mesPost(anyReplica(), '/mes/exceptions', { id: exceptionId, type: 'equipment-fault', severity: 'urgent', equipment: 'EQ-EXTR-01', description: 'HA test', timestamp: new Date().toISOString() }), 202);
    const escalated = await eventually(
      async () => {
        const stored = Object.values(await admin.hgetall(`${HA_PREFIX}kv:escalation/escalation`)).find((v) => v.includes(exceptionId) && v.includes('"severe"'));
        return stored;
      },
      'the exception escalated after its deadline',
      60_000,
    );
    const claims = await admin.keys(`${HA_PREFIX}claim:escalation/escalation@*`);
    assert.equal(claims.length, 1, `one claim of the deadline: ${claims.join(', ')}`);
    assert.doesNotMatch(escalated, /plant-manager/, 'escalated once (urgent → severe), not twice');

    // 3. Mid-delivery: progress updates hang at the ERP while the holder is killed.
    const orders = received.slice(0, 3);
    sim.erp.injectFault({ kind: 'timeout', target: 'progress', times: 2 });
    const accepted: string[] = [];
    let n = 0;
    for (const order of orders) {
      for (const op of (order.workOrder as unknown as { operations: Array<{ sequence: string; equipmentCode: string }> }).operations.slice(0, 2)) {
        const eventId = `ha-${++n}`;
        const server = [...replicas.values()][n % replicas.size];
        const status = await mesPost(server, '/mes/progress-reports', [
          { eventId, orderNo: order.workOrder.workOrderNo, opNo: op.sequence, goodQty: 1, scrapQty: 0, status: 'running', operator: 'OP-HA', equipment: op.equipmentCode, timestamp: new Date().toISOString() },
        ]);
        if (status === 202) accepted.push(eventId);
      }
    }
    assert.ok(accepted.length >= 4, `reports accepted: ${accepted.length}`);
    const delivery = await killHolderOf('poll:fetch-orders');
    t.diagnostic(`after deliveries began: ${delivery.before.holder}#${delivery.before.epoch} killed → ${delivery.after.holder}#${delivery.after.epoch}`);
    sim.erp.close();
    const atErp = async () => (await (await fetch(`${sim.url}/erp/_sim/progress-updates`)).json()) as { items: Array<{ key: string }>; duplicates: number };
    const updates = await eventually(
      async () => {
        const body = await atErp();
        const keys = body.items.map((i) => i.key);
        return accepted.every((id) => keys.some((k) => k.endsWith(`:${id}`))) ? body : undefined;
      },
      'every accepted update at the ERP',
      60_000,
    ).catch(async (err: Error) => {
      const survivor = [...replicas.values()][0];
      const dump: string[] = [];
      for (const key of await admin.keys(`${HA_PREFIX}*`)) {
        if (!/outbox|progress/.test(key)) continue;
        const type = await admin.type(key);
        const value =
          type === 'list' ? await admin.lrange(key, 0, -1) : type === 'hash' ? Object.keys(await admin.hgetall(key)).slice(0, 20) : type === 'stream' ? await admin.xpending(key, 'delivery') : type === 'string' ? await admin.get(key) : type;
        dump.push(`${key} (${type}): ${JSON.stringify(value).slice(0, 400)}`);
      }
      throw new Error(`${err.message}; accepted ${accepted.join(' ')}; at the ERP ${(await atErp()).items.map((i) => i.key).join(' ')}; redis: ${dump.join('\n')}; survivor's log: ${survivor.output().slice(-1500)}`);
    });
    const keys = updates.items.map((i) => i.key);
    assert.equal(new Set(keys).size, keys.length, 'each idempotency key applied once');
    t.diagnostic(`updates at the ERP: ${keys.length} keys for ${accepted.length} reports, ${updates.duplicates} repeated deliveries answered as duplicates`);
  });
});
