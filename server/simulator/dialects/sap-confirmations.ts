// Production order confirmations as API_PROD_ORDER_CONFIRMATION_2_SRV takes them: POST ProdnOrdConf2,
// checked like SAP checks them (types, order and operation exist, order released, unit), numbered
// per operation (ConfirmationGroup) and counter (ConfirmationCount). ExternalSystemConfirmation is the
// external key of the confirmation (AFRU-EXTID): a second posting with the same key is refused.
import type { SimulatedErp } from '../erp';
import type { ProductionOrder } from '../types';
import { EMPTY_TIME, NIL_GUID, ODataError, edmDate, edmDecimal, edmTime, type EdmType, type ODataRecord, type PropertyTypes } from './sap-odata';

const S: EdmType = 'String';
const D: EdmType = 'Decimal';
const DT: EdmType = 'DateTime';
const T: EdmType = 'Time';
const B: EdmType = 'Boolean';

export const CONFIRMATION_TYPES: PropertyTypes = {
  ConfirmationGroup: S,
  ConfirmationCount: S,
  OrderID: S,
  Sequence: S,
  OrderOperation: S,
  OrderSuboperation: S,
  OrderType: S,
  OrderOperationInternalID: S,
  ConfirmationText: S,
  Language: S,
  Material: S,
  OrderPlannedTotalQty: D,
  ProductionUnit: S,
  FinalConfirmationType: S,
  IsFinalConfirmation: B,
  OpenReservationsIsCleared: B,
  IsReversed: B,
  IsReversal: B,
  APIConfHasNoGoodsMovements: B,
  OrderConfirmationRecordType: S,
  ConfirmationEntryDate: DT,
  ConfirmationEntryTime: T,
  EnteredByUser: S,
  LastChangeDate: DT,
  LastChangedByUser: S,
  ConfirmationExternalEntryDate: DT,
  ConfirmationExternalEntryTime: T,
  EnteredByExternalUser: S,
  ExternalSystemConfirmation: 'Guid',
  Plant: S,
  WorkCenterTypeCode: S,
  WorkCenter: S,
  CapacityCategoryCode: S,
  CapacityRequirementSplit: 'Int32',
  Personnel: S,
  TimeRecording: S,
  EmployeeWageType: S,
  EmployeeWageGroup: S,
  BreakDurationUnit: S,
  ConfirmedBreakDuration: D,
  EmployeeSuitability: S,
  NumberOfEmployees: D,
  PostingDate: DT,
  ConfirmedExecutionStartDate: DT,
  ConfirmedExecutionStartTime: T,
  ConfirmedSetupEndDate: DT,
  ConfirmedSetupEndTime: T,
  ConfirmedProcessingStartDate: DT,
  ConfirmedProcessingStartTime: T,
  ConfirmedProcessingEndDate: DT,
  ConfirmedProcessingEndTime: T,
  ConfirmedTeardownStartDate: DT,
  ConfirmedTeardownStartTime: T,
  ConfirmedExecutionEndDate: DT,
  ConfirmedExecutionEndTime: T,
  ConfirmationUnit: S,
  ConfirmationYieldQuantity: D,
  ConfirmationScrapQuantity: D,
  ConfirmationReworkQuantity: D,
  VarianceReasonCode: S,
  ...Object.fromEntries(
    [1, 2, 3, 4, 5, 6].flatMap((n) => [
      [`OpWorkQuantityUnit${n}`, S],
      [`OpConfirmedWorkQuantity${n}`, D],
      [`NoFurtherOpWorkQuantity${n}IsExpd`, B],
    ]),
  ),
  BusinessProcessEntryUnit: S,
  BusinessProcessConfirmedQty: D,
  NoFurtherBusinessProcQtyIsExpd: B,
};

// Filled by SAP, ignored when a client sends them.
const COMPUTED = new Set([
  'ConfirmationGroup',
  'ConfirmationCount',
  'OrderType',
  'OrderOperationInternalID',
  'Material',
  'OrderPlannedTotalQty',
  'ProductionUnit',
  'ConfirmationEntryDate',
  'ConfirmationEntryTime',
  'EnteredByUser',
  'LastChangeDate',
  'LastChangedByUser',
  'IsReversed',
  'IsReversal',
  'OrderConfirmationRecordType',
]);
const NAVIGATION = 'to_ProdnOrdConfMatlDocItm';

