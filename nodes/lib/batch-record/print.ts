// The batch record and its certificate of conformance as print-ready HTML (A4, page breaks, repeated table
// headers, page numbers), in Chinese or English. A browser prints it or saves it as PDF; nothing to install.
import { formatChangeTime } from '../time-format';
import { findingText } from './findings';
import { certificateNumber } from './release-notice';
import { PRINT_WORDS, escapeHtml as e, fill, printStyle, type PrintLanguage } from './print-words';
import type { BatchRecord, LifecycleStatus, RecordFinding, RecordLifecycle, RecordSignature } from './types';

export interface PrintContext {
  language: PrintLanguage;
  /** The plant's time zone: every time is printed as its wall clock. */
  timeZone: string;
  status: LifecycleStatus;
  lifecycle: RecordLifecycle;
  findings: readonly RecordFinding[];
  recordHash: string;
  printedAt: string;
}

const time = (instant: string | undefined, zone: string): string => (instant ? formatChangeTime(instant, 'sql', zone).slice(0, 16) : '');
const num = (n: number | undefined): string => (n === undefined ? '' : n.toLocaleString('en-US', { maximumFractionDigits: 3 }));

function table(head: string[], rows: string[][], numeric: number[] = []): string {
  return `<table><thead><tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => `<td${numeric.includes(i) ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function signatureRows(signatures: readonly RecordSignature[], ctx: PrintContext): string[][] {
  const w = PRINT_WORDS[ctx.language];
  return signatures.map((s) => [e(w.meanings[s.meaning] ?? s.meaning), e(s.signer), e(time(s.signedAt, ctx.timeZone)), e(s.reason), `v${s.version}`, `<span class="fingerprint">${e(s.recordHash.slice(0, 16))}…</span>`]);
}

export function batchRecordHtml(record: BatchRecord, ctx: PrintContext): string {
  const w = PRINT_WORDS[ctx.language];
  const h = record.header;
  const z = ctx.timeZone;
  const product = [h.productCode, h.productName].filter(Boolean).join(' · ');
  const meta: Array<[string, string]> = [
    [w.order, e(record.orderNo)],
    [w.product, e(product)],
    [w.batch, e(h.batches.join(', '))],
    [w.planned, `${e(num(h.plannedQty))} ${e(h.unit)}`],
    [w.made, `${e(num(h.goodQty))} ${e(h.unit)}`],
    [w.scrap, `${e(num(h.scrapQty))} ${e(h.unit)}`],
    [w.due, e(time(h.dueDate, z) || h.dueDate)],
    [w.site, e(h.site)],
    [w.started, e(time(h.startedAt, z))],
    [w.ended, e(time(h.endedAt, z))],
    [w.revision, e(h.revision)],
    [w.version, `v${ctx.lifecycle.version}`],
    [w.status, `<span class="badge">${e(w.statuses[ctx.status] ?? ctx.status)}</span>`],
    [w.fingerprint, `<span class="fingerprint">${e(ctx.recordHash)}</span>`],
    [w.timesIn, e(z)],
  ];
  const findings = ctx.findings.length
    ? table(
        [w.kind, w.finding],
        ctx.findings.map((f) => [`<span class="${f.kind}">${e(f.kind === 'gap' ? w.gap : w.deviation)}</span>`, e(findingText(f, ctx.language))]),
      )
    : `<p>${e(w.noFindings)}</p>`;
  const operations = table(
    [w.op, w.description, w.equipment, w.operators, w.start, w.end, w.good, w.scrap, w.reports, w.inspections, w.gauges],
    record.operations.map((op) => [
      e(op.opNo),
      e([op.operationCode, op.description].filter(Boolean).join(' ')),
      e(`${op.plannedEquipment ?? ''} → ${op.equipment.join(', ')}`),
      e(op.operators.join(', ')),
      e(time(op.startedAt, z)),
      e(time(op.endedAt, z)),
      e(num(op.goodQty)),
      e(num(op.scrapQty)),
      e(op.reports),
      `${op.passed} / ${op.failed}`,
      e(op.gauges.join(', ')),
    ]),
    [6, 7, 8],
  );
  const failed = record.operations.flatMap((op) => op.failedInspections.map((i) => [e(op.opNo), e(i.traceCode), e(i.defectCode), e(i.inspector), e(i.gaugeId), e(time(i.at, z))]));
  const materials = record.materials.map((m) => [e(m.requisitionId), e(m.opNo), e(m.materialCode), e(m.lot), e(num(m.qty)), e(m.unit), e(time(m.issuedAt, z))]);
  const exceptions = record.exceptions.map((x) => [
    e(x.id),
    e(w.terms[x.type] ?? x.type),
    e(w.terms[x.severity] ?? x.severity),
    e(w.terms[x.state] ?? x.state),
    e(time(x.raisedAt, z)),
    e(x.resolved ? `${x.resolved.by}: ${x.resolved.note}` : x.acknowledged ? `${x.acknowledged.by}: ${x.acknowledged.note}` : ''),
  ]);
  const decisions = record.approvals.map((a) => [e(a.subjectId), e(w.meanings[a.meaning] ?? a.meaning), e(a.signer), e(time(a.signedAt, z)), e(a.reason)]);
  const none = `<p>${e(w.none)}</p>`;
  const footer = `${w.record} ${record.orderNo} v${ctx.lifecycle.version} · ${ctx.recordHash.slice(0, 12)}`;
  return `<!DOCTYPE html>
<html lang="${ctx.language}"><head><meta charset="utf-8"><title>${e(w.record)} ${e(record.orderNo)}</title>
<style>${printStyle(w, footer)}</style></head><body>
<h1>${e(w.record)} · ${e(record.orderNo)}</h1>
<table class="meta"><tbody>${meta.map(([k, v]) => `<tr><td>${e(k)}</td><td>${v}</td></tr>`).join('')}</tbody></table>
<h2>${e(w.findings)}</h2>${findings}
<h2>${e(w.operations)}</h2>${record.operations.length ? operations : none}
<h2>${e(w.failedInspections)}</h2>${failed.length ? table([w.op, w.unit, w.defect, w.inspector, w.gauges, w.at], failed) : none}
<h2>${e(w.materials)}</h2>${materials.length ? table([w.requisition, w.op, w.material, w.lot, w.qty, w.unit, w.issued], materials, [4]) : none}
<h2>${e(w.exceptions)}</h2>${exceptions.length ? table(['ID', w.type, w.severity, w.status, w.raised, w.resolution], exceptions) : none}
<h2>${e(w.decisions)}</h2>${decisions.length ? table([w.requisition, w.meaning, w.signer, w.signedAt, w.reason], decisions) : none}
<h2>${e(w.signatures)}</h2>${ctx.lifecycle.signatures.length ? `<div class="signatures">${table([w.meaning, w.signer, w.signedAt, w.reason, w.version, w.fingerprint], signatureRows(ctx.lifecycle.signatures, ctx))}</div>` : none}
<p>${e(w.generated)}: ${e(time(ctx.printedAt, z))} (${e(z)})</p>
</body></html>`;
}

/** The certificate of conformance of a released record; undefined when the record is not released. */
export function certificateHtml(record: BatchRecord, ctx: PrintContext): string | undefined {
  const released = ctx.lifecycle.released;
  if (ctx.status !== 'released' || !released) return undefined;
  const w = PRINT_WORDS[ctx.language];
  const h = released.record.header;
  const review = ctx.lifecycle.signatures.filter((s) => s.meaning === 'reviewed' && s.version === ctx.lifecycle.version).pop();
  const number = certificateNumber(record.orderNo, ctx.lifecycle.version);
  const statement = fill(w.statement, {
    batch: h.batches.join(', ') || record.orderNo,
    product: [h.productCode, h.productName].filter(Boolean).join(' '),
    qty: num(h.goodQty),
    unit: h.unit,
    order: record.orderNo,
    site: h.site,
  });
  const block = (label: string, s: RecordSignature | undefined) =>
    s ? `<tr><td>${e(label)}</td><td>${e(s.signer)}</td><td>${e(w.meanings[s.meaning] ?? s.meaning)}</td><td>${e(time(s.signedAt, ctx.timeZone))}</td><td>${e(s.reason)}</td></tr>` : '';
  const footer = `${w.certificate} ${number} · ${released.recordHash.slice(0, 12)}`;
  return `<!DOCTYPE html>
<html lang="${ctx.language}"><head><meta charset="utf-8"><title>${e(w.certificate)} ${e(number)}</title>
<style>${printStyle(w, footer)} .statement { font-size: 12pt; line-height: 1.7; margin: 8mm 0; }</style></head><body>
<h1>${e(w.certificate)}</h1>
<table class="meta"><tbody>
<tr><td>${e(w.certificateNo)}</td><td>${e(number)}</td></tr>
<tr><td>${e(w.product)}</td><td>${e([h.productCode, h.productName].filter(Boolean).join(' · '))}</td></tr>
<tr><td>${e(w.batch)}</td><td>${e(h.batches.join(', '))}</td></tr>
<tr><td>${e(w.made)}</td><td>${e(num(h.goodQty))} ${e(h.unit)}</td></tr>
<tr><td>${e(w.order)}</td><td>${e(record.orderNo)}</td></tr>
<tr><td>${e(w.site)}</td><td>${e(h.site)}</td></tr>
<tr><td>${e(w.started)} / ${e(w.ended)}</td><td>${e(time(h.startedAt, ctx.timeZone))} — ${e(time(h.endedAt, ctx.timeZone))}</td></tr>
<tr><td>${e(w.fingerprint)}</td><td><span class="fingerprint">${e(released.recordHash)}</span></td></tr>
</tbody></table>
<p class="statement">${e(statement)}</p>
<h2>${e(w.signatures)}</h2>
<table class="signatures"><thead><tr><th></th><th>${e(w.signer)}</th><th>${e(w.meaning)}</th><th>${e(w.signedAt)}</th><th>${e(w.reason)}</th></tr></thead><tbody>
${block(w.reviewedBy, review)}${block(w.releasedBy, released.signature)}
</tbody></table>
<p>${e(w.generated)}: ${e(time(ctx.printedAt, ctx.timeZone))} (${e(ctx.timeZone)})</p>
</body></html>`;
}
