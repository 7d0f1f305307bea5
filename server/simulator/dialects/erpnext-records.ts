// Modelled on a stock install from frappe/erpnext's own doctype definitions:
// erpnext/manufacturing/doctype/work_order/work_order.json (and work_order_operation, work_order_item),
// erpnext/manufacturing/doctype/job_card/job_card.json, erpnext/stock/doctype/stock_entry/stock_entry.json.
// No custom fields: a stock Work Order has no plant and no priority (sites add custom_* fields for those).
// The plant's canonical production orders as ERPNext keeps them: Work Order (with its Work Order
// Operation and Work Order Item child rows), Job Card with time logs, Stock Entry. Datetimes are
// naive site time ("2026-11-19 08:14:03.532817"), as Frappe's MariaDB columns hold them.
import type { ProductionOrder } from '../types';
import { hashOf, type DoctypeMeta, type Row } from './erpnext-frappe';

export const COMPANY = '苏州康泰医疗器械有限公司';
export const ABBR = 'SZKT';
export const WIP_WAREHOUSE = `Work In Progress - ${ABBR}`;
export const FG_WAREHOUSE = `Finished Goods - ${ABBR}`;
export const STORES_WAREHOUSE = `Stores - ${ABBR}`;

export const WORK_ORDER: DoctypeMeta = {
  name: 'Work Order',
  sortField: 'modified',
  fields: {
    naming_series: 'Select',
    status: 'Select',
    production_item: 'Link',
    item_name: 'Data',
    bom_no: 'Link',
    company: 'Link',
    qty: 'Float',
    material_transferred_for_manufacturing: 'Float',
    produced_qty: 'Float',
    process_loss_qty: 'Float',
    wip_warehouse: 'Link',
    fg_warehouse: 'Link',
    source_warehouse: 'Link',
    transfer_material_against: 'Select',
    use_multi_level_bom: 'Check',
    skip_transfer: 'Check',
    planned_start_date: 'Datetime',
    planned_end_date: 'Datetime',
    expected_delivery_date: 'Date',
    actual_start_date: 'Datetime',
    actual_end_date: 'Datetime',
    stock_uom: 'Link',
    description: 'Text',
    sales_order: 'Link',
    project: 'Link',
    amended_from: 'Link',
  },
};

export const JOB_CARD: DoctypeMeta = {
  name: 'Job Card',
  sortField: 'modified',
  fields: {
    naming_series: 'Select',
    work_order: 'Link',
    bom_no: 'Link',
    production_item: 'Link',
    posting_date: 'Date',
    company: 'Link',
    for_quantity: 'Float',
    total_completed_qty: 'Float',
    process_loss_qty: 'Float',
    expected_start_date: 'Datetime',
    expected_end_date: 'Datetime',
    time_required: 'Float',
    total_time_in_mins: 'Float',
    operation: 'Link',
    operation_id: 'Data',
    sequence_id: 'Int',
    workstation: 'Link',
    wip_warehouse: 'Link',
    status: 'Select',
    remarks: 'Text',
  },
};

export const STOCK_ENTRY: DoctypeMeta = {
  name: 'Stock Entry',
  sortField: 'modified',
  fields: {
    naming_series: 'Select',
    stock_entry_type: 'Link',
    purpose: 'Select',
    company: 'Link',
    work_order: 'Link',
    job_card: 'Link',
    bom_no: 'Link',
    from_bom: 'Check',
    use_multi_level_bom: 'Check',
    fg_completed_qty: 'Float',
    process_loss_qty: 'Float',
    posting_date: 'Date',
    posting_time: 'Data',
    set_posting_time: 'Check',
    from_warehouse: 'Link',
    to_warehouse: 'Link',
    remarks: 'Text',
    inspection_required: 'Check',
    total_outgoing_value: 'Float',
    total_incoming_value: 'Float',
    amended_from: 'Link',
  },
};

