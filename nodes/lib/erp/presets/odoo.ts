// Odoo manufacturing (mrp.production, mrp.workorder, stock.move) over its two external APIs: the classic
// JSON-RPC (/jsonrpc, execute_kw with database, uid and password in every call; errors inside HTTP 200)
// and JSON-2 of Odoo 19+ (/json/2/<model>/<method>, bearer API key, bare results, real HTTP errors).
// write_date is naive UTC; many2one fields arrive as [id, "name"], unset fields as false. Odoo has no
// idempotency key: progress is written as a work-centre time log whose description is the key.
import type { ErpProfile, RequestSpec } from '../profile/types';

const ORDER_FIELDS = ['id', 'name', 'state', 'product_id', 'product_qty', 'product_uom_id', 'date_deadline', 'priority', 'picking_type_id', 'write_date'];
const OPERATION_FIELDS = ['id', 'name', 'sequence', 'workcenter_id', 'date_start', 'date_finished', 'duration_expected', 'qty_production'];
const COMPONENT_FIELDS = ['product_id', 'unit_factor', 'product_uom', 'workorder_id'];

const MAP = `(
  $code := function($m2o) { $m2o ? ($match($m2o[1], /^\\[([^\\]]+)\\]/).groups[0] ? $match($m2o[1], /^\\[([^\\]]+)\\]/).groups[0] : $m2o[1]) };
  $label := function($m2o) { $m2o ? $trim($replace($m2o[1], /^\\[[^\\]]+\\]/, "")) };
  $ops := $details.operations;
  {
    "orderNo": name,
    "revision": $toMillis($erpTime(write_date)),
    "status": $lookup({ "draft": "created", "confirmed": "released", "progress": "released", "to_close": "completed", "done": "closed", "cancel": "cancelled" }, state),
    "productCode": $code(product_id),
    "productName": $label(product_id),
    "quantity": product_qty,
    "unit": $m2o(product_uom_id),
    "dueDate": $erpTime(date_deadline),
    "priority": priority = "1" ? 1 : ($params.defaultPriority ? $params.defaultPriority : 5),
    "plant": picking_type_id ? $trim($substringBefore($m2o(picking_type_id), ":")) : $params.plant,
    "operations": [$ops.{
      "opNo": $formatInteger(sequence, "0000"),
      "opCode": $contains(name, " ") ? $substringBefore(name, " ") : name,
      "description": $contains(name, " ") ? $substringAfter(name, " "),
      "workCentre": $m2o(workcenter_id),
      "plannedStart": $erpTime(date_start),
      "plannedEnd": $erpTime(date_finished),
      "stdTimePerUnitSec": qty_production > 0 ? $round(duration_expected * 60 / qty_production, 2) : 0
    }],
    "bom": [$details.components.(
      $wo := $m2oId(workorder_id);
      $seq := $ops[id = $wo].sequence;
      {
        "materialCode": $code(product_id),
        "materialName": $label(product_id),
        "qtyPer": unit_factor,
        "unit": $m2o(product_uom),
        "opNo": $seq ? $formatInteger($seq, "0000")
      }
    )],
    "updatedAt": $erpTime(write_date)
  }
)`;

