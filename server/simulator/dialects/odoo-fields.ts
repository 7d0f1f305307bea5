// Field definitions of the Odoo models the fake serves (names, types, labels as in Odoo 17–19 mrp/stock),
// used by search_read's field checks, fields_get and write/create conversion.
import type { OdooField } from './odoo-orm';

const f = (type: OdooField['type'], string: string, extra: Partial<OdooField> = {}): OdooField => ({ type, string, ...extra });
const m2o = (relation: string, string: string, extra: Partial<OdooField> = {}) => f('many2one', string, { relation, ...extra });
const o2m = (relation: string, string: string) => f('one2many', string, { relation });
const LOG_FIELDS = { create_date: f('datetime', 'Created on', { readonly: true }), write_date: f('datetime', 'Last Updated on', { readonly: true }), display_name: f('char', 'Display Name', { readonly: true }) };
const PRODUCTION_STATES: Array<[string, string]> = [
  ['draft', 'Draft'],
  ['confirmed', 'Confirmed'],
  ['progress', 'In Progress'],
  ['to_close', 'To Close'],
  ['done', 'Done'],
  ['cancel', 'Cancelled'],
];
const WO_STATES: Array<[string, string]> = [
  ['blocked', 'Blocked'],
  ['ready', 'Ready'],
  ['progress', 'In Progress'],
  ['done', 'Finished'],
  ['cancel', 'Cancelled'],
];
const LOSS_TYPES: Array<[string, string]> = [
  ['availability', 'Availability'],
  ['performance', 'Performance'],
  ['quality', 'Quality'],
  ['productive', 'Productive'],
];

export const MRP_PRODUCTION_FIELDS: Record<string, OdooField> = {
  name: f('char', 'Reference', { required: true }),
  state: f('selection', 'State', { selection: PRODUCTION_STATES }),
  product_id: m2o('product.product', 'Product', { required: true }),
  product_qty: f('float', 'Quantity To Produce', { required: true }),
  product_uom_id: m2o('uom.uom', 'Product Unit of Measure', { required: true }),
  qty_producing: f('float', 'Quantity Producing'),
  qty_produced: f('float', 'Quantity Produced', { readonly: true }),
  date_start: f('datetime', 'Start'),
  date_finished: f('datetime', 'End'),
  date_deadline: f('datetime', 'Deadline'),
  priority: f('selection', 'Priority', {
    selection: [
      ['0', 'Normal'],
      ['1', 'Urgent'],
    ],
  }),
  origin: f('char', 'Source'),
  backorder_sequence: f('integer', 'Backorder Sequence'),
  mrp_production_backorder_count: f('integer', 'Count of linked backorder', { readonly: true }),
  user_id: m2o('res.users', 'Responsible'),
  company_id: m2o('res.company', 'Company', { required: true }),
  picking_type_id: m2o('stock.picking.type', 'Operation Type', { required: true }),
  warehouse_id: m2o('stock.warehouse', 'Warehouse', { readonly: true }),
  bom_id: m2o('mrp.bom', 'Bill of Material'),
  workorder_ids: o2m('mrp.workorder', 'Work Orders'),
  move_raw_ids: o2m('stock.move', 'Components'),
  ...LOG_FIELDS,
};

export const MRP_WORKORDER_FIELDS: Record<string, OdooField> = {
  name: f('char', 'Work Order', { required: true }),
  sequence: f('integer', 'Sequence'),
  production_id: m2o('mrp.production', 'Manufacturing Order', { required: true }),
  production_state: f('selection', 'Production State', { readonly: true, selection: PRODUCTION_STATES }),
  workcenter_id: m2o('mrp.workcenter', 'Work Center', { required: true }),
  operation_id: m2o('mrp.routing.workcenter', 'Operation'),
  product_id: m2o('product.product', 'Product', { readonly: true }),
  product_uom_id: m2o('uom.uom', 'Unit of Measure', { readonly: true }),
  qty_production: f('float', 'Original Production Quantity', { readonly: true }),
  qty_produced: f('float', 'Quantity'),
  qty_producing: f('float', 'Currently Produced Quantity'),
  qty_remaining: f('float', 'Quantity To Be Produced', { readonly: true }),
  state: f('selection', 'Status', { selection: WO_STATES }),
  date_start: f('datetime', 'Start'),
  date_finished: f('datetime', 'End'),
  duration_expected: f('float', 'Expected Duration'),
  duration: f('float', 'Real Duration'),
  time_ids: o2m('mrp.workcenter.productivity', 'Time Logs'),
  company_id: m2o('res.company', 'Company', { readonly: true }),
  ...LOG_FIELDS,
};