/** Naive site-time text of instants, in the ERP site's time zone (System Settings ▸ Time Zone). */
export class SiteClock {
  private readonly format: Intl.DateTimeFormat;
  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }
  /** `2026-11-19 08:14:03`, or with `.ffffff` when given microseconds that are not zero (Python's str(datetime)). */
  naive(ms: number, micros = 0): string {
    const p = Object.fromEntries(this.format.formatToParts(new Date(Math.floor(ms / 1000) * 1000)).map((x) => [x.type, x.value]));
    const text = `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
    return micros ? `${text}.${String(micros).padStart(6, '0')}` : text;
  }
  /** Microseconds since the epoch → naive text with microseconds. */
  stamp(epochMicros: bigint): string {
    return this.naive(Number(epochMicros / 1000n), Number(epochMicros % 1_000_000n));
  }
  date(ms: number): string {
    return this.naive(ms).slice(0, 10);
  }
}

export const API_USER = 'mes-bridge@plant.local';

const instant = (iso: unknown): number => Date.parse(String(iso));
const round3 = (n: number): number => Math.round(n * 1000) / 1000;

function statusOf(order: ProductionOrder, producedQty: number): { docstatus: number; status: string } {
  switch (order.status) {
    case 'created':
      return { docstatus: 0, status: 'Draft' };
    case 'completed':
      return { docstatus: 1, status: 'Completed' };
    case 'closed':
      return { docstatus: 1, status: 'Closed' };
    case 'cancelled':
      return { docstatus: 2, status: 'Cancelled' };
    default:
      return { docstatus: 1, status: producedQty >= order.quantity ? 'Completed' : producedQty > 0 ? 'In Process' : 'Not Started' };
  }
}

export interface WorkOrderStamps {
  creation: string;
  modified: string;
  producedQty: number;
}

/** The Work Order's own columns, as one row of `tabWork Order` (what the list endpoint reads). */
export function workOrderRow(order: ProductionOrder, stamps: WorkOrderStamps, clock: SiteClock): Row {
  const ops = Array.isArray(order.operations) ? order.operations : [];
  const first = ops[0];
  const last = ops[ops.length - 1];
  const { docstatus, status } = statusOf(order, stamps.producedQty);
  return {
    name: order.orderNo,
    owner: API_USER.replace('mes-bridge', 'planner'),
    creation: stamps.creation,
    modified: stamps.modified,
    modified_by: API_USER.replace('mes-bridge', 'planner'),
    docstatus,
    idx: 0,
    naming_series: 'MO-.YYYY.-.####',
    status,
    production_item: order.productCode ?? null,
    item_name: order.productName ?? null,
    bom_no: order.productCode ? `BOM-${order.productCode}-001` : null,
    company: COMPANY,
    qty: order.quantity ?? null,
    material_transferred_for_manufacturing: 0,
    produced_qty: stamps.producedQty,
    process_loss_qty: 0,
    wip_warehouse: WIP_WAREHOUSE,
    fg_warehouse: FG_WAREHOUSE,
    source_warehouse: STORES_WAREHOUSE,
    transfer_material_against: 'Work Order',
    use_multi_level_bom: 0,
    skip_transfer: 0,
    planned_start_date: first ? clock.naive(instant(first.plannedStart)) : null,
    planned_end_date: last ? clock.naive(instant(last.plannedEnd)) : null,
    expected_delivery_date: order.dueDate ? clock.date(instant(order.dueDate)) : null,
    actual_start_date: null,
    actual_end_date: null,
    stock_uom: order.unit ?? null,
    description: order.productName ?? null,
    sales_order: null,
    project: null,
    // A cancelled (docstatus 2) Work Order amended: the copy is named NAME-1 and links back to it.
    amended_from: order.predecessor?.relation === 'amendment' ? order.predecessor.orderNo : null,
  };
}

export function childName(...parts: string[]): string {
  return hashOf(parts.join('|'), 10);
}

function child(parent: Row, parentfield: string, doctype: string, idx: number, key: string): Row {
  return {
    name: childName(String(parent.name), parentfield, key),
    owner: parent.owner,
    creation: parent.creation,
    modified: parent.modified,
    modified_by: parent.modified_by,
    docstatus: parent.docstatus,
    idx,
    parent: parent.name,
    parentfield,
    parenttype: parent.doctype ?? doctypeOf(parentfield),
    doctype,
  };
}

const doctypeOf = (parentfield: string): string => (parentfield === 'time_logs' ? 'Job Card' : parentfield === 'items' ? 'Stock Entry' : 'Work Order');

/** GET /api/resource/Work Order/<name>: the document with its child tables, nulls left out (as_dict(no_nulls=True)). */
export function workOrderDoc(order: ProductionOrder, row: Row, clock: SiteClock): Row {
  const parent = { ...row, doctype: 'Work Order' };
  const ops = Array.isArray(order.operations) ? order.operations : [];
  const operations = ops.map((op, i) => ({
    ...child(parent, 'operations', 'Work Order Operation', i + 1, op.opNo),
    operation: op.opCode,
    bom: row.bom_no,
    description: op.description ?? op.opCode,
    sequence_id: Number(op.opNo),
    status: 'Pending',
    completed_qty: 0,
    process_loss_qty: 0,
    workstation: op.workCentre,
    time_in_mins: round3((op.stdTimePerUnitSec * order.quantity) / 60),
    planned_start_time: clock.naive(instant(op.plannedStart)),
    planned_end_time: clock.naive(instant(op.plannedEnd)),
    batch_size: 1,
    hour_rate: 0,
    planned_operating_cost: 0,
    actual_operation_time: 0,
    actual_operating_cost: 0,
  }));
  const lines = Array.isArray(order.bom) ? order.bom : [];
  const required_items = lines.map((line, i) => ({
    ...child(parent, 'required_items', 'Work Order Item', i + 1, `${line.materialCode}|${i}`),
    operation: ops.find((op) => op.opNo === line.opNo)?.opCode ?? null,
    item_code: line.materialCode,
    item_name: line.materialName ?? line.materialCode,
    description: line.materialName ?? line.materialCode,
    source_warehouse: STORES_WAREHOUSE,
    stock_uom: line.unit,
    required_qty: round3(line.qtyPer * order.quantity),
    include_item_in_manufacturing: 1,
    allow_alternative_item: 0,
    transferred_qty: 0,
    consumed_qty: 0,
    returned_qty: 0,
    rate: 0,
    amount: 0,
  }));
  return withoutNulls({ ...parent, operations, required_items });
}

export function withoutNulls(doc: Row): Row {
  return Object.fromEntries(
    Object.entries(doc)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => [k, Array.isArray(v) ? v.map((r) => (r && typeof r === 'object' ? withoutNulls(r as Row) : r)) : v]),
  );
}

export interface TimeLog {
  name: string;
  from_time: string | null;
  to_time: string | null;
  time_in_mins: number;
  completed_qty: number;
  employee: string | null;
  creation: string;
}

export interface JobCard {
  row: Row; // columns of tabJob Card
  timeLogs: TimeLog[];
}

/** One Job Card per operation of a submitted Work Order, as ERPNext creates them on submit. */
export function newJobCard(name: string, order: ProductionOrder, woDoc: Row, opIndex: number, creation: string): JobCard {
  const op = (woDoc.operations as Row[])[opIndex];
  const source = order.operations[opIndex];
  return {
    timeLogs: [],
    row: {
      name,
      owner: API_USER.replace('mes-bridge', 'planner'),
      creation,
      modified: creation,
      modified_by: API_USER.replace('mes-bridge', 'planner'),
      docstatus: 0,
      idx: 0,
      naming_series: 'PO-JOB.#####',
      work_order: order.orderNo,
      bom_no: woDoc.bom_no,
      production_item: order.productCode,
      posting_date: creation.slice(0, 10),
      company: COMPANY,
      for_quantity: order.quantity,
      total_completed_qty: 0,
      process_loss_qty: 0,
      expected_start_date: op.planned_start_time,
      expected_end_date: op.planned_end_time,
      time_required: op.time_in_mins,
      total_time_in_mins: 0,
      operation: source.opCode,
      operation_id: op.name,
      sequence_id: op.sequence_id,
      workstation: source.workCentre,
      wip_warehouse: WIP_WAREHOUSE,
      status: 'Open',
      remarks: null,
    },
  };
}

export function jobCardDoc(card: JobCard): Row {
  const parent = { ...card.row, doctype: 'Job Card' };
  const time_logs = card.timeLogs.map((log, i) => ({
    ...child(parent, 'time_logs', 'Job Card Time Log', i + 1, log.name),
    name: log.name,
    creation: log.creation,
    employee: log.employee,
    from_time: log.from_time,
    to_time: log.to_time,
    time_in_mins: log.time_in_mins,
    completed_qty: log.completed_qty,
  }));
  return withoutNulls({ ...parent, time_logs });
}
