// The model methods the fake Odoo answers, whichever endpoint called them: the reads any client
// uses (search_read, search, search_count, read, fields_get) and the MES write-back (work-order
// progress, production quantity, time logs, scrap, button_mark_done after addons/mrp/models/mrp_production.py),
// with Odoo's validation and error texts.
import {
  type MethodSpec,
  type OdooField,
  type OdooModel,
  type OdooRecord,
  type OdooValue,
  OdooError,
  checkFieldsExist,
  compileDomain,
  compileOrder,
  odooDatetime,
  parseOdooDatetime,
  pickFields,
  pyRepr,
  sqlCount,
  storageOrder,
  typeError,
  valueError,
} from './odoo-orm';
import { COMPANY, LOSSES, type OdooPlant } from './odoo-models';

export const READ_METHODS = new Set(['search_read', 'search', 'search_count', 'read', 'fields_get']);

export const METHOD_SPECS: Record<string, MethodSpec> = {
  search_read: { model: true, params: [{ name: 'domain' }, { name: 'fields' }, { name: 'offset' }, { name: 'limit' }, { name: 'order' }], varKeywords: true },
  search: { model: true, params: [{ name: 'domain', required: true }, { name: 'offset' }, { name: 'limit' }, { name: 'order' }] },
  search_count: { model: true, params: [{ name: 'domain', required: true }, { name: 'limit' }] },
  read: { model: false, params: [{ name: 'fields' }, { name: 'load' }] },
  fields_get: { model: true, params: [{ name: 'allfields' }, { name: 'attributes' }] },
  write: { model: false, params: [{ name: 'vals', required: true }] },
  create: { model: true, params: [{ name: 'vals_list', required: true }] },
  button_start: { model: false, params: [] },
  button_pending: { model: false, params: [] },
  button_finish: { model: false, params: [] },
  button_mark_done: { model: false, params: [] },
  action_validate: { model: false, params: [] },
};

/** Which write methods each model offers the integration user; everything else is refused. */
const WRITABLE: Record<string, { methods: string[]; fields?: string[] }> = {
  'mrp.workorder': { methods: ['write', 'button_start', 'button_pending', 'button_finish'], fields: ['qty_produced', 'qty_producing', 'duration', 'state', 'date_start', 'date_finished', 'name'] },
  'mrp.production': { methods: ['write', 'button_mark_done'], fields: ['qty_producing', 'origin', 'priority', 'date_deadline'] },
  'mrp.workcenter.productivity': { methods: ['create'] },
  'stock.scrap': { methods: ['create', 'action_validate'] },
};

export interface CallResult {
  result: unknown;
  /** Set when the call changed data: the id under which writes() lists it. */
  writeId?: string;
}

export class OdooMethods {
  constructor(
    private readonly plant: OdooPlant,
    private readonly now: () => Date,
  ) {}

  model(name: string): OdooModel | undefined {
    return this.plant.models[name];
  }

