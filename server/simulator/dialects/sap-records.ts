// Canonical production orders as API_PRODUCTION_ORDER_2_SRV serves them: A_ProductionOrder_2 with
// its operations (A_ProductionOrderOperation_2) and components (A_ProductionOrderComponent_2). Field
// names and types follow SAP's published OpenAPI of the service; nothing here is kinder than SAP
// (no std time per unit, no standard operation code field: see mfgOrderOperationText).
import type { BomLine, ProductionOrder, RoutingOperation } from '../types';
import { EMPTY_TIME, edmDate, localDateMs, edmDateTimeOffset, edmDecimal, edmTime, timestamp14, type EdmType, type ODataRecord, type PropertyTypes } from './sap-odata';

export type ChangeTimeFormat = 'timestamp14' | 'datetimeoffset';

export interface RecordContext {
  timeZone: string;
  changeTime: ChangeTimeFormat;
  serviceUrl: string; // absolute, ending in "/API_PRODUCTION_ORDER_2_SRV"
  orderSeq(orderNo: string): number; // stable internal number per order (AUFPL, RSNUM)
  workCentreId(code: string): string;
  confirmed(orderNo: string, opNo: string): { yield: number; final: boolean; any: boolean };
}

const S: EdmType = 'String';
const D: EdmType = 'Decimal';
const DT: EdmType = 'DateTime';
const T: EdmType = 'Time';
const B: EdmType = 'Boolean';
const I: EdmType = 'Int32';

const ORDER_FLAGS = [
  'OrderIsCreated',
  'OrderIsReleased',
  'OrderIsPrinted',
  'OrderIsConfirmed',
  'OrderIsPartiallyConfirmed',
  'OrderIsDelivered',
  'OrderIsDeleted',
  'OrderIsPreCosted',
  'SettlementRuleIsCreated',
  'OrderIsPartiallyReleased',
  'OrderIsLocked',
  'OrderIsTechnicallyCompleted',
  'OrderIsClosed',
  'OrderIsPartiallyDelivered',
  'OrderIsMarkedForDeletion',
  'SettlementRuleIsCrtedManually',
  'OrderIsScheduled',
  'OrderHasGeneratedOperations',
  'OrderIsToBeHandledInBatches',
  'MaterialAvailyIsNotChecked',
];
const OPERATION_FLAGS = [
  'OperationIsCreated',
  'OperationIsReleased',
  'OperationIsPrinted',
  'OperationIsConfirmed',
  'OperationIsPartiallyConfirmed',
  'OperationIsDeleted',
  'OperationIsTechlyCompleted',
  'OperationIsClosed',
  'OperationIsScheduled',
  'OperationIsPartiallyDelivered',
  'OperationIsDelivered',
];

export function orderTypes(changeTime: ChangeTimeFormat): PropertyTypes {
  return {
    ManufacturingOrder: S,
    ManufacturingOrderCategory: S,
    ManufacturingOrderType: S,
    ManufacturingOrderImportance: S,
    ...Object.fromEntries(ORDER_FLAGS.map((f) => [f, S])),
    MfgOrderCreationDate: DT,
    MfgOrderCreationTime: T,
    LastChangeDateTime: changeTime === 'timestamp14' ? S : 'DateTimeOffset',
    Material: S,
    StorageLocation: S,
    GoodsRecipientName: S,
    UnloadingPointName: S,
    InventoryUsabilityCode: S,
    MaterialGoodsReceiptDuration: D,
    QuantityDistributionKey: S,
    StockSegment: S,
    OrderInternalBillOfOperations: S,
    ProductionPlant: S,
    Plant: S,
    MRPArea: S,
    MRPController: S,
    ProductionSupervisor: S,
    ProductionVersion: S,
    PlannedOrder: S,
    SalesOrder: S,
    SalesOrderItem: S,
    BasicSchedulingType: S,
    ManufacturingObject: S,
    ProductConfiguration: S,
    OrderSequenceNumber: S,
    BusinessArea: S,
    CompanyCode: S,
    ProfitCenter: S,
    ActualCostsCostingVariant: S,
    PlannedCostsCostingVariant: S,
    FunctionalArea: S,
    MfgOrderPlannedStartDate: DT,
    MfgOrderPlannedStartTime: T,
    MfgOrderPlannedEndDate: DT,
    MfgOrderPlannedEndTime: T,
    MfgOrderScheduledStartDate: DT,
    MfgOrderScheduledStartTime: T,
    MfgOrderScheduledEndDate: DT,
    MfgOrderScheduledEndTime: T,
    MfgOrderActualReleaseDate: DT,
    ProductionUnit: S,
    ProductionUnitISOCode: S,
    ProductionUnitSAPCode: S,
    TotalQuantity: D,
    MfgOrderPlannedScrapQty: D,
    MfgOrderConfirmedYieldQty: D,
    CustomerName: S,
    WBSElementExternalID: S,
    OrderLongText: S,
    MasterProductionOrder: S,
  };
}

