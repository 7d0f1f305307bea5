// The demo plant's legacy ERP database: an ERP with no API whose production orders live in tables
// (mo_order, mo_routing, mo_bom) that the MES must read, and a staging table (mes_progress) the ERP reads
// the MES's progress from. The plant's DBA publishes one integration view, v_mes_plan: one row per order,
// its routing and BOM as JSON, times stored as Shanghai wall-clock time. SQLite for the demo; the same
// schema on MariaDB and PostgreSQL for the tests that prove flows/plant-legacy-erp.json dialect-agnostic.
import type { LegacyDb } from '../../nodes/lib/legacy-db/connection';
import { formatChangeTime } from '../../nodes/lib/time-format';
import type { OrderStatus, ProductionOrder } from './types';

/** The one-letter status codes the legacy ERP keeps (计划/下达/完工/关闭/作废). */
export const LEGACY_STATUS_CODES: Record<OrderStatus, string> = { created: 'P', released: 'R', completed: 'F', closed: 'C', cancelled: 'X' };

type Dialect = 'sqlite' | 'mysql' | 'pg';

const text = (n: number) => (d: Dialect) => (d === 'sqlite' ? 'TEXT' : `VARCHAR(${n})`);
const decimal = (p: number, s: number) => (d: Dialect) => (d === 'sqlite' ? 'NUMERIC' : `DECIMAL(${p},${s})`);
const datetime = (d: Dialect) => (d === 'sqlite' ? 'DATETIME' : d === 'pg' ? 'TIMESTAMP(3)' : 'DATETIME(3)');

function tables(d: Dialect): string[] {
  return [
    `CREATE TABLE mo_order (
      mo_code ${text(40)(d)} NOT NULL PRIMARY KEY,
      change_no INTEGER NOT NULL,
      status_code CHAR(1) NOT NULL,
      product_code ${text(64)(d)} NOT NULL,
      product_name ${text(200)(d)},
      qty ${decimal(18, 4)(d)} NOT NULL,
      unit ${text(16)(d)} NOT NULL,
      due_date ${datetime(d)} NOT NULL,
      priority INTEGER NOT NULL,
      plant ${text(16)(d)} NOT NULL,
      modified_at ${datetime(d)} NOT NULL
    )`,
    'CREATE INDEX ix_mo_order_modified ON mo_order (modified_at, mo_code)',
    `CREATE TABLE mo_routing (
      mo_code ${text(40)(d)} NOT NULL,
      op_no ${text(4)(d)} NOT NULL,
      op_code ${text(32)(d)} NOT NULL,
      op_name ${text(200)(d)},
      work_centre ${text(32)(d)} NOT NULL,
      plan_start ${datetime(d)} NOT NULL,
      plan_end ${datetime(d)} NOT NULL,
      std_sec ${decimal(12, 3)(d)} NOT NULL,
      qc_spec ${text(64)(d)},
      PRIMARY KEY (mo_code, op_no)
    )`,
    `CREATE TABLE mo_bom (
      mo_code ${text(40)(d)} NOT NULL,
      line_no INTEGER NOT NULL,
      material_code ${text(64)(d)} NOT NULL,
      material_name ${text(200)(d)},
      qty_per ${decimal(18, 6)(d)} NOT NULL,
      unit ${text(16)(d)} NOT NULL,
      tolerance_pct ${decimal(5, 2)(d)} NOT NULL,
      op_no ${text(4)(d)},
      PRIMARY KEY (mo_code, line_no)
    )`,
    `CREATE TABLE mes_progress (
      mo_code ${text(40)(d)} NOT NULL,
      op_no ${text(4)(d)} NOT NULL,
      op_code ${text(32)(d)} NOT NULL,
      work_centre ${text(32)(d)} NOT NULL,
      good_qty ${decimal(18, 4)(d)} NOT NULL,
      scrap_qty ${decimal(18, 4)(d)} NOT NULL,
      status ${text(12)(d)} NOT NULL,
      reported_at ${datetime(d)} NOT NULL,
      synced_at ${datetime(d)} NOT NULL,
      PRIMARY KEY (mo_code, op_no)
    )`,
  ];
}

