// End to end, reconciliation of the MES with the bridge's order ledger in the demo plant: the simulated MES loses
// its work orders (a /mes/_sim control, as a restore would) and holds them again after the next check; the demo
// restarted on its kept state (.demo/ here: the same user dir) while the simulator starts empty heals within one
// cycle, and a requisition over the BOM need can be made again. The cycle is cut to 3 s and the in-flight grace
// to 1 s by the flow's configuration; the MES list is read in pages of 7.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { login } from '../support/server-kit';
import { repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually, tempDir } from '../support/temp';

interface HeldOrder {
  workOrderNo: string;
  status: string;
}
interface Reconciler {
  node: string;
  runs: number;
  failures: number;
  resent: number;
  last: null | { ok: boolean; error?: string; mesOrders: number; ledgerOrders: number; counts: Record<string, number>; resent: string[]; differences: Array<{ orderNo: string; kind: string }> };
}

const PASSWORD = 'reconcile-pass';
const ENDED = new Set(['cancelled', 'closed']);

describe('MES reconciliation in the demo plant', () => {
  const dir = tempDir('erp-mes-reconcile-');
  const flows = JSON.parse(readFileSync(join(repoRoot, 'flows', 'demo-plant.json'), 'utf8')) as Array<Record<string, unknown>>;
  Object.assign(
    flows.find((n) => n.id === 'mes-reconcile')!,
    { graceSec: '1', pageSize: 7 },
  );
  let server: ServerProcess | undefined;
  let token = '';

  const start = async () => {
    server = await startServerProcess({ flows, userDir: dir.path, env: { ADMIN_PASSWORD: PASSWORD, MES_RECONCILE_SEC: '3', SIM_MES_REPORTS_MS: '0' } });
    token = await login(server.url, 'admin', PASSWORD);
  };
  const api = (path: string, init: RequestInit = {}) => fetch(`${server!.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  const mesHolds = async () => {
    const res = await fetch(`${server!.simUrl}/mes/api/work-orders?pageSize=500`, { headers: { authorization: 'Bearer demo-mes-token' } });
    return ((await res.json()) as { items: HeldOrder[] }).items;
  };
  const reconciler = async () => {
    const body = (await (await api('/api/mes-reconcile')).json()) as { reconcilers: Reconciler[] };
    assert.equal(body.reconcilers.length, 1, 'the demo flow has one mes-reconcile node');
    return body.reconcilers[0];
  };
  const openOrders = (held: HeldOrder[]) =>
    held
      .filter((w) => !ENDED.has(w.status))
      .map((w) => w.workOrderNo)
      .sort();

  after(async () => {
    await server?.stop();
    dir.remove();
  });

  let before: string[] = [];

  it('heals an MES that lost its work orders, lists what it re-sent and counts it in /metrics', async () => {
    await start();
    before = openOrders(await eventually(async () => ((await mesHolds()).length >= 20 ? mesHolds() : undefined), 'the work orders at the MES', 60_000));
    // A check that finds the MES in step with the ledger.
    await eventually(
      async () => {
        const r = await reconciler();
        return r.last?.ok && r.last.differences.length === 0 && r.last.mesOrders >= before.length;
      },
      'a reconciliation with no differences',
      60_000,
    );

    const forgot = await fetch(`${server!.simUrl}/mes/_sim/forget-work-orders`, { method: 'POST' });
    assert.equal(forgot.status, 200);
    assert.deepEqual(await mesHolds(), []);

    await eventually(
      async () => {
        const now = openOrders(await mesHolds());
        return before.every((o) => now.includes(o));
      },
      'the MES holding its work orders again',
      60_000,
    );
    const r = await reconciler();
    assert.ok(r.resent >= before.length, `re-sent ${r.resent} orders; the MES had lost ${before.length}`);
    assert.equal(r.failures, 0);

    // The report needs a login; a viewer reads it but may not start a run (Node-RED answers 401 to a missing permission).
    assert.equal((await fetch(`${server!.url}/api/mes-reconcile`)).status, 401);
    const viewer = await login(server!.url, 'admin', PASSWORD, 'read');
    assert.equal((await fetch(`${server!.url}/api/mes-reconcile`, { headers: { authorization: `Bearer ${viewer}` } })).status, 200);
    const viewerRun = await fetch(`${server!.url}/api/mes-reconcile/run`, { method: 'POST', headers: { authorization: `Bearer ${viewer}`, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(viewerRun.status, 401, 'a viewer may not run a reconciliation');
    const ledger = (await (await api('/api/mes-ledger')).json()) as { ledgers: Array<{ items: Array<{ copy: boolean; payload?: unknown }> }> };
    assert.ok(
      ledger.ledgers[0].items.every((e) => e.copy === true && e.payload === undefined),
      'the ledger list says a copy is kept, without listing it',
    );

    // On command: the admin API runs one now and finds nothing missing.
    const ran = (await (await api('/api/mes-reconcile/run', { method: 'POST', body: '{}' })).json()) as { reports: Array<{ report: NonNullable<Reconciler['last']> }> };
    assert.equal(ran.reports.length, 1);
    assert.equal(ran.reports[0].report.ok, true);
    assert.equal(ran.reports[0].report.counts.missing, 0, JSON.stringify(ran.reports[0].report.differences));

    const metrics = await (await api('/metrics')).text();
    const resent = Number(/^erp_mes_reconcile_resent_total\{[^}]*\} (\d+)$/m.exec(metrics)?.[1]);
    assert.ok(resent >= before.length, `erp_mes_reconcile_resent_total is ${resent}`);
    assert.match(metrics, /^erp_mes_reconcile_differences\{[^}]*kind="missing"\} 0$/m);
    assert.match(metrics, /^erp_mes_reconcile_last_ok\{[^}]*\} 1$/m);
  });

  it('after a restart on the kept state the empty simulated MES holds its work orders again within one cycle', async () => {
    await server!.stop();
    await start();
    // The first run (within one cycle of the start) re-sends every open order the ledger has.
    const first = await eventually(
      async () => {
        const r = await reconciler();
        return r.runs >= 1 ? r : undefined;
      },
      'the first reconciliation after the restart',
      60_000,
    );
    assert.equal(first.last?.ok, true, first.last?.error);
    assert.deepEqual([...first.last!.resent].sort(), before, 'the first run re-sends exactly the open orders the MES held before');
    await eventually(
      async () => {
        const now = openOrders(await mesHolds());
        return before.every((o) => now.includes(o));
      },
      'the MES holding its work orders again',
      30_000,
    );

    const over = await fetch(`${server!.simUrl}/mes/_sim/requisitions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'over' }) });
    assert.equal(over.status, 200, await over.clone().text());
  });
});
