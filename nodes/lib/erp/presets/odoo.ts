// Odoo manufacturing (mrp.production, mrp.workorder, stock.move) over its two external APIs: the classic
// JSON-RPC (/jsonrpc, execute_kw with database, uid and password in every call; errors inside HTTP 200)
// and JSON-2 of Odoo 19+ (/json/2/<model>/<method>, bearer API key, bare results, real HTTP errors).
// write_date is naive UTC; many2one fields arrive as [id, "name"], unset fields as false. Odoo has no
// idempotency key: progress is written as a work-centre time log whose description is the key.
import type { ErpProfile, RequestSpec } from '../profile/types';

// Stock mrp.production fields of Odoo 17–19 (addons/mrp/models/mrp_production.py); warehouse_id is related to
// the components' source location, its short code (stock.warehouse.code) is the plant.
// backorder_sequence (0 unsplit, 1 the renamed original, 2… its backorders) is stock from 14.0 on.
const ORDER_FIELDS = ['id', 'name', 'state', 'product_id', 'product_qty', 'qty_produced', 'product_uom_id', 'date_deadline', 'date_start', 'date_finished', 'priority', 'warehouse_id', 'backorder_sequence', 'write_date'];
// mrp.workorder.sequence exists from 18.0 on: read only when fields_get lists it (see metadata below).
const OPERATION_FIELDS = ['id', 'name', 'workcenter_id', 'date_start', 'date_finished', 'duration_expected', 'qty_production'];
const COMPONENT_FIELDS = ['product_id', 'unit_factor', 'product_uom', 'workorder_id'];
const WORKORDER_ORDER = '"order": "sequence" in $optional.workorder ? "sequence asc, id asc" : "date_start asc, id asc"';
const OPERATION_QUERY = `"fields": $append(${JSON.stringify(OPERATION_FIELDS)}, $optional.workorder), ${WORKORDER_ORDER}`;

// The MOs the page's backorders were split off, by name (NAME-001), in one search_read per page and only
// when the page holds a backorder: their ids are the predecessors' keys.
const SPLIT_WHEN = '$count($items[backorder_sequence > 1]) > 0';
const SPLIT_ORIGINS = '[$items[backorder_sequence > 1].$replace(name, /-[0-9]+$/, "-001")]';

// The operation's work order among its MO's: by sequence where the version has it (18+), else the n-th in date
// order (opNo 0010 → the first), the numbering the pull gives operations on Odoo 17.
const WORKORDERS_OF_MO = `"fields": $append(["id", "workcenter_id", "qty_produced", "production_id"], $optional.workorder), ${WORKORDER_ORDER}`;
const THE_WORKORDER = (list: string) => `("sequence" in $optional.workorder ? ${list}[sequence = $number($confirmation.opNo)][0] : ${list}[$number($confirmation.opNo) / 10 - 1])`;

const SETTINGS: ErpProfile['settings'] = [
  { name: 'database', type: 'string', required: true },
  { name: 'plant', type: 'string' },
  { name: 'dueDateFallback', type: 'select', options: ['planned-end', 'planned-start'], default: 'planned-end' },
  { name: 'defaultPriority', type: 'number', default: 5 },
  { name: 'urgentPriority', type: 'number', default: 1 },
  { name: 'orderFinishRemainder', type: 'select', options: ['backorder', 'close'], default: 'backorder' },
  { name: 'pageSize', type: 'number', default: 100, applies: 'pull.maxPageSize' },
];

