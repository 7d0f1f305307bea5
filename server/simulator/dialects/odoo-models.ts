// Modelled on a stock install from odoo/odoo's own model definitions: addons/mrp/models/mrp_production.py
// (backorders renamed NAME-001/-002 with backorder_sequence, see odoo-backorders.ts; warehouse_id related to
// location_src_id.warehouse_id; date_deadline may be unset), mrp_workorder.py
// (17.0 has no `sequence` field on mrp.workorder — 18.0 and 19.0 do), addons/stock/models/stock_move.py and
// stock_warehouse.py (a warehouse's short `code`, at most 5 characters, beside its long name).
// The plant's manufacturing data as Odoo (17–19, mrp) keeps it: the simulated ERP's canonical
// orders seen as mrp.production, their routing as mrp.workorder, their BOM lines as stock.move, plus
// what the MES writes back (work-order progress, time logs, scrap). Datetimes are naive UTC,
// many2one fields are [id, "display name"], unset fields are false.
import type { SimulatedErp } from '../erp';
import type { ProductionOrder } from '../types';
import { type OdooModel, type OdooRecord, type OdooValue, odooDatetime } from './odoo-orm';
import * as F from './odoo-fields';
import { type Backorder, backorderNames, splitProduction } from './odoo-backorders';

type M2o = [number, string] | false;

export const COMPANY: [number, string] = [1, '苏州医疗器械有限公司'];
/** A warehouse per plant: its short code is the plant code; its name is what people read (and what display names carry). */
export const WAREHOUSE_NAME = (plant: string) => `康泰医疗 ${plant} 工厂`;
export const PICKING_TYPE_NAME = (plant: string) => `${WAREHOUSE_NAME(plant)}: Manufacturing`;
export type OdooVersion = 17 | 18 | 19;
export const LOSSES: OdooRecord[] = [
  { id: 1, name: 'Productive Time', loss_type: 'productive', display_name: 'Productive Time' },
  { id: 2, name: 'Reduced Speed', loss_type: 'performance', display_name: 'Reduced Speed' },
  { id: 3, name: 'Equipment Failure', loss_type: 'availability', display_name: 'Equipment Failure' },
  { id: 4, name: 'Reduced Yield', loss_type: 'quality', display_name: 'Reduced Yield' },
];

const PRODUCTION_STATE: Record<ProductionOrder['status'], string> = { created: 'draft', released: 'confirmed', completed: 'to_close', closed: 'done', cancelled: 'cancel' };

/** What the MES has written onto a work order or a production (kept beside the ERP's plan). */
export interface Overlay {
  values: Record<string, OdooValue>;
  writeDate: string;
}

export class OdooPlant {
  readonly workorderWrites = new Map<number, Overlay>();
  readonly productionWrites = new Map<number, Overlay>();
  readonly productivity: OdooRecord[] = [];
  readonly scraps: OdooRecord[] = [];
  readonly models: Record<string, OdooModel>;
  private readonly ids = new Map<string, Map<string, number>>();
  private readonly names = new Map<string, string>();
  private createdAt = new Map<string, string>();

  constructor(
    private readonly erp: SimulatedErp,
    readonly uid: number,
    readonly userName: string,
    readonly version: OdooVersion = 19,
  ) {
    this.models = this.defineModels();
    this.names.set(`res.company,${COMPANY[0]}`, COMPANY[1]);
    this.names.set(`res.users,${uid}`, userName);
  }

  /** _split_productions after a mark-done with a backorder: the MO keeps what it produced, a backorder takes the rest. */
  splitOff(productionId: number, produced: number): void {
    const origin = this.orders().find((o) => this.id('mrp.production', o.orderNo) === productionId);
    if (origin) splitProduction(this.erp, this.orders(), origin, produced);
  }

  /** The display name of a record the fake only knows by reference (work centre, unit, company…). */
  displayName(model: string, id: number): string | undefined {
    if (model === 'mrp.workcenter.productivity.loss') return LOSSES.find((l) => l.id === id)?.name as string | undefined;
    if (!this.names.has(`${model},${id}`)) {
      // Names are learnt while records are built; build them once before saying "no such record".
      this.productions();
      this.workorders();
      this.moves();
    }
    return this.names.get(`${model},${id}`);
  }

