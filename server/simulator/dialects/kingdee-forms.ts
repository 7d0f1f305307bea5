// A stock install, after Kingdee's published WebAPI forms (PRD_MO 生产订单, SFC_OperationPlanning 工序计划,
// PRD_PPBOM 生产用料清单, PRD_MORPT 生产汇报单; field keys as the K/3 Cloud WebAPI documentation and
// QueryBusinessInfo list them). No F_PAEZ_ fields: those are one customer's BOS extensions (F_PAEZ_ is the
// default developer prefix); `extensions: true` adds the two the old preset read, for an extended install.
// The simulated plant's production orders as K/3 Cloud stores them: PRD_MO bills (生产订单) whose
// entry lines (FTreeEntity) are one MES order each, their routing in SFC_OperationPlanning
// (工序计划, one per line) and their components in PRD_PPBOM (生产用料清单, one per line).
// Header fields (FModifyDate above all) belong to the bill: a change to one line touches them all.
import type { ProductionOrder } from '../types';
import { FieldCatalogue, formatServerTime, type Row } from './kingdee-query';

export const LINES_PER_BILL = 3;

const UNIT_NAMES: Record<string, string> = { PCS: '个', KG: '千克', M: '米', BOX: '箱' };
const ORG_NAMES: Record<string, string> = { '1010': '苏州工厂' };
/** Line FStatus (业务状态): 1 计划, 2 计划确认, 3 下达, 4 开工, 5 完工, 6 结案, 7 结算. */
const LINE_STATUS: Record<string, string> = { created: '1', released: '3', completed: '5', closed: '6', cancelled: '6' };

const MO_STOCK = {
  FID: 'number',
  FBillNo: 'string',
  FDate: 'datetime',
  FDocumentStatus: 'string',
  'FBillType.FNumber': 'string',
  'FPrdOrgId.FNumber': 'string',
  'FPrdOrgId.FName': 'string',
  FCreateDate: 'datetime',
  FModifyDate: 'datetime',
  FApproveDate: 'datetime',
  FTreeEntity_FEntryId: 'number',
  FTreeEntity_FSeq: 'number',
  'FMaterialId.FNumber': 'string',
  'FMaterialId.FName': 'string',
  'FMaterialId.FSpecification': 'string',
  'FUnitId.FNumber': 'string',
  'FUnitId.FName': 'string',
  FQty: 'number',
  FPlanStartDate: 'datetime',
  FPlanFinishDate: 'datetime',
  FStatus: 'string',
  'FWorkShopID.FNumber': 'string',
  'FWorkShopID.FName': 'string',
} as const;
export const MO_FIELDS = new FieldCatalogue({ ...MO_STOCK });
// A plant's own BOS extension field (K/3 Cloud has no standard order priority).
export const MO_FIELDS_EXTENDED = new FieldCatalogue({ ...MO_STOCK, F_PAEZ_Priority: 'number' });

const OPERATION_PLAN_STOCK = {
  FID: 'number',
  FBillNo: 'string',
  FModifyDate: 'datetime',
  FMONumber: 'string',
  FMOEntrySeq: 'number',
  FMOEntryId: 'number',
  'FProductId.FNumber': 'string',
  FSubEntity_FDetailID: 'number',
  FOperNumber: 'number',
  'FProcessId.FNumber': 'string',
  'FProcessId.FName': 'string',
  FOperDescription: 'string',
  'FWorkCenterId.FNumber': 'string',
  FOperPlanStartTime: 'datetime',
  FOperPlanFinishTime: 'datetime',
  FActivity1Qty: 'number',
  'FActivity1UnitID.FNumber': 'string',
} as const;
export const OPERATION_PLAN_FIELDS = new FieldCatalogue({ ...OPERATION_PLAN_STOCK });
export const OPERATION_PLAN_FIELDS_EXTENDED = new FieldCatalogue({ ...OPERATION_PLAN_STOCK, F_PAEZ_QCSpec: 'string' });