export function operationTypes(changeTime: ChangeTimeFormat): PropertyTypes {
  return {
    OrderInternalBillOfOperations: S,
    OrderIntBillOfOperationsItem: S,
    ManufacturingOrder: S,
    ManufacturingOrderSequence: S,
    MfgOrderSequenceText: S,
    ManufacturingOrderOperation: S,
    ManufacturingOrderSubOperation: S,
    ManufacturingOrderCategory: S,
    ManufacturingOrderType: S,
    MfgOrderOperationText: S,
    ...Object.fromEntries(OPERATION_FLAGS.map((f) => [f, S])),
    ProductionPlant: S,
    WorkCenterInternalID: S,
    WorkCenterTypeCode: S,
    WorkCenter: S,
    OperationControlProfile: S,
    OpErlstSchedldExecStrtDte: DT,
    OpErlstSchedldExecStrtTme: T,
    OpErlstSchedldExecEndDte: DT,
    OpErlstSchedldExecEndTme: T,
    OpActualExecutionStartDate: DT,
    OpActualExecutionStartTime: T,
    OpActualExecutionEndDate: DT,
    OpActualExecutionEndTime: T,
    ErlstSchedldExecDurnInWorkdays: I,
    OpActualExecutionDays: I,
    OperationUnit: S,
    OperationUnitISOCode: S,
    OperationUnitSAPCode: S,
    OpPlannedTotalQuantity: D,
    OpTotalConfirmedYieldQty: D,
    LastChangeDateTime: changeTime === 'timestamp14' ? S : 'DateTimeOffset',
  };
}

export const COMPONENT_TYPES: PropertyTypes = {
  Reservation: S,
  ReservationItem: S,
  MaterialGroup: S,
  Material: S,
  Plant: S,
  ManufacturingOrderCategory: S,
  ManufacturingOrderType: S,
  ManufacturingOrder: S,
  ManufacturingOrderSequence: S,
  ManufacturingOrderOperation: S,
  ProductionPlant: S,
  OrderInternalBillOfOperations: S,
  MatlCompRequirementDate: DT,
  MatlCompRequirementTime: T,
  ReservationIsFinallyIssued: B,
  IsBulkMaterialComponent: B,
  MatlCompIsMarkedForBackflush: B,
  MaterialCompIsCostRelevant: S,
  SalesOrder: S,
  SalesOrderItem: S,
  SortField: S,
  BillOfMaterialCategory: S,
  BOMItem: S,
  BOMItemCategory: S,
  BillOfMaterialItemNumber: S,
  BOMItemDescription: S,
  StorageLocation: S,
  Batch: S,
  BatchSplitType: S,
  GoodsMovementType: S,
  SupplyArea: S,
  GoodsRecipientName: S,
  UnloadingPointName: S,
  MaterialCompIsAlternativeItem: B,
  AlternativeItemGroup: S,
  AlternativeItemStrategy: S,
  AlternativeItemPriority: S,
  UsageProbabilityPercent: D,
  MaterialComponentIsPhantomItem: B,
  LeadTimeOffset: D,
  QuantityIsFixed: B,
  IsNetScrap: B,
  ComponentScrapInPercent: D,
  OperationScrapInPercent: D,
  BaseUnit: S,
  BaseUnitISOCode: S,
  BaseUnitSAPCode: S,
  RequiredQuantity: D,
  WithdrawnQuantity: D,
  ConfirmedAvailableQuantity: D,
  MaterialCompOriginalQuantity: D,
  Currency: S,
  WithdrawnQuantityAmount: D,
};

export const ORDER_NAVIGATION = ['to_ProductionOrderComponent', 'to_ProductionOrderItem', 'to_ProductionOrderOperation', 'to_ProductionOrderStatus', 'to_ProductionRsceTools'];

