// The demo plant's quality-traceability tab (质量追溯): trace-record keeps the MES's job reports (linked from the
// execution-feedback tab), its quality records (POST /mes/quality-records, answered 202 once durable, then passed
// on one by one to exception-escalation's 'quality-link-in'), the mapped work orders from plan sync and the
// requisitions material-overdraw releases ('material-issued-link-in'); the dashboard page "质量追溯 / Trace"
// searches a unit or batch trace code. GET /api/trace/:code answers the same from the same store.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REFUSED_OR_UNAVAILABLE_NAME, REFUSED_OR_UNAVAILABLE_RULES } from './mes-answers.mjs';

/** Link out on the feedback tab (wired from its http-in) carrying the MES's job reports here. */
export const REPORTS_LINK_OUT = 'feedback-trace-link-out';
/** Link out on the plan-sync tab (wired from its code-map's mapped output) carrying work orders in MES codes. */
export const PLAN_LINK_OUT = 'trace-plan-link-out';

export function traceFlow(root, storeId) {
  const z = 'trace';
  const view = readFileSync(join(root, 'scripts', 'dashboard', 'trace.vue'), 'utf8');
  const batchView = readFileSync(join(root, 'scripts', 'dashboard', 'batch-records.vue'), 'utf8');
  const change = (id, name, rules, x, y, wires) => ({ id, type: 'change', z, name, rules, action: '', property: '', from: '', to: '', reg: false, x, y, wires });
  // What came by link is kept without its HTTP request: only the quality posts of this tab get an answer here.
  const asKind = (id, name, topic, x, y) =>
    change(id, name, [{ t: 'set', p: 'topic', pt: 'msg', to: topic, tot: 'str' }, { t: 'delete', p: 'res', pt: 'msg' }, { t: 'delete', p: 'req', pt: 'msg' }], x, y, [['trace-record']]);
  return [
    {
      id: z, type: 'tab', label: '质量追溯 Quality traceability', disabled: false,
      info: 'Every job report and quality record carries the unit or batch trace code (质量追溯码). trace-record keeps them, the work orders and the material lots issued, in the bridge store, by trace code and by order. The MES posts its quality records (schema quality-record, an array per post) to POST /mes/quality-records with HTTP Basic auth; they are answered 202 once durable and passed on to exception-escalation. Search a code on the dashboard page /dashboard/trace, or GET /api/trace/<code> with an editor login.\n\n每条报工和检验记录都带有单件或批次追溯码。trace-record 把它们、工单和发料批号按追溯码和订单保存在 bridge store 中。MES 以 HTTP Basic 认证把检验记录(quality-record 数组)发到 POST /mes/quality-records,持久化后答复 202 并转给异常升级。在仪表盘页面 /dashboard/trace 查询追溯码,或以编辑器登录调用 GET /api/trace/<追溯码>。',
    },
    { id: 'trace-note', type: 'comment', z, name: '报工 + 检验 + 工单 + 发料批号 → 质量追溯  |  job reports + inspections + work orders + lots → traceability', info: '', x: 480, y: 40, wires: [] },
    { id: 'trace-reports-link-in', type: 'link in', z, name: '报工 job reports', links: [REPORTS_LINK_OUT], x: 135, y: 100, wires: [['trace-as-reports']] },
    asKind('trace-as-reports', '报工 reports', 'report', 330, 100),
    { id: 'trace-plan-link-in', type: 'link in', z, name: '工单 work orders', links: [PLAN_LINK_OUT], x: 135, y: 150, wires: [['trace-as-plans']] },
    asKind('trace-as-plans', '工单 plans', 'plan', 330, 150),
    { id: 'material-issued-link-in', type: 'link in', z, name: '发料 material issued', links: ['material-issued-link-out'], x: 135, y: 200, wires: [['trace-released']] },
    {
      id: 'trace-released', type: 'switch', z, name: '已放行? released?', property: 'payload.issuedAt', propertyType: 'msg',
      rules: [{ t: 'nnull' }], checkall: 'false', repair: false, outputs: 1, x: 320, y: 200, wires: [['trace-as-issues']],
    },
    asKind('trace-as-issues', '发料 issues', 'issue', 510, 200),
    { id: 'mes-quality-in', type: 'http in', z, name: 'MES 检验记录 quality records', url: '/mes/quality-records', method: 'post', upload: false, swaggerDoc: '', x: 170, y: 260, wires: [['trace-as-quality']] },
    change('trace-as-quality', '检验 quality', [{ t: 'set', p: 'topic', pt: 'msg', to: 'quality', tot: 'str' }], 390, 260, [['trace-record']]),
    { id: 'trace-record', type: 'trace-record', z, name: '质量追溯 trace', store: storeId, book: 'trace', maxRecords: 20000, x: 700, y: 180, wires: [['trace-view'], ['trace-quality-stored']] },
    {
      id: 'trace-quality-stored', type: 'switch', z, name: '检验记录? quality post?', property: 'topic', propertyType: 'msg',
      rules: [{ t: 'eq', v: 'quality', vt: 'str' }], checkall: 'false', repair: false, outputs: 1, x: 920, y: 240, wires: [['trace-quality-accepted', 'trace-quality-to-escalation']],
    },
    change('trace-quality-accepted', '202 已受理 accepted', [
      { t: 'set', p: 'statusCode', pt: 'msg', to: '202', tot: 'num' },
      { t: 'set', p: 'payload', pt: 'msg', to: 'trace', tot: 'msg' },
    ], 1140, 220, [['trace-quality-answer']]),
    { id: 'trace-quality-answer', type: 'http response', z, name: '答复 MES answer', statusCode: '', headers: {}, x: 1340, y: 260, wires: [] },
    // The MES has its answer (202) from here: what goes on to escalation carries no HTTP request, so an error there
    // cannot answer the MES a second time; a single record becomes a list of one, never split into its fields.
    change('trace-quality-to-escalation', '转交升级 to escalation', [
      { t: 'delete', p: 'req', pt: 'msg' },
      { t: 'delete', p: 'res', pt: 'msg' },
      { t: 'set', p: 'payload', pt: 'msg', to: '$type(payload) = "array" ? payload : [payload]', tot: 'jsonata' },
    ], 1130, 340, [['trace-quality-split']]),
    // One record per message, as exception-escalation's quality input takes them (its rolling defect rate).
    { id: 'trace-quality-split', type: 'split', z, name: '逐条 one by one', splt: '\\n', spltType: 'str', arraySplt: 1, arraySpltType: 'len', stream: false, addname: '', x: 1130, y: 300, wires: [['trace-quality-link-out']] },
    { id: 'trace-quality-link-out', type: 'link out', z, name: '检验 → 异常升级 quality → escalation', mode: 'link', links: ['quality-link-in'], x: 1305, y: 320, wires: [] },
    {
      id: 'trace-view', type: 'ui-template', z, group: 'trace-group', page: '', ui: '', name: '质量追溯 trace search', order: 1, width: 0, height: 0, head: '',
      format: view, storeOutMessages: false, passthru: false, resendOnRefresh: false, templateScope: 'local', className: '', x: 940, y: 140, wires: [['trace-view-reads']],
    },
    // A page's socket passes only its read requests on: anything else it sends (a decision, a report) goes nowhere.
    { id: 'trace-view-reads', type: 'switch', z, name: '只读请求 read requests only', property: 'topic', propertyType: 'msg', rules: [{ t: 'eq', v: 'trace', vt: 'str' }], checkall: 'false', repair: false, outputs: 1, x: 940, y: 180, wires: [['trace-record']] },
    { id: 'trace-catch', type: 'catch', z, name: '错误 Errors', scope: ['trace-record'], uncaught: false, x: 140, y: 380, wires: [['trace-error-to-mes']] },
    {
      id: 'trace-error-to-mes', type: 'switch', z, name: '来自 MES? from the MES?', property: 'res', propertyType: 'msg',
      rules: [{ t: 'nnull' }, { t: 'else' }], checkall: 'false', repair: false, outputs: 2, x: 360, y: 380, wires: [['trace-quality-refused'], ['trace-errors']],
    },
    change('trace-quality-refused', REFUSED_OR_UNAVAILABLE_NAME, REFUSED_OR_UNAVAILABLE_RULES, 600, 360, [['trace-quality-answer']]),
    { id: 'trace-errors', type: 'debug', z, name: '错误 errors', active: true, tosidebar: true, console: false, tostatus: true, complete: 'error', targetType: 'msg', statusVal: 'error.message', statusType: 'msg', x: 590, y: 410, wires: [] },
    // Electronic batch records (电子批记录): QA reviews and releases an order's record on the page 批记录 / Batch
    // records; the ERP is told of each release (batch-releases) through the outbox.
    { id: 'batch-note', type: 'comment', z, name: '电子批记录：审核 → 放行 → 合格证书  |  batch records: review → release → certificate', info: '', x: 330, y: 480, wires: [] },
    {
      id: 'batch-records-view', type: 'ui-template', z, group: 'batch-records-group', page: '', ui: '', name: '批记录 batch records', order: 1, width: 0, height: 0, head: '',
      format: batchView, storeOutMessages: false, passthru: false, resendOnRefresh: false, templateScope: 'local', className: '', x: 170, y: 540, wires: [['batch-records-reads']],
    },
    // The page reads through its socket; signatures go through the REST API, never through a message.
    {
      id: 'batch-records-reads', type: 'switch', z, name: '只读请求 read requests only', property: 'topic', propertyType: 'msg',
      rules: [{ t: 'regex', v: '^(list|view|print|certificate)$', vt: 'str', case: false }],
      checkall: 'false', repair: false, outputs: 1, x: 410, y: 540, wires: [['batch-records']],
    },
    {
      id: 'batch-records', type: 'batch-record', z, name: '批记录 batch records', store: storeId, endpoint: 'demo-erp-feedback', path: 'batch-releases', book: 'trace',
      timeZone: 'Asia/Shanghai', fourEyes: true, inspectionsRequired: true, maxAttempts: 10, x: 640, y: 540, wires: [['batch-records-view'], ['batch-signatures']],
    },
    { id: 'batch-signatures', type: 'debug', z, name: '签名 signatures', active: true, tosidebar: true, console: false, tostatus: true, complete: 'payload', targetType: 'msg', statusVal: 'topic', statusType: 'msg', x: 870, y: 560, wires: [] },
    {
      id: 'page-batch-records', type: 'ui-page', name: '批记录 Batch records', ui: 'demo-dashboard', path: '/batch-records', icon: 'file-document-check-outline', layout: 'grid', theme: 'demo-theme',
      breakpoints: [{ name: 'Default', px: 0, cols: 3 }, { name: 'Tablet', px: 576, cols: 6 }, { name: 'Small Desktop', px: 768, cols: 9 }, { name: 'Desktop', px: 1024, cols: 12 }],
      order: 7, className: '', visible: 'true', disabled: 'false',
    },
    { id: 'batch-records-group', type: 'ui-group', name: '批记录 Batch records', page: 'page-batch-records', width: 12, height: 1, order: 1, showTitle: false, className: '', visible: 'true', disabled: 'false', groupType: 'default' },
    {
      id: 'page-trace', type: 'ui-page', name: '质量追溯 Trace', ui: 'demo-dashboard', path: '/trace', icon: 'magnify', layout: 'grid', theme: 'demo-theme',
      breakpoints: [{ name: 'Default', px: 0, cols: 3 }, { name: 'Tablet', px: 576, cols: 6 }, { name: 'Small Desktop', px: 768, cols: 9 }, { name: 'Desktop', px: 1024, cols: 12 }],
      order: 3, className: '', visible: 'true', disabled: 'false',
    },
    { id: 'trace-group', type: 'ui-group', name: '追溯查询 Trace search', page: 'page-trace', width: 12, height: 1, order: 1, showTitle: false, className: '', visible: 'true', disabled: 'false', groupType: 'default' },
  ];
}