export const PPBOM_FIELDS = new FieldCatalogue({
  FID: 'number',
  FBillNo: 'string',
  FModifyDate: 'datetime',
  FMOBillNO: 'string',
  FMOEntrySeq: 'number',
  FMOEntryID: 'number',
  'FMaterialID.FNumber': 'string',
  FQty: 'number',
  FEntity_FEntryID: 'number',
  FEntity_FSeq: 'number',
  'FMaterialID2.FNumber': 'string',
  'FMaterialID2.FName': 'string',
  'FUnitID2.FNumber': 'string',
  FNumerator: 'number',
  FDenominator: 'number',
  FMustQty: 'number',
  FOperID: 'number',
  FScrapRate: 'number',
});

/** Where one canonical order lives in K/3 Cloud. */
export interface MoLine {
  orderNo: string;
  fid: number;
  billNo: string;
  seq: number;
  entryId: number;
  billCreatedMs: number;
}

/**
 * Assigns each order a bill and line the first time it is seen, in order-number order, filling a
 * bill up to LINES_PER_BILL lines before opening the next; once given, a place never moves.
 */
export class BillBook {
  private readonly lines = new Map<string, MoLine>();
  private open: { fid: number; billNo: string; used: number; createdMs: number } | undefined;
  private nextFid = 100001;
  private nextEntryId = 100001;

  place(orders: ProductionOrder[]): MoLine[] {
    return orders.map((order) => {
      const known = this.lines.get(order.orderNo);
      if (known) return known;
      if (!this.open || this.open.used >= LINES_PER_BILL) {
        const fid = this.nextFid++;
        this.open = { fid, billNo: `MO${String(fid - 100000).padStart(6, '0')}`, used: 0, createdMs: msOf(order.updatedAt) };
      }
      const line: MoLine = { orderNo: order.orderNo, fid: this.open.fid, billNo: this.open.billNo, seq: ++this.open.used, entryId: this.nextEntryId++, billCreatedMs: this.open.createdMs };
      this.lines.set(order.orderNo, line);
      return line;
    });
  }

  find(billNo: string, seq: number): MoLine | undefined {
    for (const line of this.lines.values()) if (line.billNo.toUpperCase() === billNo.toUpperCase() && line.seq === seq) return line;
    return undefined;
  }

  /** The simulator's order numbers on the same PRD_MO bill as this one (itself included), once placed. */
  billMates(orderNo: string): string[] {
    const fid = this.lines.get(orderNo)?.fid;
    return fid === undefined ? [] : [...this.lines.values()].filter((l) => l.fid === fid).map((l) => l.orderNo);
  }

  /** The simulator's order number for a bill line, e.g. MO000002 line 1 → MO-2026-0004. */
  orderNoOf(billNo: string, seq: number): string | undefined {
    return this.find(billNo, seq)?.orderNo;
  }
}

function msOf(iso: unknown): number {
  const ms = Date.parse(String(iso));
  return Number.isNaN(ms) ? 0 : ms;
}

/** One snapshot of the three forms, built from the ERP's current orders. */
/**
 * `unaudited` holds orders whose bill stays short of audited (A 创建, B 审核中, D 重新审核) whatever its lines
 * say: a planner saved or submitted it, or an auditor took the audit back.
 */