  call(model: OdooModel, method: string, ids: number[], args: Record<string, unknown>, context: Record<string, unknown> = {}): CallResult {
    switch (method) {
      case 'search_read': {
        const { domain, fields, offset, limit, order, ...readKwargs } = args;
        for (const k of Object.keys(readKwargs)) if (k !== 'load') throw typeError(`BaseModel.read() got an unexpected keyword argument '${k}'`);
        if (Array.isArray(fields)) checkFieldsExist(model, fields.map(String));
        return { result: this.search(model, domain, offset, limit, order).map((r) => pickFields(model, r, fields)) };
      }
      case 'search':
        return { result: this.search(model, args.domain, args.offset, args.limit, args.order).map((r) => r.id) };
      case 'search_count': {
        const count = this.search(model, args.domain, 0, undefined, 'id').length;
        const limit = sqlCount(args.limit, 'LIMIT');
        return { result: limit === undefined ? count : Math.min(count, limit) };
      }
      case 'read':
        return { result: this.browse(model, ids).map((r) => pickFields(model, r, args.fields)) };
      case 'fields_get':
        return { result: this.fieldsGet(model, args.allfields, args.attributes) };
    }
    const allowed = WRITABLE[model.name];
    if (!allowed || !allowed.methods.includes(method)) {
      const verb = method === 'create' ? 'create' : method === 'unlink' ? 'delete' : 'modify';
      throw new OdooError(
        'odoo.exceptions.AccessError',
        `You are not allowed to ${verb} '${model.description}' (${model.name}) records.\n\nThis operation is allowed for the following groups:\n\t- Manufacturing/Administrator\n\nContact your administrator to request access if necessary.`,
        403,
      );
    }
    const at = odooDatetime(this.now().getTime());
    if (method === 'create') return this.create(model, args.vals_list, at);
    const records = this.browse(model, ids);
    if (method === 'write') this.write(model, records, args.vals, allowed.fields ?? [], at);
    else if (method === 'button_mark_done') {
      const wizard = this.markDone(records, context, at);
      if (wizard) return { result: wizard };
    } else if (method === 'action_validate') for (const r of records) Object.assign(this.plant.scraps.find((s) => s.id === r.id) as OdooRecord, { state: 'done', date_done: at, write_date: at });
    else {
      const state = method === 'button_start' ? 'progress' : method === 'button_finish' ? 'done' : 'ready';
      for (const r of records) this.overlay(this.plant.workorderWrites, r.id, { state, ...(method === 'button_start' && r.state !== 'progress' ? { date_start: at } : {}), ...(method === 'button_finish' ? { date_finished: at } : {}) }, at);
    }
    return { result: true, writeId: `${model.name},${ids.join(',')}` };
  }

  /**
   * mrp_production.py button_mark_done: with less produced than planned, pre_button_mark_done answers the backorder
   * wizard (a person decides) unless the context says skip_backorder; then the MO is done with what it produced,
   * its work orders finished, and the MOs in mo_ids_to_backorder split (_split_productions) for the rest.
   */
  private markDone(records: OdooRecord[], context: Record<string, unknown>, at: string): Record<string, unknown> | undefined {
    const produced = (r: OdooRecord) => Number(r.qty_producing ?? 0);
    if (!context.skip_backorder && records.some((r) => produced(r) < Number(r.product_qty))) {
      return {
        type: 'ir.actions.act_window',
        name: 'You produced less than initial demand',
        res_model: 'mrp.production.backorder',
        target: 'new',
        views: [[false, 'form']],
        context: { default_mrp_production_ids: records.map((r) => r.id) },
      };
    }
    const toBackorder = new Set(Array.isArray(context.mo_ids_to_backorder) ? context.mo_ids_to_backorder.map(Number) : []);
    for (const r of records) {
      for (const wo of this.plant.workorders()) {
        if (Array.isArray(wo.production_id) && wo.production_id[0] === r.id && wo.state !== 'done') this.overlay(this.plant.workorderWrites, wo.id, { state: 'done', date_finished: at }, at);
      }
      this.overlay(this.plant.productionWrites, r.id, { state: 'done', qty_produced: produced(r), date_finished: at, priority: '0' }, at);
      if (toBackorder.has(r.id) && produced(r) > 0 && produced(r) < Number(r.product_qty)) this.plant.splitOff(r.id, produced(r));
    }
    return undefined;
  }

  private search(model: OdooModel, domain: unknown, offset: unknown, limit: unknown, order: unknown): OdooRecord[] {
    const matches = compileDomain(model, domain ?? []);
    const compare = compileOrder(model, order);
    const start = sqlCount(offset, 'OFFSET') ?? 0;
    const count = sqlCount(limit, 'LIMIT');
    const found = model
      .records()
      .filter(matches)
      .sort((a, b) => compare(a, b) || storageOrder(a.id) - storageOrder(b.id));
    return found.slice(start, count === undefined ? undefined : start + count);
  }