// After the time log, the work order itself: started (button_start), its produced quantity raised
// (qty_producing = produced so far + this yield), finished (button_finish), per the confirmation's activity.
// mrp.production button_mark_done is not called: on a stock Odoo it answers a wizard (backorder, consumption)
// that a person decides.
type WorkorderCall = (method: string, ids: string, vals?: string) => RequestSpec;
function workorderActions(call: WorkorderCall, wo: string): NonNullable<NonNullable<ErpProfile['push']>['confirmation']>['then'] {
  const act = '($confirmation.activity ? $confirmation.activity : "confirm")';
  return {
    start: { when: `${act} = "start"`, request: call('button_start', `${wo}.id`) },
    produce: {
      when: `${act} in ["confirm", "finish", "order-finish"] and $confirmation.yieldQty > 0`,
      request: call('write', `${wo}.id`, `{ "qty_producing": (${wo}.qty_produced ? ${wo}.qty_produced : 0) + $confirmation.yieldQty }`),
    },
    finish: { when: `${act} in ["finish", "order-finish"]`, request: call('button_finish', `${wo}.id`) },
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
    'Base URL: the Odoo server (https://odoo.example.com). User name and password (or an API key as the password); ERP settings: {"database": "<db name>"}. Operations from mrp.workorder, components from stock.move. Progress is written as an mrp.workcenter.productivity time log whose description is the idempotency key.',
  auth: {
    kind: 'session',
    login: { method: 'POST', path: 'jsonrpc', body: '{ "jsonrpc": "2.0", "method": "call", "id": 1, "params": { "service": "common", "method": "login", "args": [$params.database, $credentials.username, $credentials.password] } }' },
    loginError: '$exists(error) ? error.data.message : result = false ? "the database, login or password is wrong"',
    token: 'result',
    expired: 'error.code = 100',
  },
  pull: {
    request: rpcCall(rpc('mrp.production', 'search_read', '[[["write_date", ">=", $since ? $since : "1970-01-01 00:00:00"]]]', `{ "fields": ${JSON.stringify(ORDER_FIELDS)}, "offset": $offset, "limit": $limit, "order": "write_date asc, id asc" }`)),
    changeTime: { format: 'sql', timeZone: 'UTC' },
    pageSize: 100,
    maxPageSize: 1000,
    paging: { kind: 'offset' },
    items: 'result',
    error: RPC_ERROR,
    details: {
      operations: { request: rpcCall(rpc('mrp.workorder', 'search_read', '[[["production_id", "=", $item.id]]]', `{ "fields": ${JSON.stringify(OPERATION_FIELDS)}, "order": "sequence asc, id asc" }`)), select: 'result' },
      components: { request: rpcCall(rpc('stock.move', 'search_read', '[[["raw_material_production_id", "=", $item.id]]]', `{ "fields": ${JSON.stringify(COMPONENT_FIELDS)}, "order": "id asc" }`)), select: 'result' },
    },
    map: MAP,
    overlapSeconds: 1,
  },
  push: {
    confirmation: {
      prepare: {
        workorder: rpcCall(rpc('mrp.workorder', 'search_read', '[[["production_id.name", "=", $confirmation.orderNo], ["sequence", "=", $number($confirmation.opNo)]]]', '{ "fields": ["id", "workcenter_id", "qty_produced"], "limit": 1 }')),
      },
      request: rpcCall(rpc('mrp.workcenter.productivity', 'create', `[${TIME_LOG('$prepared.workorder.result[0].id', '$prepared.workorder.result[0].workcenter_id[0]')}]`)),
      error: RPC_ERROR,
      resultId: 'result',
      then: workorderActions((method, ids, vals) => rpcCall(rpc('mrp.workorder', method, vals ? `[[${ids}], ${vals}]` : `[[${ids}]]`)), '$prepared.workorder.result[0]'),
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
  description: 'Base URL: the Odoo server. Token = an API key of the integration user; ERP settings: {"database": "<db name>"} (sent as X-Odoo-Database). Same models and write-back as the JSON-RPC preset.',
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
      operations: { request: json2('mrp.workorder', 'search_read', `{ "domain": [["production_id", "=", $item.id]], "fields": ${JSON.stringify(OPERATION_FIELDS)}, "order": "sequence asc, id asc" }`), select: '$' },
      components: { request: json2('stock.move', 'search_read', `{ "domain": [["raw_material_production_id", "=", $item.id]], "fields": ${JSON.stringify(COMPONENT_FIELDS)}, "order": "id asc" }`), select: '$' },
    },
    map: MAP,
    overlapSeconds: 1,
  },
  push: {
    confirmation: {
      prepare: {
        workorder: json2('mrp.workorder', 'search_read', '{ "domain": [["production_id.name", "=", $confirmation.orderNo], ["sequence", "=", $number($confirmation.opNo)]], "fields": ["id", "workcenter_id", "qty_produced"], "limit": 1 }'),
      },
      request: json2('mrp.workcenter.productivity', 'create', `{ "vals_list": [${TIME_LOG('$prepared.workorder[0].id', '$prepared.workorder[0].workcenter_id[0]')}] }`),
      error: JSON2_ERROR,
      resultId: '$[0]',
      then: workorderActions((method, ids, vals) => json2('mrp.workorder', method, vals ? `{ "ids": [${ids}], "vals": ${vals} }` : `{ "ids": [${ids}] }`), '$prepared.workorder[0]'),
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