export interface AcceptedConfirmation {
  at: string;
  body: unknown;
  id: string;
  record: ODataRecord;
}

export interface ConfirmationBookOptions {
  erp: SimulatedErp;
  now: () => Date;
  timeZone: string;
  rejectDuplicateExternalKey: boolean;
}

export class ConfirmationBook {
  private readonly accepted: AcceptedConfirmation[] = [];
  private readonly groups = new Map<string, string>();
  private readonly counters = new Map<string, number>();

  constructor(private readonly options: ConfirmationBookOptions) {}

  list(): AcceptedConfirmation[] {
    return this.accepted;
  }

  /** Yield confirmed so far on one operation, and whether a final confirmation was posted. */
  confirmed(orderNo: string, opNo: string): { yield: number; final: boolean; any: boolean } {
    let total = 0;
    let final = false;
    let any = false;
    for (const { record } of this.accepted) {
      if (record.OrderID !== orderNo || record.OrderOperation !== opNo.padStart(4, '0')) continue;
      any = true;
      total += Number(record.ConfirmationYieldQuantity);
      final ||= record.IsFinalConfirmation === true;
    }
    return { yield: total, final, any };
  }

  /** Checks and posts one confirmation; throws ODataError with SAP's message when refused. */
  post(body: unknown, user: string): AcceptedConfirmation {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ODataError(400, '/IWBEP/CM_MGW_RT/004', "The request body of ProdnOrdConf2 must be one JSON object with the confirmation's properties");
    }
    const input = body as Record<string, unknown>;
    const raw = JSON.stringify(input);
    for (const [name, value] of Object.entries(input)) {
      if (name === '__metadata' || name === NAVIGATION) continue;
      const type = CONFIRMATION_TYPES[name];
      if (!type) throw new ODataError(400, '/IWBEP/CM_MGW_RT/020', `Property '${name}' is invalid for entity type ProdnOrdConf2Type`);
      if (value !== null && !validValue(type, value)) {
        throw new ODataError(400, '/IWBEP/CM_MGW_RT/020', `Failed to read property '${name}' at offset '${raw.indexOf(`"${name}"`)}': not a valid Edm.${type} value`);
      }
    }
    const orderNo = text(input.OrderID);
    if (!orderNo) throw new ODataError(400, 'RU/102', 'Enter an order number (OrderID)');
    const order = this.options.erp.order(orderNo);
    if (!order) throw new ODataError(400, 'RU/105', `Order ${orderNo} does not exist`);
    refuseByStatus(order);
    const opNo = text(input.OrderOperation);
    if (!opNo) throw new ODataError(400, 'RU/103', `Enter an operation (OrderOperation) for order ${orderNo}`);
    const operation = order.operations.find((op) => op.opNo.padStart(4, '0') === opNo.padStart(4, '0'));
    if (!operation) throw new ODataError(400, 'RU/107', `Operation ${opNo} does not exist in order ${orderNo}`);
    const sequence = text(input.Sequence) || '0';
    if (sequence !== '0') throw new ODataError(400, 'RU/108', `Sequence ${sequence} does not exist in order ${orderNo}`);
    const unit = text(input.ConfirmationUnit) || order.unit;
    if (unit !== order.unit) throw new ODataError(400, 'RU/120', `Unit ${unit} cannot be converted into the operation unit ${order.unit} of order ${orderNo} operation ${operation.opNo}`);
    for (const name of ['ConfirmationYieldQuantity', 'ConfirmationScrapQuantity', 'ConfirmationReworkQuantity']) {
      if (Number(input[name] ?? 0) < 0) throw new ODataError(400, 'RU/130', `${name} must not be negative; got ${String(input[name])}`);
    }
    const externalKey = text(input.ExternalSystemConfirmation).toLowerCase() || NIL_GUID;
    if (externalKey !== NIL_GUID && this.options.rejectDuplicateExternalKey) {
      const earlier = this.accepted.find((c) => String(c.record.ExternalSystemConfirmation).toLowerCase() === externalKey);
      if (earlier) throw new ODataError(400, 'RU/505', `Confirmation with external key ${externalKey} already exists (confirmation ${String(earlier.record.ConfirmationGroup)} counter ${String(earlier.record.ConfirmationCount)})`);
    }

