// Production reports (生产汇报单, PRD_MORPT) as DynamicFormService.Save takes them: a Model with
// the header and an FEntity array, checked as K/3 Cloud checks required fields (MsgCode 11),
// every accepted save kept (K/3 Cloud has no idempotency key), found again by ExecuteBillQuery (a client keeps its
// key in the stock note FDescription; F_PAEZ_MESReportNo exists on an extended install only).
import { FieldCatalogue, formatServerTime, parseServerTime, type Row } from './kingdee-query';
import type { BillBook } from './kingdee-forms';
import type { ProductionOrder } from '../types';

const REPORT_STOCK = {
  FID: 'number',
  FBillNo: 'string',
  FDate: 'datetime',
  FDocumentStatus: 'string',
  'FPrdOrgId.FNumber': 'string',
  FCreateDate: 'datetime',
  FModifyDate: 'datetime',
  FDescription: 'string',
  FEntity_FEntryID: 'number',
  FEntity_FSeq: 'number',
  'FMaterialId.FNumber': 'string',
  'FUnitID.FNumber': 'string',
  FFinishQty: 'number',
  FQuaQty: 'number',
  FFailQty: 'number',
  FMoBillNo: 'string',
  FMoEntrySeq: 'number',
  FMoId: 'number',
  FMoEntryId: 'number',
} as const;
export const REPORT_FIELDS = new FieldCatalogue({ ...REPORT_STOCK });
// One customer's BOS extension for the MES report number (what the old preset wrote).
export const REPORT_FIELDS_EXTENDED = new FieldCatalogue({ ...REPORT_STOCK, F_PAEZ_MESReportNo: 'string' });

export interface SaveError {
  FieldName: string | null;
  Message: string;
  DIndex: number;
}

interface StoredReport {
  fid: number;
  billNo: string;
  createdMs: number;
  modifiedMs: number;
  header: Row;
  lines: Row[];
}

/** Reads a model key case-insensitively, as K/3 Cloud binds Model JSON to its metadata. */
function pick(obj: Record<string, unknown>, key: string): unknown {
  const found = Object.keys(obj).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : obj[found];
}

/** A base-data reference: K/3 Cloud takes {"FNumber": "…"} (or {"FNUMBER": …}). */
function numberOf(ref: unknown): string | undefined {
  if (ref && typeof ref === 'object' && !Array.isArray(ref)) {
    const n = pick(ref as Record<string, unknown>, 'FNumber');
    if (typeof n === 'string' && n.trim() !== '') return n;
  }
  return undefined;
}