export function orderForms(orders: ProductionOrder[], book: BillBook, timeZone: string, unaudited: ReadonlyMap<string, 'A' | 'B' | 'D'> = new Map()): { mo: Row[]; operations: Row[]; ppbom: Row[] } {
  const lines = book.place(orders);
  const at = (iso: unknown) => formatServerTime(msOf(iso), timeZone);
  // FModifyDate is a header field: the bill's last change is the latest change of any of its lines.
  const billModified = new Map<number, number>();
  const billStarted = new Map<number, boolean>();
  orders.forEach((order, i) => {
    const fid = lines[i].fid;
    billModified.set(fid, Math.max(billModified.get(fid) ?? 0, msOf(order.updatedAt)));
    if (order.status !== 'created') billStarted.set(fid, true);
  });
  const billHeld = new Map<number, string>();
  orders.forEach((order, i) => {
    const held = unaudited.get(order.orderNo);
    if (held) billHeld.set(lines[i].fid, held);
  });
  const mo: Row[] = [];
  const operations: Row[] = [];
  const ppbom: Row[] = [];
  orders.forEach((order, i) => {
    const line = lines[i];
    const modified = formatServerTime(billModified.get(line.fid) ?? 0, timeZone);
    const created = formatServerTime(line.billCreatedMs, timeZone);
    const ops = Array.isArray(order.operations) ? order.operations : [];
    mo.push({
      FID: line.fid,
      FBillNo: line.billNo,
      FDate: `${created.slice(0, 10)}T00:00:00`,
      FDocumentStatus: billHeld.get(line.fid) ?? (billStarted.get(line.fid) ? 'C' : 'A'),
      'FBillType.FNumber': 'SCDD01_SYS',
      'FPrdOrgId.FNumber': order.plant,
      'FPrdOrgId.FName': ORG_NAMES[order.plant] ?? order.plant,
      FCreateDate: created,
      FModifyDate: modified,
      FApproveDate: billStarted.get(line.fid) && !billHeld.has(line.fid) ? modified : null,
      FTreeEntity_FEntryId: line.entryId,
      FTreeEntity_FSeq: line.seq,
      'FMaterialId.FNumber': order.productCode,
      'FMaterialId.FName': order.productName ?? '',
      'FMaterialId.FSpecification': ' ',
      'FUnitId.FNumber': order.unit,
      'FUnitId.FName': UNIT_NAMES[order.unit] ?? order.unit,
      FQty: order.quantity,
      FPlanStartDate: ops[0] ? at(ops[0].plannedStart) : null,
      FPlanFinishDate: at(order.dueDate),
      FStatus: LINE_STATUS[order.status] ?? '1',
      'FWorkShopID.FNumber': 'CJ01',
      'FWorkShopID.FName': '无菌组装车间',
      F_PAEZ_Priority: order.priority,
    });
    const planFid = 200000 + line.entryId;
    ops.forEach((op, j) => {
      operations.push({
        FID: planFid,
        FBillNo: `GXJH${String(line.entryId - 100000).padStart(6, '0')}`,
        FModifyDate: modified,
        FMONumber: line.billNo,
        FMOEntrySeq: line.seq,
        FMOEntryId: line.entryId,
        'FProductId.FNumber': order.productCode,
        FSubEntity_FDetailID: planFid * 100 + j + 1,
        FOperNumber: Number(op.opNo),
        'FProcessId.FNumber': op.opCode,
        'FProcessId.FName': op.description ?? '',
        FOperDescription: op.description ?? '',
        'FWorkCenterId.FNumber': op.workCentre,
        FOperPlanStartTime: at(op.plannedStart),
        FOperPlanFinishTime: at(op.plannedEnd),
        FActivity1Qty: op.stdTimePerUnitSec,
        'FActivity1UnitID.FNumber': 's',
        F_PAEZ_QCSpec: op.qcSpecRef ?? ' ',
      });
    });
    const bomFid = 300000 + line.entryId;
    (Array.isArray(order.bom) ? order.bom : []).forEach((component, j) => {
      const [numerator, denominator] = fraction(component.qtyPer);
      ppbom.push({
        FID: bomFid,
        FBillNo: `PPBOM${String(line.entryId - 100000).padStart(6, '0')}`,
        FModifyDate: modified,
        FMOBillNO: line.billNo,
        FMOEntrySeq: line.seq,
        FMOEntryID: line.entryId,
        'FMaterialID.FNumber': order.productCode,
        FQty: order.quantity,
        FEntity_FEntryID: bomFid * 100 + j + 1,
        FEntity_FSeq: j + 1,
        'FMaterialID2.FNumber': component.materialCode,
        'FMaterialID2.FName': component.materialName ?? '',
        'FUnitID2.FNumber': component.unit,
        FNumerator: numerator,
        FDenominator: denominator,
        FMustQty: round6(component.qtyPer * order.quantity),
        FOperID: component.opNo === undefined ? 0 : Number(component.opNo),
        FScrapRate: component.issueTolerancePct ?? 0,
      });
    });
  });
  return { mo, operations, ppbom };
}

/** Usage as 分子/分母 the way a BOM engineer enters it: 0.014 kg per set → 14 / 1000. */
function fraction(qtyPer: number): [number, number] {
  if (Number.isInteger(qtyPer)) return [qtyPer, 1];
  return [round6(qtyPer * 1000), 1000];
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
