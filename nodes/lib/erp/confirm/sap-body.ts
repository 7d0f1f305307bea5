// The ProdnOrdConf2 body (API_PROD_ORDER_CONFIRMATION_2_SRV, entity type A_ProdnOrdConf2Type / AFRU) for
// each activity the MES reports. SAP has no separate start/finish call: a start is a partial confirmation
// with no quantity and the execution start; a finish is the final confirmation; an order finish also clears
// the open reservations; a goods receipt carries the 101 movement of the finished quantity. Activity times
// go to the standard activities 1–3 (setup, machine, labour in the default standard value key SAP1), in
// minutes; times are the plant's wall clock ($params.timeZone, default UTC). Decimals travel as strings.
export const SAP_CONFIRMATION_BODY = `(
  $c := $confirmation;
  $tz := $params.timeZone ? $params.timeZone : "UTC";
  $act := $c.activity ? $c.activity : "confirm";
  $final := $act in ["finish", "order-finish", "goods-receipt"] or $c.finalConfirmation;
  $work := function($n, $min) { $exists($min) ? { "OpWorkQuantityUnit" & $n: "MIN", "OpConfirmedWorkQuantity" & $n: $string($min) } : {} };
  $merge([
    {
      "OrderID": $c.orderNo,
      "OrderOperation": $c.opNo,
      "Sequence": "0",
      "ConfirmationYieldQuantity": $act = "start" ? "0" : $string($c.yieldQty),
      "ConfirmationScrapQuantity": $act = "start" ? "0" : $string($c.scrapQty),
      "ConfirmationUnit": $c.unit,
      "FinalConfirmationType": $final ? "X" : "",
      "OpenReservationsIsCleared": $act = "order-finish",
      "ExternalSystemConfirmation": $keyGuid($key),
      "ConfirmationText": $substring("MES " & $act & " " & $key, 0, 40),
      "PostingDate": $sapDate($c.postedAt, $tz)
    },
    $c.operator ? { "EnteredByExternalUser": $substring($c.operator, 0, 12) } : {},
    $c.workCentre ? { "WorkCenter": $c.workCentre } : {},
    $c.startedAt ? { "ConfirmedExecutionStartDate": $sapDate($c.startedAt, $tz), "ConfirmedExecutionStartTime": $sapTime($c.startedAt, $tz) } : {},
    $c.finishedAt ? { "ConfirmedExecutionEndDate": $sapDate($c.finishedAt, $tz), "ConfirmedExecutionEndTime": $sapTime($c.finishedAt, $tz) } : {},
    $work(1, $c.setupMin), $work(2, $c.machineMin), $work(3, $c.labourMin),
    $act = "goods-receipt" ? { "to_ProdnOrdConfMatlDocItm": { "results": [{
      "Material": $c.productCode, "Plant": $c.plant, "GoodsMovementType": "101",
      "QuantityInEntryUnit": $string($c.yieldQty), "EntryUnit": $c.unit
    }] } } : {}
  ])
)`;