const MAP = `(
  $code := function($m2o) { $m2o ? ($match($m2o[1], /^\\[([^\\]]+)\\]/).groups[0] ? $match($m2o[1], /^\\[([^\\]]+)\\]/).groups[0] : $m2o[1]) };
  $label := function($m2o) { $m2o ? $trim($replace($m2o[1], /^\\[[^\\]]+\\]/, "")) };
  $ops := $details.operations;
  /* Without mrp.workorder.sequence (Odoo 17) the operations are numbered 10, 20, … in date order. */
  $opNo := function($o, $i) { $formatInteger($o.sequence ? $o.sequence : ($i + 1) * 10, "0000") };
  $opNos := $merge($map($ops, function($o, $i) { { $string($o.id): $opNo($o, $i) } }));
  $warehouse := $m2oId(warehouse_id);
  {
    "orderNo": name,
    /* The record id stays when a backorder renames the MO (WH/MO/00012 → WH/MO/00012-001). */
    "orderKey": $string(id),
    /* A backorder (backorder_sequence 2, 3…) was split off the MO that _split_productions renamed NAME-001. */
    "predecessor": backorder_sequence > 1 ? (
      $origin := $replace(name, /-[0-9]+$/, "-001");
      $found := $lookups.splitOrigins[name = $origin];
      { "orderNo": $origin, "orderKey": $found ? $string($found[0].id), "relation": "split" }
    ),
    "revision": $toMillis($erpTime(write_date)),
    "status": $lookup({ "draft": "created", "confirmed": "released", "progress": "running", "to_close": "completed", "done": "closed", "cancel": "cancelled" }, state),
    "productCode": $code(product_id),
    "productName": $label(product_id),
    "quantity": product_qty,
    "producedQty": $type(qty_produced) = "number" ? qty_produced,
    "unit": $m2o(product_uom_id),
    "dueDate": date_deadline ? $erpTime(date_deadline) : $erpTime($params.dueDateFallback = "planned-start" ? date_start : date_finished),
    "priority": priority = "1" ? $params.urgentPriority : $params.defaultPriority,
    "plant": $params.plant ? $params.plant : $metadata.warehouses[id = $warehouse].code,
    "operations": [$map($ops, function($o, $i) { {
      "opNo": $opNo($o, $i),
      "opCode": $contains($o.name, " ") ? $substringBefore($o.name, " ") : $o.name,
      "description": $contains($o.name, " ") ? $substringAfter($o.name, " "),
      "workCentre": $m2o($o.workcenter_id),
      "plannedStart": $erpTime($o.date_start),
      "plannedEnd": $erpTime($o.date_finished),
      "stdTimePerUnitSec": $o.qty_production > 0 ? $round($o.duration_expected * 60 / $o.qty_production, 2) : 0
    } })],
    "bom": [$details.components.(
      $wo := $m2oId(workorder_id);
      {
        "materialCode": $code(product_id),
        "materialName": $label(product_id),
        "qtyPer": unit_factor,
        "unit": $m2o(product_uom),
        "opNo": $wo ? $lookup($opNos, $string($wo))
      }
    )],
    "updatedAt": $erpTime(write_date)
  }
)`;

// After the time log, the work order itself: started (button_start), its produced quantity raised
// (qty_producing = produced so far + this yield), finished (button_finish), per the confirmation's activity; an
// order finish then marks the MO done (mrp.production button_mark_done). Without a context a stock Odoo answers
// that with a wizard a person decides (backorder, consumption): skip_backorder and skip_consumption take the
// decision the orderFinishRemainder setting names — the rest goes to a backorder (default) or the MO closes short.
type WorkorderCall = (method: string, ids: string, vals?: string) => RequestSpec;
type ProductionCall = (method: string, id: string, context: string) => RequestSpec;
const MARK_DONE_CONTEXT = (id: string) => `{ "skip_backorder": true, "skip_consumption": true, "skip_redirection": true, "mo_ids_to_backorder": $params.orderFinishRemainder = "close" ? [] : [${id}] }`;
function workorderActions(call: WorkorderCall, callProduction: ProductionCall, wo: string): NonNullable<NonNullable<ErpProfile['push']>['confirmation']>['then'] {
  const act = '($confirmation.activity ? $confirmation.activity : "confirm")';
  const mo = `${wo}.production_id[0]`;
  return {
    start: { when: `${act} = "start"`, request: call('button_start', `${wo}.id`) },
    produce: {
      when: `${act} in ["confirm", "finish", "order-finish"] and $confirmation.yieldQty > 0`,
      request: call('write', `${wo}.id`, `{ "qty_producing": (${wo}.qty_produced ? ${wo}.qty_produced : 0) + $confirmation.yieldQty }`),
    },
    finish: { when: `${act} in ["finish", "order-finish"]`, request: call('button_finish', `${wo}.id`) },
    markDone: { when: `${act} = "order-finish"`, request: callProduction('button_mark_done', mo, MARK_DONE_CONTEXT(mo)) },
  };
}

// ---- JSON-RPC ----
// Domains are written as literal nested arrays: JSONata flattens an array that an expression yields
// inside an array constructor, which would turn [[leaf]] into [leaf].
const rpc = (model: string, method: string, args: string, kwargs = '{}') =>
  `{ "jsonrpc": "2.0", "method": "call", "id": 1, "params": { "service": "object", "method": "execute_kw",
     "args": [$params.database, $session.token, $credentials.password, "${model}", "${method}", ${args}, ${kwargs}] } }`;
