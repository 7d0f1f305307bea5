// Writes flows/demo-plant.json and flows/plant-legacy-erp.json from the simulator's master data, so the
// flows' code tables and the simulated plant cannot drift apart (test/unit/demo-flow.test.ts checks they agree).
// Also flows/erp-confirm.json (scripts/confirm-flow.mjs). Run after `npm run build`: node scripts/make-demo-flow.mjs
import { writeFileSync } from 'node:fs';
import { dashboardPage } from './dashboard-page.mjs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { demoCodeTable } = require(join(root, 'dist/server/simulator/demo-master-data.js'));
const { WORK_ORDER_RULES } = require(join(root, 'dist/nodes/lib/code-map/index.js'));
// The generators say roughly where each node goes; the layout makes that free of overlaps and crossed wires.
const { arrangeFlow } = require(join(root, 'dist/server/flow-layout/arrange.js'));

const { feedbackFlow, PLAN_LINK_OUT, REPORTS_LINK_OUT } = await import('./feedback-flow.mjs');
const { costFlow, COST_PLAN_LINK_IN } = await import('./cost-flow.mjs');
const { traceFlow, PLAN_LINK_OUT: TRACE_PLAN_LINK_OUT } = await import('./trace-flow.mjs');
const { equipmentFlow } = await import('./equipment-flow.mjs');
const { workflowsFlow, WORKFLOWS_PLAN_IN } = await import('./workflows-flow.mjs');
const { oeeFlow, OEE_PLAN_LINK_IN } = await import('./oee-flow.mjs');
const z = 'plan-sync';
const flow = [
  {
    id: z,
    type: 'tab',
    label: '计划同步 Plan sync (ERP → MES)',
    disabled: false,
    info: 'ERP production orders become MES work orders: fetched every 30 minutes (and on "Sync now"), mapped to MES codes, posted to the MES.\n\nERP 生产订单每 30 分钟(或点击“立即同步”)拉取一次,映射为 MES 编码后下发到 MES。',
  },
  {
    id: 'note-plan-sync',
    type: 'comment',
    z,
    name: 'ERP 生产订单 → 编码映射 → MES 工单  |  ERP production orders → code mapping → MES work orders',
    info: 'The ERP address and credentials come from the environment (ERP_BASE_URL, ERP_USERNAME, ERP_PASSWORD; MES_BASE_URL, MES_TOKEN): one flow file serves every plant. `npm start` points them at the demo plant simulator.',
    x: 450,
    y: 40,
    wires: [],
  },
  { id: 'sync-now', type: 'inject', z, name: '立即同步 Sync now', props: [], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: '', x: 140, y: 120, wires: [['fetch-orders']] },
  {
    id: 'fetch-orders',
    type: 'erp-order-fetch',
    z,
    name: '生产订单 ERP orders',
    endpoint: 'demo-erp',
    store: 'demo-store',
    intervalMin: 30,
    pageSize: 100,
    firstRunFrom: 'beginning',
    firstRunValue: '',
    output: 'work-order',
    fetchOnStart: true,
    release: 'released',
    ledger: 'mes',
    x: 350,
    y: 120,
    wires: [['map-codes', PLAN_LINK_OUT], ['parked-list']],
  },
  { id: 'show-parked', type: 'inject', z, name: '挂起清单 Parked orders', props: [{ p: 'topic', vt: 'str' }], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: 'parked', x: 140, y: 260, wires: [['fetch-orders']] },
  { id: 'retry-parked', type: 'inject', z, name: '重试挂起 Retry parked', props: [{ p: 'topic', vt: 'str' }], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: 'retry-parked', x: 140, y: 300, wires: [['fetch-orders']] },
  { id: 'parked-list', type: 'debug', z, name: '挂起订单 parked orders', active: true, tosidebar: true, console: false, tostatus: false, complete: 'payload', targetType: 'msg', statusVal: '', statusType: 'auto', x: 380, y: 260, wires: [] },
  { id: PLAN_LINK_OUT, type: 'link out', z, name: '计划 → 执行反馈 plans → feedback', mode: 'link', links: [PLAN_LINK_OUT.replace('-out', '-in'), COST_PLAN_LINK_IN, WORKFLOWS_PLAN_IN, OEE_PLAN_LINK_IN], x: 545, y: 200, wires: [] },
  {
    id: 'map-codes',
    type: 'code-map',
    z,
    name: '编码映射 ERP → MES',
    tables: 'demo-codes',
    direction: 'erp-to-mes',
    rules: WORK_ORDER_RULES,
    // Output 2 (an unmapped code) goes back to the fetch node too, which parks the order until the code table has the code.
    x: 570,
    y: 120,
    wires: [
      ['mes-call', TRACE_PLAN_LINK_OUT],
      ['unmapped', 'fetch-orders'],
    ],
  },
  { id: TRACE_PLAN_LINK_OUT, type: 'link out', z, name: '工单 → 质量追溯 work orders → trace', mode: 'link', links: ['trace-plan-link-in'], x: 745, y: 160, wires: [] },
  {
    id: 'mes-call',
    type: 'change',
    z,
    name: 'MES 接口 API',
    rules: [
      { t: 'set', p: 'url', pt: 'msg', to: '$env("MES_BASE_URL") & "/work-orders"', tot: 'jsonata' },
      { t: 'set', p: 'headers', pt: 'msg', to: '{ "authorization": "Bearer " & $env("MES_TOKEN") }', tot: 'jsonata' },
    ],
    action: '',
    property: '',
    from: '',
    to: '',
    reg: false,
    x: 770,
    y: 100,
    wires: [['post-work-order']],
  },
  {
    id: 'post-work-order',
    type: 'http request',
    z,
    name: '下发工单 POST',
    method: 'POST',
    ret: 'obj',
    paytoqs: 'ignore',
    url: '',
    tls: '',
    persist: true,
    proxy: '',
    insecureHTTPParser: false,
    authType: '',
    senderr: false,
    headers: [],
    x: 950,
    y: 100,
    wires: [['mes-answer']],
  },
  {
    id: 'mes-answer',
    type: 'switch',
    z,
    name: '已接受? accepted?',
    property: 'statusCode',
    propertyType: 'msg',
    rules: [{ t: 'btwn', v: '200', vt: 'num', v2: '299', v2t: 'num' }, { t: 'else' }],
    checkall: 'false',
    repair: false,
    outputs: 2,
    x: 1140,
    y: 100,
    wires: [['accepted'], ['refused']],
  },
  {
    id: 'accepted',
    type: 'debug',
    z,
    name: 'MES 已接收 accepted',
    active: true,
    tosidebar: true,
    console: false,
    tostatus: true,
    complete: 'payload.status',
    targetType: 'msg',
    statusVal: 'topic',
    statusType: 'msg',
    x: 1350,
    y: 80,
    wires: [],
  },
  { id: 'refused', type: 'debug', z, name: 'MES 拒收 refused', active: true, tosidebar: true, console: false, tostatus: true, complete: 'payload', targetType: 'msg', statusVal: 'statusCode', statusType: 'msg', x: 1340, y: 130, wires: [] },
  { id: 'unmapped', type: 'debug', z, name: '未映射 unmapped', active: true, tosidebar: true, console: false, tostatus: true, complete: 'unmapped', targetType: 'msg', statusVal: 'topic', statusType: 'msg', x: 780, y: 160, wires: [] },
  { id: 'catch-errors', type: 'catch', z, name: '错误 Errors', scope: null, uncaught: false, x: 140, y: 260, wires: [['errors']] },
  { id: 'errors', type: 'debug', z, name: '错误 errors', active: true, tosidebar: true, console: false, tostatus: true, complete: 'error', targetType: 'msg', statusVal: 'error.message', statusType: 'msg', x: 380, y: 260, wires: [] },
  // Reconciliation with the MES: its work-order list against the ledger of what was sent, every MES_RECONCILE_SEC
  // seconds (npm start: 300) and on "Reconcile now"; what the MES lost goes through the code mapping again.
  { id: 'reconcile-now', type: 'inject', z, name: '立即对账 Reconcile now', props: [], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: '', x: 140, y: 380, wires: [['mes-reconcile']] },
  {
    id: 'mes-reconcile',
    type: 'mes-reconcile',
    z,
    name: 'MES 对账 reconcile',
    store: 'demo-store',
    ledger: 'mes',
    baseUrl: 'MES_BASE_URL',
    baseUrlType: 'env',
    listPath: '/work-orders',
    tokenEnv: 'MES_TOKEN',
    intervalSec: '${MES_RECONCILE_SEC}',
    graceSec: '30',
    timeoutSec: '30',
    resend: true,
    itemsPath: 'items',
    totalPath: 'total',
    orderNoPath: 'workOrderNo',
    revisionPath: 'source.revision',
    statePath: 'status',
    pageParam: 'page',
    sizeParam: 'pageSize',
    pageSize: 100,
    firstPage: 1,
    x: 370,
    y: 380,
    wires: [['map-codes'], ['reconcile-report', 'reconcile-card']],
  },
  {
    id: 'reconcile-report',
    type: 'debug',
    z,
    name: '对账报告 reconcile report',
    active: false,
    tosidebar: true,
    console: false,
    tostatus: false,
    complete: 'payload',
    targetType: 'msg',
    statusVal: '',
    statusType: 'auto',
    x: 620,
    y: 420,
    wires: [],
  },
  {
    id: 'reconcile-card',
    type: 'ui-template',
    z,
    group: 'reconcile-group',
    page: '',
    ui: '',
    name: 'MES 对账 card',
    order: 1,
    width: 0,
    height: 0,
    head: '',
    format: dashboardPage(root, 'reconcile-card'),
    storeOutMessages: true,
    passthru: false,
    resendOnRefresh: true,
    templateScope: 'local',
    className: '',
    x: 600,
    y: 380,
    wires: [['reconcile-reads']],
  },
  // The card's socket may only ask for the last report: it never starts a run.
  {
    id: 'reconcile-reads',
    type: 'switch',
    z,
    name: '只读请求 read requests only',
    property: 'topic',
    propertyType: 'msg',
    rules: [{ t: 'eq', v: 'report', vt: 'str' }],
    checkall: 'false',
    repair: false,
    outputs: 1,
    x: 370,
    y: 440,
    wires: [['mes-reconcile']],
  },
  { id: 'reconcile-group', type: 'ui-group', name: 'MES 对账 Reconciliation', page: 'page-progress', width: 12, height: 1, order: 2, showTitle: false, className: '', visible: 'true', disabled: 'false', groupType: 'default' },
  {
    // Profile, address, credentials and ERP settings all come from the environment: one flow file for every plant.
    id: 'demo-erp',
    type: 'erp-endpoint',
    name: 'Demo ERP',
    baseUrl: 'ERP_BASE_URL',
    baseUrlType: 'env',
    profile: '${ERP_PROFILE}',
    profileJson: '',
    params: '${ERP_PARAMS}',
    authType: 'basic',
    username: 'ERP_USERNAME',
    usernameType: 'env',
    passwordEnv: 'ERP_PASSWORD',
    tokenEnv: 'ERP_TOKEN',
    timeoutSec: 30,
    retryBaseSec: 5,
    retryMaxSec: 300,
    rejectUnauthorized: true,
    caFile: '',
  },
  { id: 'demo-store', type: 'bridge-store', name: 'Demo store', storeType: 'sqlite', file: 'bridge-store.sqlite' },
  { id: 'demo-codes', type: 'code-map-table', name: '苏州主数据 Suzhou codes', entries: demoCodeTable.map(({ table, erp, mes, description }) => ({ table, erp, mes, description })), file: '', fileTable: '' },
];
flow.push(...feedbackFlow(root, 'demo-store'));
flow.push(...costFlow({ storeId: 'demo-store', endpointId: 'demo-erp-feedback', planLinkOut: PLAN_LINK_OUT, reportsLinkOut: REPORTS_LINK_OUT }));
flow.push(...traceFlow(root, 'demo-store'));
flow.push(...equipmentFlow(root));
flow.push(...workflowsFlow(root, { storeId: 'demo-store', endpointId: 'demo-erp-feedback', planLinkOut: PLAN_LINK_OUT }));
flow.push(...oeeFlow(root, 'demo-store', WORK_ORDER_RULES));
writeFileSync(join(root, 'flows', 'demo-plant.json'), `${JSON.stringify(arrangeFlow(flow), null, 2)}\n`);
console.log(`wrote flows/demo-plant.json (${flow.length} nodes, ${demoCodeTable.length} code-table rows)`);

const legacy = (await import('./legacy-erp-flow.mjs')).legacyErpFlow(demoCodeTable, WORK_ORDER_RULES);
writeFileSync(join(root, 'flows', 'plant-legacy-erp.json'), `${JSON.stringify(arrangeFlow(legacy), null, 2)}\n`);
console.log(`wrote flows/plant-legacy-erp.json (${legacy.length} nodes)`);

const confirm = (await import('./confirm-flow.mjs')).confirmFlow();
writeFileSync(join(root, 'flows', 'erp-confirm.json'), `${JSON.stringify(arrangeFlow(confirm), null, 2)}\n`);
console.log(`wrote flows/erp-confirm.json (${confirm.length} nodes)`);
