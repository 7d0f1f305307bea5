// One batch-record node's entry point for the REST API and the pages: assemble an order's record from the
// bridge's stores, say what it lacks, sign it (the password was checked by the caller) and amend it. Signing is
// serialized per desk, so two reviewers pressing at once cannot both sign one version.
import type { AuditEntry, AuditRecord } from '../audit/types';
import type { ExceptionRecordState } from '../escalation/types';
import type { TraceAnswer } from '../trace/types';
import { assembleBatchRecord, recordHash } from './assemble';
import { recordFindings, type CompletenessRules } from './findings';
import { amendmentEntry, amendmentProblem, lifecycleOf, lifecycleStatus, signatureEntry, signatureProblem, type SignRequest, type SigningRules } from './lifecycle';
import type { BatchRecord, LifecycleStatus, RecordFinding, RecordLifecycle, RecordSignature } from './types';

export interface BatchRecordSourcesOf {
  trace(orderNo: string): Promise<TraceAnswer | undefined>;
  exceptions(orderNo: string): ExceptionRecordState[];
  pendingApprovals(orderNo: string): string[];
  /** Audit entries of the order (the batch-record node's bridge store). */
  audit(orderNo: string): Promise<AuditEntry[]>;
  append(record: AuditRecord): Promise<AuditEntry>;
  /** Told of every signature once it is in the audit chain (the node tells the ERP of a release and its flow). */
  signed?(view: BatchRecordView, signature: RecordSignature): Promise<void>;
}

export interface BatchRecordView {
  orderNo: string;
  record: BatchRecord;
  recordHash: string;
  findings: RecordFinding[];
  status: LifecycleStatus;
  lifecycle: RecordLifecycle;
}

export type SignOutcome = { ok: true; view: BatchRecordView; signature: RecordSignature } | { ok: false; problem: string; view: BatchRecordView };
export type AmendOutcome = { ok: true; view: BatchRecordView } | { ok: false; problem: string; view: BatchRecordView };

export class BatchRecordDesk {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly sources: BatchRecordSourcesOf,
    private readonly rules: { completeness: CompletenessRules; signing: SigningRules },
  ) {}

  async view(orderNo: string): Promise<BatchRecordView> {
    const [trace, audit] = await Promise.all([this.sources.trace(orderNo), this.sources.audit(orderNo)]);
    const record = assembleBatchRecord({ orderNo, trace, exceptions: this.sources.exceptions(orderNo), audit, pendingApprovals: this.sources.pendingApprovals(orderNo) });
    const findings = recordFindings(record, this.rules.completeness);
    const lifecycle = lifecycleOf(orderNo, audit);
    const hash = recordHash(record);
    return { orderNo, record, recordHash: hash, findings, status: lifecycleStatus(lifecycle, hash, findings), lifecycle };
  }

  sign(orderNo: string, request: SignRequest): Promise<SignOutcome> {
    return this.serially(async () => {
      const view = await this.view(orderNo);
      const problem = signatureProblem(request, view.status, view.lifecycle, view.findings, this.rules.signing);
      if (problem) return { ok: false, problem, view };
      await this.sources.append(signatureEntry(orderNo, request, view.lifecycle, view.record, view.recordHash));
      const after = await this.view(orderNo);
      const signature = after.lifecycle.signatures[after.lifecycle.signatures.length - 1];
      await this.sources.signed?.(after, signature);
      return { ok: true, view: after, signature };
    });
  }

  amend(orderNo: string, by: string, reason: string): Promise<AmendOutcome> {
    return this.serially(async () => {
      const view = await this.view(orderNo);
      const problem = amendmentProblem(view.status, reason);
      if (problem) return { ok: false, problem, view };
      await this.sources.append(amendmentEntry(orderNo, by, reason, view.lifecycle, view.recordHash));
      return { ok: true, view: await this.view(orderNo) };
    });
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
