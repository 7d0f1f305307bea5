// The demo plant's workflows tab (MES ↔ ERP): the MES posts material requisitions, exception events and
// inspection records to http-in endpoints (HTTP Basic, like the job reports); their MES codes are mapped back to
// ERP codes; material-overdraw ('overdraw') issues what is within the BOM need (plans from the plan-sync tab by
// a link, stock from the ERP's stock list every 10 minutes), holds overdraws for a signed approval and raises
// shortages as severe exceptions; exception-escalation ('escalation') notifies by its policy, runs the
// acknowledgement deadlines and sends the latest open exception to progress-push as the lag reason. Both send
// their ERP records through the outbox. The MES gets 202 once a record is durable, 400 naming the field when it
// is malformed, 422 for an unmapped code. Pages: 待审批领料 /dashboard/approvals and 异常 /dashboard/exceptions.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REFUSED_OR_UNAVAILABLE_NAME, REFUSED_OR_UNAVAILABLE_RULES } from './mes-answers.mjs';
import { dashboardPage } from './dashboard-page.mjs';

/** The plan-sync tab's link out lists this link in beside the feedback tab's. */
export const WORKFLOWS_PLAN_IN = 'workflows-plan-in';

export function workflowsFlow(root, { storeId, endpointId, planLinkOut }) {
  const z = 'workflows';
  const require = createRequire(import.meta.url);
  const { DEFAULT_ESCALATION_POLICY } = require(join(root, 'dist/nodes/lib/escalation/policy.js'));
  const page = (name) => dashboardPage(root, name);
  const change = (id, name, rules, x, y, wires) => ({ id, type: 'change', z, name, rules, action: '', property: '', from: '', to: '', reg: false, x, y, wires });
  const debug = (id, name, complete, x, y, statusVal = 'topic') => ({ id, type: 'debug', z, name, active: true, tosidebar: true, console: false, tostatus: true, complete, targetType: 'msg', statusVal, statusType: 'msg', x, y, wires: [] });
  const inject = (id, name, topic, repeat, once, x, y, wires) => ({ id, type: 'inject', z, name, props: [{ p: 'topic', vt: 'str' }], repeat, crontab: '', once, onceDelay: 0.5, topic, x, y, wires });
  const httpIn = (id, name, url, x, y, wires) => ({ id, type: 'http in', z, name, url, method: 'post', upload: false, swaggerDoc: '', x, y, wires });
  const hasRes = (id, name, x, y, yes, no) => ({ id, type: 'switch', z, name, property: 'res', propertyType: 'msg', rules: [{ t: 'nnull' }, { t: 'else' }], checkall: 'false', repair: false, outputs: 2, x, y, wires: [yes, no] });
  // A refresh is a fresh message: the HTTP request it may have come from is answered elsewhere, once.
  const fresh = (topic) => [
    { t: 'set', p: 'topic', pt: 'msg', to: topic, tot: 'str' },
    { t: 'delete', p: 'payload', pt: 'msg' },
    { t: 'delete', p: 'req', pt: 'msg' },
    { t: 'delete', p: 'res', pt: 'msg' },
  ];
  const breakpoints = [
    { name: 'Default', px: 0, cols: 3 },
    { name: 'Tablet', px: 576, cols: 6 },
    { name: 'Small Desktop', px: 768, cols: 9 },
    { name: 'Desktop', px: 1024, cols: 12 },
  ];
  const uiPage = (id, name, path, icon, order) => ({ id, type: 'ui-page', name, ui: 'demo-dashboard', path, icon, layout: 'grid', theme: 'demo-theme', breakpoints, order, className: '', visible: 'true', disabled: 'false' });
  const uiGroup = (id, name, pageId) => ({ id, type: 'ui-group', name, page: pageId, width: 12, height: 1, order: 1, showTitle: false, className: '', visible: 'true', disabled: 'false', groupType: 'default' });
  const template = (id, name, group, vue, x, y, wires) => ({
    id,
    type: 'ui-template',
    z,
    group,
    page: '',
    ui: '',
    name,
    order: 1,
    width: 0,
    height: 0,
    head: '',
    format: page(vue),
    storeOutMessages: false,
    passthru: false,
    resendOnRefresh: true,
    templateScope: 'local',
    className: '',
    x,
    y,
    wires,
  });

  return [
    {
      id: z,
      type: 'tab',
      label: '物料与异常 Workflows (approvals, exceptions)',
      disabled: false,
      info: 'The MES posts material requisitions to POST /mes/material-requisitions, exception events to POST /mes/exceptions and inspection records to POST /mes/quality-records (HTTP Basic). material-overdraw issues what is within the BOM need and holds overdraws for a signed approval (REST POST /api/approvals/:id or the page /dashboard/approvals); shortages become severe exceptions. exception-escalation notifies by its policy (debug nodes stand in for e-mail, IM and the dashboard), escalates unacknowledged exceptions and sends resolutions with downtime to the ERP; /dashboard/exceptions lists them. Every decision is in the audit log (GET /api/audit).\n\nMES 以 HTTP Basic 认证提交领料单、异常事件与检验记录;BOM 用量内的领料直接放行,超量领料等待 ERP 电子签名审批(页面 /dashboard/approvals),缺料作为严重异常升级;异常按升级策略通知、超时升级,处理结果连同停机时间回传 ERP(页面 /dashboard/exceptions)。所有决定记入审计日志。',
    },
    { id: 'workflows-note', type: 'comment', z, name: 'MES 领料 / 异常 / 检验 → 超量审批 + 异常升级 → ERP  |  MES requisitions, exceptions, inspections → overdraw approval + escalation → ERP', info: '', x: 520, y: 40, wires: [] },

    // Material requisitions, plans and stock → material-overdraw
    httpIn('mes-requisitions-in', 'MES 领料单 requisitions', '/mes/material-requisitions', 160, 120, [['requisition-codes']]),
    {
      id: 'requisition-codes',
      type: 'code-map',
      z,
      name: '编码映射 MES → ERP',
      tables: 'demo-codes',
      direction: 'mes-to-erp',
      rules: [
        { path: 'payload.materialCode', table: 'material' },
        { path: 'payload.unit', table: 'unit' },
      ],
      x: 390,
      y: 120,
      wires: [['overdraw'], ['workflow-unmapped']],
    },
    { id: WORKFLOWS_PLAN_IN, type: 'link in', z, name: '计划 plans (BOM need)', links: [planLinkOut], x: 415, y: 180, wires: [['overdraw']] },
    inject('stock-poll', '库存 每10分钟 stock every 10 min', 'stock', '600', true, 170, 240, [['stock-request']]),
    change(
      'stock-request',
      'ERP 库存接口 stock API',
      [
        { t: 'set', p: 'url', pt: 'msg', to: '$env("ERP_FEEDBACK_URL") & "/stock"', tot: 'jsonata' },
        { t: 'set', p: 'method', pt: 'msg', to: 'GET', tot: 'str' },
        { t: 'set', p: 'headers', pt: 'msg', to: '{ "authorization": "Basic " & $base64encode($env("ERP_FEEDBACK_USERNAME") & ":" & $env("ERP_FEEDBACK_PASSWORD")) }', tot: 'jsonata' },
      ],
      400,
      240,
      [['stock-get']],
    ),
    {
      id: 'stock-get',
      type: 'http request',
      z,
      name: '读取库存 GET',
      method: 'use',
      ret: 'obj',
      paytoqs: 'ignore',
      url: '',
      tls: '',
      persist: false,
      proxy: '',
      insecureHTTPParser: false,
      authType: '',
      senderr: false,
      headers: [],
      x: 590,
      y: 240,
      wires: [['stock-answer']],
    },
    {
      id: 'stock-answer',
      type: 'switch',
      z,
      name: '已读取? read?',
      property: 'statusCode',
      propertyType: 'msg',
      rules: [{ t: 'btwn', v: '200', vt: 'num', v2: '299', v2t: 'num' }, { t: 'else' }],
      checkall: 'false',
      repair: false,
      outputs: 2,
      x: 760,
      y: 240,
      wires: [['stock-figures'], ['stock-unread']],
    },
    change(
      'stock-figures',
      '库存数 stock figures',
      [
        { t: 'set', p: 'topic', pt: 'msg', to: 'stock', tot: 'str' },
        { t: 'set', p: 'payload', pt: 'msg', to: 'payload.items', tot: 'msg' },
        { t: 'delete', p: 'headers', pt: 'msg' },
      ],
      950,
      220,
      [['overdraw']],
    ),
    debug('stock-unread', '库存读取失败 stock not read', 'payload', 960, 270, 'statusCode'),
    inject('approvals-tick', '刷新 every 30 s', 'pending', '30', false, 150, 320, [['overdraw']]),
    {
      id: 'overdraw',
      type: 'material-overdraw',
      z,
      name: '超量领料审批 overdraw approval',
      endpoint: endpointId,
      store: storeId,
      path: 'approval-requests',
      decisionTimeoutMin: 120,
      onTimeout: 'escalate',
      defaultTolerancePct: 0,
      escalationSeverity: 'urgent',
      maxAttempts: 10,
      x: 660,
      y: 140,
      wires: [['issue-route'], ['approval-route'], ['escalation']],
    },
    {
      id: 'issue-route',
      type: 'switch',
      z,
      name: '放行? released?',
      property: 'topic',
      propertyType: 'msg',
      rules: [{ t: 'eq', v: 'issue', vt: 'str' }, { t: 'else' }],
      checkall: 'false',
      repair: false,
      outputs: 2,
      x: 890,
      y: 100,
      wires: [
        ['issued-clean', 'approvals-refresh'],
        ['rejected', 'approvals-refresh'],
      ],
    },
    change(
      'issued-clean',
      '发料 issue',
      [
        { t: 'delete', p: 'req', pt: 'msg' },
        { t: 'delete', p: 'res', pt: 'msg' },
      ],
      1070,
      80,
      [['material-issued-link-out', 'released']],
    ),
    { id: 'material-issued-link-out', type: 'link out', z, name: '已放行领料 → 追溯 released → trace', mode: 'link', links: ['material-issued-link-in', 'cost-material-link-in'], x: 1235, y: 60, wires: [] },
    debug('released', '领料放行 released (to the MES)', 'payload', 1290, 100),
    debug('rejected', '领料驳回 rejected', 'payload', 1090, 140),
    {
      id: 'approval-route',
      type: 'switch',
      z,
      name: '审批清单? pending list?',
      property: 'topic',
      propertyType: 'msg',
      rules: [
        { t: 'eq', v: 'pending', vt: 'str' },
        { t: 'eq', v: 'approval-request', vt: 'str' },
      ],
      checkall: 'false',
      repair: false,
      outputs: 2,
      x: 900,
      y: 180,
      wires: [['approvals-page'], ['approval-channel', 'approvals-refresh']],
    },
    debug('approval-channel', '审批通知 approval request (IM channel)', 'payload', 1150, 200),
    change('approvals-refresh', '刷新审批页 refresh page', fresh('pending'), 880, 320, [['overdraw']]),
    // The pages pass only their read requests on: a decision or an acknowledgement is signed through the REST API.
    template('approvals-page', '待审批领料 Pending approvals', 'approvals-group', 'approvals', 1120, 260, [['approvals-page-reads']]),
    {
      id: 'approvals-page-reads',
      type: 'switch',
      z,
      name: '只读请求 read requests only',
      property: 'topic',
      propertyType: 'msg',
      rules: [{ t: 'eq', v: 'pending', vt: 'str' }],
      checkall: 'false',
      repair: false,
      outputs: 1,
      x: 1120,
      y: 300,
      wires: [['overdraw']],
    },

    // Answers to the MES: 202 once the node is done (durable), 400 naming the field, 422 unmapped
    { id: 'workflow-done', type: 'complete', z, name: '已处理 handled', scope: ['overdraw', 'escalation'], uncaught: false, x: 150, y: 400, wires: [['workflow-from-mes']] },
    hasRes('workflow-from-mes', '来自 MES? from the MES?', 360, 400, ['workflow-accepted'], []),
    change(
      'workflow-accepted',
      '202 已受理 accepted',
      [
        { t: 'set', p: 'statusCode', pt: 'msg', to: '202', tot: 'num' },
        { t: 'set', p: 'payload', pt: 'msg', to: '{ "status": "accepted", "duplicate": $exists(duplicate) and duplicate = true }', tot: 'jsonata' },
      ],
      570,
      400,
      [['workflow-answer']],
    ),
    { id: 'workflow-catch', type: 'catch', z, name: '错误 Errors', scope: ['overdraw', 'escalation', 'requisition-codes', 'exception-codes'], uncaught: false, x: 150, y: 460, wires: [['workflow-error-to-mes']] },
    hasRes('workflow-error-to-mes', '来自 MES? from the MES?', 360, 460, ['workflow-refused'], ['workflow-errors']),
    change('workflow-refused', REFUSED_OR_UNAVAILABLE_NAME, REFUSED_OR_UNAVAILABLE_RULES, 570, 460, [['workflow-answer']]),
    debug('workflow-errors', '错误 errors', 'error', 570, 510, 'error.message'),
    hasRes('workflow-unmapped', '来自 MES? from the MES?', 360, 560, ['workflow-unmapped-answer'], ['unmapped-codes']),
    change(
      'workflow-unmapped-answer',
      '422 未映射 unmapped',
      [
        { t: 'set', p: 'statusCode', pt: 'msg', to: '422', tot: 'num' },
        { t: 'set', p: 'payload', pt: 'msg', to: '{ "error": "unmapped code", "unmapped": unmapped }', tot: 'jsonata' },
      ],
      580,
      560,
      [['workflow-answer']],
    ),
    debug('unmapped-codes', '未映射 unmapped', 'unmapped', 570, 610),
    { id: 'workflow-answer', type: 'http response', z, name: '答复 MES answer', statusCode: '', headers: {}, x: 800, y: 460, wires: [] },

    // Exceptions and inspection records → exception-escalation
    httpIn('mes-exceptions-in', 'MES 异常 exceptions', '/mes/exceptions', 150, 700, [['exception-codes']]),
    { id: 'exceptions-link-in', type: 'link in', z, name: '异常 exceptions (other tabs)', links: ['oee-exceptions-link-out'], x: 135, y: 750, wires: [['exception-codes']] },
    {
      id: 'exception-codes',
      type: 'code-map',
      z,
      name: '编码映射 MES → ERP',
      tables: 'demo-codes',
      direction: 'mes-to-erp',
      rules: [{ path: 'payload.equipment', table: 'equipment' }],
      x: 380,
      y: 720,
      wires: [['escalation'], ['workflow-unmapped']],
    },
    // The MES's inspection records arrive on the trace tab (POST /mes/quality-records), stored for traceability first.
    { id: 'quality-link-in', type: 'link in', z, name: '检验 inspections (other tabs)', links: ['trace-quality-link-out'], x: 135, y: 870, wires: [['quality-topic']] },
    change('quality-topic', '检验记录 quality', [{ t: 'set', p: 'topic', pt: 'msg', to: 'quality', tot: 'str' }], 380, 840, [['escalation']]),
    inject('exceptions-tick', '刷新 every 30 s', 'exceptions', '30', false, 380, 900, [['escalation']]),
    {
      id: 'escalation',
      type: 'exception-escalation',
      z,
      name: '异常升级 escalation',
      endpoint: endpointId,
      store: storeId,
      policy: DEFAULT_ESCALATION_POLICY,
      noticePath: 'exception-notices',
      resolutionPath: 'exception-resolutions',
      requestPath: 'emergency-requests',
      defectThresholdPct: 5,
      defectWindow: 50,
      defectMinRecords: 20,
      maxAttempts: 10,
      x: 640,
      y: 760,
      wires: [['notify-route'], ['erp-records'], ['pause-commands'], ['lag-reason-link-out', 'exceptions-refresh']],
    },
    {
      id: 'notify-route',
      type: 'switch',
      z,
      name: '渠道 channel',
      property: 'topic',
      propertyType: 'msg',
      rules: [
        { t: 'eq', v: 'exceptions', vt: 'str' },
        { t: 'regex', v: '^notify/.+/email$', vt: 'str', case: false },
        { t: 'regex', v: '^notify/.+/im$', vt: 'str', case: false },
        { t: 'regex', v: '^notify/.+/dashboard$', vt: 'str', case: false },
        // Any notice means the list changed: the pages get it fresh.
        { t: 'regex', v: '^notify/', vt: 'str', case: false },
      ],
      checkall: 'true',
      repair: false,
      outputs: 5,
      x: 870,
      y: 700,
      wires: [['exceptions-page'], ['channel-email'], ['channel-im'], ['channel-dashboard'], ['exceptions-refresh']],
    },
    template('exceptions-page', '异常 Exceptions', 'exceptions-group', 'exceptions', 1120, 640, [['exceptions-page-reads']]),
    {
      id: 'exceptions-page-reads',
      type: 'switch',
      z,
      name: '只读请求 read requests only',
      property: 'topic',
      propertyType: 'msg',
      rules: [{ t: 'eq', v: 'exceptions', vt: 'str' }],
      checkall: 'false',
      repair: false,
      outputs: 1,
      x: 1120,
      y: 600,
      wires: [['escalation']],
    },
    debug('channel-email', '邮件 e-mail channel', 'payload', 1110, 690),
    debug('channel-im', '即时消息 IM channel', 'payload', 1120, 730),
    debug('channel-dashboard', '看板通知 dashboard channel', 'payload', 1130, 770),
    debug('erp-records', 'ERP 记录 to the ERP (outbox)', 'payload', 900, 810),
    debug('pause-commands', '暂停工序 pause (to the MES)', 'payload', 890, 850),
    { id: 'lag-reason-link-out', type: 'link out', z, name: '滞后原因 → 进度 lag reason → progress', mode: 'link', links: ['progress-exceptions-in'], x: 895, y: 900, wires: [] },
    change('exceptions-refresh', '刷新异常页 refresh page', fresh('exceptions'), 650, 900, [['escalation']]),
    // On the feedback tab, beside progress-push: the lag reason comes in there.
    { id: 'progress-exceptions-in', type: 'link in', z: 'feedback', name: '异常 exceptions (lag reason)', links: ['lag-reason-link-out'], x: 415, y: 240, wires: [['progress']] },

    uiPage('page-approvals', '待审批领料 Pending approvals', '/approvals', 'clipboard-check-outline', 2),
    uiGroup('approvals-group', '待审批领料 Pending approvals', 'page-approvals'),
    uiPage('page-exceptions', '异常 Exceptions', '/exceptions', 'alert-octagon-outline', 3),
    uiGroup('exceptions-group', '未关闭异常 Open exceptions', 'page-exceptions'),
  ];
}
