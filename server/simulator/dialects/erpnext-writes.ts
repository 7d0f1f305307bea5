// ERPNext's two ways a shop floor reports back: time logs on a Job Card (PUT replaces the whole
// child table), and a Stock Entry drafted by make_stock_entry then inserted. Neither has an
// idempotency key: a client looks its earlier write up by filter (e.g. remarks like '%key%'). Submitting a Job Card
// follows erpnext/manufacturing/doctype/job_card/job_card.py (validate_job_card).
import { FrappeError, throwValidation, toSqlDatetime, type Row } from './erpnext-frappe';
import { API_USER, COMPANY, FG_WAREHOUSE, STORES_WAREHOUSE, WIP_WAREHOUSE, childName, type JobCard, type TimeLog } from './erpnext-records';

const PURPOSES = ['Material Issue', 'Material Receipt', 'Material Transfer', 'Material Transfer for Manufacture', 'Material Consumption for Manufacture', 'Manufacture', 'Repack', 'Send to Subcontractor', 'Disassemble'];
const flt = (v: unknown): number => {
  const n = typeof v === 'number' ? v : Number.parseFloat(String(v ?? ''));
  return Number.isFinite(n) ? n : 0;
};
const round3 = (n: number): number => Math.round(n * 1000) / 1000;
const isObject = (v: unknown): v is Row => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * PUT /api/resource/Job Card/<name> with `time_logs`: the list sent becomes the table (rows left out are deleted).
 * `docstatus: 1` submits the card in the same save, after job_card.py validate_job_card (erpnext v15): the Work
 * Order not Stopped, time logs present, completed + process loss equal to the card's quantity. A submitted card
 * is read-only. Frappe saves in one transaction: a refusal leaves the card as it was.
 */
export function updateJobCard(card: JobCard, body: Row, stamp: string, workOrderStatus?: string): void {
  const now = Number(card.row.docstatus);
  const wanted = 'docstatus' in body ? Number(body.docstatus) : now;
  if (now === 1) throwValidation(`Cannot edit a submitted document: Job Card ${String(card.row.name)}`, 'UpdateAfterSubmitError');
  if (wanted !== now && wanted !== 1) {
    throw new FrappeError(501, 'NotImplementedError', 'builtins', 'the simulated ERPNext does not cancel Job Cards');
  }
  const before = structuredClone(card);
  applyJobCardUpdate(card, body, stamp);
  if (wanted !== 1) return;
  try {
    submitJobCard(card, workOrderStatus);
  } catch (err) {
    Object.assign(card, before);
    throw err;
  }
}

function submitJobCard(card: JobCard, workOrderStatus: string | undefined): void {
  const bold = (v: unknown) => `<strong>${String(v)}</strong>`;
  if (workOrderStatus === 'Stopped') throwValidation(`Transaction not allowed against stopped Work Order ${String(card.row.work_order)}`);
  if (card.timeLogs.length === 0) throwValidation(`Time logs are required for ${bold('Job Card')} ${String(card.row.name)}`);
  const done = round3(flt(card.row.total_completed_qty) + flt(card.row.process_loss_qty));
  const wanted = flt(card.row.for_quantity);
  if (wanted && done !== round3(wanted)) {
    throwValidation(`The ${bold('Total Completed Qty')} (${bold(done.toFixed(1))}) must be equal to ${bold('Qty to Manufacture')} (${bold(wanted.toFixed(1))})`);
  }
  card.row.docstatus = 1;
  card.row.status = 'Completed';
}

function applyJobCardUpdate(card: JobCard, body: Row, stamp: string): void {
  // Frappe saves a document in one transaction: a refused row leaves the remarks as they were too.
  const remarks = () => {
    if ('remarks' in body) card.row.remarks = body.remarks === null ? null : String(body.remarks);
  };
  if (!('time_logs' in body)) return void (remarks(), (card.row.modified = stamp));
  const rows = body.time_logs;
  if (!Array.isArray(rows) || !rows.every(isObject)) {
    throw new FrappeError(500, 'ValueError', 'builtins', `dictionary update sequence element #0 has length 1; 2 is required (Job Card.time_logs must be a list of rows)`);
  }
  const logs: TimeLog[] = rows.map((r, i) => {
    const existing = card.timeLogs.find((l) => l.name === r.name);
    const from = datetimeColumn(r.from_time, 'from_time', i);
    const to = datetimeColumn(r.to_time, 'to_time', i);
    if (to && from && from > to) throwValidation(`Row ${i + 1}: From time must be less than to time`);
    const minutes = from && to ? round3((Date.parse(`${to.replace(' ', 'T')}Z`) - Date.parse(`${from.replace(' ', 'T')}Z`)) / 60000) : 0;
    return {
      name: existing?.name ?? childName(String(card.row.name), 'time_logs', stamp, String(i)),
      from_time: from ? from.replace(/\.000000$/, '') : null,
      to_time: to ? to.replace(/\.000000$/, '') : null,
      time_in_mins: minutes,
      completed_qty: flt(r.completed_qty),
      employee: typeof r.employee === 'string' && r.employee ? r.employee : null,
      creation: existing?.creation ?? stamp,
    };
  });
  remarks();
  card.timeLogs = logs;
  card.row.total_completed_qty = round3(logs.reduce((s, l) => s + l.completed_qty, 0));
  card.row.total_time_in_mins = round3(logs.reduce((s, l) => s + l.time_in_mins, 0));
  card.row.status = logs.length ? 'Work In Progress' : 'Open';
  card.row.modified = stamp;
  card.row.modified_by = API_USER;
}

