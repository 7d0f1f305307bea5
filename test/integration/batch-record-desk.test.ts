// The batch record of one order, assembled from a trace answer, exceptions and the audit trail, reviewed and
// released by electronic signature in a real audit chain (the bridge store's SQLite file): gaps block review,
// the release needs a second person, a released record is frozen, and a later change of a fact is detected.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { auditLogFor, type AuditLog } from '../../nodes/lib/audit/log';
import { BatchRecordDesk, certificateHtml, batchRecordHtml, findingText, recordHash, type BatchRecordSourcesOf, type RecordSignature } from '../../nodes/lib/batch-record';
import type { ExceptionRecordState } from '../../nodes/lib/escalation/types';
import { SqliteStore } from '../../nodes/lib/stores/sqlite-store';
import type { TraceAnswer, TracedReport } from '../../nodes/lib/trace/types';
import { tempDir } from '../support/temp';

const report = (eventId: string, status: TracedReport['status'], goodQty: number, scrapQty: number, at: string, equipment = 'EQ-EXTR-01'): TracedReport => ({
  eventId,
  traceCode: 'LOT-0001',
  equipment,
  operator: 'OP-07',
  status,
  goodQty,
  scrapQty,
  at,
});

/** MO-0001: 100 PCS, two operations; 0020 still running unless `finished`. */
function traceOf(finished: boolean): TraceAnswer {
  return {
    code: 'MO-0001',
    matches: { reports: 0, inspections: 0 },
    order: { orderNo: 'MO-0001', planned: true, revision: 3, status: 'released', materialCode: 'FG-100234', productName: '一次性使用输液器', plannedQty: 100, unit: 'PCS', dueDate: '2026-12-09T17:00:00+08:00', site: '1010' },
    operations: [
      {
        opNo: '0010',
        operationCode: 'EXTR',
        description: '挤出',
        plannedEquipment: 'EQ-EXTR-01',
        equipment: ['EQ-EXTR-01'],
        operators: ['OP-07'],
        startedAt: '2026-12-08T08:00:00+08:00',
        endedAt: '2026-12-08T10:00:00+08:00',
        status: 'completed',
        goodQty: 100,
        scrapQty: 2,
        passed: 3,
        failed: 1,
        gauges: ['G-11'],
        reports: [report('r1', 'running', 50, 1, '2026-12-08T09:00:00+08:00'), report('r2', 'completed', 50, 1, '2026-12-08T10:00:00+08:00')],
        inspections: [{ recordId: 'QC-1', traceCode: 'U-0001-0007', result: 'fail', defectCode: 'D-APPEARANCE', inspector: 'QC-LI', gaugeId: 'G-11', at: '2026-12-08T09:30:00+08:00' }],
      },
      {
        opNo: '0020',
        operationCode: 'ASSY',
        plannedEquipment: 'EQ-ASM-01',
        equipment: ['EQ-ASM-02'],
        operators: ['OP-09'],
        startedAt: '2026-12-08T10:30:00+08:00',
        ...(finished && { endedAt: '2026-12-08T12:00:00+08:00' }),
        status: finished ? 'completed' : 'running',
        goodQty: finished ? 98 : 40,
        scrapQty: 0,
        passed: 2,
        failed: 0,
        gauges: [],
        reports: [report('r3', finished ? 'completed' : 'running', finished ? 98 : 40, 0, '2026-12-08T11:00:00+08:00', 'EQ-ASM-02')],
        inspections: [],
      },
    ],
    materials: [{ requisitionId: 'REQ-1', opNo: '0010', materialCode: 'RM-200101', lot: 'L-PVC-88', qty: 10, unit: 'KG', issuedAt: '2026-12-08T07:50:00+08:00' }],
  };
}

const exception = (state: ExceptionRecordState['state']): ExceptionRecordState => ({
  version: 1,
  event: {
    id: 'EX-1',
    type: 'equipment-fault',
    severity: 'urgent',
    orderNo: 'MO-0001',
    opNo: '0020',
    equipment: 'EQ-ASM-01',
    description: 'Press jammed',
    timestamp: '2026-12-08T10:20:00+08:00',
    reportedBy: 'OP-09',
  } as ExceptionRecordState['event'],
  raisedAt: '2026-12-08T10:20:00+08:00',
  state,
  level: 'urgent',
  severity: 'urgent',
  escalations: [],
  erpRequested: false,
  ...(state !== 'open' && { acknowledged: { by: 'supervisor', note: 'on it', at: '2026-12-08T10:25:00+08:00' } }),
  ...(state === 'resolved' && { resolved: { by: 'maint', note: 'Moved to EQ-ASM-02, press cleared', downtimeMin: 30, at: '2026-12-08T10:50:00+08:00' } }),
});

