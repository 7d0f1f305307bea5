// Change control of the integration through the real server in regulated mode: a deploy without a reason is
// refused; an import (CLI --reason) and an editor deploy (X-Change-Reason) land in the keyed change log with
// who, why and the field diff, code tables and ERP profiles named on their own; the history exports as CSV.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FlowNode } from '../../server/flow-import';
import { runCli } from '../support/import-cli';
import { login, tempDir } from '../support/server-kit';
import { startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually } from '../support/temp';

interface ChangeEntry {
  seq: number;
  who: string;
  what: string;
  why: string;
  subjectId: string;
  verification: string;
  details: { source?: string; file?: string; summary?: { added: number; removed: number; changedNodes: number; fields: number }; changes?: Array<{ id: string; property: string; old: string; new: string }> };
}

const LINE_2: FlowNode[] = [
  { id: 'line-2', type: 'tab', label: 'Line 2' },
  { id: 'line-2-map', type: 'code-map', z: 'line-2', name: 'map', tables: 'line-2-codes', direction: 'erp-to-mes', rules: [{ path: 'payload.material', table: 'material' }], wires: [[], []] },
  { id: 'line-2-codes', type: 'code-map-table', name: 'Line 2 codes', entries: [{ table: 'material', erp: 'RM-100', mes: 'M-100' }], file: '', fileTable: '' },
  {
    id: 'line-2-erp',
    type: 'erp-endpoint',
    name: 'ERP',
    baseUrl: 'http://erp.plant.local:8000',
    baseUrlType: 'str',
    profile: 'generic-rest',
    params: '{}',
    authType: 'basic',
    username: '',
    usernameType: 'str',
    passwordEnv: '',
    tokenEnv: '',
    timeoutSec: 30,
    retryBaseSec: 5,
    retryMaxSec: 300,
    rejectUnauthorized: true,
    caFile: '',
  },
];

