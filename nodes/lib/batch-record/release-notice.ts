// What the ERP is told when QA releases a batch record (schemas/batch-release.schema.json), once per version.
import type { BatchRecordView } from './desk';

export const releaseNoticeKey = (orderNo: string, version: number): string => `batch-release:${orderNo}:v${version}`;

export const certificateNumber = (orderNo: string, version: number): string => `CoC-${orderNo}-v${version}`;

export function batchReleaseNotice(view: BatchRecordView): Record<string, unknown> {
  const released = view.lifecycle.released;
  if (!released) throw new Error(`The batch record of ${view.orderNo} is not released: there is no release to tell the ERP of.`);
  const version = view.lifecycle.version;
  const review = view.lifecycle.signatures.filter((s) => s.meaning === 'reviewed' && s.version === version).pop();
  const header = released.record.header;
  const sign = (s: { signer: string; signedAt: string; reason: string } | undefined) => s && { signer: s.signer, signedAt: s.signedAt, reason: s.reason };
  return {
    orderNo: view.orderNo,
    version,
    recordHash: released.recordHash,
    certificateNo: certificateNumber(view.orderNo, version),
    ...(header.productCode !== undefined && { productCode: header.productCode }),
    batches: header.batches,
    goodQty: header.goodQty,
    scrapQty: header.scrapQty,
    ...(header.unit !== undefined && { unit: header.unit }),
    ...(header.site !== undefined && { site: header.site }),
    deviations: view.findings.filter((f) => f.kind === 'deviation').length,
    reviewed: sign(review),
    released: sign(released.signature),
  };
}