  /** A stable id per model and natural key, handed out in first-seen order like a sequence would. */
  id(model: string, key: string): number {
    let table = this.ids.get(model);
    if (!table) this.ids.set(model, (table = new Map()));
    let id = table.get(key);
    if (id === undefined) table.set(key, (id = table.size + 1));
    return id;
  }

  /** The next id of a model that only the MES creates (time logs, scrap). */
  nextId(model: string): number {
    return this.id(model, `#${(this.ids.get(model)?.size ?? 0) + 1}`);
  }

  private cachedOrders: { version: number; orders: ProductionOrder[]; backorders: Map<string, Backorder> } | undefined;

  /** The MO's name: the order no, or NAME-001, NAME-002… once it took part in a split. */
  private nameOf(o: ProductionOrder): string {
    this.orders();
    return this.cachedOrders!.backorders.get(o.orderNo)?.name ?? o.orderNo;
  }

  /** The ERP's orders, copied once per change of them rather than once per call. */
  private orders(): ProductionOrder[] {
    if (this.cachedOrders?.version !== this.erp.version) {
      const orders = this.erp.orders();
      for (const o of orders) this.id('mrp.production', o.orderNo);
      this.cachedOrders = { version: this.erp.version, orders, backorders: backorderNames(orders) };
    }
    return this.cachedOrders.orders;
  }

  private ref(model: string, key: string, name: string): [number, string] {
    const id = this.id(model, key);
    this.names.set(`${model},${id}`, name);
    return [id, name];
  }

  private product(code: string, name: string | undefined): [number, string] {
    return this.ref('product.product', code, `[${code}] ${name ?? code}`);
  }

  private created(key: string, at: string): string {
    if (!this.createdAt.has(key)) this.createdAt.set(key, at);
    return this.createdAt.get(key) as string;
  }

  productions(): OdooRecord[] {
    return this.orders().map((o) => {
      const id = this.id('mrp.production', o.orderNo);
      const written = this.productionWrites.get(id);
      const name = this.nameOf(o);
      const split = this.cachedOrders!.backorders.get(o.orderNo);
      const writeDate = latest(odooDatetime(o.updatedAt), written?.writeDate);
      const first = o.operations[0];
      const last = o.operations[o.operations.length - 1];
      return {
        id,
        name,
        display_name: name,
        state: PRODUCTION_STATE[o.status],
        backorder_sequence: split?.backorderSequence ?? 0,
        mrp_production_backorder_count: split?.familySize ?? 1,
        product_id: this.product(o.productCode, o.productName),
        product_qty: o.quantity,
        product_uom_id: this.ref('uom.uom', o.unit, o.unit),
        qty_producing: 0,
        qty_produced: o.producedQty ?? 0,
        date_start: first ? odooDatetime(first.plannedStart) : false,
        date_finished: last ? odooDatetime(last.plannedEnd) : false,
        date_deadline: o.dueDate ? odooDatetime(o.dueDate) : false,
        warehouse_id: this.ref('stock.warehouse', o.plant, WAREHOUSE_NAME(o.plant)),
        // Odoo knows two priorities only: '1' urgent (our 1) and '0' normal (2..9).
        priority: o.priority === 1 ? '1' : '0',
        origin: false,
        user_id: false,
        company_id: COMPANY,
        picking_type_id: this.ref('stock.picking.type', o.plant, PICKING_TYPE_NAME(o.plant)),
        bom_id: this.ref('mrp.bom', o.productCode, `${o.productCode}: ${o.productName ?? o.productCode}`),
        workorder_ids: o.operations.map((op) => this.id('mrp.workorder', `${o.orderNo}/${op.opNo}`)),
        move_raw_ids: o.bom.map((line, i) => this.id('stock.move', `${o.orderNo}/${i}/${line.materialCode}`)),
        create_date: this.created(`mrp.production/${o.orderNo}`, odooDatetime(o.updatedAt)),
        write_date: writeDate,
        ...written?.values,
      };
    });
  }