    const opKey = `${order.orderNo}/${operation.opNo}`;
    let group = this.groups.get(opKey);
    if (!group) {
      group = String(100000 + this.groups.size + 1);
      this.groups.set(opKey, group);
    }
    const count = (this.counters.get(group) ?? 0) + 1;
    this.counters.set(group, count);
    const now = this.options.now().getTime();
    const tz = this.options.timeZone;
    const final = input.IsFinalConfirmation === true || input.FinalConfirmationType === 'X';
    const record: ODataRecord = Object.fromEntries(Object.entries(CONFIRMATION_TYPES).map(([name, type]) => [name, emptyValue(type)]));
    for (const [name, value] of Object.entries(input)) if (name in CONFIRMATION_TYPES && !COMPUTED.has(name)) record[name] = value;
    Object.assign(record, {
      ConfirmationGroup: group,
      ConfirmationCount: String(count),
      OrderID: order.orderNo,
      Sequence: sequence,
      OrderOperation: operation.opNo.padStart(4, '0'),
      OrderType: 'PP01',
      OrderOperationInternalID: String(order.operations.indexOf(operation) + 1),
      Material: order.productCode,
      OrderPlannedTotalQty: edmDecimal(order.quantity),
      ProductionUnit: order.unit,
      FinalConfirmationType: final ? 'X' : text(input.FinalConfirmationType),
      IsFinalConfirmation: final,
      OrderConfirmationRecordType: 'L40',
      ConfirmationEntryDate: edmDate(now, tz),
      ConfirmationEntryTime: edmTime(now, tz),
      EnteredByUser: user.toUpperCase().slice(0, 12),
      ExternalSystemConfirmation: externalKey,
      Plant: text(input.Plant) || order.plant,
      WorkCenterTypeCode: 'A',
      WorkCenter: text(input.WorkCenter) || operation.workCentre,
      ConfirmationUnit: unit,
      ConfirmationYieldQuantity: text(input.ConfirmationYieldQuantity) || '0',
      ConfirmationScrapQuantity: text(input.ConfirmationScrapQuantity) || '0',
      ConfirmationReworkQuantity: text(input.ConfirmationReworkQuantity) || '0',
      PostingDate: input.PostingDate ?? edmDate(now, tz),
    });
    const accepted = { at: new Date(now).toISOString(), body: structuredClone(body), id: `${group}/${count}`, record };
    this.accepted.push(accepted);
    return accepted;
  }
}

function refuseByStatus(order: ProductionOrder): void {
  if (order.status === 'created') throw new ODataError(400, 'RU/130', `Order ${order.orderNo} is not released (status CRTD); it cannot be confirmed`);
  if (order.status === 'cancelled') throw new ODataError(400, 'RU/131', `Order ${order.orderNo} is flagged for deletion (status DLFL); it cannot be confirmed`);
  if (order.status === 'closed') throw new ODataError(400, 'RU/132', `Order ${order.orderNo} is closed (status CLSD); it cannot be confirmed`);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

function validValue(type: EdmType, value: unknown): boolean {
  switch (type) {
    case 'String':
      return typeof value === 'string';
    // SAP's JSON reader takes Edm.Decimal as a string only; a JSON number is a malformed value.
    case 'Decimal':
      return typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value);
    case 'Int32':
      return Number.isInteger(value);
    case 'Boolean':
      return typeof value === 'boolean';
    case 'DateTime':
      return typeof value === 'string' && (/^\/Date\(-?\d+\)\/$/.test(value) || /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value));
    case 'Time':
      return typeof value === 'string' && /^PT\d{1,2}H\d{1,2}M\d{1,2}S$/.test(value);
    case 'Guid':
      return typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
    default:
      return false;
  }
}

function emptyValue(type: EdmType): unknown {
  switch (type) {
    case 'Decimal':
      return '0';
    case 'Int32':
      return 0;
    case 'Boolean':
      return false;
    case 'DateTime':
      return null;
    case 'Time':
      return EMPTY_TIME;
    case 'Guid':
      return NIL_GUID;
    default:
      return '';
  }
}
