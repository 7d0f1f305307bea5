// Dashboard 2.0's socket (/dashboard/socket.io) on the real demo server, as an outsider and a viewer would try
// it: no handshake without a person's login (socket.io-client and a raw engine.io poll), a viewer reads but its
// writes are dropped, a decision sent over the socket with a forged signer changes nothing, every action acts as
// the socket's own user whatever _client the page sends, and a message nested 10,000 deep is refused without
// harming the process.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import { basic, bcryptHash, login } from '../support/server-kit';
import { repoRoot, startServerProcess, type ServerProcess } from '../support/server-process';
import { eventually } from '../support/temp';

const ADMIN = basic('admin', 'socket-pass');
const VIEWER = basic('watcher', 'watch-pass');
const MACHINE = basic('mes-demo', 'demo-mes-webhook-pass');
const SOCKET_PATH = '/dashboard/socket.io';

// A page of its own on the demo dashboard whose template keeps the last _client it was sent (read back over
// a flow endpoint), so the test sees what the flow sees.
const breakpoints = [{ name: 'Default', px: 0, cols: 3 }];
const probeFlow = [
  { id: 'probe-tab', type: 'tab', label: 'probe' },
  { id: 'probe-page', type: 'ui-page', name: 'probe', ui: 'demo-dashboard', path: '/probe', icon: 'home', layout: 'grid', theme: 'demo-theme', breakpoints, order: 9, className: '', visible: 'true', disabled: 'false' },
  { id: 'probe-group', type: 'ui-group', name: 'probe', page: 'probe-page', width: 12, height: 1, order: 1, showTitle: false, className: '', visible: 'true', disabled: 'false', groupType: 'default' },
  {
    id: 'probe-template',
    type: 'ui-template',
    z: 'probe-tab',
    group: 'probe-group',
    page: '',
    ui: '',
    name: 'probe',
    order: 1,
    width: 0,
    height: 0,
    head: '',
    format: '<template><div>probe</div></template>',
    storeOutMessages: false,
    passthru: false,
    resendOnRefresh: false,
    templateScope: 'local',
    className: '',
    wires: [['probe-keep']],
  },
  { id: 'probe-keep', type: 'function', z: 'probe-tab', func: "flow.set('lastClient', msg._client);\nreturn null;", outputs: 0, wires: [] },
  { id: 'probe-in', type: 'http in', z: 'probe-tab', url: '/probe/last-client', method: 'get', wires: [['probe-read']] },
  { id: 'probe-read', type: 'function', z: 'probe-tab', func: "msg.payload = { client: flow.get('lastClient') || null };\nreturn msg;", outputs: 1, wires: [['probe-out']] },
  { id: 'probe-out', type: 'http response', z: 'probe-tab', statusCode: '', wires: [] },
];

interface Connected {
  socket: Socket;
  config: unknown;
}