/** The integration view, per dialect: the same columns and the same JSON everywhere. */
function planView(d: Dialect): string {
  const header = 'o.mo_code, o.change_no, o.status_code, o.product_code, o.product_name, o.qty, o.unit, o.due_date, o.priority, o.plant, o.modified_at';
  switch (d) {
    case 'sqlite': {
      const iso = (c: string) => `replace(${c}, ' ', 'T') || '+08:00'`;
      return `CREATE VIEW v_mes_plan AS SELECT ${header},
        (SELECT json_group_array(json_object('opNo', r.op_no, 'opCode', r.op_code, 'description', r.op_name, 'workCentre', r.work_centre,
           'plannedStart', ${iso('r.plan_start')}, 'plannedEnd', ${iso('r.plan_end')}, 'stdTimePerUnitSec', r.std_sec, 'qcSpecRef', r.qc_spec))
         FROM (SELECT * FROM mo_routing WHERE mo_code = o.mo_code ORDER BY op_no) r) AS routing_json,
        (SELECT json_group_array(json_object('materialCode', b.material_code, 'materialName', b.material_name, 'qtyPer', b.qty_per, 'unit', b.unit,
           'issueTolerancePct', b.tolerance_pct, 'opNo', b.op_no))
         FROM (SELECT * FROM mo_bom WHERE mo_code = o.mo_code ORDER BY line_no) b) AS bom_json
        FROM mo_order o`;
    }
    case 'mysql': {
      const iso = (c: string) => `DATE_FORMAT(${c}, '%Y-%m-%dT%H:%i:%s+08:00')`;
      return `CREATE VIEW v_mes_plan AS SELECT ${header},
        (SELECT JSON_ARRAYAGG(JSON_OBJECT('opNo', r.op_no, 'opCode', r.op_code, 'description', r.op_name, 'workCentre', r.work_centre,
           'plannedStart', ${iso('r.plan_start')}, 'plannedEnd', ${iso('r.plan_end')}, 'stdTimePerUnitSec', r.std_sec, 'qcSpecRef', r.qc_spec) ORDER BY r.op_no)
         FROM mo_routing r WHERE r.mo_code = o.mo_code) AS routing_json,
        (SELECT JSON_ARRAYAGG(JSON_OBJECT('materialCode', b.material_code, 'materialName', b.material_name, 'qtyPer', b.qty_per, 'unit', b.unit,
           'issueTolerancePct', b.tolerance_pct, 'opNo', b.op_no) ORDER BY b.line_no)
         FROM mo_bom b WHERE b.mo_code = o.mo_code) AS bom_json
        FROM mo_order o`;
    }
    case 'pg': {
      const iso = (c: string) => `to_char(${c}, 'YYYY-MM-DD"T"HH24:MI:SS"+08:00"')`;
      return `CREATE VIEW v_mes_plan AS SELECT ${header},
        (SELECT json_agg(json_build_object('opNo', r.op_no, 'opCode', r.op_code, 'description', r.op_name, 'workCentre', r.work_centre,
           'plannedStart', ${iso('r.plan_start')}, 'plannedEnd', ${iso('r.plan_end')}, 'stdTimePerUnitSec', r.std_sec, 'qcSpecRef', r.qc_spec) ORDER BY r.op_no)::text
         FROM mo_routing r WHERE r.mo_code = o.mo_code) AS routing_json,
        (SELECT json_agg(json_build_object('materialCode', b.material_code, 'materialName', b.material_name, 'qtyPer', b.qty_per, 'unit', b.unit,
           'issueTolerancePct', b.tolerance_pct, 'opNo', b.op_no) ORDER BY b.line_no)::text
         FROM mo_bom b WHERE b.mo_code = o.mo_code) AS bom_json
        FROM mo_order o`;
    }
  }
}

function dialectOf(db: LegacyDb): Dialect {
  if (db.dialect === 'mssql') throw new Error('The demo legacy ERP schema is written for SQLite, MariaDB/MySQL and PostgreSQL.');
  return db.dialect;
}

/** Creates the legacy ERP's tables, the integration view and the MES staging table in an empty database. */
export async function createLegacyErpSchema(db: LegacyDb): Promise<void> {
  const d = dialectOf(db);
  for (const sql of [...tables(d), planView(d)]) await db.query(sql);
}

/** True when the database already holds the legacy ERP schema (the demo keeps its database between starts). */
export async function hasLegacyErpSchema(db: LegacyDb): Promise<boolean> {
  try {
    await db.query('SELECT COUNT(*) AS n FROM mo_order');
    return true;
  } catch {
    return false;
  }
}

/** An instant as the legacy ERP stores it: Shanghai wall-clock text. */
const local = (iso: string) => formatChangeTime(iso, 'sql', 'Asia/Shanghai');

/**
 * Writes orders the way the legacy ERP's own screens would: header, routing and BOM replaced in one
 * transaction, modified_at stamped with the order's updatedAt.
 */
export async function writeLegacyOrders(db: LegacyDb, orders: readonly ProductionOrder[]): Promise<void> {
  await db.knex.transaction(async (trx) => {
    for (const o of orders) {
      await trx('mo_bom').where({ mo_code: o.orderNo }).delete();
      await trx('mo_routing').where({ mo_code: o.orderNo }).delete();
      await trx('mo_order').where({ mo_code: o.orderNo }).delete();
      await trx('mo_order').insert({
        mo_code: o.orderNo,
        change_no: o.revision,
        status_code: LEGACY_STATUS_CODES[o.status],
        product_code: o.productCode,
        product_name: o.productName ?? null,
        qty: o.quantity,
        unit: o.unit,
        due_date: local(o.dueDate),
        priority: o.priority,
        plant: o.plant,
        modified_at: local(o.updatedAt),
      });
      if (o.operations.length > 0) {
        await trx('mo_routing').insert(
          o.operations.map((op) => ({
            mo_code: o.orderNo,
            op_no: op.opNo,
            op_code: op.opCode,
            op_name: op.description ?? null,
            work_centre: op.workCentre,
            plan_start: local(op.plannedStart),
            plan_end: local(op.plannedEnd),
            std_sec: op.stdTimePerUnitSec,
            qc_spec: op.qcSpecRef ?? null,
          })),
        );
      }
      if (o.bom.length > 0) {
        await trx('mo_bom').insert(
          o.bom.map((line, i) => ({
            mo_code: o.orderNo,
            line_no: (i + 1) * 10,
            material_code: line.materialCode,
            material_name: line.materialName ?? null,
            qty_per: line.qtyPer,
            unit: line.unit,
            tolerance_pct: line.issueTolerancePct ?? 0,
            op_no: line.opNo ?? null,
          })),
        );
      }
    }
  });
}
