// Kingdee K/3 Cloud WebAPI: session login by app secret (cookie kdservice-sessionid, ~20 min idle),
// ExecuteBillQuery answering arrays of arrays in FieldKeys order, errors inside HTTP 200, one PRD_MO
// bill with many lines where each line is one MES order; production reports are PRD_MORPT bills.
import type { ErpProfile } from '../profile/types';

const STUB = 'Kingdee.BOS.WebApi.ServicesStub';
const ORDER_FIELDS = [
  'FID',
  'FBillNo',
  'FTreeEntity_FEntryId',
  'FTreeEntity_FSeq',
  'FMaterialId.FNumber',
  'FMaterialId.FName',
  'FUnitId.FNumber',
  'FQty',
  'FPlanStartDate',
  'FPlanFinishDate',
  'FStatus',
  'FDocumentStatus',
  'FPrdOrgId.FNumber',
  'FModifyDate',
];
// Stock fields only: a plant's own BOS extensions (F_PAEZ_… and the like) are named in the settings
// (priorityField, qcSpecField) and read only when QueryBusinessInfo lists them for this account set.
export const OPERATION_FIELDS = ['FOperNumber', 'FProcessId.FNumber', 'FProcessId.FName', 'FWorkCenterId.FNumber', 'FOperPlanStartTime', 'FOperPlanFinishTime', 'FActivity1Qty'];
const OPERATION_KEYS = `$append(${JSON.stringify(OPERATION_FIELDS)}, $optional.operations)`;
const ORDER_KEYS = `$append(${JSON.stringify(ORDER_FIELDS)}, $optional.orders)`;
export const COMPONENT_FIELDS = ['FMaterialID2.FNumber', 'FMaterialID2.FName', 'FUnitID2.FNumber', 'FNumerator', 'FDenominator', 'FOperID', 'FScrapRate'];

/** A JSONata ExecuteBillQuery body; `filter` is a JSONata string expression, `fields` a list or a JSONata list expression. */
const billQuery = (formId: string, fields: string[] | string, filter: string, order: string, paging = '"StartRow": 0, "Limit": 2000') =>
  `{ "parameters": [ $string({ "FormId": "${formId}", "FieldKeys": ${typeof fields === 'string' ? `$join(${fields}, ",")` : `"${fields.join(',')}"`}, "FilterString": ${filter}, "OrderString": "${order}", ${paging} }) ] }`;
const businessInfo = (formId: string) => ({ method: 'POST' as const, path: `${STUB}.DynamicFormService.QueryBusinessInfo.common.kdsvc`, body: `{ "parameters": [ $string({ "FormId": "${formId}" }) ] }` });
/** A row of arrays zipped with the field keys asked for. */
const zip = (keys: string) => `[$zip($, ${keys})]`;

/** Errors hide in the 200 answer as [[{ Result: { ResponseStatus: { IsSuccess: false, Errors, MsgCode } } }]]. */
const ERROR = `Result.ResponseStatus.IsSuccess = false ? ($join(Result.ResponseStatus.Errors.Message, "; ") & " (MsgCode " & $string(Result.ResponseStatus.MsgCode) & ")")`;
/**
 * A stock PRD_MORPT has no field for an outside system's key (F_PAEZ_… fields are one customer's extensions):
 * the key goes first in the bill's note (FDescription, 备注) as "MES <key> <order> op <op>", where the
 * lookup-before-write finds it.
 */
const REPORT_NOTE = '("MES " & $key)';
const lineFilter = `"FMONumber = '" & $item.FBillNo & "' AND FMOEntrySeq = " & $string($item.FTreeEntity_FSeq)`;

