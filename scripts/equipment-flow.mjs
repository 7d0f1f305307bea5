// The demo plant's equipment tab: the two OPC UA machines through node-red-contrib-opcua (one OpcUa-Client, one
// subscription holding the monitored items of both machines) and the two Modbus units of the PLC through
// node-red-contrib-modbus (one modbus-client per unit, so a unit that stops answering times out on its own
// connection and queue and never stalls the other's reads). Every reading becomes an `equipment-signal` sent to
// the link out 'equipment-signals-link-out' (the OEE tab's link in). Addresses come from the environment
// (OPCUA_ENDPOINT, MODBUS_HOST, MODBUS_PORT); the tag map from server/simulator/equipment-tags.ts.
//
// The OPC UA watchdog is the flow's answer to the contrib client's most reported failures: it alone sends the
// subscribe requests, once per new session or lost subscription (re-sending them into a live subscription is
// what doubles monitored items), and when neither a value nor a keep-alive arrived for OPCUA_STALE_MS it asks
// the client to reconnect, so a restarted server is subscribed again by itself. Its status tells the truth
// while the client's own still shows its last word.
import { createRequire } from 'node:module';
import { join } from 'node:path';

export const EQUIPMENT_LINK_OUT = 'equipment-signals-link-out';
export const EQUIPMENT_LINK_IN = 'equipment-signals-link-in';
export const OPCUA_STALE_MS = 10000;
export const OPCUA_RECONNECT_EVERY_MS = 20000;