  workorders(): OdooRecord[] {
    return this.orders().flatMap((o) => {
      const mo: M2o = [this.id('mrp.production', o.orderNo), this.nameOf(o)];
      return o.operations.map((op, i) => {
        const id = this.id('mrp.workorder', `${o.orderNo}/${op.opNo}`);
        const name = op.description ? `${op.opCode} ${op.description}` : op.opCode;
        const written = this.workorderWrites.get(id);
        const state = o.status === 'created' ? 'blocked' : o.status === 'released' ? (i === 0 ? 'ready' : 'blocked') : o.status === 'cancelled' ? 'cancel' : 'done';
        const record: OdooRecord = {
          id,
          name,
          display_name: `${this.nameOf(o)} - ${name}`,
          ...(this.version >= 18 ? { sequence: Number(op.opNo) } : {}),
          production_id: mo,
          production_state: PRODUCTION_STATE[o.status],
          workcenter_id: this.ref('mrp.workcenter', op.workCentre, op.workCentre),
          operation_id: this.ref('mrp.routing.workcenter', `${o.productCode}/${op.opCode}`, name),
          product_id: this.product(o.productCode, o.productName),
          product_uom_id: this.ref('uom.uom', o.unit, o.unit),
          qty_production: o.quantity,
          qty_produced: 0,
          qty_producing: 0,
          state,
          date_start: odooDatetime(op.plannedStart),
          date_finished: odooDatetime(op.plannedEnd),
          // Minutes for the whole quantity, stored with 2 decimals (digits=(16, 2)).
          duration_expected: Math.round((op.stdTimePerUnitSec * o.quantity * 100) / 60) / 100,
          duration: 0,
          time_ids: this.productivity.filter((p) => Array.isArray(p.workorder_id) && p.workorder_id[0] === id).map((p) => p.id),
          company_id: COMPANY,
          create_date: this.created(`mrp.workorder/${id}`, odooDatetime(o.updatedAt)),
          write_date: latest(odooDatetime(o.updatedAt), written?.writeDate),
          ...written?.values,
        };
        record.qty_remaining = Math.max(0, (record.qty_production as number) - (record.qty_produced as number));
        return record;
      });
    });
  }

  moves(): OdooRecord[] {
    return this.orders().flatMap((o) =>
      o.bom.map((line, i) => {
        const op = o.operations.find((x) => x.opNo === line.opNo);
        const opName = op ? (op.description ? `${op.opCode} ${op.description}` : op.opCode) : '';
        const demand = Math.round(line.qtyPer * o.quantity * 1000) / 1000;
        return {
          id: this.id('stock.move', `${o.orderNo}/${i}/${line.materialCode}`),
          name: this.nameOf(o),
          display_name: `${this.nameOf(o)}: ${line.materialName ?? line.materialCode}`,
          reference: this.nameOf(o),
          sequence: i + 1,
          product_id: this.product(line.materialCode, line.materialName),
          product_uom_qty: demand,
          product_uom: this.ref('uom.uom', line.unit, line.unit),
          quantity: 0,
          unit_factor: Math.round((demand / o.quantity) * 1e6) / 1e6,
          raw_material_production_id: [this.id('mrp.production', o.orderNo), this.nameOf(o)],
          operation_id: op ? this.ref('mrp.routing.workcenter', `${o.productCode}/${op.opCode}`, opName) : false,
          workorder_id: op ? [this.id('mrp.workorder', `${o.orderNo}/${op.opNo}`), `${this.nameOf(o)} - ${opName}`] : false,
          state: o.status === 'created' ? 'draft' : o.status === 'cancelled' ? 'cancel' : o.status === 'closed' ? 'done' : 'confirmed',
          date: o.operations[0] ? odooDatetime(o.operations[0].plannedStart) : false,
          location_id: this.ref('stock.location', `${o.plant}/Stock`, `${o.plant}/Stock`),
          location_dest_id: this.ref('stock.location', 'production', 'Virtual Locations/Production'),
          company_id: COMPANY,
          create_date: this.created(`stock.move/${o.orderNo}/${i}`, odooDatetime(o.updatedAt)),
          write_date: odooDatetime(o.updatedAt),
        } satisfies OdooRecord;
      }),
    );
  }