const rpcCall = (body: string): RequestSpec => ({ method: 'POST', path: 'jsonrpc', body });
const RPC_ERROR = '$exists(error) ? error.data.message & " (" & error.data.name & ")" : $status >= 400 ? "HTTP " & $string($status)';
const TIME_LOG = (workorder: string, workcenter: string) => `{
  "workorder_id": ${workorder}, "workcenter_id": ${workcenter}, "loss_id": $params.productiveLossId ? $params.productiveLossId : 1,
  "date_start": $formatTime($confirmation.startedAt ? $confirmation.startedAt : $confirmation.postedAt, "sql", "UTC"),
  "date_end": $formatTime($confirmation.finishedAt ? $confirmation.finishedAt : $confirmation.postedAt, "sql", "UTC"),
  "description": $key
}`;

export const odooJsonRpc: ErpProfile = {
  id: 'odoo-jsonrpc',
  name: 'Odoo (JSON-RPC)',
  description:
    "Base URL: the Odoo server (https://odoo.example.com). User name and password (or an API key as the password). Settings: the database; the plant is the warehouse's short code unless a plant is given; what stands in for a missing deadline; the priorities of normal and starred orders. Operations from mrp.workorder (numbered by sequence where the version has it), components from stock.move. Progress is written as an mrp.workcenter.productivity time log whose description is the idempotency key.",
  versions: 'Odoo 17.0, 18.0, 19.0 (Community and Enterprise, /jsonrpc)',
  settings: SETTINGS,
  auth: {
    kind: 'session',
    login: { method: 'POST', path: 'jsonrpc', body: '{ "jsonrpc": "2.0", "method": "call", "id": 1, "params": { "service": "common", "method": "login", "args": [$params.database, $credentials.username, $credentials.password] } }' },
    loginError: '$exists(error) ? error.data.message : result = false ? "the database, login or password is wrong"',
    token: 'result',
    expired: 'error.code = 100',
  },
  pull: {
    request: rpcCall(
      rpc('mrp.production', 'search_read', '[[["write_date", ">=", $since ? $since : "1970-01-01 00:00:00"]]]', `{ "fields": ${JSON.stringify(ORDER_FIELDS)}, "offset": $offset, "limit": $limit, "order": "write_date asc, id asc" }`),
    ),
    changeTime: { format: 'sql', timeZone: 'UTC' },
    pageSize: 100,
    maxPageSize: 1000,
    paging: { kind: 'offset' },
    items: 'result',
    error: RPC_ERROR,
    details: {
      operations: { request: rpcCall(rpc('mrp.workorder', 'search_read', '[[["production_id", "=", $item.id]]]', `{ ${OPERATION_QUERY} }`)), select: 'result' },
      components: { request: rpcCall(rpc('stock.move', 'search_read', '[[["raw_material_production_id", "=", $item.id]]]', `{ "fields": ${JSON.stringify(COMPONENT_FIELDS)}, "order": "id asc" }`)), select: 'result' },
    },
    pageLookups: { splitOrigins: { when: SPLIT_WHEN, request: rpcCall(rpc('mrp.production', 'search_read', `[[["name", "in", ${SPLIT_ORIGINS}], ["backorder_sequence", "=", 1]]]`, '{ "fields": ["id", "name"] }')), select: '[result]' } },
    metadata: {
      workorder: { request: rpcCall(rpc('mrp.workorder', 'fields_get', '[]', '{ "attributes": ["type"] }')), select: '$keys(result)', optional: '["sequence"]' },
      warehouses: { request: rpcCall(rpc('stock.warehouse', 'search_read', '[[]]', '{ "fields": ["id", "code"] }')), select: '[result]' },
    },
    map: MAP,
    overlapSeconds: 1,
  },
  push: {
    confirmation: {
      prepare: {
        workorder: rpcCall(rpc('mrp.workorder', 'search_read', '[[["production_id.name", "=", $confirmation.orderNo]]]', `{ ${WORKORDERS_OF_MO} }`)),
      },
      request: rpcCall(rpc('mrp.workcenter.productivity', 'create', `[${TIME_LOG(`${THE_WORKORDER('$prepared.workorder.result')}.id`, `${THE_WORKORDER('$prepared.workorder.result')}.workcenter_id[0]`)}]`)),
      error: RPC_ERROR,
      resultId: 'result',
      then: workorderActions(
        (method, ids, vals) => rpcCall(rpc('mrp.workorder', method, vals ? `[[${ids}], ${vals}]` : `[[${ids}]]`)),
        (method, id, context) => rpcCall(rpc('mrp.production', method, `[[${id}]]`, `{ "context": ${context} }`)),
        THE_WORKORDER('$prepared.workorder.result'),
      ),
      idempotency: {
        kind: 'lookup',
        request: rpcCall(rpc('mrp.workcenter.productivity', 'search_read', '[[["description", "=", $key]]]', '{ "fields": ["id", "description"], "limit": 5 }')),
        found: 'result',
        carries: 'description = $key',
        foundId: 'id',
      },
    },
  },
};