export function equipmentFlow(root, { staleMs = OPCUA_STALE_MS, reconnectEveryMs = OPCUA_RECONNECT_EVERY_MS, publishMs = 1000, modbusRateMs = 1000 } = {}) {
  const require = createRequire(import.meta.url);
  const { DEMO_EQUIPMENT_TAGS } = require(join(root, 'dist/server/simulator/equipment-tags.js'));
  const { tags } = DEMO_EQUIPMENT_TAGS.opcua;
  const { units, registers, stateCodes } = DEMO_EQUIPMENT_TAGS.modbus;
  const z = 'equipment';
  const itemId = (t) => `opcua-item-${t.equipment}-${t.field}`;
  const tagMap = Object.fromEntries(tags.map((t) => [t.nodeId, { equipment: t.equipment, field: t.field }]));
  const stateNames = Object.fromEntries(Object.entries(stateCodes).map(([state, code]) => [code, state]));
  const unitId = (u) => `modbus-${u.equipment.toLowerCase()}`;

  const watchdog = `// Output 1: subscribe (to the OpcUa-Item nodes); output 2: reconnect (to the OpcUa-Client).
const STALE_MS = ${staleMs}, RECONNECT_EVERY_MS = ${reconnectEveryMs};
const now = Date.now();
const s = context.get('s') || { phase: 'connecting', lastSeen: now, reconnectAt: 0, subscribes: 0, reconnects: 0, values: 0 };
const show = () => {
  const silent = Math.round((now - s.lastSeen) / 1000);
  const st = s.phase === 'live' && silent * 1000 <= STALE_MS ? { fill: 'green', shape: 'dot', text: '实时 live' }
    : s.phase === 'subscribing' ? { fill: 'yellow', shape: 'ring', text: '订阅中 subscribing' }
    : s.phase === 'connecting' ? { fill: 'yellow', shape: 'ring', text: '连接中 connecting' }
    : { fill: 'red', shape: 'ring', text: '无数据 no data ' + silent + 's' };
  node.status(st);
};
let out = null;
if (msg.topic === 'watchdog-tick') {
  if (now - s.lastSeen > STALE_MS && now - s.reconnectAt > RECONNECT_EVERY_MS) {
    // Nothing for too long, not even a keep-alive: the session is dead whatever the client believes.
    s.reconnectAt = now;
    s.reconnects += 1;
    s.phase = 'connecting';
    s.lastSeen = now;
    out = [null, { action: 'reconnect', payload: '' }];
  }
} else if (typeof msg.status === 'string' && Object.prototype.hasOwnProperty.call(msg, 'endpoint')) {
  const st = msg.status;
  if (st === 'session active' || ((st === 'terminated' || st === 'subscription error') && s.phase !== 'connecting')) {
    // A new session has no subscription, and a terminated one is gone: subscribe every item once.
    s.phase = 'subscribing';
    s.subscribes += 1;
    s.lastSeen = now;
    out = [{ payload: '' }, null];
  } else if (st === 'keepalive' || st === 'subscribed' || st === 'active subscribed') {
    s.lastSeen = now;
    if (s.phase === 'subscribing') s.phase = 'live';
  } else if (['reconnect', 'create client', 'connecting', 'invalid endpoint', 'closed', 'disconnected', 'session closed', 'no client'].includes(st)) {
    s.phase = 'connecting';
  }
} else if (msg.topic !== 'subscriptionId') {
  s.lastSeen = now;
  s.values += 1;
  s.phase = 'live';
}
context.set('s', s);
show();
return out;`;

  const opcuaToSignal = `// One OPC UA data change → one equipment-signal; the monitored item's node id names machine and field.
const TAGS = ${JSON.stringify(tagMap)};
const STATES = ['running', 'idle', 'fault', 'maintenance'];
if (msg.topic === 'subscriptionId') return null; // the client's notice of a new subscription, not a reading
const tag = TAGS[msg.topic];
if (!tag) { node.error('OPC UA node ' + msg.topic + ' is not in the equipment tag map', msg); return null; }
const code = msg.statusCode && (typeof msg.statusCode.value === 'number' ? msg.statusCode.value : msg.statusCode._value);
if (typeof code === 'number' && code >>> 30 >= 2) { node.warn('OPC UA node ' + msg.topic + ' has bad quality 0x' + (code >>> 0).toString(16)); return null; }
const value = msg.payload;
if (tag.field === 'state' ? !STATES.includes(value) : typeof value !== 'number' || !Number.isFinite(value)) {
  node.error('OPC UA node ' + msg.topic + ' gave ' + JSON.stringify(value) + ', not a valid ' + tag.field, msg);
  return null;
}
const at = new Date(msg.sourceTimestamp || msg.serverTimestamp || Date.now());
msg.topic = tag.equipment;
msg.payload = { equipment: tag.equipment, at: at.toISOString(), [tag.field]: value, source: 'opcua' };
return msg;`;

  const modbusToSignal = `// One poll of a PLC unit's holding registers (msg.topic = the machine) → one equipment-signal.
const R = ${JSON.stringify(registers)};
const STATES = ${JSON.stringify(stateNames)};
const w = msg.payload;
if (!Array.isArray(w) || w.length < R.count) { node.error('Modbus unit of ' + msg.topic + ' returned ' + JSON.stringify(w) + ', not ' + R.count + ' holding registers', msg); return null; }
const u32 = (at) => w[at] * 65536 + w[at + 1]; // high word first
const signal = { equipment: msg.topic, at: new Date().toISOString() };
if (STATES[w[R.state]]) signal.state = STATES[w[R.state]];
signal.partCounter = u32(R.partCounter);
signal.rejectCounter = u32(R.rejectCounter);
signal.spindleSpeed = w[R.spindleSpeed];
signal.temperature = ((w[R.temperature] << 16) >> 16) / 10; // int16, °C × 10
signal.source = 'modbus';
msg.payload = signal;
return msg;`;

  const fn = (id, name, func, outputs, x, y, wires) => ({ id, type: 'function', z, name, func, outputs, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], x, y, wires });
  const toSignals = [[EQUIPMENT_LINK_OUT, 'equipment-latest', 'equipment-has-state']];
  return [
    {
      id: z, type: 'tab', label: '设备采集 Equipment (OPC UA, Modbus)', disabled: false,
      info: 'Reads the machines: EQ-EXTR-01 and EQ-ASM-01 over OPC UA (OPCUA_ENDPOINT, one subscription), EQ-UVB-01 (unit 1) and EQ-LEAK-01 (unit 2) over Modbus TCP (MODBUS_HOST, MODBUS_PORT; holding registers 0–6, see README "Equipment"). Every reading leaves as an equipment-signal through the link out to the OEE tab.\n\n通过 OPC UA 与 Modbus TCP 采集设备状态与计数，每个读数作为 equipment-signal 发送到 OEE。',
    },
    { id: 'equipment-note', type: 'comment', z, name: 'OPC UA + Modbus → equipment-signal → OEE  |  设备状态、计数、转速、温度', info: 'The watchdog alone subscribes (once per session or lost subscription: no doubled monitored items) and forces a reconnect when nothing arrived for ' + staleMs / 1000 + ' s. Each Modbus unit has its own modbus-client: a silent unit times out on its own queue.', x: 420, y: 40, wires: [] },
    { id: 'opcua-watchdog-tick', type: 'inject', z, name: '看门狗 watchdog tick', props: [{ p: 'topic', vt: 'str' }], repeat: '2', crontab: '', once: true, onceDelay: 0.1, topic: 'watchdog-tick', x: 150, y: 120, wires: [['opcua-watchdog']] },
    fn('opcua-watchdog', 'OPC UA 看门狗 watchdog', watchdog, 2, 370, 120, [tags.map(itemId), ['opcua-client']]),
    ...tags.map((t, i) => ({ id: itemId(t), type: 'OpcUa-Item', z, item: t.nodeId, datatype: t.dataType, value: '', name: `${t.equipment} ${t.browseName}`, x: 620, y: 80 + i * 30, wires: [['opcua-client']] })),
    {
      id: 'opcua-client', type: 'OpcUa-Client', z, endpoint: 'demo-opcua-endpoint', action: 'subscribe', deadbandtype: 'a', deadbandvalue: 0, time: publishMs, timeUnit: 'ms',
      certificate: 'n', localfile: '', localkeyfile: '', securitymode: 'None', securitypolicy: 'None', useTransport: false, maxChunkCount: 1, maxMessageSize: 8192, receiveBufferSize: 8192, sendBufferSize: 8192,
      setstatusandtime: false, keepsessionalive: false, name: 'OPC UA 机台 machines', x: 880, y: 200, wires: [['opcua-to-signal', 'opcua-watchdog'], ['opcua-watchdog'], []],
    },
    fn('opcua-to-signal', 'OPC UA → equipment-signal', opcuaToSignal, 1, 1110, 200, toSignals),
    ...units.map((u, i) => ({
      id: `${unitId(u)}-read`, type: 'modbus-read', z, name: `${u.equipment} 单元 unit ${u.unitId}`, topic: u.equipment, showStatusActivities: false, logIOActivities: false, showErrors: false, showWarnings: true,
      unitid: String(u.unitId), dataType: 'HoldingRegister', adr: '0', quantity: String(registers.count), rate: String(modbusRateMs), rateUnit: 'ms', delayOnStart: false, enableDeformedMessages: false, startDelayTime: '',
      server: `${unitId(u)}-client`, useIOFile: false, ioFile: '', useIOForPayload: false, emptyMsgOnFail: false, x: 170, y: 420 + i * 60, wires: [['modbus-to-signal'], []],
    })),
    fn('modbus-to-signal', 'Modbus → equipment-signal', modbusToSignal, 1, 440, 450, toSignals),
    { id: EQUIPMENT_LINK_OUT, type: 'link out', z, name: '设备信号 → OEE equipment signals', mode: 'link', links: [EQUIPMENT_LINK_IN], x: 1355, y: 300, wires: [] },
    { id: 'equipment-latest', type: 'debug', z, name: '最新读数 latest reading', active: true, tosidebar: false, console: false, tostatus: true, complete: 'payload', targetType: 'msg', statusVal: 'payload.equipment', statusType: 'msg', x: 1380, y: 360, wires: [] },
    { id: 'equipment-has-state', type: 'switch', z, name: '有状态? has state?', property: 'payload.state', propertyType: 'msg', rules: [{ t: 'nnull' }], checkall: 'true', repair: false, outputs: 1, x: 1130, y: 420, wires: [['equipment-state-change']] },
    { id: 'equipment-state-change', type: 'rbe', z, name: '状态变化 state change', func: 'rbe', gap: '', start: '', inout: 'out', septopics: true, property: 'payload.state', topi: 'topic', x: 1340, y: 420, wires: [['equipment-states']] },
    { id: 'equipment-states', type: 'debug', z, name: '设备状态 machine states', active: true, tosidebar: true, console: false, tostatus: true, complete: 'payload', targetType: 'msg', statusVal: 'payload.state', statusType: 'msg', x: 1550, y: 420, wires: [] },
    { id: 'equipment-catch', type: 'catch', z, name: '错误 Errors', scope: null, uncaught: false, x: 140, y: 560, wires: [['equipment-errors']] },
    { id: 'equipment-errors', type: 'debug', z, name: '错误 errors', active: true, tosidebar: true, console: false, tostatus: true, complete: 'error', targetType: 'msg', statusVal: 'error.message', statusType: 'msg', x: 380, y: 560, wires: [] },
    { id: 'demo-opcua-endpoint', type: 'OpcUa-Endpoint', name: '演示工厂 Demo plant OPC UA', endpoint: '${OPCUA_ENDPOINT}', secpol: 'None', secmode: 'None', none: true, login: false, usercert: false, usercertificate: '', userprivatekey: '' },
    ...units.map((u) => ({
      // One client per unit: its own TCP connection, queue and time-out (node-red-contrib-modbus issues #288, #409).
      id: `${unitId(u)}-client`, type: 'modbus-client', name: `PLC 单元 unit ${u.unitId} (${u.equipment})`, clienttype: 'tcp', bufferCommands: true, stateLogEnabled: false, queueLogEnabled: false, failureLogEnabled: false,
      tcpHost: '${MODBUS_HOST}', tcpPort: '${MODBUS_PORT}', tcpType: 'DEFAULT', serialPort: '/dev/ttyUSB', serialType: 'RTU-BUFFERD', serialBaudrate: '9600', serialDatabits: '8', serialStopbits: '1', serialParity: 'none',
      serialConnectionDelay: '100', serialAsciiResponseStartDelimiter: '0x3A', unit_id: u.unitId, commandDelay: 1, clientTimeout: 1000, reconnectOnTimeout: true, reconnectTimeout: 2000, parallelUnitIdsAllowed: true,
      showErrors: false, showWarnings: true, showLogs: false,
    })),
  ];
}