describe('the batch record desk on a real audit chain', () => {
  const dir = tempDir('batch-record-');
  let store: SqliteStore;
  let audit: AuditLog;
  let finished = false;
  let exceptionState: ExceptionRecordState['state'] = 'open';
  const told: RecordSignature[] = [];
  let desk: BatchRecordDesk;

  before(() => {
    store = new SqliteStore(join(dir.path, 'bridge.sqlite'));
    audit = auditLogFor(store);
    const sources: BatchRecordSourcesOf = {
      trace: async (orderNo) => (orderNo === 'MO-0001' ? traceOf(finished) : undefined),
      exceptions: (orderNo) => (orderNo === 'MO-0001' ? [exception(exceptionState)] : []),
      pendingApprovals: () => [],
      audit: (orderNo) => audit.list({ orderNo }),
      append: (record) => audit.append(record),
      signed: async (_view, signature) => {
        told.push(signature);
      },
    };
    desk = new BatchRecordDesk(sources, { completeness: { inspectionsRequired: true }, signing: { fourEyes: true } });
  });
  after(async () => {
    await store.close();
    dir.remove();
  });

  it('assembles the header, operations, lots and exceptions, and lists what is missing as gaps', async () => {
    const view = await desk.view('MO-0001');
    assert.equal(view.record.header.goodQty, 40, "the last operation's good quantity");
    assert.equal(view.record.header.scrapQty, 2);
    assert.deepEqual(view.record.header.batches, ['LOT-0001']);
    assert.equal(view.record.header.startedAt, '2026-12-08T08:00:00+08:00');
    assert.equal(view.record.operations[0].reports, 2);
    assert.equal(view.record.operations[0].failedInspections[0].defectCode, 'D-APPEARANCE');
    assert.equal(view.record.materials[0].lot, 'L-PVC-88');
    assert.equal(view.status, 'in-progress');
    assert.deepEqual(
      view.findings.filter((f) => f.kind === 'gap').map((f) => findingText(f, 'en-US')),
      ['Operation 0020 is not completed (its last report says running).', 'The urgent equipment fault exception EX-1 is still open.'],
    );
    assert.deepEqual(
      view.findings.filter((f) => f.kind === 'deviation').map((f) => f.code),
      ['inspection-failed', 'equipment-substituted', 'short-quantity'],
    );
    assert.equal(
      findingText(
        view.findings.find((f) => f.code === 'equipment-substituted')!,
        'zh-CN',
      ),
      '工序 0020 在 EQ-ASM-02 上生产，而非计划设备 EQ-ASM-01。',
    );
  });

  it('refuses a review while gaps are open, and says why', async () => {
    const outcome = await desk.sign('MO-0001', { meaning: 'reviewed', signer: 'qa-wang', reason: 'Checked', signedAt: new Date().toISOString() });
    assert.equal(outcome.ok, false);
    assert.equal(!outcome.ok && outcome.problem, 'The record is not complete (2 gaps): it cannot be reviewed yet.');
  });

  it('is ready for review once every operation completed and the exception is resolved; the resolution is a deviation to read', async () => {
    finished = true;
    exceptionState = 'resolved';
    const view = await desk.view('MO-0001');
    assert.equal(view.status, 'ready-for-review');
    assert.ok(view.findings.some((f) => f.code === 'exception-resolved'));
    assert.equal(
      findingText(
        view.findings.find((f) => f.code === 'short-quantity')!,
        'en-US',
      ),
      '98 PCS made of 100 PCS planned.',
    );
  });

  it('reviews, then refuses the reviewer as releaser, then releases by a second person and tells once', async () => {
    const reviewed = await desk.sign('MO-0001', { meaning: 'reviewed', signer: 'qa-wang', reason: 'Deviations assessed: D-APPEARANCE unit scrapped', signedAt: '2026-12-08T13:00:00Z' });
    assert.equal(reviewed.ok, true);
    assert.equal(reviewed.ok && reviewed.view.status, 'reviewed');
    const again = await desk.sign('MO-0001', { meaning: 'released', signer: 'qa-wang', reason: 'Release', signedAt: '2026-12-08T13:05:00Z' });
    assert.equal(!again.ok && again.problem, 'The release needs a second person: qa-wang reviewed this record and cannot also release it.');
    const released = await desk.sign('MO-0001', { meaning: 'released', signer: 'qa-li', reason: 'Batch conforms', signedAt: '2026-12-08T13:10:00Z' });
    assert.equal(released.ok, true);
    assert.equal(released.ok && released.view.status, 'released');
    assert.deepEqual(
      told.map((s) => [s.meaning, s.signer]),
      [
        ['reviewed', 'qa-wang'],
        ['released', 'qa-li'],
      ],
    );
    const entries = await audit.list({ orderNo: 'MO-0001' });
    const release = entries.find((e) => e.what === 'batch.released')!;
    assert.equal(release.signature?.meaning, 'released');
    assert.equal((release.details as { recordHash: string }).recordHash, released.ok && released.view.recordHash);
    assert.equal((await audit.verify()).ok, true);
  });

  it('keeps the released record frozen and detects a later change of any fact as changed after release', async () => {
    const before = await desk.view('MO-0001');
    assert.equal(before.lifecycle.released?.recordHash, recordHash(before.record));
    exceptionState = 'closed';
    const changed = await desk.view('MO-0001');
    assert.equal(changed.status, 'changed-after-release');
    assert.notEqual(changed.recordHash, changed.lifecycle.released?.recordHash);
    assert.equal(changed.lifecycle.released?.record.exceptions[0].state, 'resolved', 'the frozen record is as it was released');
    const refused = await desk.sign('MO-0001', { meaning: 'reviewed', signer: 'qa-wang', reason: 'again', signedAt: '2026-12-08T14:00:00Z' });
    assert.equal(!refused.ok && refused.problem, 'Facts of the record changed after its release: amend it (with a reason) before it can be signed again.');
  });

  it('amends to a new version that is reviewed and released again; an amendment needs a reason', async () => {
    const noReason = await desk.amend('MO-0001', 'qa-wang', ' ');
    assert.equal(!noReason.ok && noReason.problem, 'A reason is required: an amendment says why.');
    const amended = await desk.amend('MO-0001', 'qa-wang', 'Exception EX-1 closed after release');
    assert.equal(amended.ok && amended.view.lifecycle.version, 2);
    assert.equal(amended.ok && amended.view.status, 'ready-for-review');
    assert.equal((await desk.sign('MO-0001', { meaning: 'reviewed', signer: 'qa-wang', reason: 'v2 checked', signedAt: '2026-12-08T15:00:00Z' })).ok, true);
    const v2 = await desk.sign('MO-0001', { meaning: 'released', signer: 'qa-li', reason: 'v2 conforms', signedAt: '2026-12-08T15:05:00Z' });
    assert.equal(v2.ok && v2.view.status, 'released');
    assert.equal(v2.ok && v2.view.lifecycle.signatures.length, 4);
  });

  it("prints the record and the certificate in Chinese and English, with the signatures' meaning, name and time", async () => {
    const view = await desk.view('MO-0001');
    const ctx = (language: 'en-US' | 'zh-CN') => ({ language, timeZone: 'Asia/Shanghai', status: view.status, lifecycle: view.lifecycle, findings: view.findings, recordHash: view.recordHash, printedAt: '2026-12-08T16:00:00Z' });
    const zh = batchRecordHtml(view.record, ctx('zh-CN'));
    assert.match(zh, /<h1>电子批记录 · MO-0001<\/h1>/);
    assert.match(zh, /已放行<\/td><td>qa-li<\/td><td>2026-12-08 23:05<\/td><td>v2 conforms/);
    assert.match(zh, /@page \{ size: A4/);
    assert.match(zh, /counter\(pages\)/);
    const en = certificateHtml(view.record, ctx('en-US'))!;
    assert.match(en, /Certificate of conformance/);
    assert.match(en, /CoC-MO-0001-v2/);
    assert.match(en, /We certify that batch LOT-0001 of FG-100234 一次性使用输液器, 98 PCS/);
    assert.match(en, /Released by \(QA\)<\/td><td>qa-li<\/td><td>Released<\/td><td>2026-12-08 23:05/);
    assert.match(en, /Reviewed by \(QA\)<\/td><td>qa-wang/);
  });

  it('issues no certificate for a record that is not released, and knows nothing of an order nothing was stored for', async () => {
    const view = await desk.view('MO-9999');
    assert.equal(view.status, 'in-progress');
    assert.deepEqual(
      view.findings.map((f) => f.code),
      ['no-work-order', 'no-operations'],
    );
    assert.equal(certificateHtml(view.record, { language: 'en-US', timeZone: 'UTC', status: view.status, lifecycle: view.lifecycle, findings: view.findings, recordHash: view.recordHash, printedAt: '2026-12-08T16:00:00Z' }), undefined);
  });
});