  private browse(model: OdooModel, ids: number[]): OdooRecord[] {
    const all = new Map(model.records().map((r) => [r.id, r]));
    const missing = ids.filter((id) => !all.has(id));
    if (missing.length > 0) {
      throw new OdooError('odoo.exceptions.MissingError', `Record does not exist or has been deleted.\n(Record: ${model.name}(${missing.join(', ')},), User: ${this.plant.uid})`, 404);
    }
    return ids.map((id) => all.get(id) as OdooRecord);
  }

  private fieldsGet(model: OdooModel, allfields: unknown, attributes: unknown): Record<string, unknown> {
    const names = Array.isArray(allfields) && allfields.length > 0 ? allfields.map(String).filter((n) => model.fields[n]) : ['id', ...Object.keys(model.fields)];
    const out: Record<string, unknown> = {};
    for (const name of names) {
      const field: OdooField = name === 'id' ? { type: 'integer', string: 'ID', readonly: true } : model.fields[name];
      const full: Record<string, unknown> = { type: field.type, string: field.string, required: !!field.required, readonly: !!field.readonly };
      if ('relation' in field && field.relation) full.relation = field.relation;
      if ('selection' in field && field.selection) full.selection = field.selection;
      out[name] =
        Array.isArray(attributes) && attributes.length > 0
          ? Object.fromEntries(
              attributes
                .map(String)
                .filter((a) => a in full)
                .map((a) => [a, full[a]]),
            )
          : full;
    }
    return out;
  }

  private write(model: OdooModel, records: OdooRecord[], vals: unknown, writable: string[], at: string): void {
    if (typeof vals !== 'object' || vals === null || Array.isArray(vals)) throw new OdooError('builtins.AttributeError', `'${Array.isArray(vals) ? 'list' : typeof vals}' object has no attribute 'items'`);
    const clean: Record<string, OdooValue> = {};
    for (const [name, value] of Object.entries(vals)) {
      const field = model.fields[name];
      if (!field) throw valueError(`Invalid field ${pyRepr(name)} on model ${pyRepr(model.name)}`);
      // Log-access and computed fields without an inverse are ignored by the ORM, not refused.
      if (!writable.includes(name)) continue;
      clean[name] = this.convert(model, name, value);
    }
    const table = model.name === 'mrp.production' ? this.plant.productionWrites : this.plant.workorderWrites;
    for (const r of records) {
      this.overlay(table, r.id, clean, at);
      // qty_producing on a work order is stored on its manufacturing order (inverse field).
      if (model.name === 'mrp.workorder' && 'qty_producing' in clean && Array.isArray(r.production_id)) {
        this.overlay(this.plant.productionWrites, r.production_id[0], { qty_producing: clean.qty_producing }, at);
      }
    }
  }

  private overlay(table: Map<number, { values: Record<string, OdooValue>; writeDate: string }>, id: number, values: Record<string, OdooValue>, at: string): void {
    const before = table.get(id);
    table.set(id, { values: { ...before?.values, ...values }, writeDate: at });
  }

  private convert(model: OdooModel, name: string, value: unknown): OdooValue {
    const field = model.fields[name];
    if (value === false || value === null) return false;
    switch (field.type) {
      case 'float':
      case 'integer': {
        const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
        if (!Number.isFinite(n)) throw valueError(`could not convert string to float: ${pyRepr(String(value))}`);
        return field.type === 'integer' ? Math.trunc(n) : n;
      }
      case 'datetime':
        if (typeof value !== 'string') throw typeError(`fromisoformat: argument must be str`);
        return parseOdooDatetime(value);
      case 'selection':
        if (!field.selection?.some(([key]) => key === value)) throw valueError(`Wrong value for ${model.name}.${name}: ${pyRepr(value)}`);
        return value as string;
      case 'many2one': {
        const id: unknown = typeof value === 'number' ? value : Array.isArray(value) ? value[0] : NaN;
        if (typeof id !== 'number' || !Number.isInteger(id)) throw typeError(`int() argument must be a string, a bytes-like object or a real number, not '${Array.isArray(value) ? 'list' : typeof value}'`);
        const target = field.relation ? this.model(field.relation) : undefined;
        const record = target?.records().find((r) => r.id === id);
        const found = record ? String(record.display_name ?? record.name) : this.plant.displayName(field.relation ?? '', id);
        if (found === undefined) {
          throw new OdooError(
            'odoo.exceptions.ValidationError',
            `The operation cannot be completed: another model requires the record being deleted. If possible, archive it instead.\n\nModel: ${model.description} (${model.name})\nConstraint: ${model.name.replace(/\./g, '_')}_${name}_fkey`,
            422,
          );
        }
        return [id, found];
      }
      default:
        return typeof value === 'string' ? value : String(value);
    }
  }