// ISO and internal SAP codes beside the unit the plant keys in.
const UNIT_CODES: Record<string, [iso: string, sap: string]> = { PCS: ['PCE', 'ST'], KG: ['KGM', 'KG'], BOX: ['BX', 'KAR'] };

const ORDER_TYPE = 'PP01';

/** Status as SAP's system-status flags: CRTD, REL, TECO, CLSD, DLFL. */
function statusFlags(status: ProductionOrder['status']): Set<string> {
  switch (status) {
    case 'created':
      return new Set(['OrderIsCreated']);
    case 'released':
      return new Set(['OrderIsReleased', 'OrderIsScheduled']);
    case 'completed':
      return new Set(['OrderIsReleased', 'OrderIsScheduled', 'OrderIsDelivered', 'OrderIsTechnicallyCompleted']);
    case 'closed':
      return new Set(['OrderIsReleased', 'OrderIsDelivered', 'OrderIsTechnicallyCompleted', 'OrderIsClosed']);
    case 'cancelled':
      return new Set(['OrderIsCreated', 'OrderIsMarkedForDeletion']);
  }
}

export function changeTimeValue(ms: number, format: ChangeTimeFormat): string {
  return format === 'timestamp14' ? timestamp14(ms) : edmDateTimeOffset(ms);
}

export function orderUri(ctx: RecordContext, orderNo: string): string {
  return `${ctx.serviceUrl}/A_ProductionOrder_2('${encodeURIComponent(orderNo)}')`;
}

export function toSapOrder(order: ProductionOrder, ctx: RecordContext): ODataRecord {
  const tz = ctx.timeZone;
  const uri = orderUri(ctx, order.orderNo);
  const flags = statusFlags(order.status);
  const changed = Date.parse(order.updatedAt);
  // An order without a routing (no operations) still has basic dates in SAP: its due date, or its last change.
  const ops = Array.isArray(order.operations) ? order.operations : [];
  const due = order.dueDate ? Date.parse(order.dueDate) : changed;
  const start = ops.length ? Date.parse(ops[0].plannedStart) : due;
  const end = ops.length ? Date.parse(ops[ops.length - 1].plannedEnd) : due;
  const [iso, sap] = UNIT_CODES[order.unit] ?? [order.unit, order.unit];
  const last = order.operations[order.operations.length - 1];
  const lastConfirmed = last ? ctx.confirmed(order.orderNo, last.opNo) : ({ final: false, any: false, yield: 0 } as ReturnType<RecordContext['confirmed']>);
  const anyConfirmed = ops.some((op) => ctx.confirmed(order.orderNo, op.opNo).any);
  if (anyConfirmed && !lastConfirmed.final) flags.add('OrderIsPartiallyConfirmed');
  if (lastConfirmed.final) flags.add('OrderIsConfirmed');
  const record: ODataRecord = {
    __metadata: { id: uri, uri, type: 'API_PRODUCTION_ORDER_2_SRV.A_ProductionOrder_2Type' },
    ManufacturingOrder: order.orderNo,
    ManufacturingOrderCategory: '10',
    ManufacturingOrderType: ORDER_TYPE,
    // CHAR(1), optional: most plants never set it, and OData v2 serves an unset CHAR as "" (here: our default 5).
    ManufacturingOrderImportance: order.priority === 5 ? '' : String(order.priority),
    ...Object.fromEntries(ORDER_FLAGS.map((f) => [f, flags.has(f) ? 'X' : ''])),
    // SAP keeps no creation instant we know of; the day before the first operation is what a planner would have done.
    MfgOrderCreationDate: edmDate(Math.min(changed, start - 86_400_000), tz),
    MfgOrderCreationTime: edmTime(Math.min(changed, start - 86_400_000), tz),
    LastChangeDateTime: changeTimeValue(changed, ctx.changeTime),
    Material: order.productCode,
    StorageLocation: '',
    GoodsRecipientName: '',
    UnloadingPointName: '',
    InventoryUsabilityCode: '',
    MaterialGoodsReceiptDuration: '0',
    QuantityDistributionKey: '',
    StockSegment: '',
    OrderInternalBillOfOperations: String(ctx.orderSeq(order.orderNo)),
    ProductionPlant: order.plant,
    Plant: order.plant,
    MRPArea: order.plant,
    MRPController: '001',
    ProductionSupervisor: '001',
    ProductionVersion: '0001',
    PlannedOrder: '',
    SalesOrder: '',
    SalesOrderItem: '0',
    BasicSchedulingType: '1',
    ManufacturingObject: `OR${order.orderNo.padStart(12, '0')}`,
    ProductConfiguration: '',
    OrderSequenceNumber: '',
    BusinessArea: '',
    CompanyCode: order.plant,
    ProfitCenter: `YB${order.plant}`,
    ActualCostsCostingVariant: 'PPP2',
    PlannedCostsCostingVariant: 'PPP1',
    FunctionalArea: 'YB20',
    MfgOrderPlannedStartDate: edmDate(start, tz),
    MfgOrderPlannedStartTime: edmTime(start, tz),
    MfgOrderPlannedEndDate: edmDate(due, tz),
    MfgOrderPlannedEndTime: edmTime(due, tz),
    MfgOrderScheduledStartDate: edmDate(start, tz),
    MfgOrderScheduledStartTime: edmTime(start, tz),
    MfgOrderScheduledEndDate: edmDate(end, tz),
    MfgOrderScheduledEndTime: edmTime(end, tz),
    MfgOrderActualReleaseDate: flags.has('OrderIsReleased') ? edmDate(changed, tz) : null,
    ProductionUnit: order.unit,
    ProductionUnitISOCode: iso,
    ProductionUnitSAPCode: sap,
    TotalQuantity: edmDecimal(order.quantity),
    MfgOrderPlannedScrapQty: '0',
    MfgOrderConfirmedYieldQty: edmDecimal(lastConfirmed.yield),
    CustomerName: '',
    WBSElementExternalID: '',
    OrderLongText: '',
    MasterProductionOrder: '',
  };
  for (const nav of ORDER_NAVIGATION) record[nav] = { __deferred: { uri: `${uri}/${nav}` } };
  return record;
}