function quantity(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

export class ReportBook {
  private readonly reports: StoredReport[] = [];
  private nextFid = 100001;
  private nextEntryId = 100001;

  constructor(private readonly timeZone: string) {}

  /**
   * Saves one model. FID 0/absent makes a new bill; an existing FID rewrites that bill.
   * Returns the errors K/3 Cloud would list, or the saved bill's id and number.
   */
  save(model: unknown, nowMs: number, book: BillBook, orders: Map<string, ProductionOrder>, plants: Set<string>): { errors: SaveError[] } | { id: number; number: string } {
    if (!model || typeof model !== 'object' || Array.isArray(model)) {
      return { errors: [{ FieldName: null, Message: '参数 Model 不能为空，应为生产汇报单的数据包对象。', DIndex: 0 }] };
    }
    const m = model as Record<string, unknown>;
    const errors: SaveError[] = [];
    const org = numberOf(pick(m, 'FPrdOrgId'));
    if (!org) errors.push({ FieldName: 'FPrdOrgId', Message: '字段“生产组织”是必填项。', DIndex: 0 });
    else if (!plants.has(org)) errors.push({ FieldName: 'FPrdOrgId', Message: `生产组织编码“${org}”不存在或未审核。`, DIndex: 0 });
    const dateText = pick(m, 'FDate');
    const dateMs = dateText === undefined || dateText === '' ? nowMs : parseServerTime(String(dateText), this.timeZone);
    if (dateMs === undefined) errors.push({ FieldName: 'FDate', Message: `字段“单据日期”的值“${String(dateText)}”不是有效的日期。`, DIndex: 0 });
    const fidValue = quantity(pick(m, 'FID')) ?? 0;
    const existing = fidValue ? this.reports.find((r) => r.fid === fidValue) : undefined;
    if (fidValue && !existing) errors.push({ FieldName: 'FID', Message: `内码为${fidValue}的生产汇报单不存在，可能已被删除。`, DIndex: 0 });
    const entity = pick(m, 'FEntity');
    if (!Array.isArray(entity) || entity.length === 0) {
      errors.push({ FieldName: 'FEntity', Message: '单据体“明细”至少需要录入一行。', DIndex: 0 });
    }
    const lines: Row[] = [];
    (Array.isArray(entity) ? entity : []).forEach((raw, i) => {
      const row = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
      const at = `第${i + 1}行`;
      const material = numberOf(pick(row, 'FMaterialId'));
      const moBillNo = pick(row, 'FMoBillNo');
      const moSeq = quantity(pick(row, 'FMoEntrySeq'));
      const finish = quantity(pick(row, 'FFinishQty'));
      const good = quantity(pick(row, 'FQuaQty')) ?? finish;
      const failed = quantity(pick(row, 'FFailQty')) ?? 0;
      if (!material) errors.push({ FieldName: 'FMaterialId', Message: `${at}字段“物料编码”是必填项。`, DIndex: 0 });
      if (typeof moBillNo !== 'string' || moBillNo === '') errors.push({ FieldName: 'FMoBillNo', Message: `${at}字段“生产订单编号”是必填项。`, DIndex: 0 });
      if (moSeq === undefined) errors.push({ FieldName: 'FMoEntrySeq', Message: `${at}字段“生产订单行号”是必填项。`, DIndex: 0 });
      if (finish === undefined || finish <= 0) errors.push({ FieldName: 'FFinishQty', Message: `${at}字段“完成数量”必须大于0。`, DIndex: 0 });
      else if (good !== undefined && Math.abs(good + failed - finish) > 1e-9) {
        errors.push({ FieldName: 'FFinishQty', Message: `${at}完成数量(${finish})应等于合格数量(${good})与不合格数量(${failed})之和。`, DIndex: 0 });
      }
      const line = typeof moBillNo === 'string' && moSeq !== undefined ? book.find(moBillNo, moSeq) : undefined;
      if (typeof moBillNo === 'string' && moBillNo !== '' && moSeq !== undefined && !line) {
        errors.push({ FieldName: 'FMoBillNo', Message: `${at}生产订单“${moBillNo}”第${moSeq}行不存在。`, DIndex: 0 });
      }
      const order = line ? orders.get(line.orderNo) : undefined;
      if (order && material && material.toUpperCase() !== order.productCode.toUpperCase()) {
        errors.push({ FieldName: 'FMaterialId', Message: `${at}物料“${material}”与生产订单“${line?.billNo}”第${moSeq}行的物料“${order.productCode}”不一致。`, DIndex: 0 });
      }
      lines.push({
        FEntity_FEntryID: 0,
        FEntity_FSeq: i + 1,
        'FMaterialId.FNumber': material ?? null,
        'FUnitID.FNumber': numberOf(pick(row, 'FUnitID')) ?? order?.unit ?? null,
        FFinishQty: finish ?? null,
        FQuaQty: good ?? null,
        FFailQty: failed,
        FMoBillNo: line?.billNo ?? moBillNo ?? null,
        FMoEntrySeq: moSeq ?? null,
        FMoId: line?.fid ?? 0,
        FMoEntryId: line?.entryId ?? 0,
      });
    });
    if (errors.length > 0) return { errors };
    for (const line of lines) line.FEntity_FEntryID = this.nextEntryId++;
    const header: Row = {
      'FPrdOrgId.FNumber': org,
      FDate: `${formatServerTime(dateMs as number, this.timeZone).slice(0, 10)}T00:00:00`,
      FDocumentStatus: 'A',
      // F_PAEZ_MESReportNo is kept for an extended install only (REPORT_FIELDS_EXTENDED); a stock one cannot query it.
      FDescription: stringOrBlank(pick(m, 'FDescription')),
      F_PAEZ_MESReportNo: stringOrBlank(pick(m, 'F_PAEZ_MESReportNo')),
    };
    if (existing) {
      Object.assign(existing, { header, lines, modifiedMs: nowMs });
      return { id: existing.fid, number: existing.billNo };
    }
    const fid = this.nextFid++;
    const stored: StoredReport = { fid, billNo: `SCHB${String(fid - 100000).padStart(6, '0')}`, createdMs: nowMs, modifiedMs: nowMs, header, lines };
    this.reports.push(stored);
    return { id: stored.fid, number: stored.billNo };
  }

  rows(): Row[] {
    return this.reports.flatMap((r) =>
      r.lines.map((line) => ({
        FID: r.fid,
        FBillNo: r.billNo,
        FCreateDate: formatServerTime(r.createdMs, this.timeZone),
        FModifyDate: formatServerTime(r.modifiedMs, this.timeZone),
        ...r.header,
        ...line,
      })),
    );
  }
}

function stringOrBlank(value: unknown): string {
  return typeof value === 'string' ? value : ' ';
}
