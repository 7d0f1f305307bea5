// flows/plant-legacy-erp.json: a plant whose ERP has no API. Every 30 minutes the ERP's orders are read
// from its database (the integration view v_mes_plan), mapped to MES codes and posted to the MES; every 60
// minutes the MES's progress is written into the staging table mes_progress that the ERP reads.
// The database, the MES and their credentials come from the environment: one file for every such plant.

// One row of v_mes_plan → an MES work order in ERP codes (code-map turns the codes into MES codes next).
// The JSON columns arrive as text from most drivers and already parsed from some (mysql2 on MariaDB).
const ROW_TO_WORK_ORDER = `(
  $status := {"P": "created", "R": "released", "F": "completed", "C": "closed", "X": "cancelled"};
  $present := function($v) { $v != null };
  $row := payload;
  $json := function($v) { $type($v) = "string" ? $eval($v) : $v };
  $qty := $row.qty;
  $sift({
    "workOrderNo": $row.mo_code,
    "source": { "system": "erp", "orderNo": $row.mo_code, "revision": $row.change_no, "updatedAt": $row.modified_at },
    "status": $lookup($status, $row.status_code),
    "materialCode": $row.product_code,
    "productName": $row.product_name,
    "plannedQty": $qty,
    "unit": $row.unit,
    "dueDate": $row.due_date,
    "priority": $row.priority,
    "site": $row.plant,
    "operations": [$json($row.routing_json).$sift({
      "sequence": opNo, "operationCode": opCode, "description": description, "equipmentCode": workCentre,
      "plannedStart": plannedStart, "plannedEnd": plannedEnd, "stdSecondsPerUnit": stdTimePerUnitSec, "qcSpecRef": qcSpecRef
    }, $present)],
    "materials": [$json($row.bom_json).$sift({
      "materialCode": materialCode, "materialName": materialName, "qtyPer": qtyPer, "requiredQty": $round(qtyPer * $qty, 6),
      "unit": unit, "issueTolerancePct": issueTolerancePct, "sequence": opNo
    }, $present)]
  }, $present)
)`;

// The MES's progress per operation (ERP codes by now) → rows of the staging table mes_progress.
const PROGRESS_TO_ROWS = `[payload.{
  "mo_code": workOrderNo, "op_no": sequence, "op_code": operationCode, "work_centre": equipmentCode,
  "good_qty": goodQty, "scrap_qty": scrapQty, "status": status, "reported_at": reportedAt, "synced_at": $now()
}]`;

const mesHeaders = { t: 'set', p: 'headers', pt: 'msg', to: '{ "authorization": "Bearer " & $env("MES_TOKEN") }', tot: 'jsonata' };
const debug = (id, z, name, complete, statusVal, x, y) => ({ id, type: 'debug', z, name, active: true, tosidebar: true, console: false, tostatus: true, complete, targetType: 'msg', statusVal, statusType: 'msg', x, y, wires: [] });

