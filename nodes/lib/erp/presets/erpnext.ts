// ERPNext / Frappe REST (API v1): token auth, {"data": [...]} lists without a total (stop on a short
// page), child tables (operations, required_items) only from the single-document GET, naive site time
// with microseconds, errors as exc_type/_server_messages. Production is reported as a Manufacture Stock
// Entry made by make_stock_entry; Frappe has no idempotency key, so the key goes into remarks and is
// looked up before writing.
import type { ErpProfile } from '../profile/types';

const LIST_FIELDS = ['name', 'status', 'docstatus', 'production_item', 'item_name', 'qty', 'stock_uom', 'expected_delivery_date', 'planned_start_date', 'planned_end_date', 'company', 'custom_plant', 'custom_priority', 'modified'];

// _server_messages is a JSON string holding a list of JSON strings, each {"message": …}.
const ERROR = `$status >= 400 or (_server_messages and $count(data) = 0) ? (
  $messages := _server_messages ? $join($map($eval(_server_messages), function($m) { $eval($m).message }), "; ");
  $messages ? $messages : exc_type ? exc_type & (exception ? ": " & exception) : "HTTP " & $string($status)
)`;

export const erpnext: ErpProfile = {
  id: 'erpnext',
  name: 'ERPNext / Frappe REST',
  description:
    'Base URL: the site (https://erp.example.com). User name = API key, password = API secret (sent as "Authorization: token key:secret"). ERP settings: {"plant": "1010", "dueTime": "17:00:00"} for sites without the custom fields custom_plant / custom_priority. Times are the site\'s (Asia/Shanghai here: change pull.changeTime.timeZone in a custom copy for another site).',
  auth: { kind: 'token-header', header: 'Authorization', value: '"token " & $credentials.username & ":" & $credentials.password' },
  pull: {
    request: {
      method: 'GET',
      path: 'api/resource/Work Order',
      query: `{
        "fields": $string(${JSON.stringify(LIST_FIELDS)}),
        "filters": $since ? $string([["modified", ">=", $since]]),
        "order_by": "modified asc, name asc",
        "limit_start": $offset,
        "limit_page_length": $limit
      }`,
    },
    changeTime: { format: 'sql-micro', timeZone: 'Asia/Shanghai' },
    pageSize: 100,
    maxPageSize: 500,
    paging: { kind: 'offset' },
    items: 'data',
    error: ERROR,
    details: { doc: { request: { method: 'GET', path: 'api/resource/Work Order/{name}' }, select: 'data' } },
    map: `(
      $wo := $;
      $doc := $details.doc;
      {
        "orderNo": name,
        "revision": $toMillis($erpTime(modified)),
        "status": docstatus = 0 ? "created" : docstatus = 2 ? "cancelled" : $lookup({ "Draft": "created", "Not Started": "released", "In Process": "released", "Completed": "completed", "Stopped": "closed", "Closed": "closed", "Cancelled": "cancelled" }, status),
        "productCode": production_item,
        "productName": item_name,
        "quantity": qty,
        "unit": stock_uom,
        "dueDate": $erpTime(expected_delivery_date & " " & ($params.dueTime ? $params.dueTime : "17:00:00")),
        "priority": custom_priority ? custom_priority : 5,
        "plant": custom_plant ? custom_plant : $params.plant,
        "operations": [$doc.operations.{
          "opNo": $formatInteger(sequence_id, "0000"),
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
