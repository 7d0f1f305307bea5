// The demo plant's cost tab (actual vs standard cost, MES → ERP): the ERP's standard cost estimates are read at
// start and every 30 min; plans come from the plan-sync tab, job reports from the feedback tab and released
// requisitions from the workflows tab by links; the MES posts its time logs (labour and machine hours) to an
// http-in endpoint. cost-variance keeps every order's actuals and, when an order completes, sends its cost
// variance to the ERP through the outbox; flagged elements go to the debug sidebar.
import { REFUSED_OR_UNAVAILABLE_NAME, REFUSED_OR_UNAVAILABLE_RULES } from './mes-answers.mjs';
export const COST_PLAN_LINK_IN = 'cost-plan-link-in';
export const COST_REPORTS_LINK_IN = 'cost-reports-link-in';
/** The cost tab's own link in for released requisitions: the merger adds it to 'material-issued-link-out'. */
export const COST_MATERIAL_LINK_IN = 'cost-material-link-in';

export function costFlow({ storeId, endpointId, planLinkOut, reportsLinkOut }) {
  const z = 'cost';
  const change = (id, name, rules, x, y, wires) => ({ id, type: 'change', z, name, rules, action: '', property: '', from: '', to: '', reg: false, x, y, wires });
  return [
    {
      id: z, type: 'tab', label: '成本差异 Cost variance (MES → ERP)', disabled: false,
      info: 'Actual vs standard cost. The ERP\'s standard cost estimates (GET standard-costs on the ERP, ERP_FEEDBACK_URL) are read at start and every 30 minutes; plans, job reports and released requisitions arrive by links; the MES posts its labour and machine hours (schema cost-event, an array per post) to POST /mes/cost-events with HTTP Basic auth. When an order completes, cost-variance sends its variance per element (material, labour, machine) to the ERP through the outbox, once.\n\n实际成本 vs 标准成本:启动时及每 30 分钟读取 ERP 的标准成本估算;计划、报工和已放行的领料经链接进入;MES 以 HTTP Basic 认证把人工/设备工时(cost-event 数组)发到 POST /mes/cost-events。订单完工时,cost-variance 经发件箱把各成本要素(材料、人工、设备)的差异回传 ERP,只回传一次。',
    },
    { id: 'cost-note', type: 'comment', z, name: '标准成本 + 实际(领料、工时、报工) → 完工成本差异回传 ERP  |  standard cost + actuals (issues, hours, job reports) → cost variance to the ERP', info: '', x: 520, y: 40, wires: [] },
    { id: 'cost-standards-tick', type: 'inject', z, name: '读取标准成本 every 30 min', props: [], repeat: '1800', crontab: '', once: true, onceDelay: 2, topic: '', x: 150, y: 100, wires: [['cost-standards-call']] },
    change('cost-standards-call', 'ERP 成本接口 API', [
      { t: 'set', p: 'url', pt: 'msg', to: '$env("ERP_FEEDBACK_URL") & "/standard-costs"', tot: 'jsonata' },
      { t: 'set', p: 'headers', pt: 'msg', to: '{ "authorization": "Basic " & $base64encode($env("ERP_FEEDBACK_USERNAME") & ":" & $env("ERP_FEEDBACK_PASSWORD")) }', tot: 'jsonata' },
    ], 400, 100, [['cost-standards-get']]),
    { id: 'cost-standards-get', type: 'http request', z, name: '标准成本 GET', method: 'GET', ret: 'obj', paytoqs: 'ignore', url: '', tls: '', persist: false, proxy: '', insecureHTTPParser: false, authType: '', senderr: false, headers: [], x: 590, y: 100, wires: [['cost-standards-ok']] },
    {
      id: 'cost-standards-ok', type: 'switch', z, name: '成功? ok?', property: 'statusCode', propertyType: 'msg',
      rules: [{ t: 'btwn', v: '200', vt: 'num', v2: '299', v2t: 'num' }, { t: 'else' }], checkall: 'false', repair: false, outputs: 2, x: 750, y: 100, wires: [['cost-standards-items'], ['cost-standards-failed']],
    },
    { id: 'cost-standards-failed', type: 'debug', z, name: '读取失败 read failed', active: true, tosidebar: true, console: false, tostatus: true, complete: 'payload', targetType: 'msg', statusVal: 'statusCode', statusType: 'msg', x: 940, y: 150, wires: [] },
    change('cost-standards-items', '标准成本 standard costs', [
      { t: 'set', p: 'topic', pt: 'msg', to: 'standard-cost', tot: 'str' },
      { t: 'set', p: 'payload', pt: 'msg', to: 'payload.items', tot: 'msg' },
    ], 940, 100, [['costs']]),
    { id: COST_PLAN_LINK_IN, type: 'link in', z, name: '计划 plans', links: [planLinkOut], x: 815, y: 180, wires: [['costs']] },
    { id: COST_REPORTS_LINK_IN, type: 'link in', z, name: '报工 job reports', links: [reportsLinkOut], x: 635, y: 220, wires: [['cost-reports-clean']] },
    // The feedback tab answers the MES for these posts; here they are only counted.
    change('cost-reports-clean', '报工 reports', [
      { t: 'set', p: 'topic', pt: 'msg', to: 'report', tot: 'str' },
      { t: 'delete', p: 'req', pt: 'msg' },
      { t: 'delete', p: 'res', pt: 'msg' },
    ], 800, 220, [['costs']]),
    { id: COST_MATERIAL_LINK_IN, type: 'link in', z, name: '已放行领料 released requisitions', links: ['material-issued-link-out'], x: 635, y: 260, wires: [['cost-issues-only']] },
    {
      // material-overdraw's first output also carries rejections: only issues are material handed to the line.
      id: 'cost-issues-only', type: 'switch', z, name: '发料? issue?', property: 'topic', propertyType: 'msg',
      rules: [{ t: 'eq', v: 'issue', vt: 'str' }], checkall: 'false', repair: false, outputs: 1, x: 800, y: 260, wires: [['costs']],
    },
    { id: 'mes-cost-events-in', type: 'http in', z, name: 'MES 工时 time logs', url: '/mes/cost-events', method: 'post', upload: false, swaggerDoc: '', x: 160, y: 320, wires: [['mes-cost-codes']] },
    {
      id: 'mes-cost-codes', type: 'code-map', z, name: '编码映射 MES → ERP', tables: 'demo-codes', direction: 'mes-to-erp',
      rules: [{ path: 'payload[*].equipment', table: 'equipment' }], x: 370, y: 320, wires: [['cost-events-topic'], ['cost-unmapped']],
    },
    change('cost-events-topic', '工时 cost events', [{ t: 'set', p: 'topic', pt: 'msg', to: 'cost-event', tot: 'str' }], 590, 320, [['costs']]),
    {
      id: 'costs', type: 'cost-variance', z, name: '成本差异 cost variance', endpoint: endpointId, store: storeId, path: 'cost-variances', thresholdPct: 5, settleMin: 0, maxAttempts: 10,
      x: 1020, y: 220, wires: [['cost-variances'], ['cost-flags']],
    },
    { id: 'cost-variances', type: 'debug', z, name: '成本差异 variances', active: true, tosidebar: true, console: false, tostatus: true, complete: 'payload.total', targetType: 'msg', statusVal: 'payload.orderNo', statusType: 'msg', x: 1240, y: 200, wires: [] },
    { id: 'cost-flags', type: 'debug', z, name: '超标准 over standard', active: true, tosidebar: true, console: false, tostatus: true, complete: 'payload.likelyCause', targetType: 'msg', statusVal: 'payload.element', statusType: 'msg', x: 1240, y: 270, wires: [] },
    // The MES's posts are answered once the cost node has stored them (202), refused (400) or unmapped (422).
    { id: 'cost-done', type: 'complete', z, name: '已处理 handled', scope: ['costs'], uncaught: false, x: 140, y: 420, wires: [['cost-from-mes']] },
    { id: 'cost-from-mes', type: 'switch', z, name: '来自 MES? from the MES?', property: 'res', propertyType: 'msg', rules: [{ t: 'nnull' }], checkall: 'false', repair: false, outputs: 1, x: 350, y: 420, wires: [['cost-accepted']] },
    change('cost-accepted', '202 已受理 accepted', [
      { t: 'set', p: 'statusCode', pt: 'msg', to: '202', tot: 'num' },
      { t: 'set', p: 'payload', pt: 'msg', to: 'cost', tot: 'msg' },
    ], 570, 420, [['cost-answer']]),
    change('cost-unmapped', '422 未映射 unmapped', [
      { t: 'set', p: 'statusCode', pt: 'msg', to: '422', tot: 'num' },
      { t: 'set', p: 'payload', pt: 'msg', to: '{ "error": "unmapped equipment code", "unmapped": unmapped }', tot: 'jsonata' },
    ], 590, 370, [['cost-answer']]),
    { id: 'cost-answer', type: 'http response', z, name: '答复 MES answer', statusCode: '', headers: {}, x: 790, y: 440, wires: [] },
    { id: 'cost-catch', type: 'catch', z, name: '错误 Errors', scope: ['costs', 'mes-cost-codes'], uncaught: false, x: 140, y: 480, wires: [['cost-error-to-mes']] },
    {
      id: 'cost-error-to-mes', type: 'switch', z, name: '来自 MES? from the MES?', property: 'res', propertyType: 'msg',
      rules: [{ t: 'nnull' }, { t: 'else' }], checkall: 'false', repair: false, outputs: 2, x: 350, y: 480, wires: [['cost-refused'], ['cost-errors']],
    },
    change('cost-refused', REFUSED_OR_UNAVAILABLE_NAME, REFUSED_OR_UNAVAILABLE_RULES, 570, 480, [['cost-answer']]),
    { id: 'cost-errors', type: 'debug', z, name: '错误 errors', active: true, tosidebar: true, console: false, tostatus: true, complete: 'true', targetType: 'full', statusVal: 'error.message', statusType: 'msg', x: 570, y: 530, wires: [] },
  ];
}
