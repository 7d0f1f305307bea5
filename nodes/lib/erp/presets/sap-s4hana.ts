// SAP S/4HANA, OData v2: API_PRODUCTION_ORDER_2_SRV for orders (operations and components by $expand),
// API_PROD_ORDER_CONFIRMATION_2_SRV for confirmations with the CSRF token dance. Basic auth.
import type { ErpProfile } from '../profile/types';
import { SAP_CONFIRMATION_BODY } from '../confirm/sap-body';

const ORDERS = 'opu/odata/sap/API_PRODUCTION_ORDER_2_SRV';
const CONFIRMATIONS = 'opu/odata/sap/API_PROD_ORDER_CONFIRMATION_2_SRV';

export const sapS4hana: ErpProfile = {
  id: 'sap-s4hana-odata-v2',
  name: 'SAP S/4HANA (OData v2)',
  description:
    'Base URL …/sap (the part before /opu/odata). Basic auth with a communication user; ERP settings may add {"sapClient": "100"}. LastChangeDateTime is filtered as 14 digits in UTC (other SAP APIs use datetimeoffset: change pull.changeTime and the $filter). Confirmations carry the idempotency key as ExternalSystemConfirmation (a GUID made from the key) and are looked up before writing.',
  auth: { kind: 'basic' },
  csrf: { fetch: { method: 'HEAD', path: `${CONFIRMATIONS}/`, headers: '{ "x-csrf-token": "Fetch" }' }, header: 'x-csrf-token' },
  headers: '{ "Accept": "application/json", "sap-client": $params.sapClient }',
  pull: {
    request: {
      method: 'GET',
      path: `${ORDERS}/A_ProductionOrder_2`,
      query: `{
        "$filter": $since ? "LastChangeDateTime ge '" & $since & "'",
        "$orderby": "LastChangeDateTime,ManufacturingOrder",
        "$skip": $offset,
        "$top": $limit,
        "$inlinecount": "allpages",
        "$expand": "to_ProductionOrderOperation,to_ProductionOrderComponent",
        "$format": "json"
      }`,
    },
    changeTime: { format: 'compact', timeZone: 'UTC' },
    pageSize: 200,
    maxPageSize: 1000,
    paging: { kind: 'next-link', next: 'd.__next' },
    items: 'd.results',
    error: '$status >= 400 ? (error.message.value ? error.message.value & " (" & error.code & ")")',
    map: `(
      $plant := "Asia/Shanghai";
      $qty := $number(TotalQuantity);
      {
        "orderNo": ManufacturingOrder,
        "revision": $number(LastChangeDateTime),
        "status": OrderIsMarkedForDeletion = "X" ? "cancelled" : OrderIsClosed = "X" ? "closed" : OrderIsTechnicallyCompleted = "X" ? "completed" : OrderIsReleased = "X" ? "released" : "created",
        "productCode": Material,
        "quantity": $qty,
        "unit": ProductionUnit,
        "dueDate": $sapDateTime(MfgOrderPlannedEndDate, MfgOrderPlannedEndTime, $plant),
        "priority": $number(ManufacturingOrderImportance) ? $number(ManufacturingOrderImportance) : 5,
        "plant": ProductionPlant,
        "operations": [to_ProductionOrderOperation.results.(
          $start := $sapDateTime(OpErlstSchedldExecStrtDte, OpErlstSchedldExecStrtTme, $plant);
          $end := $sapDateTime(OpErlstSchedldExecEndDte, OpErlstSchedldExecEndTme, $plant);
          $opQty := $number(OpPlannedTotalQuantity);
          {
            "opNo": ManufacturingOrderOperation,
            "opCode": $contains(MfgOrderOperationText, " ") ? $substringBefore(MfgOrderOperationText, " ") : MfgOrderOperationText,
            "description": $contains(MfgOrderOperationText, " ") ? $substringAfter(MfgOrderOperationText, " "),
            "workCentre": WorkCenter,
            "plannedStart": $start,
            "plannedEnd": $end,
            "stdTimePerUnitSec": $opQty > 0 ? $round(($toMillis($end) - $toMillis($start)) / 1000 / $opQty, 3) : 0
          }
        )],
        "bom": [to_ProductionOrderComponent.results.{
          "materialCode": Material,
          "materialName": BOMItemDescription,
          "qtyPer": $round($number(RequiredQuantity) / $qty, 6),
          "unit": BaseUnit,
          "opNo": ManufacturingOrderOperation ? ManufacturingOrderOperation
        }],
        "updatedAt": $erpTime(LastChangeDateTime, "UTC")
      }
    )`,
    overlapSeconds: 1,
  },
  push: {
    confirmation: {
      request: {
        method: 'POST',
        path: `${CONFIRMATIONS}/ProdnOrdConf2`,
        body: SAP_CONFIRMATION_BODY,
      },
      error: '$status >= 400 ? (error.message.value ? error.message.value & " (" & error.code & ")" : "HTTP " & $string($status))',
      resultId: 'd.ConfirmationGroup & "/" & d.ConfirmationCount',
      idempotency: {
        kind: 'lookup',
        request: {
          method: 'GET',
          path: `${CONFIRMATIONS}/ProdnOrdConf2`,
          query: `{ "$filter": "OrderID eq '" & $confirmation.orderNo & "' and ExternalSystemConfirmation eq guid'" & $keyGuid($key) & "'", "$format": "json" }`,
        },
        // The filter narrows; the GUID compared here decides (a system that ignores the filter answers them all).
        found: 'd.results',
        carries: '$lowercase(ExternalSystemConfirmation) = $keyGuid($key)',
        foundId: 'ConfirmationGroup & "/" & ConfirmationCount',
      },
    },
  },
};