// MariaDB in strict mode refuses a value it cannot read as DATETIME.
function datetimeColumn(value: unknown, field: string, row: number): string | null {
  if (value === null || value === undefined || value === '') return null;
  const text = toSqlDatetime(value);
  if (text.startsWith('0000')) {
    throw new FrappeError(500, 'DataError', 'pymysql.err', `(1292, "Incorrect datetime value: '${String(value)}' for column \`tabJob Card Time Log\`.\`${field}\` at row ${row + 1}")`);
  }
  return text;
}

export interface WorkOrderView {
  row: Row; // tabWork Order columns
  doc: Row; // with operations and required_items
}

/** erpnext…work_order.make_stock_entry: an unsaved Stock Entry (as_dict) for the client to insert. */
export function draftStockEntry(args: Row, wo: WorkOrderView, today: string): Row {
  const purpose = String(args.purpose);
  const qty = flt(args.qty) || flt(wo.row.qty) - flt(wo.row.produced_qty);
  const manufacture = purpose === 'Manufacture';
  const perUnit = flt(wo.row.qty) || 1;
  const items: Row[] = ((wo.doc.required_items as Row[] | undefined) ?? []).map((line) => ({
    item_code: line.item_code,
    item_name: line.item_name,
    s_warehouse: manufacture ? WIP_WAREHOUSE : STORES_WAREHOUSE,
    t_warehouse: manufacture ? null : WIP_WAREHOUSE,
    qty: round3((flt(line.required_qty) / perUnit) * qty),
    uom: line.stock_uom,
    stock_uom: line.stock_uom,
    conversion_factor: 1,
    is_finished_item: 0,
  }));
  if (manufacture) {
    items.push({
      item_code: wo.row.production_item,
      item_name: wo.row.item_name,
      s_warehouse: null,
      t_warehouse: (args.target_warehouse as string) || FG_WAREHOUSE,
      qty,
      uom: wo.row.stock_uom,
      stock_uom: wo.row.stock_uom,
      conversion_factor: 1,
      is_finished_item: 1,
    });
  }
  return {
    name: null,
    owner: API_USER,
    docstatus: 0,
    idx: 0,
    naming_series: 'MAT-STE-.YYYY.-',
    stock_entry_type: purpose,
    purpose,
    company: wo.row.company,
    work_order: wo.row.name,
    bom_no: wo.row.bom_no,
    from_bom: 1,
    use_multi_level_bom: 0,
    fg_completed_qty: qty,
    process_loss_qty: 0,
    posting_date: today,
    set_posting_time: 0,
    inspection_required: 0,
    from_warehouse: manufacture ? WIP_WAREHOUSE : null,
    to_warehouse: manufacture ? FG_WAREHOUSE : WIP_WAREHOUSE,
    remarks: null,
    doctype: 'Stock Entry',
    __islocal: 1,
    items: items.map((it, i) => ({ ...it, idx: i + 1, docstatus: 0, doctype: 'Stock Entry Detail', parentfield: 'items', parenttype: 'Stock Entry', transfer_qty: it.qty })),
  };
}

export interface StockEntryContext {
  name: string; // the next MAT-STE-YYYY-##### of the naming series
  stamp: string; // now, naive site time with microseconds
  today: string;
  workOrder(name: string): WorkOrderView | undefined;
}