describe('the dashboard socket behind the login (demo server)', () => {
  let server: ServerProcess;
  let token: string;
  const sockets: Socket[] = [];
  const api = async (path: string) => (await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } })).json();

  function open(authorization?: string): Socket {
    const socket = io(server.url, { path: SOCKET_PATH, reconnection: false, extraHeaders: authorization ? { authorization } : {}, timeout: 30_000 });
    sockets.push(socket);
    return socket;
  }

  /** Connects and waits for the dashboard's config, which a connected page receives first. */
  function connect(authorization: string): Promise<Connected> {
    const socket = open(authorization);
    return new Promise((resolve, reject) => {
      socket.once('ui-config', (_id: string, config: unknown) => resolve({ socket, config }));
      socket.once('connect_error', (err) => reject(new Error(`the socket was refused: ${err.message}`)));
    });
  }

  /** Sends a template's read request and resolves with the answer the page gets. */
  function read(socket: Socket, widget: string, topic: string): Promise<{ topic: string; payload: unknown }> {
    return new Promise((resolve) => {
      const onInput = (msg: { topic: string; payload: unknown }) => {
        if (msg.topic !== topic) return;
        socket.off(`msg-input:${widget}`, onInput);
        resolve(msg);
      };
      socket.on(`msg-input:${widget}`, onInput);
      socket.emit('widget-send', widget, { topic });
    });
  }

  before(async () => {
    const demo = JSON.parse(readFileSync(join(repoRoot, 'flows', 'demo-plant.json'), 'utf8')) as unknown[];
    server = await startServerProcess({
      flows: [...demo, ...probeFlow],
      env: { ADMIN_PASSWORD: 'socket-pass', ADMIN_USERS: `watcher:${bcryptHash('watch-pass')}:viewer`, SIM_MES_REPORTS_MS: '0' },
    });
    token = await login(server.url, 'admin', 'socket-pass');
  });
  after(async () => {
    for (const socket of sockets) socket.disconnect();
    await server?.stop();
  });

  it("refuses an anonymous engine.io handshake (a raw polling GET) with 401 and a JSON body, and takes an admin's", async () => {
    const anonymous = await fetch(`${server.url}${SOCKET_PATH}/?EIO=4&transport=polling`);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic realm=/);
    assert.match(((await anonymous.json()) as { error: string }).error, /needs a login/);
    const machine = await fetch(`${server.url}${SOCKET_PATH}/?EIO=4&transport=polling`, { headers: { authorization: MACHINE } });
    assert.equal(machine.status, 401, 'a machine account is not a person');
    const admin = await fetch(`${server.url}${SOCKET_PATH}/?EIO=4&transport=polling`, { headers: { authorization: ADMIN } });
    assert.equal(admin.status, 200);
    assert.match(await admin.text(), /^0\{"sid":/);
  });

  it('refuses an anonymous socket.io-client: it never connects and never gets the dashboard config', async () => {
    const socket = open();
    let configured = false;
    socket.on('ui-config', () => (configured = true));
    const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
    assert.match(error.message, /xhr poll error|401/);
    assert.equal(socket.connected, false);
    assert.equal(configured, false);
  });

  it("lets a viewer connect and read the pending approvals, and drops the viewer's actions and changes", async () => {
    const { socket, config } = await connect(VIEWER);
    assert.ok((config as { pages: Record<string, unknown> }).pages['page-approvals'], 'the viewer got the dashboard config');
    const answer = await read(socket, 'approvals-page', 'pending');
    assert.ok(Array.isArray(answer.payload));
    socket.emit('widget-action', 'approvals-page', { topic: 'decision', payload: {} });
    socket.emit('widget-change', 'approvals-page', { payload: 1 });
    await eventually(() => server.output().includes('Dashboard widget-action from watcher (viewer) was dropped: a viewer reads only.'), 'the dropped action in the log', 20_000);
    await eventually(() => server.output().includes('Dashboard widget-change from watcher (viewer) was dropped'), 'the dropped change in the log', 20_000);
    assert.equal(socket.connected, true, 'the viewer stays connected and can keep reading');
  });

  it('a decision sent over the socket with a forged signer and _client.user changes nothing: still pending, no approval in the audit log', async () => {
    const posted = await eventually(
      async () => {
        const res = await fetch(`${server.simUrl}/mes/_sim/requisitions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'over' }) });
        const body = (await res.json()) as { record: { requisitionId: string }; bridge: { status: number } };
        return body.bridge.status === 202 ? body.record : undefined;
      },
      'an over-need requisition the bridge holds',
      30_000,
    );
    const id = posted.requisitionId;
    const { socket } = await connect(ADMIN);
    const forged = {
      topic: 'decision',
      payload: { requisitionId: id, decision: 'approve', reason: 'forged over the socket', signer: 'admin', signedAt: new Date().toISOString() },
      _client: { user: { username: 'admin', role: 'admin' } },
    };
    socket.emit('widget-send', 'approvals-page', forged);
    socket.emit('widget-send', 'exceptions-page', { topic: 'ack', payload: { id: 'EX-NONE', user: 'nobody', note: 'forged' }, _client: { user: { username: 'nobody' } } });
    // Messages from one socket reach the flow in order: once this read is answered, the forged ones have been handled.
    const pending = await read(socket, 'approvals-page', 'pending');
    assert.ok(
      (pending.payload as Array<{ approvalRequest: { requisitionId: string } }>).some((p) => p.approvalRequest.requisitionId === id),
      'still pending on the page',
    );
    const items = ((await api('/api/approvals')) as { items: Array<{ approvalRequest: { requisitionId: string } }> }).items;
    assert.ok(
      items.some((p) => p.approvalRequest.requisitionId === id),
      'still pending in the API',
    );
    const audit = ((await api(`/api/audit?subjectId=${encodeURIComponent(id)}`)) as { items: Array<{ what: string; who: string }> }).items;
    assert.deepEqual(
      audit.filter((e) => /approved|rejected|decision/.test(e.what)),
      [],
      `no decision in the audit log: ${JSON.stringify(audit)}`,
    );

    // The signed route still decides it, and that is the one decision the audit log holds.
    const signed = await fetch(`${server.url}/api/approvals/${encodeURIComponent(id)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'approve', reason: 'signed with the password', password: 'socket-pass' }),
    });
    assert.equal(signed.status, 200, await signed.clone().text());
    const after = ((await api(`/api/audit?subjectId=${encodeURIComponent(id)}`)) as { items: Array<{ what: string; who: string; why: string }> }).items;
    assert.deepEqual(
      after.filter((e) => /approved|rejected|decision/.test(e.what)).map((e) => [e.what, e.who, e.why]),
      [['requisition.approved', 'admin', 'signed with the password']],
    );
  });

  it("every message a page sends reaches the flow as the socket's own user, whatever _client the page put on it", async () => {
    const { socket } = await connect(ADMIN);
    socket.emit('widget-send', 'probe-template', { topic: 'probe', _client: { user: { username: 'ghost', role: 'admin' }, socketId: 'someone-else' } });
    const client = await eventually(
      async () => {
        const res = await fetch(`${server.url}/probe/last-client`, { headers: { authorization: MACHINE } });
        return ((await res.json()) as { client: { user?: { username: string; role: string }; socketId?: string } | null }).client ?? undefined;
      },
      "the probe template's message",
      20_000,
    );
    assert.deepEqual(client.user, { username: 'admin', role: 'admin' });
    assert.equal(client.socketId, socket.id);
  });

  it('drops a socket that sends a message nested 10,000 deep; the process stays up and takes new sockets', async () => {
    const { socket } = await connect(ADMIN);
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    // Written as the raw socket.io EVENT packet (the engine adds its message type): the client's own encoder would walk the value recursively first.
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    socket.io.engine.write(`2["widget-send","approvals-page",${deep}]`);
    assert.equal(await closed, 'io server disconnect');
    await eventually(() => server.output().includes('Dashboard socket of admin dropped: The message is nested deeper than 32 levels'), 'the refusal in the log', 20_000);
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    const again = await connect(ADMIN);
    assert.ok((await read(again.socket, 'approvals-page', 'pending')).payload);
  });
});
