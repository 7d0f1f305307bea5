// ERPNext / Frappe REST (API v1): token auth, {"data": [...]} lists without a total (stop on a short
// page), child tables (operations, required_items) only from the single-document GET, naive site time
// with microseconds, errors as exc_type/_server_messages. Production is reported as a Manufacture Stock
// Entry made by make_stock_entry; Frappe has no idempotency key, so the key goes into remarks and is
// looked up before writing.
import type { ErpProfile, PushSpec } from '../profile/types';

// Stock Work Order fields only (erpnext/manufacturing/doctype/work_order/work_order.json). A stock Work Order
// has no plant and no priority: they come from the settings, or from custom fields the site names in the
// settings (plantField, priorityField), read only when the doctype's meta has them.
const LIST_FIELDS = ['name', 'status', 'docstatus', 'production_item', 'item_name', 'qty', 'stock_uom', 'expected_delivery_date', 'planned_start_date', 'planned_end_date', 'company', 'modified', 'amended_from'];
// Quantities already booked: produced_qty and process_loss_qty (v14+) are read only when the doctype's meta has
// them, like the custom fields, so an older or trimmed install loses the figures, not the pull.
const BOOKED_FIELDS = ['produced_qty', 'process_loss_qty'];

// _server_messages is a JSON string holding a list of JSON strings, each {"message": …}.
const ERROR = `$status >= 400 or (_server_messages and $count(data) = 0) ? (
  $messages := _server_messages ? $join($map($eval(_server_messages), function($m) { $eval($m).message }), "; ");
  $messages ? $messages : exc_type ? exc_type & (exception ? ": " & exception) : "HTTP " & $string($status)
)`;

// A goods receipt: a Manufacture Stock Entry drafted by make_stock_entry and submitted, the key in its remarks.
const MANUFACTURE_ENTRY: PushSpec = {
  prepare: {
    draft: {
      method: 'POST',
      path: 'api/method/erpnext.manufacturing.doctype.work_order.work_order.make_stock_entry',
      body: '{ "work_order_id": $confirmation.orderNo, "purpose": "Manufacture", "qty": $confirmation.yieldQty }',
    },
  },
  request: {
    method: 'POST',
    path: 'api/resource/Stock Entry',
    body: '$merge([$prepared.draft.message, { "remarks": "MES " & $key & " op " & $confirmation.opNo, "docstatus": 1 }])',
  },
  error: ERROR,
  resultId: 'data.name',
  idempotency: {
    kind: 'lookup',
    request: {
      method: 'GET',
      path: 'api/resource/Stock Entry',
      query: '{ "filters": $string([["work_order", "=", $confirmation.orderNo], ["remarks", "like", "%" & $key & "%"]]), "fields": $string(["name", "docstatus", "remarks"]) }',
    },
    // "like" is a filter, not proof: the remarks must hold this very key (MES-EV-1 is inside MES-EV-10).
    found: 'data[docstatus != 2]',
    carries: '$contains(remarks, "MES " & $key & " op ")',
    foundId: 'name',
  },
};

const ACTIVITY = '($confirmation.activity ? $confirmation.activity : "confirm")';

// The operation's Job Card (one per Work Order operation, ERPNext makes them on submit): its time logs are
// replaced as a whole by a PUT, so the write sends the ones it has plus the new one.
const JOB_CARD_LIST = (filters: string) => `{ "filters": $string(${filters}), "fields": $string(["name", "remarks", "sequence_id", "docstatus"]) }`;
const JOB_CARD_TIME_LOG: PushSpec = {
  prepare: {
    card: { method: 'GET', path: 'api/resource/Job Card', query: JOB_CARD_LIST('[["work_order", "=", $confirmation.orderNo], ["sequence_id", "=", $number($confirmation.opNo)], ["docstatus", "=", 0]]') },
    doc: { method: 'GET', path: 'api/resource/Job Card/{prepared.card.data.0.name}' },
  },
  // ERPNext makes Job Cards only for a submitted Work Order with operations (a BOM with_operations=0 has none).
  refuse: `$exists($prepared.card) and $count($prepared.card.data) = 0 ? "Work Order " & $confirmation.orderNo & " has no open (draft) Job Card for operation " & $confirmation.opNo & ": ERPNext makes Job Cards only for a submitted Work Order with operations"`,
  request: {
    method: 'PUT',
    path: 'api/resource/Job Card/{prepared.card.data.0.name}',
    body: `{
      "time_logs": $append([$prepared.doc.data.time_logs.{ "name": name, "from_time": from_time, "to_time": to_time, "completed_qty": completed_qty, "employee": employee }], [{
        "from_time": $formatTime($confirmation.startedAt ? $confirmation.startedAt : $confirmation.postedAt, "sql"),
        "to_time": $formatTime($confirmation.finishedAt ? $confirmation.finishedAt : $confirmation.postedAt, "sql"),
        "completed_qty": $confirmation.activity = "start" ? 0 : $confirmation.yieldQty
      }]),
      "remarks": ($prepared.doc.data.remarks ? $prepared.doc.data.remarks & " " : "") & "MES " & $key & ";"
    }`,
  },
  error: ERROR,
  resultId: 'data.name',
  // The operation finished: the card is submitted (docstatus 1), which ERPNext allows once completed + process
  // loss equal the card's quantity; otherwise its refusal comes back in its own words.
  then: { submit: { when: `${ACTIVITY} = "finish"`, request: { method: 'PUT', path: 'api/resource/Job Card/{id}', body: '{ "docstatus": 1 }' } } },
  idempotency: {
    kind: 'lookup',
    request: { method: 'GET', path: 'api/resource/Job Card', query: JOB_CARD_LIST('[["work_order", "=", $confirmation.orderNo], ["remarks", "like", "%" & $key & "%"]]') },
    found: 'data',
    // "like" is a filter, not proof: MES-EV-1 is inside MES-EV-10.
    carries: '$contains(remarks, "MES " & $key & ";")',
    foundId: 'name',
    // The time log went in but the submit did not (the ERP was down): the retry submits.
    pending: `${ACTIVITY} = "finish" and docstatus = 0`,
  },
};