/**
 * The operation text is the only place this API carries what the operation is: the plant keys the
 * standard operation code in front of the text (e.g. "EXTR 输液管挤出"), 40 characters at most.
 */
export function mfgOrderOperationText(op: RoutingOperation): string {
  return `${op.opCode} ${op.description ?? ''}`.trim().slice(0, 40);
}

export function toSapOperations(order: ProductionOrder, ctx: RecordContext): ODataRecord[] {
  const tz = ctx.timeZone;
  const aufpl = String(ctx.orderSeq(order.orderNo));
  const [iso, sap] = UNIT_CODES[order.unit] ?? [order.unit, order.unit];
  const released = order.status !== 'created' && order.status !== 'cancelled';
  return order.operations.map((op, i) => {
    const item = String(i + 1);
    const uri = `${ctx.serviceUrl}/A_ProductionOrderOperation_2(OrderInternalBillOfOperations='${aufpl}',OrderIntBillOfOperationsItem='${item}')`;
    const start = Date.parse(op.plannedStart);
    const end = Date.parse(op.plannedEnd);
    const conf = ctx.confirmed(order.orderNo, op.opNo);
    const on = new Set<string>(released ? ['OperationIsReleased', 'OperationIsScheduled'] : ['OperationIsCreated']);
    if (conf.final) on.add('OperationIsConfirmed');
    else if (conf.any) on.add('OperationIsPartiallyConfirmed');
    if (order.status === 'completed' || order.status === 'closed') on.add('OperationIsTechlyCompleted');
    if (order.status === 'closed') on.add('OperationIsClosed');
    return {
      __metadata: { id: uri, uri, type: 'API_PRODUCTION_ORDER_2_SRV.A_ProductionOrderOperation_2Type' },
      OrderInternalBillOfOperations: aufpl,
      OrderIntBillOfOperationsItem: item,
      ManufacturingOrder: order.orderNo,
      ManufacturingOrderSequence: '0',
      MfgOrderSequenceText: '',
      ManufacturingOrderOperation: op ? op.opNo.padStart(4, '0') : '',
      ManufacturingOrderSubOperation: '',
      ManufacturingOrderCategory: '10',
      ManufacturingOrderType: ORDER_TYPE,
      MfgOrderOperationText: mfgOrderOperationText(op),
      ...Object.fromEntries(OPERATION_FLAGS.map((f) => [f, on.has(f) ? 'X' : ''])),
      ProductionPlant: order.plant,
      WorkCenterInternalID: ctx.workCentreId(op.workCentre),
      WorkCenterTypeCode: 'A',
      WorkCenter: op.workCentre,
      OperationControlProfile: 'PP01',
      OpErlstSchedldExecStrtDte: edmDate(start, tz),
      OpErlstSchedldExecStrtTme: edmTime(start, tz),
      OpErlstSchedldExecEndDte: edmDate(end, tz),
      OpErlstSchedldExecEndTme: edmTime(end, tz),
      OpActualExecutionStartDate: null,
      OpActualExecutionStartTime: EMPTY_TIME,
      OpActualExecutionEndDate: null,
      OpActualExecutionEndTime: EMPTY_TIME,
      ErlstSchedldExecDurnInWorkdays: Math.round((localDateMs(end, tz) - localDateMs(start, tz)) / 86_400_000),
      OpActualExecutionDays: 0,
      OperationUnit: order.unit,
      OperationUnitISOCode: iso,
      OperationUnitSAPCode: sap,
      OpPlannedTotalQuantity: edmDecimal(order.quantity),
      OpTotalConfirmedYieldQty: edmDecimal(conf.yield),
      LastChangeDateTime: changeTimeValue(Date.parse(order.updatedAt), ctx.changeTime),
    };
  });
}

