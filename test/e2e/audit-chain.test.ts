// End to end, the keyed audit chain through the real server (AUDIT_KEY set, verification every 0.3 s): entries
// are served verified, /metrics shows the chain whole and its exported head; after the SQLite file is re-chained
// the old SHA-256 way (an entry edited, every hash recomputed, key ids dropped), /api/audit/verify names the
// first bad entry, GET /api/audit marks the entries broken, /metrics shows chain_ok 0 and the log says so.
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { entryHash, GENESIS_HASH, type AuditEntry } from '../../nodes/lib/audit';
import { basic, deployFlow, login } from '../support/server-kit';
import { startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually } from '../support/temp';
import { requisition, workOrder } from '../unit/overdraw-fixture';

interface Served {
  items: Array<AuditEntry & { verification: string; problem?: string; store: string }>;
  chains: Array<{ store: string; ok: boolean; verified: number; broken: number }>;
}

describe('keyed audit chain end to end', () => {
  let server: ServerProcess;
  let token: string;
  let storeFile: string;
  const api = (path: string) => fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const metric = async (name: string) => {
    const text = await (await api('/metrics')).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{store="audit e2e store"}`));
    return line === undefined ? undefined : Number(line.split(' ').at(-1));
  };
  const feed = (payload: unknown, topic?: string) =>
    fetch(`${server.url}/test/requisitions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic('mes-demo', 'demo-mes-webhook-pass') }, body: JSON.stringify({ topic, payload }) });

  before(async () => {
    server = await startServerProcess({ env: { ADMIN_PASSWORD: 'audit-pass', SIM_MES_REPORTS_MS: '0', AUDIT_KEY: 'e2e audit key of at least 32 bytes long', AUDIT_VERIFY_INTERVAL_SEC: '0.3' } });
    token = await login(server.url, 'admin', 'audit-pass');
    storeFile = join(server.userDir, 'audit-e2e.sqlite');
    await deployFlow(server.url, token, [
      { id: 'au-tab', type: 'tab', label: 'audit e2e' },
      { id: 'au-store', type: 'bridge-store', name: 'audit e2e store', file: storeFile },
      { id: 'au-erp', type: 'erp-endpoint', name: 'sim ERP', baseUrl: `${server.simUrl}/erp/api/v1`, authType: 'basic', username: 'erp-bridge', timeoutSec: 5, retryBaseSec: 0.1, retryMaxSec: 1, credentials: { password: 'demo-erp-pass' } },
      { id: 'au-in', type: 'http in', z: 'au-tab', url: '/test/requisitions', method: 'post', wires: [['au-unwrap']] },
      {
        id: 'au-unwrap',
        type: 'change',
        z: 'au-tab',
        rules: [
          { t: 'set', p: 'topic', pt: 'msg', to: 'payload.topic', tot: 'msg' },
          { t: 'set', p: 'payload', pt: 'msg', to: 'payload.payload', tot: 'msg' },
        ],
        wires: [['au-overdraw', 'au-ok']],
      },
      {
        id: 'au-overdraw',
        type: 'material-overdraw',
        z: 'au-tab',
        endpoint: 'au-erp',
        store: 'au-store',
        path: 'approval-requests',
        auditPath: 'audit-heads',
        decisionTimeoutMin: 120,
        onTimeout: 'escalate',
        defaultTolerancePct: 0,
        escalationSeverity: 'urgent',
        maxAttempts: 3,
        wires: [[], [], []],
      },
      { id: 'au-ok', type: 'http response', z: 'au-tab', statusCode: '200', wires: [] },
    ]);
    await eventually(async () => (await feed(workOrder(), 'plan')).status === 200, 'the deployed flow');
    for (const qty of [500, 400, 300]) assert.equal((await feed(requisition(qty))).status, 200);
  });
  after(async () => {
    await server?.stop();
  });

  it('serves the entries verified and shows the chain whole, with its head exported, in /metrics and at the ERP', async () => {
    const served = await eventually(async () => {
      const s = (await (await api('/api/audit')).json()) as Served;
      return s.items.length === 3 ? s : undefined;
    }, 'three audit entries');
    assert.deepEqual(
      served.items.map((e) => [e.seq, e.verification, e.store]),
      [
        [1, 'verified', 'audit e2e store'],
        [2, 'verified', 'audit e2e store'],
        [3, 'verified', 'audit e2e store'],
      ],
    );
    const verdict = (await (await api('/api/audit/verify')).json()) as Record<string, unknown>;
    assert.deepEqual([verdict.ok, verdict.entries, verdict.verified, verdict.legacy, verdict.broken], [true, 3, 3, 0, 0]);
    await eventually(async () => (await metric('erp_mes_audit_exported_head_seq')) === 3, 'the exported head in /metrics');
    assert.equal(await metric('erp_mes_audit_chain_ok'), 1);
    assert.equal(await metric('erp_mes_audit_entries_verified'), 3);
    assert.ok((await metric('erp_mes_audit_last_verification_timestamp_seconds'))! > Date.parse('2026-01-01') / 1000);
    const atErp = (await (await fetch(`${server.simUrl}/erp/_sim/workflows?inbox=audit-heads`)).json()) as { items: Array<{ body: { seq: number; chain: string } }> };
    assert.ok(
      atErp.items.some((h) => h.body.seq === 3 && h.body.chain === 'audit e2e store'),
      JSON.stringify(atErp.items),
    );
  });

  it('reports a database re-chained the old SHA-256 way in /api/audit/verify, /api/audit, /metrics and the log', async () => {
    await eventually(async () => (await metric('erp_mes_audit_exported_head_seq')) === 3, 'the exported head');
    const db = new Database(storeFile);
    const rows = db.prepare("SELECT key, value FROM kv WHERE namespace = 'audit' AND key LIKE 'e%' ORDER BY key").all() as Array<{ key: string; value: string }>;
    let prevHash = GENESIS_HASH;
    const write = db.prepare("UPDATE kv SET value = ? WHERE namespace = 'audit' AND key = ?");
    for (const row of rows) {
      const { hash: _h, keyId: _k, ...content } = JSON.parse(row.value) as AuditEntry;
      const edited = { ...content, prevHash, ...(content.seq === 2 && { who: 'somebody.else' }) };
      prevHash = entryHash(edited);
      write.run(JSON.stringify({ ...edited, hash: prevHash }), row.key);
    }
    write.run(JSON.stringify({ seq: rows.length, hash: prevHash }), 'head');
    db.close();

    const verdict = (await (await api('/api/audit/verify')).json()) as { ok: boolean; seq: number; problem: string; store: string };
    assert.deepEqual([verdict.ok, verdict.store, verdict.seq], [false, 'audit e2e store', 1]);
    assert.match(verdict.problem, /^Audit entry 1 is not keyed, but the chain was keyed from entry 1 on when its head was exported at .*: it was rewritten with plain SHA-256\.$/);
    const served = (await (await api('/api/audit')).json()) as Served;
    assert.deepEqual(
      served.items.map((e) => e.verification),
      ['broken', 'broken', 'broken'],
    );
    assert.deepEqual(
      served.chains.map((c) => [c.store, c.ok, c.verified, c.broken]),
      [['audit e2e store', false, 0, 3]],
    );
    await eventually(async () => (await metric('erp_mes_audit_chain_ok')) === 0, 'chain_ok 0 in /metrics');
    assert.equal(await metric('erp_mes_audit_entries_broken'), 3);
    await eventually(() => /The audit chain of audit e2e store is broken at entry 1: Audit entry 1 is not keyed/.test(server.output()), 'the log line');
  });
});