export const erpnext: ErpProfile = {
  id: 'erpnext',
  name: 'ERPNext / Frappe REST',
  description:
    'Base URL: the site (https://erp.example.com). User name = API key, password = API secret (sent as "Authorization: token key:secret"). Settings: the plant code, the site time zone (System Settings ▸ Time Zone), the time of day for expected_delivery_date (a date), what stands in for a missing delivery date, the default priority; optional custom fields for plant and priority are read only when the Work Order doctype has them.',
  versions: 'ERPNext v14, v15 (Frappe REST API v1)',
  settings: [
    { name: 'plant', type: 'string', required: true },
    { name: 'timeZone', type: 'string', required: true, applies: 'changeTime.timeZone' },
    { name: 'dueTime', type: 'string', default: '17:00:00' },
    { name: 'dueDateFallback', type: 'select', options: ['planned-end', 'planned-start'], default: 'planned-end' },
    { name: 'defaultPriority', type: 'number', default: 5 },
    { name: 'plantField', type: 'string', default: 'custom_plant' },
    { name: 'priorityField', type: 'string', default: 'custom_priority' },
    { name: 'pageSize', type: 'number', default: 100, applies: 'pull.maxPageSize' },
  ],
  auth: { kind: 'token-header', header: 'Authorization', value: '"token " & $credentials.username & ":" & $credentials.password' },
  pull: {
    request: {
      method: 'GET',
      path: 'api/resource/Work Order',
      query: `{
        "fields": $string($append(${JSON.stringify(LIST_FIELDS)}, $optional.workOrder)),
        "filters": $since ? $string([["modified", ">=", $since]]),
        "order_by": "modified asc, name asc",
        "limit_start": $offset,
        "limit_page_length": $limit
      }`,
    },
    changeTime: { format: 'sql-micro', timeZone: 'UTC' /* the timeZone setting */ },
    pageSize: 100,
    maxPageSize: 500,
    paging: { kind: 'offset' },
    items: 'data',
    error: ERROR,
    details: { doc: { request: { method: 'GET', path: 'api/resource/Work Order/{name}' }, select: 'data' } },
    metadata: {
      workOrder: {
        request: { method: 'GET', path: 'api/method/frappe.desk.form.load.getdoctype', query: '{ "doctype": "Work Order" }' },
        select: '[docs[name = "Work Order"].fields.fieldname]',
        optional: `$append([$params.plantField, $params.priorityField], ${JSON.stringify(BOOKED_FIELDS)})`,
      },
    },
    map: `(
      $wo := $;
      $doc := $details.doc;
      {
        "orderNo": name,
        "revision": $toMillis($erpTime(modified)),
        "status": docstatus = 0 ? "created" : docstatus = 2 ? "cancelled" : $lookup({ "Draft": "created", "Submitted": "released", "Not Started": "released", "In Process": "running", "Completed": "completed", "Stopped": "held", "Closed": "closed", "Cancelled": "cancelled" }, status),
        "productCode": production_item,
        "productName": item_name,
        "quantity": qty,
        "producedQty": ("produced_qty" in $optional.workOrder and $type(produced_qty) = "number") ? produced_qty,
        "processLossQty": ("process_loss_qty" in $optional.workOrder and $type(process_loss_qty) = "number") ? process_loss_qty,
        "unit": stock_uom,
        "dueDate": expected_delivery_date ? $erpTime(expected_delivery_date & " " & $params.dueTime) : $erpTime($params.dueDateFallback = "planned-start" ? planned_start_date : planned_end_date),
        "priority": ($params.priorityField in $optional.workOrder and $lookup($wo, $params.priorityField)) ? $lookup($wo, $params.priorityField) : $params.defaultPriority,
        "predecessor": amended_from ? { "orderNo": amended_from, "relation": "amendment" },
        "plant": ($params.plantField in $optional.workOrder and $lookup($wo, $params.plantField)) ? $string($lookup($wo, $params.plantField)) : $params.plant,
        "operations": [$doc.operations.{
          "opNo": $formatInteger(sequence_id ? sequence_id : idx * 10, "0000"),
          "opCode": operation,
          "description": description,
          "workCentre": workstation,
          "plannedStart": $erpTime(planned_start_time),
          "plannedEnd": $erpTime(planned_end_time),
          "stdTimePerUnitSec": $round(time_in_mins * 60 / $wo.qty, 3)
        }],
        "bom": [$doc.required_items.(
          $op := operation;
          $seq := $doc.operations[operation = $op].sequence_id;
          {
            "materialCode": item_code,
            "materialName": item_name,
            "qtyPer": $round(required_qty / $wo.qty, 6),
            "unit": stock_uom,
            "opNo": $seq ? $formatInteger($seq, "0000")
          }
        )],
        "updatedAt": $erpTime(modified)
      }
    )`,
    overlapSeconds: 1,
  },
  push: {
    // An operation's progress is a time log on its Job Card (the key kept in the card's remarks: a time log has
    // no free text); the finished goods are received by a Manufacture Stock Entry.
    confirmation: {
      ...JOB_CARD_TIME_LOG,
      byActivity: { 'goods-receipt': MANUFACTURE_ENTRY, 'order-finish': MANUFACTURE_ENTRY },
    },
  },
};