export const STOCK_MOVE_FIELDS: Record<string, OdooField> = {
  name: f('char', 'Description', { required: true }),
  reference: f('char', 'Reference', { readonly: true }),
  sequence: f('integer', 'Sequence'),
  product_id: m2o('product.product', 'Product', { required: true }),
  product_uom_qty: f('float', 'Demand', { required: true }),
  product_uom: m2o('uom.uom', 'Unit', { required: true }),
  quantity: f('float', 'Quantity'),
  unit_factor: f('float', 'Unit Factor'),
  raw_material_production_id: m2o('mrp.production', 'Production Order for components'),
  operation_id: m2o('mrp.routing.workcenter', 'Operation To Consume'),
  workorder_id: m2o('mrp.workorder', 'Work Order To Consume'),
  state: f('selection', 'Status', {
    selection: [
      ['draft', 'New'],
      ['waiting', 'Waiting Another Move'],
      ['confirmed', 'Waiting Availability'],
      ['partially_available', 'Partially Available'],
      ['assigned', 'Available'],
      ['done', 'Done'],
      ['cancel', 'Cancelled'],
    ],
  }),
  date: f('datetime', 'Date Scheduled', { required: true }),
  location_id: m2o('stock.location', 'Source Location', { required: true }),
  location_dest_id: m2o('stock.location', 'Destination Location', { required: true }),
  company_id: m2o('res.company', 'Company', { required: true }),
  ...LOG_FIELDS,
};

export const MRP_ROUTING_WORKCENTER_FIELDS: Record<string, OdooField> = {
  name: f('char', 'Operation', { required: true }),
  sequence: f('integer', 'Sequence'),
  workcenter_id: m2o('mrp.workcenter', 'Work Center', { required: true }),
  bom_id: m2o('mrp.bom', 'Bill of Material', { required: true }),
  time_mode: f('selection', 'Duration Computation', {
    selection: [
      ['auto', 'Compute based on tracked time'],
      ['manual', 'Set duration manually'],
    ],
  }),
  time_cycle_manual: f('float', 'Manual Duration'),
  time_cycle: f('float', 'Duration', { readonly: true }),
  display_name: LOG_FIELDS.display_name,
};

export const PRODUCT_PRODUCT_FIELDS: Record<string, OdooField> = { name: f('char', 'Name', { required: true }), default_code: f('char', 'Internal Reference'), uom_id: m2o('uom.uom', 'Unit'), display_name: LOG_FIELDS.display_name };

export const MRP_WORKCENTER_PRODUCTIVITY_FIELDS: Record<string, OdooField> = {
  workorder_id: m2o('mrp.workorder', 'Work Order'),
  production_id: m2o('mrp.production', 'Manufacturing Order', { readonly: true }),
  workcenter_id: m2o('mrp.workcenter', 'Work Center', { required: true }),
  loss_id: m2o('mrp.workcenter.productivity.loss', 'Loss Reason', { required: true }),
  loss_type: f('selection', 'Effectiveness', { readonly: true, selection: LOSS_TYPES }),
  date_start: f('datetime', 'Start Date', { required: true }),
  date_end: f('datetime', 'End Date'),
  duration: f('float', 'Duration', { readonly: true }),
  description: f('text', 'Description'),
  user_id: m2o('res.users', 'User'),
  company_id: m2o('res.company', 'Company', { required: true }),
  ...LOG_FIELDS,
};

export const MRP_WORKCENTER_PRODUCTIVITY_LOSS_FIELDS: Record<string, OdooField> = {
  name: f('char', 'Blocking Reason', { required: true }),
  loss_type: f('selection', 'Category', { selection: LOSS_TYPES }),
  display_name: LOG_FIELDS.display_name,
};

export const STOCK_SCRAP_FIELDS: Record<string, OdooField> = {
  name: f('char', 'Reference', { required: true, readonly: true }),
  product_id: m2o('product.product', 'Product', { required: true }),
  scrap_qty: f('float', 'Quantity', { required: true }),
  product_uom_id: m2o('uom.uom', 'Unit of Measure', { required: true }),
  production_id: m2o('mrp.production', 'Manufacturing Order'),
  workorder_id: m2o('mrp.workorder', 'Work Order'),
  origin: f('char', 'Source Document'),
  state: f('selection', 'Status', {
    readonly: true,
    selection: [
      ['draft', 'Draft'],
      ['done', 'Done'],
    ],
  }),
  date_done: f('datetime', 'Date', { readonly: true }),
  company_id: m2o('res.company', 'Company', { required: true }),
  ...LOG_FIELDS,
};

export const STOCK_WAREHOUSE_FIELDS: Record<string, OdooField> = {
  name: f('char', 'Warehouse', { required: true }),
  code: f('char', 'Short Name', { required: true }),
  sequence: f('integer', 'Sequence'),
  company_id: m2o('res.company', 'Company', { required: true }),
  display_name: LOG_FIELDS.display_name,
};
