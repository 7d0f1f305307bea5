// Kingdee K/3 Cloud WebAPI: session login by app secret (cookie kdservice-sessionid, ~20 min idle),
// ExecuteBillQuery answering arrays of arrays in FieldKeys order, errors inside HTTP 200, one PRD_MO
// bill with many lines where each line is one MES order; production reports are PRD_MORPT bills.
import type { ErpProfile } from '../profile/types';

const STUB = 'Kingdee.BOS.WebApi.ServicesStub';
const ORDER_FIELDS = [
  'FID', 'FBillNo', 'FTreeEntity_FEntryId', 'FTreeEntity_FSeq', 'FMaterialId.FNumber', 'FMaterialId.FName', 'FUnitId.FNumber', 'FQty',
  'FPlanStartDate', 'FPlanFinishDate', 'FStatus', 'FDocumentStatus', 'FPrdOrgId.FNumber', 'F_PAEZ_Priority', 'FModifyDate',
];
const OPERATION_FIELDS = ['FOperNumber', 'FProcessId.FNumber', 'FProcessId.FName', 'FWorkCenterId.FNumber', 'FOperPlanStartTime', 'FOperPlanFinishTime', 'FActivity1Qty', 'F_PAEZ_QCSpec'];
const COMPONENT_FIELDS = ['FMaterialID2.FNumber', 'FMaterialID2.FName', 'FUnitID2.FNumber', 'FNumerator', 'FDenominator', 'FOperID', 'FScrapRate'];

/** A JSONata ExecuteBillQuery body; `filter` is a JSONata string expression. */
const billQuery = (formId: string, fields: string[], filter: string, order: string, paging = '"StartRow": 0, "Limit": 2000') =>
  `{ "parameters": [ $string({ "FormId": "${formId}", "FieldKeys": "${fields.join(',')}", "FilterString": ${filter}, "OrderString": "${order}", ${paging} }) ] }`;

/** Errors hide in the 200 answer as [[{ Result: { ResponseStatus: { IsSuccess: false, Errors, MsgCode } } }]]. */
const ERROR = `Result.ResponseStatus.IsSuccess = false ? ($join(Result.ResponseStatus.Errors.Message, "; ") & " (MsgCode " & $string(Result.ResponseStatus.MsgCode) & ")")`;
const lineFilter = `"FMONumber = '" & $item.FBillNo & "' AND FMOEntrySeq = " & $string($item.FTreeEntity_FSeq)`;

export const kingdeeK3Cloud: ErpProfile = {
  id: 'kingdee-k3cloud',
  name: 'Kingdee K/3 Cloud WebAPI',
  description:
    'Base URL …/k3cloud. User name = the integration user, password = the app secret; ERP settings: {"acctId": "<数据中心 id>", "appId": "<app id>", "lcid": 2052}. Each PRD_MO line is one MES order (order no = bill no-line seq); operations from SFC_OperationPlanning, components from PRD_PPBOM; reports are saved as PRD_MORPT with the MES key in F_PAEZ_MESReportNo.',
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
      body: billQuery('PRD_MO', ORDER_FIELDS, `$since ? "FModifyDate >= '" & $since & "'" : ""`, 'FModifyDate ASC,FBillNo ASC,FTreeEntity_FEntryId ASC', '"StartRow": $offset, "Limit": $limit'),
    },
    changeTime: { format: 'sql', timeZone: 'Asia/Shanghai' },
    pageSize: 500,
    maxPageSize: 10000,
    paging: { kind: 'offset' },
    items: '$type($) = "array" ? $ : []',
    columns: ORDER_FIELDS,
    error: ERROR,
    details: {
      operations: {
        request: { method: 'POST', path: `${STUB}.DynamicFormService.ExecuteBillQuery.common.kdsvc`, body: billQuery('SFC_OperationPlanning', OPERATION_FIELDS, lineFilter, 'FOperNumber ASC') },
        select: `[$map($, function($r) { ${JSON.stringify(Object.fromEntries(OPERATION_FIELDS.map((f, i) => [f, `§${i}`]))).replace(/"§(\d+)"/g, '$r[$1]')} })]`,
      },
      components: {
        request: { method: 'POST', path: `${STUB}.DynamicFormService.ExecuteBillQuery.common.kdsvc`, body: billQuery('PRD_PPBOM', COMPONENT_FIELDS, lineFilter.replace('FMONumber', 'FMOBillNO'), 'FOperID ASC') },
        select: `[$map($, function($r) { ${JSON.stringify(Object.fromEntries(COMPONENT_FIELDS.map((f, i) => [f, `§${i}`]))).replace(/"§(\d+)"/g, '$r[$1]')} })]`,
      },
    },
    map: `(
      /* A bill not audited yet (FDocumentStatus Z/A/B/D) is a draft whatever its lines say. */
      $status := function($s, $audit) { $audit != "C" ? "created" : $s in ["1","2"] ? "created" : $s in ["3","4"] ? "released" : $s = "5" ? "completed" : "closed" };
      {
        "orderNo": FBillNo & "-" & $string(FTreeEntity_FSeq),
        "revision": $floor($toMillis($erpTime(FModifyDate)) / 1000),
        "status": $status(FStatus, FDocumentStatus),
        "productCode": \`FMaterialId.FNumber\`,
        "productName": \`FMaterialId.FName\`,
        "quantity": FQty,
        "unit": \`FUnitId.FNumber\`,
        "dueDate": $erpTime(FPlanFinishDate),
        "priority": F_PAEZ_Priority ? F_PAEZ_Priority : 5,
        "plant": \`FPrdOrgId.FNumber\`,
        "operations": [$details.operations.{
          "opNo": $pad($string(FOperNumber), -4, "0"),
          "opCode": \`FProcessId.FNumber\`,
          "description": \`FProcessId.FName\`,
          "workCentre": \`FWorkCenterId.FNumber\`,
          "plannedStart": $erpTime(FOperPlanStartTime),
          "plannedEnd": $erpTime(FOperPlanFinishTime),
          "stdTimePerUnitSec": FActivity1Qty,
          "qcSpecRef": $trim(F_PAEZ_QCSpec) != "" ? $trim(F_PAEZ_QCSpec)
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
          "F_PAEZ_MESReportNo": $key,
          "FDescription": "MES " & $confirmation.orderNo & " op " & $confirmation.opNo,
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
      idempotency: {
        kind: 'lookup',
        request: { method: 'POST', path: `${STUB}.DynamicFormService.ExecuteBillQuery.common.kdsvc`, body: billQuery('PRD_MORPT', ['FBillNo'], `"F_PAEZ_MESReportNo = '" & $key & "'"`, 'FBillNo ASC') },
        found: '$[0][0]',
      },
    },
  },
};
