// ERPNext / Frappe REST (API v1): token auth, {"data": [...]} lists without a total (stop on a short
// page), child tables (operations, required_items) only from the single-document GET, naive site time
// with microseconds, errors as exc_type/_server_messages. Production is reported as a Manufacture Stock
// Entry made by make_stock_entry; Frappe has no idempotency key, so the key goes into remarks and is
// looked up before writing.
import type { ErpProfile } from '../profile/types';

// Stock Work Order fields only (erpnext/manufacturing/doctype/work_order/work_order.json). A stock Work Order
// has no plant and no priority: they come from the settings, or from custom fields the site names in the
// settings (plantField, priorityField), read only when the doctype's meta has them.
const LIST_FIELDS = ['name', 'status', 'docstatus', 'production_item', 'item_name', 'qty', 'stock_uom', 'expected_delivery_date', 'planned_start_date', 'planned_end_date', 'company', 'modified'];

// _server_messages is a JSON string holding a list of JSON strings, each {"message": …}.
const ERROR = `$status >= 400 or (_server_messages and $count(data) = 0) ? (
  $messages := _server_messages ? $join($map($eval(_server_messages), function($m) { $eval($m).message }), "; ");
  $messages ? $messages : exc_type ? exc_type & (exception ? ": " & exception) : "HTTP " & $string($status)
)`;

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
        optional: '[$params.plantField, $params.priorityField]',
      },
    },
    map: `(
      $wo := $;
      $doc := $details.doc;
      {
        "orderNo": name,
        "revision": $toMillis($erpTime(modified)),
        "status": docstatus = 0 ? "created" : docstatus = 2 ? "cancelled" : $lookup({ "Draft": "created", "Submitted": "released", "Not Started": "released", "In Process": "released", "Completed": "completed", "Stopped": "closed", "Closed": "closed", "Cancelled": "cancelled" }, status),
        "productCode": production_item,
        "productName": item_name,
        "quantity": qty,
        "unit": stock_uom,
        "dueDate": expected_delivery_date ? $erpTime(expected_delivery_date & " " & $params.dueTime) : $erpTime($params.dueDateFallback = "planned-start" ? planned_start_date : planned_end_date),
        "priority": ($params.priorityField in $optional.workOrder and $lookup($wo, $params.priorityField)) ? $lookup($wo, $params.priorityField) : $params.defaultPriority,
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
    confirmation: {
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
          query: '{ "filters": $string([["work_order", "=", $confirmation.orderNo], ["remarks", "like", "%" & $key & "%"]]), "fields": $string(["name", "docstatus"]) }',
        },
        found: 'data[docstatus != 2][0].name',
      },
    },
  },
};
