// The demo plant's execution-feedback tab (MES → ERP): the MES posts its job reports to an http-in endpoint;
// their equipment codes are mapped back to ERP codes; progress-push keeps the progress per order and operation,
// answers the MES once the reports are durable, pushes updates to the ERP through the outbox, and feeds the
// "生产进度看板 / Production progress" dashboard page. Plans come from the plan-sync tab by a link.
import { REFUSED_OR_UNAVAILABLE_NAME, REFUSED_OR_UNAVAILABLE_RULES } from './mes-answers.mjs';
import { dashboardPage } from './dashboard-page.mjs';

export const PLAN_LINK_OUT = 'feedback-plan-out';
/** The mapped job reports, for the cost tab. */
export const REPORTS_LINK_OUT = 'feedback-reports-link-out';

export function feedbackFlow(root, storeId) {
  const z = 'feedback';
  const board = dashboardPage(root, 'progress-board');
  const change = (id, name, rules, x, y, wires) => ({ id, type: 'change', z, name, rules, action: '', property: '', from: '', to: '', reg: false, x, y, wires });
  return [
    {
      id: z, type: 'tab', label: '执行反馈 Execution feedback (MES → ERP)', disabled: false,
      info: 'The MES posts job reports (schema progress-report, an array per post) to POST /mes/progress-reports with HTTP Basic auth. progress-push keeps the progress per order and operation, answers 202 once the reports are durable (503 + Retry-After when the store is unavailable: nothing was applied, post again; 400 for bad data), and pushes progress updates to the ERP through the outbox (ERP_FEEDBACK_URL, ERP_FEEDBACK_USERNAME, ERP_FEEDBACK_PASSWORD). The board is the dashboard page /dashboard/progress.\n\nMES 以 HTTP Basic 认证把报工(progress-report 数组)发到 POST /mes/progress-reports;progress-push 汇总每个订单、每道工序的进度,持久化后答复 202(存储不可用时答复 503 并附 Retry-After:未做任何处理,请重发;数据有误答复 400),并经发件箱把进度回传 ERP。看板见仪表盘页面 /dashboard/progress。',
    },
    { id: 'feedback-note', type: 'comment', z, name: 'MES 报工 → 编码映射 → 进度回传 ERP + 生产进度看板  |  MES job reports → code mapping → progress to the ERP + progress board', info: '', x: 480, y: 40, wires: [] },
    { id: 'mes-reports-in', type: 'http in', z, name: 'MES 报工 job reports', url: '/mes/progress-reports', method: 'post', upload: false, swaggerDoc: '', x: 150, y: 120, wires: [['mes-report-codes', 'feedback-trace-link-out']] },
    { id: 'feedback-trace-link-out', type: 'link out', z, name: '报工 → 质量追溯 reports → trace', mode: 'link', links: ['trace-reports-link-in'], x: 355, y: 60, wires: [] },
    {
      id: 'mes-report-codes', type: 'code-map', z, name: '编码映射 MES → ERP', tables: 'demo-codes', direction: 'mes-to-erp',
      rules: [{ path: 'payload[*].equipment', table: 'equipment' }], x: 370, y: 120, wires: [['progress', REPORTS_LINK_OUT], ['report-unmapped']],
    },
    { id: REPORTS_LINK_OUT, type: 'link out', z, name: '报工 → 成本 reports → cost', mode: 'link', links: ['cost-reports-link-in'], x: 545, y: 240, wires: [] },
    { id: PLAN_LINK_OUT.replace('-out', '-in'), type: 'link in', z, name: '计划 plans', links: [PLAN_LINK_OUT], x: 415, y: 200, wires: [['progress']] },
    {
      id: 'progress', type: 'progress-push', z, name: '进度回传 progress push', endpoint: 'demo-erp-feedback', store: storeId,
      path: 'progress-updates', batchPath: 'progress-updates/batch', batchSize: 200, pushOn: 'report', snapshotMin: 60,
      greenPct: 90, yellowPct: 50, lagPct: 10, boardThrottleMs: 1000, maxAttempts: 10, x: 600, y: 140, wires: [['feedback-from-mes'], ['progress-board']],
    },
    {
      // Plans and board requests also leave output 1: only the MES's posts get an HTTP answer.
      id: 'feedback-from-mes', type: 'switch', z, name: '来自 MES? from the MES?', property: 'res', propertyType: 'msg',
      rules: [{ t: 'nnull' }], checkall: 'false', repair: false, outputs: 1, x: 810, y: 100, wires: [['report-accepted']],
    },
    change('report-accepted', '202 已受理 accepted', [
      { t: 'set', p: 'statusCode', pt: 'msg', to: '202', tot: 'num' },
      { t: 'set', p: 'payload', pt: 'msg', to: 'accepted', tot: 'msg' },
    ], 1000, 100, [['report-answer']]),
    change('report-unmapped', '422 未映射 unmapped', [
      { t: 'set', p: 'statusCode', pt: 'msg', to: '422', tot: 'num' },
      { t: 'set', p: 'payload', pt: 'msg', to: '{ "error": "unmapped equipment code", "unmapped": unmapped }', tot: 'jsonata' },
    ], 600, 60, [['report-answer']]),
    { id: 'report-answer', type: 'http response', z, name: '答复 MES answer', statusCode: '', headers: {}, x: 1200, y: 100, wires: [] },
    { id: 'feedback-catch', type: 'catch', z, name: '错误 Errors', scope: ['progress', 'mes-report-codes'], uncaught: false, x: 140, y: 300, wires: [['feedback-error-to-mes']] },
    {
      id: 'feedback-error-to-mes', type: 'switch', z, name: '来自 MES? from the MES?', property: 'res', propertyType: 'msg',
      rules: [{ t: 'nnull' }, { t: 'else' }], checkall: 'false', repair: false, outputs: 2, x: 360, y: 300, wires: [['report-refused'], ['feedback-errors']],
    },
    change('report-refused', REFUSED_OR_UNAVAILABLE_NAME, REFUSED_OR_UNAVAILABLE_RULES, 600, 280, [['report-answer']]),
    { id: 'feedback-errors', type: 'debug', z, name: '错误 errors', active: true, tosidebar: true, console: false, tostatus: true, complete: 'error', targetType: 'msg', statusVal: 'error.message', statusType: 'msg', x: 590, y: 330, wires: [] },
    {
      id: 'progress-board', type: 'ui-template', z, group: 'board-group', page: '', ui: '', name: '生产进度看板 board', order: 1, width: 0, height: 0, head: '',
      format: board, storeOutMessages: false, passthru: false, resendOnRefresh: true, templateScope: 'local', className: '', x: 840, y: 180, wires: [['progress-board-reads']],
    },
    // A page's socket passes only its read requests on: anything else it sends (a decision, a report) goes nowhere.
    { id: 'progress-board-reads', type: 'switch', z, name: '只读请求 read requests only', property: 'topic', propertyType: 'msg', rules: [{ t: 'eq', v: 'board', vt: 'str' }], checkall: 'false', repair: false, outputs: 1, x: 840, y: 230, wires: [['progress']] },
    {
      id: 'demo-erp-feedback', type: 'erp-endpoint', name: 'Demo ERP (feedback)', baseUrl: 'ERP_FEEDBACK_URL', baseUrlType: 'env', profile: 'generic-rest', profileJson: '', params: '{}',
      authType: 'basic', username: 'ERP_FEEDBACK_USERNAME', usernameType: 'env', passwordEnv: 'ERP_FEEDBACK_PASSWORD', tokenEnv: '', timeoutSec: 10, retryBaseSec: 1, retryMaxSec: 60, rejectUnauthorized: true, caFile: '',
    },
    { id: 'demo-dashboard', type: 'ui-base', name: 'ERP–MES Bridge', path: '/dashboard', appIcon: '', includeClientData: true, acceptsClientConfig: ['ui-notification', 'ui-control'], showPathInSidebar: false, headerContent: 'page', navigationStyle: 'default', titleBarStyle: 'default', showReconnectNotification: true, notificationDisplayTime: 1, showDisconnectNotification: true, allowInstall: false },
    { id: 'demo-theme', type: 'ui-theme', name: '车间 Shop floor', colors: { surface: '#1f5f8b', primary: '#1f5f8b', bgPage: '#eef2f6', groupBg: '#ffffff', groupOutline: '#d5dde5' }, sizes: { density: 'default', pagePadding: '16px', groupGap: '16px', groupBorderRadius: '8px', widgetGap: '12px' } },
    {
      id: 'page-progress', type: 'ui-page', name: '生产进度看板 Production progress', ui: 'demo-dashboard', path: '/progress', icon: 'chart-gantt', layout: 'grid', theme: 'demo-theme',
      breakpoints: [{ name: 'Default', px: 0, cols: 3 }, { name: 'Tablet', px: 576, cols: 6 }, { name: 'Small Desktop', px: 768, cols: 9 }, { name: 'Desktop', px: 1024, cols: 12 }],
      order: 1, className: '', visible: 'true', disabled: 'false',
    },
    { id: 'board-group', type: 'ui-group', name: '未完结订单 Open orders', page: 'page-progress', width: 12, height: 1, order: 1, showTitle: false, className: '', visible: 'true', disabled: 'false', groupType: 'default' },
  ];
}
