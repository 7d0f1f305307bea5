// The pack's Dashboard 2 plugin in a plain Node-RED (node-red's own red.js, httpNodeAuth set, the pack from
// nodesDir, no bridge server): what a page sends reaches the flow as the logged-in user whatever _client it
// carried, a socket without the login gets nothing into the flow, and a message nested 10,000 deep is dropped
// instead of ending the process. (Without the bridge server the handshake itself cannot be refused.)
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import { basic, bcryptHash, tempDir } from '../support/server-kit';
import { freePort, repoRoot } from '../support/server-process';
import { eventually } from '../support/temp';

const OPERATOR = basic('operator', 'op-pass');
const breakpoints = [{ name: 'Default', px: 0, cols: 3 }];
const flow = [
  { id: 'tab', type: 'tab', label: 'plugin' },
  {
    id: 'pr-base',
    type: 'ui-base',
    name: 'plain',
    path: '/dashboard',
    includeClientData: true,
    acceptsClientConfig: ['ui-notification', 'ui-control'],
    showPathInSidebar: false,
    headerContent: 'page',
    navigationStyle: 'default',
    titleBarStyle: 'default',
  },
  {
    id: 'pr-theme',
    type: 'ui-theme',
    name: 'plain',
    colors: { surface: '#ffffff', primary: '#0094ce', bgPage: '#eeeeee', groupBg: '#ffffff', groupOutline: '#cccccc' },
    sizes: { density: 'default', pagePadding: '12px', groupGap: '12px', groupBorderRadius: '4px', widgetGap: '12px' },
  },
  { id: 'pr-page', type: 'ui-page', name: 'page', ui: 'pr-base', path: '/page', icon: 'home', layout: 'grid', theme: 'pr-theme', breakpoints, order: 1, className: '', visible: 'true', disabled: 'false' },
  { id: 'pr-group', type: 'ui-group', name: 'group', page: 'pr-page', width: 12, height: 1, order: 1, showTitle: false, className: '', visible: 'true', disabled: 'false', groupType: 'default' },
  {
    id: 'pr-probe',
    type: 'ui-template',
    z: 'tab',
    group: 'pr-group',
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
    wires: [['pr-keep']],
  },
  {
    id: 'pr-button',
    type: 'ui-button',
    z: 'tab',
    group: 'pr-group',
    name: 'button',
    label: 'go',
    order: 2,
    width: 0,
    height: 0,
    emulateClick: false,
    tooltip: '',
    color: '',
    bgcolor: '',
    className: '',
    icon: '',
    iconPosition: 'left',
    payload: 'pressed',
    payloadType: 'str',
    topic: 'button',
    topicType: 'str',
    buttonColor: '',
    textColor: '',
    iconColor: '',
    enableClick: true,
    enablePointerdown: false,
    pointerdownPayload: '',
    pointerdownPayloadType: 'str',
    enablePointerup: false,
    pointerupPayload: '',
    pointerupPayloadType: 'str',
    wires: [['pr-keep']],
  },
  { id: 'pr-keep', type: 'function', z: 'tab', func: "const seen = flow.get('seen') || [];\nseen.push({ topic: msg.topic, client: msg._client });\nflow.set('seen', seen);\nreturn null;", outputs: 0, wires: [] },
  { id: 'seen-in', type: 'http in', z: 'tab', url: '/seen', method: 'get', wires: [['seen-read']] },
  { id: 'seen-read', type: 'function', z: 'tab', func: "msg.payload = flow.get('seen') || [];\nreturn msg;", outputs: 1, wires: [['seen-out']] },
  { id: 'seen-out', type: 'http response', z: 'tab', statusCode: '', wires: [] },
];

interface Seen {
  topic: string;
  client?: { user?: { username: string; role: string }; socketId?: string };
}