export function toSapComponents(order: ProductionOrder, ctx: RecordContext): ODataRecord[] {
  const tz = ctx.timeZone;
  const seq = ctx.orderSeq(order.orderNo);
  const reservation = String(seq);
  return order.bom.map((line: BomLine, i) => {
    const item = String(i + 1).padStart(4, '0');
    const uri = `${ctx.serviceUrl}/A_ProductionOrderComponent_2(Reservation='${reservation}',ReservationItem='${item}')`;
    // Without a routing a component is needed at the order's start and belongs to no operation ('' in OData v2).
    const op = order.operations.find((o) => o.opNo === line.opNo) ?? order.operations[0];
    const needed = op ? Date.parse(op.plannedStart) : Date.parse(order.dueDate ?? order.updatedAt);
    const required = edmDecimal(line.qtyPer * order.quantity);
    const [iso, sap] = UNIT_CODES[line.unit] ?? [line.unit, line.unit];
    return {
      __metadata: { id: uri, uri, type: 'API_PRODUCTION_ORDER_2_SRV.A_ProductionOrderComponent_2Type' },
      Reservation: reservation,
      ReservationItem: item,
      MaterialGroup: '',
      Material: line.materialCode,
      Plant: order.plant,
      ManufacturingOrderCategory: '10',
      ManufacturingOrderType: ORDER_TYPE,
      ManufacturingOrder: order.orderNo,
      ManufacturingOrderSequence: '0',
      ManufacturingOrderOperation: op ? op.opNo.padStart(4, '0') : '',
      ProductionPlant: order.plant,
      OrderInternalBillOfOperations: String(seq),
      MatlCompRequirementDate: edmDate(needed, tz),
      MatlCompRequirementTime: edmTime(needed, tz),
      ReservationIsFinallyIssued: false,
      IsBulkMaterialComponent: false,
      MatlCompIsMarkedForBackflush: false,
      MaterialCompIsCostRelevant: 'X',
      SalesOrder: '',
      SalesOrderItem: '0',
      SortField: '',
      BillOfMaterialCategory: 'M',
      BOMItem: String(i + 1).padStart(8, '0'),
      BOMItemCategory: 'L',
      BillOfMaterialItemNumber: String((i + 1) * 10).padStart(4, '0'),
      BOMItemDescription: (line.materialName ?? '').slice(0, 40),
      StorageLocation: order.plant,
      Batch: '',
      BatchSplitType: '',
      GoodsMovementType: '261',
      SupplyArea: '',
      GoodsRecipientName: '',
      UnloadingPointName: '',
      MaterialCompIsAlternativeItem: false,
      AlternativeItemGroup: '',
      AlternativeItemStrategy: '',
      AlternativeItemPriority: '',
      UsageProbabilityPercent: '0',
      MaterialComponentIsPhantomItem: false,
      LeadTimeOffset: '0',
      QuantityIsFixed: false,
      IsNetScrap: false,
      ComponentScrapInPercent: '0',
      OperationScrapInPercent: '0',
      BaseUnit: line.unit,
      BaseUnitISOCode: iso,
      BaseUnitSAPCode: sap,
      RequiredQuantity: required,
      WithdrawnQuantity: '0',
      ConfirmedAvailableQuantity: required,
      MaterialCompOriginalQuantity: required,
      Currency: 'CNY',
      WithdrawnQuantityAmount: '0',
    };
  });
}