  routingOperations(): OdooRecord[] {
    const seen = new Map<number, OdooRecord>();
    for (const o of this.orders()) {
      for (const op of o.operations) {
        const [id, name] = this.ref('mrp.routing.workcenter', `${o.productCode}/${op.opCode}`, op.description ? `${op.opCode} ${op.description}` : op.opCode);
        if (seen.has(id)) continue;
        seen.set(id, {
          id,
          name,
          display_name: name,
          sequence: Number(op.opNo),
          workcenter_id: this.ref('mrp.workcenter', op.workCentre, op.workCentre),
          bom_id: this.ref('mrp.bom', o.productCode, `${o.productCode}: ${o.productName ?? o.productCode}`),
          time_mode: 'manual',
          time_cycle_manual: op.stdTimePerUnitSec / 60,
          time_cycle: op.stdTimePerUnitSec / 60,
        });
      }
    }
    return [...seen.values()];
  }

  products(): OdooRecord[] {
    const seen = new Map<number, OdooRecord>();
    const add = (code: string, name: string | undefined, unit: string) => {
      const [id, display] = this.product(code, name);
      if (!seen.has(id)) seen.set(id, { id, name: name ?? code, default_code: code, display_name: display, uom_id: this.ref('uom.uom', unit, unit) });
    };
    for (const o of this.orders()) {
      add(o.productCode, o.productName, o.unit);
      for (const line of o.bom) add(line.materialCode, line.materialName, line.unit);
    }
    return [...seen.values()];
  }

  warehouses(): OdooRecord[] {
    const plants = [...new Set(this.orders().map((o) => o.plant))].sort();
    return plants.map((code, i) => {
      const [id, name] = this.ref('stock.warehouse', code, WAREHOUSE_NAME(code));
      return { id, name, code, display_name: name, sequence: i + 1, company_id: COMPANY };
    });
  }

  private defineModels(): Record<string, OdooModel> {
    const list: OdooModel[] = [
      { name: 'mrp.production', description: 'Manufacturing Order', defaultOrder: 'priority desc, date_start asc, id', records: () => this.productions(), fields: F.MRP_PRODUCTION_FIELDS },
      this.version >= 18
        ? { name: 'mrp.workorder', description: 'Work Order', defaultOrder: 'sequence, date_start, id', records: () => this.workorders(), fields: F.MRP_WORKORDER_FIELDS }
        : { name: 'mrp.workorder', description: 'Work Order', defaultOrder: 'date_start, id', records: () => this.workorders(), fields: withoutField(F.MRP_WORKORDER_FIELDS, 'sequence') },
      { name: 'stock.warehouse', description: 'Warehouse', defaultOrder: 'sequence, id', records: () => this.warehouses(), fields: F.STOCK_WAREHOUSE_FIELDS },
      { name: 'stock.move', description: 'Stock Move', defaultOrder: 'sequence, id', records: () => this.moves(), fields: F.STOCK_MOVE_FIELDS },
      { name: 'mrp.routing.workcenter', description: 'Work Center Usage', defaultOrder: 'bom_id, sequence, id', records: () => this.routingOperations(), fields: F.MRP_ROUTING_WORKCENTER_FIELDS },
      { name: 'product.product', description: 'Product Variant', defaultOrder: 'default_code, name, id', records: () => this.products(), fields: F.PRODUCT_PRODUCT_FIELDS },
      { name: 'mrp.workcenter.productivity', description: 'Workcenter Productivity Log', defaultOrder: 'id desc', records: () => this.productivity.map((r) => ({ ...r })), fields: F.MRP_WORKCENTER_PRODUCTIVITY_FIELDS },
      { name: 'mrp.workcenter.productivity.loss', description: 'Workcenter Productivity Losses', defaultOrder: 'id', records: () => LOSSES.map((r) => ({ ...r })), fields: F.MRP_WORKCENTER_PRODUCTIVITY_LOSS_FIELDS },
      { name: 'stock.scrap', description: 'Scrap', defaultOrder: 'id desc', records: () => this.scraps.map((r) => ({ ...r })), fields: F.STOCK_SCRAP_FIELDS },
    ];
    return Object.fromEntries(list.map((m) => [m.name, m]));
  }
}

function withoutField<T>(fields: Record<string, T>, name: string): Record<string, T> {
  const { [name]: _gone, ...rest } = fields;
  return rest;
}

function latest(a: string, b: string | undefined): string {
  return b !== undefined && b > a ? b : a;
}