export function legacyErpFlow(codeTable, workOrderRules) {
  const z = 'legacy-erp';
  return [
    {
      id: z, type: 'tab', label: '旧 ERP 数据库 Legacy ERP database', disabled: false,
      info: [
        'For plants whose ERP has no API: the MES reads the ERP database every 30 minutes and the ERP reads the MES progress staging table every 60 minutes.',
        '',
        'Environment: LEGACY_ERP_DB_CLIENT (sqlite, mysql, pg or mssql), LEGACY_ERP_DB_HOST, LEGACY_ERP_DB_PORT, LEGACY_ERP_DB_NAME (for SQLite the file), LEGACY_ERP_DB_USER, LEGACY_ERP_DB_PASSWORD; MES_BASE_URL, MES_TOKEN.',
        '',
        'The ERP database publishes the view v_mes_plan (one row per production order: mo_code, change_no, status_code P/R/F/C/X, product_code, product_name, qty, unit, due_date, priority, plant, modified_at, routing_json, bom_json) and the staging table mes_progress (mo_code, op_no, op_code, work_centre, good_qty, scrap_qty, status, reported_at, synced_at; key mo_code + op_no). See README "Legacy ERP databases" for the view on each database.',
        '',
        '适用于没有接口的 ERP:MES 每 30 分钟读取 ERP 数据库中的生产订单(视图 v_mes_plan),映射编码后下发到 MES;ERP 每 60 分钟从中间表 mes_progress 读取 MES 回写的工序进度。数据库与 MES 的地址和凭据来自环境变量。',
      ].join('\n'),
    },
    { id: 'legacy-note-plan', type: 'comment', z, name: '每 30 分钟:ERP 数据库生产订单 → 编码映射 → MES 工单  |  every 30 min: ERP database orders → code mapping → MES', info: 'Each order is acknowledged back to the poll node once the MES accepted it, refused it for good (4xx), a code could not be mapped, or the MES order ledger held it back (a draft, or a cancel or close of an order the MES never had); an order the MES could not take (5xx, network) is not acknowledged and comes again after the ack timeout.', x: 470, y: 40, wires: [] },
    { id: 'legacy-poll-now', type: 'inject', z, name: '立即读取 Read now', props: [], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: '', x: 140, y: 100, wires: [['legacy-poll-orders']] },
    {
      id: 'legacy-poll-orders', type: 'legacy-db-poll', z, name: 'ERP 生产订单 v_mes_plan', db: 'legacy-erp-db', store: 'legacy-store',
      table: 'v_mes_plan', columns: '', watermarkColumn: 'modified_at', keyColumn: 'mo_code', filter: '', filterBindings: '[]', pageSize: 100,
      schedule: 'plans-30', intervalMin: 30, cron: '*/30 * * * *', lookBackMinutes: 10, firstRunFrom: 'beginning', firstRunValue: '',
      commit: 'ack', ackTimeoutMin: 10, output: 'row', decimals: 'number', x: 360, y: 140, wires: [['legacy-to-work-order']],
    },
    {
      id: 'legacy-to-work-order', type: 'change', z, name: '行 → 工单 row → work order',
      rules: [{ t: 'set', p: 'payload', pt: 'msg', to: ROW_TO_WORK_ORDER, tot: 'jsonata' }, { t: 'set', p: 'topic', pt: 'msg', to: 'payload.workOrderNo', tot: 'jsonata' }],
      action: '', property: '', from: '', to: '', reg: false, x: 590, y: 140, wires: [['legacy-map-codes']],
    },
    { id: 'legacy-map-codes', type: 'code-map', z, name: '编码映射 ERP → MES', tables: 'legacy-codes', direction: 'erp-to-mes', rules: workOrderRules, x: 800, y: 140, wires: [['legacy-ledger'], ['legacy-unmapped', 'legacy-ack']] },
    // The MES order ledger (shared by name with erp-order-fetch): drafts held back, a cancel or close only for an
    // order the MES holds. What it holds back is a decision, acknowledged like a delivery.
    { id: 'legacy-ledger', type: 'mes-order-ledger', z, name: 'MES 台账 ledger', store: 'legacy-store', ledger: 'mes', release: 'released', x: 980, y: 160, wires: [['legacy-mes-call'], ['legacy-withheld', 'legacy-ack']] },
    debug('legacy-withheld', z, '暂不下发 held back', 'reason', 'topic', 1200, 220),
    {
      id: 'legacy-mes-call', type: 'change', z, name: 'MES 接口 API',
      rules: [{ t: 'set', p: 'url', pt: 'msg', to: '$env("MES_BASE_URL") & "/work-orders"', tot: 'jsonata' }, mesHeaders],
      action: '', property: '', from: '', to: '', reg: false, x: 1000, y: 100, wires: [['legacy-post-work-order']],
    },
    { id: 'legacy-post-work-order', type: 'http request', z, name: '下发工单 POST', method: 'POST', ret: 'obj', paytoqs: 'ignore', url: '', tls: '', persist: true, proxy: '', insecureHTTPParser: false, authType: '', senderr: false, headers: [], x: 1180, y: 120, wires: [['legacy-mes-answer']] },
    {
      id: 'legacy-mes-answer', type: 'switch', z, name: 'MES 答复 answer', property: 'statusCode', propertyType: 'msg',
      rules: [{ t: 'btwn', v: '200', vt: 'num', v2: '299', v2t: 'num' }, { t: 'btwn', v: '400', vt: 'num', v2: '499', v2t: 'num' }, { t: 'else' }], checkall: 'false', repair: false, outputs: 3,
      x: 1370, y: 120, wires: [['legacy-accepted', 'legacy-from-poll'], ['legacy-refused', 'legacy-from-poll'], ['legacy-retry']],
    },
    // Only a row the poll handed out is acknowledged to it: an order the reconciliation re-sent carries no page.
    { id: 'legacy-from-poll', type: 'switch', z, name: '来自轮询? from the poll?', property: 'pageId', propertyType: 'msg', rules: [{ t: 'nnull' }], checkall: 'false', repair: false, outputs: 1, x: 1380, y: 280, wires: [['legacy-ack']] },
    // Reconciliation with the MES: its work-order list against the ledger every MES_RECONCILE_SEC seconds (600 when
    // unset) and on "Reconcile now". The ledger keeps the mapped work orders it passed, so what the MES lost goes
    // straight to the MES call.
    { id: 'legacy-reconcile-now', type: 'inject', z, name: '立即对账 Reconcile now', props: [], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: '', x: 160, y: 280, wires: [['legacy-reconcile']] },
    {
      id: 'legacy-reconcile', type: 'mes-reconcile', z, name: 'MES 对账 reconcile', store: 'legacy-store', ledger: 'mes', baseUrl: 'MES_BASE_URL', baseUrlType: 'env', listPath: '/work-orders', tokenEnv: 'MES_TOKEN',
      intervalSec: '${MES_RECONCILE_SEC}', graceSec: '30', timeoutSec: '30', resend: true, itemsPath: 'items', totalPath: 'total', orderNoPath: 'workOrderNo', revisionPath: 'source.revision', statePath: 'status',
      pageParam: 'page', sizeParam: 'pageSize', pageSize: 100, firstPage: 1, x: 400, y: 280, wires: [['legacy-mes-call'], ['legacy-reconcile-report']],
    },
    { ...debug('legacy-reconcile-report', z, '对账报告 reconcile report', 'payload', 'payload.counts.missing', 650, 280), active: false, tostatus: false },
    debug('legacy-accepted', z, 'MES 已接收 accepted', 'payload.status', 'topic', 1590, 60),
    debug('legacy-refused', z, 'MES 拒收 refused', 'payload', 'statusCode', 1580, 100),
    debug('legacy-retry', z, 'MES 不可用,稍后重发 unavailable, will retry', 'payload', 'statusCode', 1620, 180),
    debug('legacy-unmapped', z, '未映射 unmapped', 'unmapped', 'topic', 1010, 200),
    {
      id: 'legacy-ack', type: 'change', z, name: '确认 ack',
      rules: [{ t: 'set', p: 'ack', pt: 'msg', to: 'pageId', tot: 'msg' }, { t: 'delete', p: 'payload', pt: 'msg' }],
      action: '', property: '', from: '', to: '', reg: false, x: 1570, y: 240, wires: [['legacy-poll-orders']],
    },

    { id: 'legacy-note-progress', type: 'comment', z, name: '每 60 分钟:MES 工序进度 → ERP 中间表 mes_progress  |  every 60 min: MES progress → ERP staging table', info: '', x: 470, y: 320, wires: [] },
    { id: 'legacy-progress-tick', type: 'inject', z, name: '每 60 分钟 every 60 min', props: [], repeat: '3600', crontab: '', once: false, onceDelay: 0.1, topic: '', x: 160, y: 380, wires: [['legacy-progress-call']] },
    {
      id: 'legacy-progress-call', type: 'change', z, name: 'MES 进度接口 API',
      rules: [{ t: 'set', p: 'url', pt: 'msg', to: '$env("MES_BASE_URL") & "/progress"', tot: 'jsonata' }, mesHeaders],
      action: '', property: '', from: '', to: '', reg: false, x: 380, y: 380, wires: [['legacy-get-progress']],
    },
    { id: 'legacy-get-progress', type: 'http request', z, name: '读取进度 GET', method: 'GET', ret: 'obj', paytoqs: 'ignore', url: '', tls: '', persist: true, proxy: '', insecureHTTPParser: false, authType: '', senderr: true, headers: [], x: 570, y: 380, wires: [['legacy-progress-items']] },
    {
      id: 'legacy-progress-items', type: 'change', z, name: '进度列表 items',
      rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'payload.items', tot: 'msg' }], action: '', property: '', from: '', to: '', reg: false, x: 750, y: 380, wires: [['legacy-map-progress']],
    },
    {
      id: 'legacy-map-progress', type: 'code-map', z, name: '编码映射 MES → ERP', tables: 'legacy-codes', direction: 'mes-to-erp',
      rules: [{ path: 'payload[*].operationCode', table: 'operation' }, { path: 'payload[*].equipmentCode', table: 'equipment' }],
      x: 950, y: 380, wires: [['legacy-progress-rows'], ['legacy-progress-unmapped']],
    },
    {
      id: 'legacy-progress-rows', type: 'change', z, name: '进度 → 中间表行 rows',
      rules: [{ t: 'set', p: 'payload', pt: 'msg', to: PROGRESS_TO_ROWS, tot: 'jsonata' }], action: '', property: '', from: '', to: '', reg: false, x: 1160, y: 380, wires: [['legacy-write-progress']],
    },
    { id: 'legacy-write-progress', type: 'legacy-db-write', z, name: '写入 mes_progress', db: 'legacy-erp-db', table: 'mes_progress', keyColumns: 'mo_code, op_no', columns: '', batchSize: 500, duplicateKeys: 'fail', x: 1370, y: 380, wires: [['legacy-progress-written']] },
    debug('legacy-progress-written', z, '已回写 written', 'written', 'written.rows', 1570, 380),
    debug('legacy-progress-unmapped', z, '进度未映射 unmapped', 'unmapped', 'topic', 1160, 440),

    { id: 'legacy-catch', type: 'catch', z, name: '错误 Errors', scope: null, uncaught: false, x: 140, y: 520, wires: [['legacy-errors']] },
    debug('legacy-errors', z, '错误 errors', 'error', 'error.message', 360, 520),

    {
      id: 'legacy-erp-db', type: 'legacy-db', name: '旧 ERP 数据库 Legacy ERP DB', client: '${LEGACY_ERP_DB_CLIENT}', host: '${LEGACY_ERP_DB_HOST}', port: '${LEGACY_ERP_DB_PORT}',
      database: '${LEGACY_ERP_DB_NAME}', user: 'LEGACY_ERP_DB_USER', userType: 'env', passwordEnv: 'LEGACY_ERP_DB_PASSWORD', poolSize: 4, connectTimeoutSec: 15, queryTimeoutSec: 120,
      ssl: false, rejectUnauthorized: true, encrypt: false, trustServerCertificate: false, timeZone: 'Asia/Shanghai',
    },
    { id: 'legacy-store', type: 'bridge-store', name: 'Legacy plant store', storeType: 'sqlite', file: 'bridge-store.sqlite' },
    { id: 'legacy-codes', type: 'code-map-table', name: '苏州工厂主数据 Suzhou master data', entries: codeTable.map(({ table, erp, mes, description }) => ({ table, erp, mes, description })), file: '', fileTable: '' },
  ];
}
