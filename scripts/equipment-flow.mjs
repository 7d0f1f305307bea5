// The demo plant's equipment tab: the two OPC UA machines through node-red-contrib-opcua (one OpcUa-Client, one
// subscription holding the monitored items of both machines) and the two Modbus units of the PLC through
// node-red-contrib-modbus (one modbus-client per unit, so a unit that stops answering times out on its own
// connection and queue and never stalls the other's reads). Every reading becomes an `equipment-signal` sent to
// the link out 'equipment-signals-link-out' (the OEE tab's link in). Addresses come from the environment
// (OPCUA_ENDPOINT, MODBUS_HOST, MODBUS_PORT); the tag map from server/simulator/equipment-tags.ts.
//
// The opcua-watchdog node (nodes/opcua-watchdog) is the flow's answer to the contrib client's most reported
// failures: it alone sends the subscribe requests, once per new session or lost subscription (re-sending them into
// a live subscription is what doubles monitored items), and when neither a value nor a keep-alive arrived for
// OPCUA_STALE_MS it asks the client to reconnect, so a restarted server is subscribed again by itself. Its status
// tells the truth while the client's own still shows its last word. The equipment-signal nodes
// (nodes/equipment-signal) decode the readings by their tag maps; the rules of both live in nodes/lib/equipment.
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
  const opcuaRows = tags.map((t) => ({ source: 'opcua', equipment: t.equipment, field: t.field, nodeId: t.nodeId, scale: 1 }));
  // The PLC's register map (README "Equipment"): counters are uint32 over two registers, high word first; the
  // temperature is int16 in °C × 10.
  const registerRows = (u) =>
    [
      { field: 'state', register: registers.state, type: 'uint16', scale: 1 },
      { field: 'partCounter', register: registers.partCounter, type: 'uint32', scale: 1 },
      { field: 'rejectCounter', register: registers.rejectCounter, type: 'uint32', scale: 1 },
      { field: 'spindleSpeed', register: registers.spindleSpeed, type: 'uint16', scale: 1 },
      { field: 'temperature', register: registers.temperature, type: 'int16', scale: 0.1 },
    ].map((r) => ({ source: 'modbus', equipment: u.equipment, unitId: u.unitId, ...r }));
  const stateCodeText = Object.entries(stateCodes)
    .map(([state, code]) => `${code}=${state}`)
    .join(',');
  const unitId = (u) => `modbus-${u.equipment.toLowerCase()}`;

  const toSignal = (id, name, rows, x, y, wires) => ({ id, type: 'equipment-signal', z, name, tags: rows, stateCodes: stateCodeText, x, y, wires });
  const toSignals = [[EQUIPMENT_LINK_OUT, 'equipment-latest', 'equipment-has-state']];
  return [
    {
      id: z,
      type: 'tab',
      label: '设备采集 Equipment (OPC UA, Modbus)',
      disabled: false,
      info: 'Reads the machines: EQ-EXTR-01 and EQ-ASM-01 over OPC UA (OPCUA_ENDPOINT, one subscription), EQ-UVB-01 (unit 1) and EQ-LEAK-01 (unit 2) over Modbus TCP (MODBUS_HOST, MODBUS_PORT; holding registers 0–6, see README "Equipment"). Every reading leaves as an equipment-signal through the link out to the OEE tab.\n\n通过 OPC UA 与 Modbus TCP 采集设备状态与计数，每个读数作为 equipment-signal 发送到 OEE。',
    },
    {
      id: 'equipment-note',
      type: 'comment',
      z,
      name: 'OPC UA + Modbus → equipment-signal → OEE  |  设备状态、计数、转速、温度',
      info:
        'The watchdog alone subscribes (once per session or lost subscription: no doubled monitored items) and forces a reconnect when nothing arrived for ' +
        staleMs / 1000 +
        ' s. Each Modbus unit has its own modbus-client: a silent unit times out on its own queue.',
      x: 420,
      y: 40,
      wires: [],
    },
    { id: 'opcua-watchdog', type: 'opcua-watchdog', z, name: 'OPC UA 看门狗 watchdog', staleMs, reconnectEveryMs, checkEveryMs: Math.min(2000, staleMs), x: 370, y: 120, wires: [tags.map(itemId), ['opcua-client']] },
    ...tags.map((t, i) => ({ id: itemId(t), type: 'OpcUa-Item', z, item: t.nodeId, datatype: t.dataType, value: '', name: `${t.equipment} ${t.browseName}`, x: 620, y: 80 + i * 30, wires: [['opcua-client']] })),
    {
      id: 'opcua-client',
      type: 'OpcUa-Client',
      z,
      endpoint: 'demo-opcua-endpoint',
      action: 'subscribe',
      deadbandtype: 'a',
      deadbandvalue: 0,
      time: publishMs,
      timeUnit: 'ms',
      certificate: 'n',
      localfile: '',
      localkeyfile: '',
      securitymode: 'None',
      securitypolicy: 'None',
      useTransport: false,
      maxChunkCount: 1,
      maxMessageSize: 8192,
      receiveBufferSize: 8192,
      sendBufferSize: 8192,
      setstatusandtime: false,
      keepsessionalive: false,
      name: 'OPC UA 机台 machines',
      x: 880,
      y: 200,
      wires: [['opcua-to-signal', 'opcua-watchdog'], ['opcua-watchdog'], []],
    },
    toSignal('opcua-to-signal', 'OPC UA → 设备信号 equipment-signal', opcuaRows, 1170, 200, toSignals),
    ...units.map((u, i) => ({
      id: `${unitId(u)}-read`,
      type: 'modbus-read',
      z,
      name: `${u.equipment} 单元 unit ${u.unitId}`,
      topic: u.equipment,
      showStatusActivities: false,
      logIOActivities: false,
      showErrors: false,
      showWarnings: true,
      unitid: String(u.unitId),
      dataType: 'HoldingRegister',
      adr: '0',
      quantity: String(registers.count),
      rate: String(modbusRateMs),
      rateUnit: 'ms',
      delayOnStart: false,
      enableDeformedMessages: false,
      startDelayTime: '',
      server: `${unitId(u)}-client`,
      useIOFile: false,
      ioFile: '',
      useIOForPayload: false,
      emptyMsgOnFail: false,
      x: 170,
      y: 420 + i * 60,
      wires: [['modbus-to-signal'], []],
    })),
    toSignal('modbus-to-signal', 'Modbus → 设备信号 equipment-signal', units.flatMap(registerRows), 440, 450, toSignals),
    { id: EQUIPMENT_LINK_OUT, type: 'link out', z, name: '设备信号 → OEE equipment signals', mode: 'link', links: [EQUIPMENT_LINK_IN], x: 1435, y: 300, wires: [] },
    {
      id: 'equipment-latest',
      type: 'debug',
      z,
      name: '最新读数 latest reading',
      active: true,
      tosidebar: false,
      console: false,
      tostatus: true,
      complete: 'payload',
      targetType: 'msg',
      statusVal: 'payload.equipment',
      statusType: 'msg',
      x: 1490,
      y: 360,
      wires: [],
    },
    {
      id: 'equipment-has-state',
      type: 'switch',
      z,
      name: '有状态? has state?',
      property: 'payload.state',
      propertyType: 'msg',
      rules: [{ t: 'nnull' }],
      checkall: 'true',
      repair: false,
      outputs: 1,
      x: 1200,
      y: 420,
      wires: [['equipment-state-change']],
    },
    { id: 'equipment-state-change', type: 'rbe', z, name: '状态变化 state change', func: 'rbe', gap: '', start: '', inout: 'out', septopics: true, property: 'payload.state', topi: 'topic', x: 1400, y: 420, wires: [['equipment-states']] },
    {
      id: 'equipment-states',
      type: 'debug',
      z,
      name: '设备状态 machine states',
      active: true,
      tosidebar: true,
      console: false,
      tostatus: true,
      complete: 'payload',
      targetType: 'msg',
      statusVal: 'payload.state',
      statusType: 'msg',
      x: 1610,
      y: 420,
      wires: [],
    },
    { id: 'equipment-catch', type: 'catch', z, name: '错误 Errors', scope: null, uncaught: false, x: 140, y: 560, wires: [['equipment-errors']] },
    {
      id: 'equipment-errors',
      type: 'debug',
      z,
      name: '错误 errors',
      active: true,
      tosidebar: true,
      console: false,
      tostatus: true,
      complete: 'error',
      targetType: 'msg',
      statusVal: 'error.message',
      statusType: 'msg',
      x: 380,
      y: 560,
      wires: [],
    },
    {
      id: 'demo-opcua-endpoint',
      type: 'OpcUa-Endpoint',
      name: '演示工厂 Demo plant OPC UA',
      endpoint: '${OPCUA_ENDPOINT}',
      secpol: 'None',
      secmode: 'None',
      none: true,
      login: false,
      usercert: false,
      usercertificate: '',
      userprivatekey: '',
    },
    ...units.map((u) => ({
      // One client per unit: its own TCP connection, queue and time-out (node-red-contrib-modbus issues #288, #409).
      id: `${unitId(u)}-client`,
      type: 'modbus-client',
      name: `PLC 单元 unit ${u.unitId} (${u.equipment})`,
      clienttype: 'tcp',
      bufferCommands: true,
      stateLogEnabled: false,
      queueLogEnabled: false,
      failureLogEnabled: false,
      tcpHost: '${MODBUS_HOST}',
      tcpPort: '${MODBUS_PORT}',
      tcpType: 'DEFAULT',
      serialPort: '/dev/ttyUSB',
      serialType: 'RTU-BUFFERD',
      serialBaudrate: '9600',
      serialDatabits: '8',
      serialStopbits: '1',
      serialParity: 'none',
      serialConnectionDelay: '100',
      serialAsciiResponseStartDelimiter: '0x3A',
      unit_id: u.unitId,
      commandDelay: 1,
      clientTimeout: 1000,
      reconnectOnTimeout: true,
      reconnectTimeout: 2000,
      parallelUnitIdsAllowed: true,
      showErrors: false,
      showWarnings: true,
      showLogs: false,
    })),
  ];
}
