// The demo plant's equipment OEE tab (PLC → MES/ERP): equipment signals come from the equipment tab's contrib
// readers by a link (and from the MES by an http-in endpoint); plans come from plan sync by a link and are
// mapped to MES codes; the oee node closes hours and shifts into OEE reports, sends each change of state to the
// ERP through the outbox, hands long faults to exception-escalation by a link, and feeds the
// "设备 / Equipment" dashboard page.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REFUSED_OR_UNAVAILABLE_NAME, REFUSED_OR_UNAVAILABLE_RULES } from './mes-answers.mjs';
import { dashboardPage } from './dashboard-page.mjs';

export const OEE_PLAN_LINK_IN = 'oee-plan-in';

const require = createRequire(import.meta.url);
const { DEMO_MACHINES } = require(join(dirname(fileURLToPath(import.meta.url)), '..', 'dist/server/simulator/equipment-tags.js'));
/**
 * The ideal cycle the simulated machine runs at when no work order is planned on it: the master's default must be
 * that one, or a healthy machine shows a performance above 100 % (the extruder's 0.9 s against a master's 1 s).
 */
const idealOf = (equipment, fallback) => DEMO_MACHINES.find((m) => m.equipment === equipment)?.idealCycleSec ?? fallback;

/** The demo equipment master: the simulated machines' ideal cycle times, EQ-ASM-01 ↔ EQ-ASM-02 back each other up. */
export const DEMO_EQUIPMENT_MASTER = [
  { equipment: 'EQ-EXTR-01', name: '挤出机1号', idealCycleSec: idealOf('EQ-EXTR-01') },
  { equipment: 'EQ-ASM-01', name: '自动组装线1', idealCycleSec: idealOf('EQ-ASM-01'), backupEquipment: 'EQ-ASM-02' },
  { equipment: 'EQ-ASM-02', name: '自动组装线2', idealCycleSec: idealOf('EQ-ASM-01'), backupEquipment: 'EQ-ASM-01' },
  { equipment: 'EQ-UVB-01', name: 'UV粘接机', idealCycleSec: idealOf('EQ-UVB-01') },
  { equipment: 'EQ-LEAK-01', name: '密封性测试台', idealCycleSec: idealOf('EQ-LEAK-01') },
];

