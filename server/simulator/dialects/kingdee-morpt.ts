// The document workflow of production reports (生产汇报单, form PRD_MORPT) as K/3 Cloud WebAPI runs it:
// DynamicFormService.Submit and .Audit take {formid, data: {Numbers: [...]} or {Ids: "1,2"}} and move a bill
// A 创建 → B 审核中 (Submit) → C 已审核 (Audit); an audit of a bill that was not submitted, or a second submit,
// is refused per bill inside an HTTP 200 with IsSuccess false. Source: Kingdee K/3 Cloud WebAPI documentation
// (open.kingdee.com, 金蝶云星空 WebAPI: 提交 Submit, 审核 Audit; document status field FDocumentStatus).
import type { SaveError } from './kingdee-report';

type DocumentStatus = 'A' | 'B' | 'C';
const STATUS_TEXT: Record<DocumentStatus, string> = { A: '创建', B: '审核中', C: '已审核' };

type Bill = Record<string, unknown>;

export class MorptWorkflow {
  private readonly status = new Map<string, DocumentStatus>();
  private outages = 0;

  /** `bills` lists the saved production reports (one row per line; the bill is FID/FBillNo). */
  constructor(private readonly bills: () => Bill[]) {}

  /** A bill's document status: A until submitted. */
  statusOf(billNo: string): DocumentStatus | undefined {
    return this.bills().some((b) => b.FBillNo === billNo) ? (this.status.get(billNo) ?? 'A') : undefined;
  }

  /** The saved reports' rows with the status this workflow gave them (for ExecuteBillQuery). */
  withStatus(rows: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
    return rows.map((r) => ({ ...r, FDocumentStatus: this.status.get(String(r.FBillNo)) ?? r.FDocumentStatus }));
  }

  /** For tests: the next Submit meets a server that is down (IIS answers 500 before K/3 Cloud sees the call). */
  failNextSubmit(): void {
    this.outages += 1;
  }

  /** True (once per injected outage) when this call must fail as the server being down. */
  down(action: 'submit' | 'audit'): boolean {
    if (action !== 'submit' || this.outages === 0) return false;
    this.outages -= 1;
    return true;
  }

  /** Answers Submit or Audit for PRD_MORPT as K/3 Cloud does (a Result.ResponseStatus envelope). */
  act(action: 'submit' | 'audit', formId: string, data: Record<string, unknown> | undefined): unknown {
    const verb = action === 'submit' ? '提交' : '审核';
    if (formId.toUpperCase() !== 'PRD_MORPT') return failure([{ FieldName: null, Message: `业务对象“${formId}”的${verb}未在模拟的金蝶云星空中开放，仅支持生产汇报单 PRD_MORPT。`, DIndex: 0 }]);
    const known = new Map(this.bills().map((b) => [String(b.FBillNo), Number(b.FID)]));
    const numbers = Array.isArray(data?.Numbers) ? data.Numbers.map(String) : [];
    const ids = typeof data?.Ids === 'string' && data.Ids.trim() !== '' ? data.Ids.split(',').map((s) => Number(s.trim())) : [];
    for (const id of ids) for (const [no, fid] of known) if (fid === id) numbers.push(no);
    if (numbers.length === 0) return failure([{ FieldName: null, Message: `请传入需要${verb}的单据编码集合 Numbers 或内码集合 Ids。`, DIndex: 0 }]);
    const errors: SaveError[] = [];
    const done: Array<{ Id: number; Number: string; DIndex: number }> = [];
    numbers.forEach((no, i) => {
      if (!known.has(no)) return void errors.push({ FieldName: null, Message: `单据编号为“${no}”的生产汇报单不存在。`, DIndex: i });
      const now = this.status.get(no) ?? 'A';
      const allowed = action === 'submit' ? now === 'A' : now === 'B';
      if (!allowed) return void errors.push({ FieldName: null, Message: `单据编号为“${no}”的生产汇报单当前状态为“${STATUS_TEXT[now]}”，不允许${verb}。`, DIndex: i });
      this.status.set(no, action === 'submit' ? 'B' : 'C');
      done.push({ Id: known.get(no)!, Number: no, DIndex: i });
    });
    if (errors.length > 0) return failure(errors);
    return { Result: { ResponseStatus: { IsSuccess: true, Errors: [], SuccessEntitys: done, SuccessMessages: [], MsgCode: 0 } } };
  }
}

function failure(errors: SaveError[]): unknown {
  return { Result: { ResponseStatus: { ErrorCode: 500, IsSuccess: false, Errors: errors, SuccessEntitys: [], SuccessMessages: [], MsgCode: 11 } } };
}