/** POST /api/resource/Stock Entry: insert (and submit, with docstatus 1) after ERPNext's checks. */
export function insertStockEntry(data: Row, ctx: StockEntryContext): { doc: Row; manufactured: number } {
  const purpose = typeof data.purpose === 'string' && data.purpose ? data.purpose : typeof data.stock_entry_type === 'string' ? data.stock_entry_type : undefined;
  const entryType = typeof data.stock_entry_type === 'string' && data.stock_entry_type ? data.stock_entry_type : purpose;
  if (entryType !== undefined && !PURPOSES.includes(entryType)) throwValidation(`Could not find Stock Entry Type: ${entryType}`, 'LinkValidationError');
  const rows = Array.isArray(data.items) ? data.items : [];
  const missing: string[] = [];
  if (!entryType) missing.push('stock_entry_type');
  if (!data.company) missing.push('company');
  if (rows.length === 0) missing.push('items');
  rows.forEach((r, i) => {
    if (!isObject(r) || !r.item_code) missing.push(`items[${i + 1}].item_code`);
    if (!isObject(r) || r.qty === undefined || r.qty === null || r.qty === '') missing.push(`items[${i + 1}].qty`);
  });
  if (missing.length) {
    throw new FrappeError(417, 'MandatoryError', 'frappe.exceptions', `[Stock Entry, ${ctx.name}]: ${missing.join(', ')}`, `Error: Value missing for Stock Entry: ${missing.join(', ')}`);
  }
  if (data.company !== COMPANY) throwValidation(`Could not find Company: ${String(data.company)}`, 'LinkValidationError');
  const docstatus = data.docstatus === undefined || data.docstatus === null ? 0 : Number(data.docstatus);
  if (docstatus !== 0 && docstatus !== 1) throwValidation(`Cannot change docstatus from 0 to ${String(data.docstatus)}`, 'DocstatusTransitionError');
  const fgQty = flt(data.fg_completed_qty);
  let wo: WorkOrderView | undefined;
  if (data.work_order) {
    wo = ctx.workOrder(String(data.work_order));
    if (!wo) throwValidation(`Could not find Work Order: ${String(data.work_order)}`, 'LinkValidationError');
    if (wo!.row.docstatus === 2) throwValidation(`Cannot link cancelled document: Work Order ${String(data.work_order)}`, 'CancelledLinkError');
    if (wo!.row.docstatus !== 1) throwValidation(`Work Order ${String(data.work_order)} must be submitted`);
    if (['Stopped', 'Closed'].includes(String(wo!.row.status))) throwValidation(`Transaction not allowed against stopped Work Order ${String(data.work_order)}`);
  }
  if (purpose === 'Manufacture' && Number(data.from_bom ?? 0) === 1 && !fgQty) throwValidation('For Quantity (Manufactured Qty) is mandatory');
  let manufactured = 0;
  if (wo && purpose === 'Manufacture' && docstatus === 1) {
    const total = flt(wo.row.produced_qty) + fgQty;
    if (total > flt(wo.row.qty)) {
      throwValidation(`Manufactured Qty (${total}) cannot be greater than planned quantity (${flt(wo.row.qty)}) in Work Order ${String(wo.row.name)}`, 'StockOverProductionError', 'erpnext.manufacturing.doctype.work_order.work_order');
    }
    manufactured = fgQty;
  }
  const text = (v: unknown): string | null => (v === undefined || v === null || v === '' ? null : String(v));
  const doc: Row = {
    name: ctx.name,
    owner: API_USER,
    creation: ctx.stamp,
    modified: ctx.stamp,
    modified_by: API_USER,
    docstatus,
    idx: 0,
    naming_series: 'MAT-STE-.YYYY.-',
    stock_entry_type: entryType,
    purpose,
    company: COMPANY,
    work_order: text(data.work_order),
    job_card: text(data.job_card),
    bom_no: text(data.bom_no),
    from_bom: Number(data.from_bom ?? 0) ? 1 : 0,
    use_multi_level_bom: Number(data.use_multi_level_bom ?? 0) ? 1 : 0,
    fg_completed_qty: fgQty,
    process_loss_qty: flt(data.process_loss_qty),
    posting_date: Number(data.set_posting_time ?? 0) && data.posting_date ? String(data.posting_date) : ctx.today,
    posting_time: ctx.stamp.slice(11),
    set_posting_time: Number(data.set_posting_time ?? 0) ? 1 : 0,
    from_warehouse: text(data.from_warehouse),
    to_warehouse: text(data.to_warehouse),
    remarks: text(data.remarks),
    inspection_required: 0,
    total_outgoing_value: 0,
    total_incoming_value: 0,
    amended_from: null,
    doctype: 'Stock Entry',
  };
  doc.items = (rows as Row[]).map((r, i) => ({
    name: childName(ctx.name, 'items', String(i)),
    owner: API_USER,
    creation: ctx.stamp,
    modified: ctx.stamp,
    modified_by: API_USER,
    docstatus,
    idx: i + 1,
    item_code: String(r.item_code),
    item_name: text(r.item_name),
    s_warehouse: text(r.s_warehouse ?? doc.from_warehouse),
    t_warehouse: text(r.t_warehouse ?? doc.to_warehouse),
    qty: flt(r.qty),
    uom: text(r.uom),
    stock_uom: text(r.stock_uom),
    conversion_factor: flt(r.conversion_factor) || 1,
    transfer_qty: flt(r.qty) * (flt(r.conversion_factor) || 1),
    is_finished_item: Number(r.is_finished_item ?? 0) ? 1 : 0,
    parent: ctx.name,
    parentfield: 'items',
    parenttype: 'Stock Entry',
    doctype: 'Stock Entry Detail',
  }));
  return { doc, manufactured };
}