  private create(model: OdooModel, valsList: unknown, at: string): CallResult {
    const single = typeof valsList === 'object' && valsList !== null && !Array.isArray(valsList);
    const list = single ? [valsList] : valsList;
    if (!Array.isArray(list) || list.some((v) => typeof v !== 'object' || v === null || Array.isArray(v))) {
      throw new OdooError('builtins.AttributeError', `'${Array.isArray(list) ? 'list' : typeof list}' object has no attribute 'items'`);
    }
    const ids = (list as Array<Record<string, unknown>>).map((vals) => this.createOne(model, vals, at));
    return { result: single ? ids[0] : ids, writeId: `${model.name},${ids.join(',')}` };
  }

  private createOne(model: OdooModel, vals: Record<string, unknown>, at: string): number {
    const record: OdooRecord = { id: 0 };
    // create() drops unknown fields with a warning in the server log; the caller learns nothing.
    for (const [name, value] of Object.entries(vals)) if (model.fields[name] && !model.fields[name].readonly) record[name] = this.convert(model, name, value);
    const defaults: Record<string, OdooValue> =
      model.name === 'stock.scrap'
        ? { scrap_qty: 1, company_id: COMPANY, state: 'draft', origin: false, production_id: false, workorder_id: false }
        : { date_start: at, company_id: COMPANY, user_id: [this.plant.uid, this.plant.userName], description: false, date_end: false, workorder_id: false };
    for (const [k, v] of Object.entries(defaults)) if (!(k in record)) record[k] = v;
    if (model.name === 'stock.scrap' && Array.isArray(record.product_id)) {
      const product = this.model('product.product')
        ?.records()
        .find((p) => Array.isArray(record.product_id) && p.id === record.product_id[0]);
      record.product_uom_id ??= (product?.uom_id as [number, string] | undefined) ?? false;
    }
    const missing = Object.entries(model.fields).find(([name, field]) => field.required && (record[name] === undefined || record[name] === false) && name !== 'name');
    if (missing) {
      throw new OdooError(
        'odoo.exceptions.ValidationError',
        `The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another model requires the record being deleted. If possible, archive it instead.\n\nModel: ${model.description} (${model.name})\nField: ${missing[1].string} (${missing[0]})`,
        422,
      );
    }
    record.id = this.plant.nextId(model.name);
    if (model.name === 'stock.scrap') {
      record.name = `SP/${String(record.id).padStart(5, '0')}`;
      record.date_done = false;
      this.plant.scraps.push(this.finish(record, String(record.name), at));
    } else {
      const loss = LOSSES.find((l) => Array.isArray(record.loss_id) && l.id === record.loss_id[0]);
      record.loss_type = loss ? loss.loss_type : false;
      const wo = Array.isArray(record.workorder_id)
        ? this.model('mrp.workorder')
            ?.records()
            .find((w) => w.id === (record.workorder_id as [number, string])[0])
        : undefined;
      record.production_id = wo ? wo.production_id : false;
      record.duration = typeof record.date_end === 'string' ? Math.round(((Date.parse(`${record.date_end.replace(' ', 'T')}Z`) - Date.parse(`${String(record.date_start).replace(' ', 'T')}Z`)) / 60000) * 100) / 100 : 0;
      this.plant.productivity.push(this.finish(record, Array.isArray(record.workcenter_id) ? String(record.workcenter_id[1]) : '', at));
    }
    return record.id;
  }

  private finish(record: OdooRecord, displayName: string, at: string): OdooRecord {
    return { ...record, display_name: displayName, create_date: at, write_date: at };
  }
}