export function oeeFlow(root, storeId, workOrderRules) {
  const z = 'oee-tab';
  const board = dashboardPage(root, 'equipment');
  const change = (id, name, rules, x, y, wires) => ({ id, type: 'change', z, name, rules, action: '', property: '', from: '', to: '', reg: false, x, y, wires });
  const fromCaller = (id, x, y, wires, outputs = 1) => ({
    id,
    type: 'switch',
    z,
    name: '来自 MES? from the MES?',
    property: 'res',
    propertyType: 'msg',
    rules: outputs === 1 ? [{ t: 'nnull' }] : [{ t: 'nnull' }, { t: 'else' }],
    checkall: 'false',
    repair: false,
    outputs,
    x,
    y,
    wires,
  });
  return [
    {
      id: z,
      type: 'tab',
      label: '设备 OEE Equipment (PLC → MES/ERP)',
      disabled: false,
      info: 'Equipment signals (schema equipment-signal) arrive from the equipment tab (link "equipment-signals-link-in") or from the MES (POST /mes/equipment-signals, HTTP Basic auth). The oee node computes availability, performance, quality and OEE per machine per hour and shift, sends each change of state to the ERP (ERP_FEEDBACK_URL …/equipment-status) and the shift reports (…/oee-reports) through the outbox, and hands faults longer than 10 min to exception-escalation. Dashboard: /dashboard/equipment.\n\n设备信号来自设备页签(链接)或 MES(POST /mes/equipment-signals);oee 节点按设备、按小时和班次计算时间开动率、性能开动率、合格品率和 OEE,经发件箱把状态变化和班次报告回传 ERP,故障超过 10 分钟转交异常升级。看板见 /dashboard/equipment。',
    },
    { id: 'oee-note', type: 'comment', z, name: '设备信号 → OEE → ERP 设备状态 + 设备异常 + 设备看板  |  equipment signals → OEE → equipment status to the ERP + exceptions + board', info: '', x: 500, y: 40, wires: [] },
    { id: 'equipment-signals-link-in', type: 'link in', z, name: '设备信号 equipment signals', links: ['equipment-signals-link-out'], x: 165, y: 120, wires: [['oee']] },
    { id: 'oee-signals-in', type: 'http in', z, name: 'MES 设备信号 signals', url: '/mes/equipment-signals', method: 'post', upload: false, swaggerDoc: '', x: 160, y: 180, wires: [['oee']] },
    { id: OEE_PLAN_LINK_IN, type: 'link in', z, name: '计划 plans', links: ['feedback-plan-out'], x: 125, y: 240, wires: [['oee-plan-codes']] },
    {
      // Plans come with ERP codes (as the feedback tab wants them); OEE speaks the machines' MES codes.
      id: 'oee-plan-codes',
      type: 'code-map',
      z,
      name: '编码映射 ERP → MES',
      tables: 'demo-codes',
      direction: 'erp-to-mes',
      rules: workOrderRules,
      x: 300,
      y: 240,
      wires: [['oee'], ['oee-errors']],
    },
    {
      id: 'oee',
      type: 'oee',
      z,
      name: '设备综合效率 OEE',
      endpoint: 'demo-erp-feedback',
      store: storeId,
      statusPath: 'equipment-status',
      reportPath: 'oee-reports',
      timeZone: 'Asia/Shanghai',
      shifts: [
        { name: '白班 Day', start: '08:00', end: '20:00' },
        { name: '夜班 Night', start: '20:00', end: '08:00' },
      ],
      master: DEMO_EQUIPMENT_MASTER,
      thresholdPct: 80,
      thresholdPctType: 'num',
      faultAfterMin: 10,
      faultAfterMinType: 'num',
      graceSec: 60,
      boardThrottleMs: 1000,
      maxAttempts: 10,
      x: 540,
      y: 180,
      wires: [['oee-from-mes', 'oee-reports'], ['oee-exceptions-link-out', 'oee-exceptions'], ['equipment-board']],
    },
    fromCaller('oee-from-mes', 760, 120, [['oee-accepted']]),
    change(
      'oee-accepted',
      '202 已受理 accepted',
      [
        { t: 'set', p: 'statusCode', pt: 'msg', to: '202', tot: 'num' },
        { t: 'set', p: 'payload', pt: 'msg', to: 'accepted', tot: 'msg' },
      ],
      950,
      120,
      [['oee-answer']],
    ),
    { id: 'oee-answer', type: 'http response', z, name: '答复 MES answer', statusCode: '', headers: {}, x: 1140, y: 150, wires: [] },
    {
      id: 'oee-reports',
      type: 'switch',
      z,
      name: '报告 / 报警 reports / alarms',
      property: 'topic',
      propertyType: 'msg',
      rules: [
        { t: 'eq', v: 'oee-report', vt: 'str' },
        { t: 'eq', v: 'oee-alarm', vt: 'str' },
      ],
      checkall: 'false',
      repair: false,
      outputs: 2,
      x: 780,
      y: 180,
      wires: [['oee-report-debug'], ['oee-alarm-debug']],
    },
    {
      id: 'oee-report-debug',
      type: 'debug',
      z,
      name: 'OEE 报告 reports',
      active: false,
      tosidebar: true,
      console: false,
      tostatus: true,
      complete: 'payload',
      targetType: 'msg',
      statusVal: 'payload.equipment',
      statusType: 'msg',
      x: 1000,
      y: 180,
      wires: [],
    },
    {
      id: 'oee-alarm-debug',
      type: 'debug',
      z,
      name: 'OEE 报警 alarms',
      active: true,
      tosidebar: true,
      console: false,
      tostatus: true,
      complete: 'payload.text',
      targetType: 'msg',
      statusVal: 'payload.equipment',
      statusType: 'msg',
      x: 1000,
      y: 220,
      wires: [],
    },
    { id: 'oee-exceptions-link-out', type: 'link out', z, name: '设备异常 → 异常升级 exceptions', mode: 'link', links: ['exceptions-link-in'], x: 775, y: 270, wires: [] },
    {
      id: 'oee-exceptions',
      type: 'debug',
      z,
      name: '设备异常 exceptions',
      active: true,
      tosidebar: true,
      console: false,
      tostatus: true,
      complete: 'payload.description',
      targetType: 'msg',
      statusVal: 'payload.equipment',
      statusType: 'msg',
      x: 1000,
      y: 270,
      wires: [],
    },
    {
      id: 'equipment-board',
      type: 'ui-template',
      z,
      group: 'equipment-group',
      page: '',
      ui: '',
      name: '设备看板 board',
      order: 1,
      width: 0,
      height: 0,
      head: '',
      format: board,
      storeOutMessages: false,
      passthru: false,
      resendOnRefresh: true,
      templateScope: 'local',
      className: '',
      x: 780,
      y: 330,
      wires: [['equipment-board-reads']],
    },
    // A page's socket passes only its read requests on: anything else it sends (a decision, a report) goes nowhere.
    {
      id: 'equipment-board-reads',
      type: 'switch',
      z,
      name: '只读请求 read requests only',
      property: 'topic',
      propertyType: 'msg',
      rules: [{ t: 'eq', v: 'board', vt: 'str' }],
      checkall: 'false',
      repair: false,
      outputs: 1,
      x: 780,
      y: 370,
      wires: [['oee']],
    },
    { id: 'oee-catch', type: 'catch', z, name: '错误 Errors', scope: ['oee', 'oee-plan-codes'], uncaught: false, x: 140, y: 400, wires: [['oee-error-to-mes']] },
    fromCaller('oee-error-to-mes', 360, 400, [['oee-refused'], ['oee-errors']], 2),
    change('oee-refused', REFUSED_OR_UNAVAILABLE_NAME, REFUSED_OR_UNAVAILABLE_RULES, 580, 380, [['oee-answer']]),
    { id: 'oee-errors', type: 'debug', z, name: '错误 errors', active: true, tosidebar: true, console: false, tostatus: true, complete: 'error', targetType: 'msg', statusVal: 'error.message', statusType: 'msg', x: 590, y: 430, wires: [] },
    {
      id: 'page-equipment',
      type: 'ui-page',
      name: '设备 Equipment',
      ui: 'demo-dashboard',
      path: '/equipment',
      icon: 'factory',
      layout: 'grid',
      theme: 'demo-theme',
      breakpoints: [
        { name: 'Default', px: 0, cols: 3 },
        { name: 'Tablet', px: 576, cols: 6 },
        { name: 'Small Desktop', px: 768, cols: 9 },
        { name: 'Desktop', px: 1024, cols: 12 },
      ],
      order: 2,
      className: '',
      visible: 'true',
      disabled: 'false',
    },
    { id: 'equipment-group', type: 'ui-group', name: '设备 Equipment', page: 'page-equipment', width: 12, height: 1, order: 1, showTitle: false, className: '', visible: 'true', disabled: 'false', groupType: 'default' },
  ];
}
