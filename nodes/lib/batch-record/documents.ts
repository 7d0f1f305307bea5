// What the REST API and the batch-record node both answer: the list of orders with their record status, and a
// printed document (the record, or the certificate of a released record) in the reader's language.
import { findingText } from './findings';
import { PRINT_WORDS, fill, type PrintLanguage } from './print-words';
import { batchRecordHtml, certificateHtml } from './print';
import type { RegisteredBatchDesk } from './registry';
import type { BatchRecordView } from './desk';

/** The most orders one list carries (newest order numbers first). */
const LIST_LIMIT = 200;

export interface BatchRecordSummary {
  orderNo: string;
  status: BatchRecordView['status'];
  version: number;
  productCode?: string;
  productName?: string;
  goodQty: number;
  plannedQty?: number;
  unit?: string;
  gaps: number;
  deviations: number;
  endedAt?: string;
}

export async function batchRecordList(desk: RegisteredBatchDesk): Promise<BatchRecordSummary[]> {
  const orders = (await desk.orders()).slice(0, LIST_LIMIT);
  return Promise.all(
    orders.map(async (orderNo) => {
      const view = await desk.desk.view(orderNo);
      const h = view.record.header;
      return {
        orderNo,
        status: view.status,
        version: view.lifecycle.version,
        ...(h.productCode !== undefined && { productCode: h.productCode }),
        ...(h.productName !== undefined && { productName: h.productName }),
        goodQty: h.goodQty,
        ...(h.plannedQty !== undefined && { plannedQty: h.plannedQty }),
        ...(h.unit !== undefined && { unit: h.unit }),
        gaps: view.findings.filter((f) => f.kind === 'gap').length,
        deviations: view.findings.filter((f) => f.kind === 'deviation').length,
        ...(h.endedAt !== undefined && { endedAt: h.endedAt }),
      };
    }),
  );
}

/** The view with each finding's sentence in both languages (the pages show the reader's). */
export function viewWithTexts(view: BatchRecordView) {
  return { ...view, findings: view.findings.map((f) => ({ ...f, text: { 'en-US': findingText(f, 'en-US'), 'zh-CN': findingText(f, 'zh-CN') } })) };
}

export type PrintedDocument = { ok: true; html: string } | { ok: false; error: string };

export async function printBatchDocument(desk: RegisteredBatchDesk, orderNo: string, document: 'record' | 'certificate', language: PrintLanguage): Promise<PrintedDocument> {
  const view = await desk.desk.view(orderNo);
  const ctx = { language, timeZone: desk.timeZone, status: view.status, lifecycle: view.lifecycle, findings: view.findings, recordHash: view.recordHash, printedAt: new Date().toISOString() };
  const html = document === 'record' ? batchRecordHtml(view.record, ctx) : certificateHtml(view.record, ctx);
  return html ? { ok: true, html } : { ok: false, error: fill(PRINT_WORDS[language].notReleased, { order: orderNo }) };
}