describe('the dashboard guard plugin in a plain Node-RED', () => {
  const dir = tempDir('erp-mes-plain-red-');
  let child: ChildProcess;
  let output = '';
  let url: string;
  const sockets: Socket[] = [];
  const seen = async (): Promise<Seen[]> => (await fetch(`${url}/seen`, { headers: { authorization: OPERATOR } })).json() as Promise<Seen[]>;

  function connect(authorization?: string): Promise<Socket> {
    const socket = io(url, { path: '/dashboard/socket.io', reconnection: false, extraHeaders: authorization ? { authorization } : {} });
    sockets.push(socket);
    return new Promise((resolve, reject) => {
      socket.once('ui-config', () => resolve(socket));
      socket.once('connect_error', reject);
    });
  }

  /** Resolves once everything this socket has emitted has been taken by the server (the poll that carried it answered). */
  const flushed = (socket: Socket) => new Promise<void>((resolve) => (socket.io.engine.writeBuffer.length === 0 ? resolve() : socket.io.engine.once('drain', () => resolve())));

  before(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    writeFileSync(join(dir.path, 'flows.json'), JSON.stringify(flow));
    const settings = {
      uiHost: '127.0.0.1',
      uiPort: port,
      userDir: dir.path,
      flowFile: 'flows.json',
      credentialSecret: false,
      nodesDir: [repoRoot],
      httpNodeAuth: { user: 'operator', pass: bcryptHash('op-pass') },
      logging: { console: { level: 'info', metrics: false, audit: false } },
      editorTheme: { tours: false },
      diagnostics: { enabled: false },
      telemetry: { enabled: false, updateNotification: false },
    };
    writeFileSync(join(dir.path, 'settings.js'), `module.exports = ${JSON.stringify(settings)};\n`);
    child = spawn(process.execPath, [require.resolve('node-red/red.js'), '--settings', join(dir.path, 'settings.js'), '--userDir', dir.path], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`Node-RED exited:\n${output}`);
        return (await fetch(`${url}/seen`, { headers: { authorization: OPERATOR } })).status === 200;
      },
      'the plain Node-RED and its flow',
      60_000,
    );
    const plugins = (await (await fetch(`${url}/plugins`, { headers: { accept: 'application/json' } })).json()) as Array<{ id: string }>;
    assert.ok(
      plugins.some((p) => p.id === 'node-red-contrib-erp-mes-bridge/erp-mes-bridge-dashboard-guard'),
      `the pack's plugin is loaded: ${JSON.stringify(plugins.map((p) => p.id))}`,
    );
  });
  after(async () => {
    for (const socket of sockets) socket.disconnect();
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    dir.remove();
  });

  it("a page's message reaches the flow as the logged-in user, whatever _client it sent", async () => {
    const socket = await connect(OPERATOR);
    socket.emit('widget-send', 'pr-probe', { topic: 'forged', _client: { user: { username: 'admin', role: 'admin' }, socketId: 'someone-else' } });
    socket.emit('widget-action', 'pr-button', { payload: 'pressed', _client: { user: { username: 'admin' } } });
    const both = await eventually(
      async () => {
        const list = await seen();
        return list.some((s) => s.topic === 'forged') && list.some((s) => s.topic === 'button') ? list : undefined;
      },
      "the template's and the button's messages",
      20_000,
    );
    for (const s of both) {
      assert.deepEqual(s.client?.user, { username: 'operator', role: 'admin' });
      assert.equal(s.client?.socketId, socket.id);
    }
  });

  it('a socket without the login gets nothing into the flow', async () => {
    const anonymous = await connect();
    anonymous.emit('widget-send', 'pr-probe', { topic: 'anonymous-send' });
    anonymous.emit('widget-action', 'pr-button', { payload: 'anonymous-action' });
    await flushed(anonymous);
    const operator = await connect(OPERATOR);
    operator.emit('widget-send', 'pr-probe', { topic: 'after-anonymous' });
    const list = await eventually(
      async () => {
        const l = await seen();
        return l.some((s) => s.topic === 'after-anonymous') ? l : undefined;
      },
      'the logged-in message sent after the anonymous ones',
      20_000,
    );
    assert.equal(list.filter((s) => !s.client?.user).length, 0, `nothing without a user: ${JSON.stringify(list)}`);
  });

  it('drops a message nested 10,000 deep; Node-RED keeps running', async () => {
    const socket = await connect(OPERATOR);
    // An array as the message itself: Dashboard 2 walks it recursively to add the client data, outside its try/catch.
    socket.io.engine.write(`2["widget-send","pr-probe",${'['.repeat(10_000) + ']'.repeat(10_000)}]`);
    await flushed(socket);
    socket.emit('widget-send', 'pr-probe', { topic: 'after-deep' });
    const list = await eventually(
      async () => {
        const l = await seen();
        return l.some((s) => s.topic === 'after-deep') ? l : undefined;
      },
      'the message after the deep one',
      20_000,
    );
    assert.equal(list.filter((s) => s.topic === undefined).length, 0, 'nothing of the deep array reached the flow');
    assert.equal(child.exitCode, null);
    assert.doesNotMatch(output, /RangeError/);
  });
});