export const kingdeeK3Cloud: ErpProfile = {
  id: 'kingdee-k3cloud',
  name: 'Kingdee K/3 Cloud WebAPI',
  description:
    "Base URL …/k3cloud. User name = the integration user, password = the app secret. Settings: the account set (数据中心) id, the app id, the language, the server time zone, the default priority; a plant's own extension fields for priority and inspection spec are read only when QueryBusinessInfo lists them. Each PRD_MO line is one MES order (order no = bill no-line seq); operations from SFC_OperationPlanning, components from PRD_PPBOM; reports are saved as PRD_MORPT (Save → Submit → Audit) with the MES key first in the bill's note (FDescription), a stock field: no extension field is needed.",
  versions: 'Kingdee K/3 Cloud (金蝶云星空) 7.x–8.x WebAPI; 云星空企业版 / 标准版',
  settings: [
    { name: 'acctId', type: 'string', required: true },
    { name: 'appId', type: 'string', required: true },
    { name: 'lcid', type: 'number', default: 2052 },
    { name: 'timeZone', type: 'string', required: true, applies: 'changeTime.timeZone' },
    { name: 'defaultPriority', type: 'number', default: 5 },
    { name: 'priorityField', type: 'string' },
    { name: 'qcSpecField', type: 'string' },
    { name: 'plant', type: 'string' },
    { name: 'pageSize', type: 'number', default: 500, applies: 'pull.maxPageSize' },
  ],
  auth: {
    kind: 'session',
    login: {
      method: 'POST',
      path: `${STUB}.AuthService.LoginByAppSecret.common.kdsvc`,
      body: '{ "parameters": [ $params.acctId, $credentials.username, $params.appId, $credentials.password, $params.lcid ? $params.lcid : 2052 ] }',
    },
    loginError: 'LoginResultType != 1 ? (Message ? Message : "LoginResultType " & $string(LoginResultType))',
    expired: 'Result.ResponseStatus.MsgCode = 1',
  },
  pull: {
    request: {
      method: 'POST',
      path: `${STUB}.DynamicFormService.ExecuteBillQuery.common.kdsvc`,
      body: billQuery('PRD_MO', ORDER_KEYS, `$since ? "FModifyDate >= '" & $since & "'" : ""`, 'FModifyDate ASC,FBillNo ASC,FTreeEntity_FEntryId ASC', '"StartRow": $offset, "Limit": $limit'),
    },
    changeTime: { format: 'sql', timeZone: 'UTC' /* the timeZone setting */ },
    pageSize: 500,
    maxPageSize: 10000,
    paging: { kind: 'offset' },
    items: '$type($) = "array" ? $ : []',
    columns: ORDER_KEYS,
    error: ERROR,
    details: {
      operations: {
        request: { method: 'POST', path: `${STUB}.DynamicFormService.ExecuteBillQuery.common.kdsvc`, body: billQuery('SFC_OperationPlanning', OPERATION_KEYS, lineFilter, 'FOperNumber ASC') },
        select: `$type($) = "array" ? ${zip(OPERATION_KEYS)} : $`,
      },
      components: {
        request: { method: 'POST', path: `${STUB}.DynamicFormService.ExecuteBillQuery.common.kdsvc`, body: billQuery('PRD_PPBOM', COMPONENT_FIELDS, lineFilter.replace('FMONumber', 'FMOBillNO'), 'FOperID ASC') },
        select: `$type($) = "array" ? ${zip(JSON.stringify(COMPONENT_FIELDS))} : $`,
      },
    },
    metadata: {
      orders: { request: businessInfo('PRD_MO'), select: '[Result.NeedReturnData.Entrys.Fields.Key]', optional: '[$params.priorityField]' },
      operations: { request: businessInfo('SFC_OperationPlanning'), select: '[Result.NeedReturnData.Entrys.Fields.Key]', optional: '[$params.qcSpecField]' },
    },
    map: `(
      $line := $;
      /* A bill not audited yet (FDocumentStatus Z/A/B/D) is a draft whatever its lines say. Line FStatus (业务状态):
         1 计划, 2 计划确认 → created; 3 下达 → released; 4 开工 → running; 5 完工 → completed; 6 结案, 7 结算 → closed. */
      $status := function($s, $audit) { $audit != "C" ? "created" : $s in ["1","2"] ? "created" : $s = "3" ? "released" : $s = "4" ? "running" : $s = "5" ? "completed" : "closed" };
      {
        "orderNo": FBillNo & "-" & $string(FTreeEntity_FSeq),
        /* The bill's FID with the line's entry id: a bill holds several lines, each its own order. */
        "orderKey": FID ? $string(FID) & "." & $string(FTreeEntity_FEntryId),
        "revision": $floor($toMillis($erpTime(FModifyDate)) / 1000),
        "status": $status(FStatus, FDocumentStatus),
        "productCode": \`FMaterialId.FNumber\`,
        "productName": \`FMaterialId.FName\`,
        "quantity": FQty,
        "unit": \`FUnitId.FNumber\`,
        "dueDate": $erpTime(FPlanFinishDate),
        "priority": ($params.priorityField in $optional.orders and $lookup($line, $params.priorityField)) ? $lookup($line, $params.priorityField) : $params.defaultPriority,
        "plant": $params.plant ? $params.plant : \`FPrdOrgId.FNumber\`,
        "operations": [$details.operations.{
          "opNo": $pad($string(FOperNumber), -4, "0"),
          "opCode": \`FProcessId.FNumber\`,
          "description": \`FProcessId.FName\`,
          "workCentre": \`FWorkCenterId.FNumber\`,
          "plannedStart": $erpTime(FOperPlanStartTime),
          "plannedEnd": $erpTime(FOperPlanFinishTime),
          "stdTimePerUnitSec": FActivity1Qty,
          "qcSpecRef": ($params.qcSpecField in $optional.operations and $trim($lookup($, $params.qcSpecField)) != "") ? $trim($lookup($, $params.qcSpecField))
        }],
        "bom": [$details.components.{
          "materialCode": \`FMaterialID2.FNumber\`,
          "materialName": \`FMaterialID2.FName\`,
          "qtyPer": $round(FNumerator / FDenominator, 6),
          "unit": \`FUnitID2.FNumber\`,
          "issueTolerancePct": FScrapRate,
          "opNo": FOperID > 0 ? $pad($string(FOperID), -4, "0")
        }],
        "updatedAt": $erpTime(FModifyDate)
      }
    )`,
    overlapSeconds: 1,
  },
  push: {
    confirmation: {
      request: {
        method: 'POST',
        path: `${STUB}.DynamicFormService.Save.common.kdsvc`,
        body: `{ "formid": "PRD_MORPT", "data": { "Model": {
          "FID": 0,
          "FPrdOrgId": { "FNumber": $confirmation.plant ? $confirmation.plant : $params.plant },
          "FDate": $formatTime($confirmation.postedAt, "sql"),
          "FDescription": ${REPORT_NOTE} & " " & $confirmation.orderNo & " op " & $confirmation.opNo,
          "FEntity": [{
            "FMaterialId": { "FNumber": $confirmation.productCode },
            "FMoBillNo": $substringBefore($confirmation.orderNo, "-"),
            "FMoEntrySeq": $number($substringAfter($confirmation.orderNo, "-")),
            "FFinishQty": $confirmation.yieldQty + $confirmation.scrapQty,
            "FQuaQty": $confirmation.yieldQty,
            "FFailQty": $confirmation.scrapQty,
            "FUnitID": { "FNumber": $confirmation.unit }
          }]
        } } }`,
      },
      error: ERROR,
      resultId: 'Result.Number',
      // A saved report is a draft (A); the quantities count for the order only once it is submitted (B) and audited (C).
      then: {
        submit: { when: '$not($exists($found)) or $found.status = "A"', request: { method: 'POST', path: `${STUB}.DynamicFormService.Submit.common.kdsvc`, body: '{ "formid": "PRD_MORPT", "data": { "Numbers": [$id] } }' } },
        audit: { request: { method: 'POST', path: `${STUB}.DynamicFormService.Audit.common.kdsvc`, body: '{ "formid": "PRD_MORPT", "data": { "Numbers": [$id] } }' } },
      },
      idempotency: {
        kind: 'lookup',
        // LIKE makes `_` and `%` in a key wildcards: what it finds are candidates, and `carries` checks the note exactly.
        // A `[` would open a character class in SQL Server's LIKE and miss the key: it is written `[[]`.
        request: {
          method: 'POST',
          path: `${STUB}.DynamicFormService.ExecuteBillQuery.common.kdsvc`,
          body: billQuery('PRD_MORPT', ['FBillNo', 'FDescription', 'FDocumentStatus'], `"FDescription LIKE '" & $replace($replace(${REPORT_NOTE}, "'", "''"), "[", "[[]") & " %'"`, 'FBillNo ASC'),
        },
        // Rows are [FBillNo, FDescription, FDocumentStatus]; wrapped so a row is one candidate, not flattened.
        found: '$map($, function($row) { { "bill": $row[0], "note": $row[1], "status": $row[2] } })',
        carries: `$substringBefore(note & " ", " ") & " " & $substringBefore($substringAfter(note, " ") & " ", " ") = ${REPORT_NOTE}`,
        foundId: 'bill',
        // Saved but not audited: a Submit or Audit failed after the Save; the retry finishes them.
        pending: 'status != "C"',
      },
    },
  },
};