// ---- JSON-2 (Odoo 19+) ----
const json2 = (model: string, method: string, body: string): RequestSpec => ({ method: 'POST', path: `json/2/${model}/${method}`, body });
const JSON2_ERROR = '$status >= 400 ? (message ? message & (name ? " (" & name & ")") : "HTTP " & $string($status))';

export const odooJson2: ErpProfile = {
  id: 'odoo-json2',
  name: 'Odoo 19+ (JSON-2 API)',
  description: 'Base URL: the Odoo server. Token = an API key of the integration user. Settings: the database (sent as X-Odoo-Database) and the same as the JSON-RPC preset. Same models and write-back as the JSON-RPC preset.',
  versions: 'Odoo 19.0 and later (the JSON-2 API)',
  settings: SETTINGS,
  auth: { kind: 'bearer' },
  headers: '{ "X-Odoo-Database": $params.database }',
  pull: {
    request: json2('mrp.production', 'search_read', `{ "domain": $since ? [["write_date", ">=", $since]] : [], "fields": ${JSON.stringify(ORDER_FIELDS)}, "offset": $offset, "limit": $limit, "order": "write_date asc, id asc" }`),
    changeTime: { format: 'sql', timeZone: 'UTC' },
    pageSize: 100,
    maxPageSize: 1000,
    paging: { kind: 'offset' },
    items: '$',
    error: JSON2_ERROR,
    details: {
      operations: { request: json2('mrp.workorder', 'search_read', `{ "domain": [["production_id", "=", $item.id]], ${OPERATION_QUERY} }`), select: '$' },
      components: { request: json2('stock.move', 'search_read', `{ "domain": [["raw_material_production_id", "=", $item.id]], "fields": ${JSON.stringify(COMPONENT_FIELDS)}, "order": "id asc" }`), select: '$' },
    },
    pageLookups: { splitOrigins: { when: SPLIT_WHEN, request: json2('mrp.production', 'search_read', `{ "domain": [["name", "in", ${SPLIT_ORIGINS}], ["backorder_sequence", "=", 1]], "fields": ["id", "name"] }`), select: '[$]' } },
    metadata: {
      workorder: { request: json2('mrp.workorder', 'fields_get', '{ "attributes": ["type"] }'), select: '$keys($)', optional: '["sequence"]' },
      warehouses: { request: json2('stock.warehouse', 'search_read', '{ "domain": [], "fields": ["id", "code"] }'), select: '[$]' },
    },
    map: MAP,
    overlapSeconds: 1,
  },
  push: {
    confirmation: {
      prepare: {
        workorder: json2('mrp.workorder', 'search_read', `{ "domain": [["production_id.name", "=", $confirmation.orderNo]], ${WORKORDERS_OF_MO} }`),
      },
      request: json2('mrp.workcenter.productivity', 'create', `{ "vals_list": [${TIME_LOG(`${THE_WORKORDER('$prepared.workorder')}.id`, `${THE_WORKORDER('$prepared.workorder')}.workcenter_id[0]`)}] }`),
      error: JSON2_ERROR,
      resultId: '$[0]',
      then: workorderActions(
        (method, ids, vals) => json2('mrp.workorder', method, vals ? `{ "ids": [${ids}], "vals": ${vals} }` : `{ "ids": [${ids}] }`),
        (method, id, context) => json2('mrp.production', method, `{ "ids": [${id}], "context": ${context} }`),
        THE_WORKORDER('$prepared.workorder'),
      ),
      idempotency: {
        kind: 'lookup',
        request: json2('mrp.workcenter.productivity', 'search_read', '{ "domain": [["description", "=", $key]], "fields": ["id", "description"], "limit": 5 }'),
        found: '$',
        carries: 'description = $key',
        foundId: 'id',
      },
    },
  },
};
