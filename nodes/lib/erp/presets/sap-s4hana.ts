// SAP S/4HANA, OData v2: API_PRODUCTION_ORDER_2_SRV for orders (operations and components by $expand),
// API_PROD_ORDER_CONFIRMATION_2_SRV for confirmations with the CSRF token dance. Basic auth.
import type { ErpProfile } from '../profile/types';
import { SAP_CONFIRMATION_BODY } from '../confirm/sap-body';

// The service path prefix is a setting: on-premise it is /sap/opu/odata/sap, behind API Management or a
// Cloud Connector it differs; the service names themselves are SAP's.
const ORDERS = '{+params.servicePath}/API_PRODUCTION_ORDER_2_SRV';
const CONFIRMATIONS = '{+params.servicePath}/API_PROD_ORDER_CONFIRMATION_2_SRV';
/** The expansions the mapping reads, when this service's $metadata has them. */
const EXPANSIONS = ['to_ProductionOrderOperation', 'to_ProductionOrderComponent'];

export const sapS4hana: ErpProfile = {
  id: 'sap-s4hana-odata-v2',
  name: 'SAP S/4HANA (OData v2)',
  description:
    'Base URL: the host and /sap (the part before /opu/odata). Basic auth with a communication user (scenario SAP_COM_0104). Settings: the plant time zone (planned dates and times are plant-local wall clock), the default priority for orders without ManufacturingOrderImportance (an unset CHAR comes as ""), the service path, the SAP client. Operations and components are expanded when the service\'s $metadata has them. LastChangeDateTime is filtered as 14 digits in UTC. Confirmations carry the idempotency key as ExternalSystemConfirmation (a GUID made from the key) and are looked up before writing.',
  versions: 'S/4HANA 1909 and later (on-premise), S/4HANA Cloud: API_PRODUCTION_ORDER_2_SRV, API_PROD_ORDER_CONFIRMATION_2_SRV',
  settings: [
    { name: 'timeZone', type: 'string', required: true },
    { name: 'defaultPriority', type: 'number', default: 5 },
    { name: 'servicePath', type: 'string', default: 'opu/odata/sap' },
    { name: 'sapClient', type: 'string' },
    { name: 'pageSize', type: 'number', default: 200, applies: 'pull.maxPageSize' },
  ],
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
        "$expand": $count($optional.orders) > 0 ? $join($optional.orders, ","),
        "$format": "json"
      }`,
    },
    changeTime: { format: 'compact', timeZone: 'UTC' },
    pageSize: 200,
    maxPageSize: 1000,
    paging: { kind: 'next-link', next: 'd.__next' },
    items: 'd.results',
    error: '$status >= 400 ? (error.message.value ? error.message.value & " (" & error.code & ")" : "HTTP " & $string($status))',
    metadata: {
      orders: {
        request: { method: 'GET', path: `${ORDERS}/$metadata`, answer: 'text' },
        select: '[$match($, /NavigationProperty Name="([A-Za-z0-9_]+)"/).groups[0]]',
        optional: JSON.stringify(EXPANSIONS),
      },
    },
    map: `(
      $plant := $params.timeZone;
      $qty := $number(TotalQuantity);
      {
        "orderNo": ManufacturingOrder,
        "revision": $number(LastChangeDateTime),
        "status": OrderIsMarkedForDeletion = "X" ? "cancelled" : OrderIsClosed = "X" ? "closed" : OrderIsTechnicallyCompleted = "X" ? "completed" : OrderIsReleased = "X" ? "released" : "created",
        "productCode": Material,
        "quantity": $qty,
        /* Yield confirmed so far; an Edm.Decimal string, absent on older releases. */
        "producedQty": MfgOrderConfirmedYieldQty ? $number(MfgOrderConfirmedYieldQty),
        "unit": ProductionUnit,
        "dueDate": $sapDateTime(MfgOrderPlannedEndDate, MfgOrderPlannedEndTime, $plant),
        "priority": $num(ManufacturingOrderImportance) ? $num(ManufacturingOrderImportance) : $params.defaultPriority,
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