describe('change control in regulated mode (REGULATED_MODE=1), through the real server', () => {
  const PASSWORD = 'change-admin-pass';
  const tmp = tempDir('erp-mes-change-');
  let server: ServerProcess;
  let token: string;
  const authed = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...extra });
  const flows = async (): Promise<{ rev: string; flows: FlowNode[] }> => (await fetch(`${server.url}/flows`, { headers: authed({ 'Node-RED-API-Version': 'v2' }) })).json() as Promise<{ rev: string; flows: FlowNode[] }>;
  const editorDeploy = async (nodes: FlowNode[], reason?: string): Promise<Response> => {
    const { rev } = await flows();
    return fetch(`${server.url}/flows`, {
      method: 'POST',
      headers: authed({ 'content-type': 'application/json', 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'nodes', ...(reason && { 'X-Change-Reason': encodeURIComponent(reason) }) }),
      body: JSON.stringify({ rev, flows: nodes }),
    });
  };
  const changes = async (): Promise<ChangeEntry[]> => {
    const res = await fetch(`${server.url}/api/changes`, { headers: authed() });
    assert.equal(res.status, 200);
    return ((await res.json()) as { items: ChangeEntry[] }).items;
  };
  /** The change log is written once Node-RED has answered the deploy: wait for the entry to be there. */
  const changesUntil = (count: number): Promise<ChangeEntry[]> =>
    eventually(
      async () => {
        const items = await changes();
        return items.length >= count ? items : undefined;
      },
      `${count} entries in the change log`,
      30_000,
    );

  before(async () => {
    server = await startServerProcess({ flows: [], env: { ADMIN_PASSWORD: PASSWORD, REGULATED_MODE: '1' } });
    token = await login(server.url, 'admin', PASSWORD);
  });
  after(async () => {
    const code = await server?.stop('SIGTERM');
    tmp.remove();
    assert.equal(code, 0, `the server exits cleanly:\n${server?.output().slice(-2000)}`);
  });

  it('the policy says regulated, and a deploy without a reason is refused with a sentence; nothing is deployed', async () => {
    assert.deepEqual(await (await fetch(`${server.url}/api/changes/policy`, { headers: authed() })).json(), { regulated: true });
    const before = await flows();
    const res = await editorDeploy(LINE_2);
    assert.equal(res.status, 400);
    const body = (await res.json()) as { code: string; error: string };
    assert.equal(body.code, 'reason_required');
    assert.match(body.error, /regulated mode: a deploy needs a reason/);
    assert.deepEqual(await flows(), before);
    assert.deepEqual(await changes(), []);
  });

  it('the import CLI without --reason is refused; with it the import lands in the change log with who, why and what', async () => {
    const file = join(tmp.path, 'line-2.json');
    writeFileSync(file, JSON.stringify(LINE_2));
    const env = { BRIDGE_URL: server.url, BRIDGE_ADMIN_PASSWORD: PASSWORD, BRIDGE_SNAPSHOT_DIR: join(tmp.path, 'snapshots') };
    const refused = await runCli([file], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /runs in regulated mode: give the reason for this change with --reason/);
    const run = await runCli([file, '--reason', 'CR-2291: line 2 goes live'], env);
    assert.equal(run.code, 0, run.stderr);
    const items = await changesUntil(3);
    assert.deepEqual(
      items.map((e) => [e.what, e.subjectId, e.who, e.why]),
      [
        ['integration.flow-imported', (await flows()).rev, 'admin', 'CR-2291: line 2 goes live'],
        ['integration.code-table-changed', 'line-2-codes', 'admin', 'CR-2291: line 2 goes live'],
        ['integration.erp-profile-changed', 'line-2-erp', 'admin', 'CR-2291: line 2 goes live'],
      ],
    );
    assert.equal(items[0]!.details.file, 'line-2.json');
    assert.deepEqual(items[0]!.details.summary, { added: 4, removed: 0, changedNodes: 0, fields: 0 });
    assert.ok(items.every((e) => e.verification === 'verified'));
  });

  it('an editor deploy with a reason (Chinese too) is recorded with its field diff; the code table change has an entry of its own', async () => {
    const changed = LINE_2.map((n) => (n.id === 'line-2-codes' ? { ...n, entries: [{ table: 'material', erp: 'RM-100', mes: 'M-101' }] } : n));
    const res = await editorDeploy(changed, '变更单 CR-2300:物料编码 M-100 改为 M-101');
    assert.equal(res.status, 200, await res.text());
    const items = await changesUntil(5);
    const deploy = items[3]!;
    assert.deepEqual([deploy.what, deploy.who, deploy.why, deploy.details.source], ['integration.flows-deployed', 'admin', '变更单 CR-2300:物料编码 M-100 改为 M-101', 'editor']);
    assert.deepEqual(deploy.details.changes, [{ id: 'line-2-codes', property: 'entries', old: '[{"table":"material","erp":"RM-100","mes":"M-100"}]', new: '[{"table":"material","erp":"RM-100","mes":"M-101"}]' }]);
    assert.deepEqual([items[4]!.what, items[4]!.subjectId], ['integration.code-table-changed', 'line-2-codes']);
    // Node-RED's own audit events reach the server log too (reads left out).
    await eventually(() => /\[audit\] flows\.set by admin from \S+ type nodes on \/flows/.test(server.output()), 'the deploy in the server log');
    assert.doesNotMatch(server.output(), /\[audit\] flows\.get/);
  });

  it('the change history exports as CSV, and its chain is verified', async () => {
    const res = await fetch(`${server.url}/api/changes?format=csv`, { headers: authed() });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
    const rows = (await res.text()).trimEnd().split('\r\n');
    assert.equal(rows[0], 'seq,at,who,what,why,subjectId,source,file,added,removed,changedNodes,fields,verification');
    assert.equal(rows.length, 6);
    assert.match(rows[1]!, /^1,[^,]+,admin,integration\.flow-imported,CR-2291: line 2 goes live,[0-9a-f]+,import-flow,line-2\.json,4,0,0,0,verified$/);
    const served = (await (await fetch(`${server.url}/api/changes`, { headers: authed() })).json()) as { ok: boolean; items: ChangeEntry[] };
    assert.deepEqual([served.ok, served.items.length, served.items.every((e) => e.verification === 'verified')], [true, 5, true]);
    // The workflows' audit view stays theirs: the change log is not one of its chains.
    const audit = (await (await fetch(`${server.url}/api/audit/verify`, { headers: authed() })).json()) as { chains: Array<{ store: string }> };
    assert.ok(!audit.chains.some((c) => c.store === 'change control'));
  });

  it('a code file edited on disk while the flows run is recorded as a code-table change by the bridge, with the sentence why', async () => {
    writeFileSync(join(server.userDir, 'line-2-codes.csv'), 'table,erp,mes\nmaterial,RM-200,M-200\n');
    const withFile = LINE_2.map((n) => (n.id === 'line-2-codes' ? { ...n, file: 'line-2-codes.csv' } : n));
    assert.equal((await editorDeploy(withFile, 'CR-2320: line 2 codes from the MDM export')).status, 200);
    await changesUntil(7);
    // Node-RED answers a deploy before the new node watches its file: edit the file until the reload is recorded.
    let items: ChangeEntry[] = [];
    for (let edit = 1; !items.some((e) => e.who === 'bridge'); edit++) {
      assert.ok(edit <= 30, 'the code file reload reached the change log');
      const rows = Array.from({ length: edit }, (_, i) => `material,RM-2${i},M-2${i}`).join('\n');
      writeFileSync(join(server.userDir, 'line-2-codes.csv'), `table,erp,mes\n${rows}\n`);
      const recorded = async () => ((await changes()).some((e) => e.who === 'bridge') ? changes() : undefined);
      items = await eventually(recorded, 'the reload in the change log', 3_000).catch(() => []);
    }
    const reload = items.find((e) => e.who === 'bridge')!;
    assert.deepEqual([reload.what, reload.subjectId], ['integration.code-table-changed', 'line-2-codes']);
    assert.match(reload.why, /^The code file line-2-codes\.csv of table "Line 2 codes" changed on disk and was read again \(\d+ codes in force\)\.$/);
  });
  it('the bridge keeps a version per deploy, lists it with who and why, compares it with what runs, and the CLI restores one by name', async () => {
    const list = (await (await fetch(`${server.url}/api/changes/versions`, { headers: authed() })).json()) as { items: Array<{ name: string; note: string; nodes: number }> };
    assert.deepEqual(
      list.items.map((v) => v.note),
      ['deploy from the editor by admin: CR-2320: line 2 codes from the MDM export', 'deploy from the editor by admin: 变更单 CR-2300:物料编码 M-100 改为 M-101', 'import of line-2.json by admin: CR-2291: line 2 goes live'],
    );
    const golive = list.items[2]!.name;
    const version = (await (await fetch(`${server.url}/api/changes/versions/${golive}`, { headers: authed() })).json()) as { flows: FlowNode[]; diffToRunning: { changed: Array<{ id: string; property: string }> } };
    assert.deepEqual(
      version.diffToRunning.changed.map((c) => [c.id, c.property]),
      [['line-2-codes', 'file']],
    );
    assert.equal((await fetch(`${server.url}/api/changes/versions/no-such-version`, { headers: authed() })).status, 404);

    const env = { BRIDGE_URL: server.url, BRIDGE_ADMIN_PASSWORD: PASSWORD, BRIDGE_SNAPSHOT_DIR: join(tmp.path, 'snapshots') };
    const listed = await runCli(['--versions'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(listed.stdout.includes(`${golive}  deployed `), listed.stdout);
    const run = await runCli(['--rollback', golive, '--reason', 'CR-2330: back to the go-live codes'], env);
    assert.equal(run.code, 0, run.stderr);
    const codes = (await flows()).flows.find((n) => n.id === 'line-2-codes')!;
    assert.deepEqual([codes.entries, codes.file], [[{ table: 'material', erp: 'RM-100', mes: 'M-100' }], '']);
    const rolledBack = await eventually(async () => (await changes()).find((e) => e.what === 'integration.flows-rolled-back'), 'the rollback in the change log');
    assert.deepEqual([rolledBack.why, rolledBack.details.file], ['CR-2330: back to the go-live codes', golive]);
  });
});
