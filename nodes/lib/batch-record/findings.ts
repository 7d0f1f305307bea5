// Review by exception: the gaps that keep a batch record from release (something missing or still open) and the
// deviations a reviewer must look at (failed inspections, short quantity, resolved exceptions, signed over-issues,
// substituted equipment). Everything else is routine and needs no reading.
import type { BatchRecord, RecordFinding } from './types';

export interface CompletenessRules {
  /** Every completed operation must have at least one inspection record (default true). */
  inspectionsRequired: boolean;
}

export const DEFAULT_COMPLETENESS_RULES: CompletenessRules = { inspectionsRequired: true };

const OPEN_EXCEPTION_STATES = new Set(['open', 'acknowledged']);

export function recordFindings(record: BatchRecord, rules: CompletenessRules = DEFAULT_COMPLETENESS_RULES): RecordFinding[] {
  const findings: RecordFinding[] = [];
  const gap = (code: RecordFinding['code'], params: RecordFinding['params'] = {}, at: Pick<RecordFinding, 'opNo' | 'subjectId'> = {}) => findings.push({ kind: 'gap', code, params, ...at });
  const deviation = (code: RecordFinding['code'], params: RecordFinding['params'] = {}, at: Pick<RecordFinding, 'opNo' | 'subjectId'> = {}) => findings.push({ kind: 'deviation', code, params, ...at });

  if (!record.header.planned) gap('no-work-order', { orderNo: record.orderNo });
  if (record.truncated) gap('record-truncated', { orderNo: record.orderNo });
  if (record.operations.length === 0) gap('no-operations', { orderNo: record.orderNo });
  for (const op of record.operations) {
    if (op.reports === 0) gap('operation-not-reported', { opNo: op.opNo }, { opNo: op.opNo });
    else if (op.status !== 'completed') gap('operation-not-complete', { opNo: op.opNo, status: op.status ?? '' }, { opNo: op.opNo });
    if (rules.inspectionsRequired && op.reports > 0 && op.passed + op.failed === 0) gap('no-inspection', { opNo: op.opNo }, { opNo: op.opNo });
    for (const inspection of op.failedInspections) {
      deviation('inspection-failed', { opNo: op.opNo, traceCode: inspection.traceCode, defectCode: inspection.defectCode ?? '', inspector: inspection.inspector }, { opNo: op.opNo, subjectId: inspection.recordId });
    }
    const other = op.plannedEquipment ? op.equipment.filter((e) => e !== op.plannedEquipment) : [];
    if (other.length > 0) deviation('equipment-substituted', { opNo: op.opNo, planned: op.plannedEquipment!, used: other.join(', ') }, { opNo: op.opNo });
  }
  for (const e of record.exceptions) {
    if (OPEN_EXCEPTION_STATES.has(e.state)) gap('exception-open', { id: e.id, type: e.type, severity: e.severity, state: e.state }, { subjectId: e.id, ...(e.opNo && { opNo: e.opNo }) });
    else if (e.resolved) deviation('exception-resolved', { id: e.id, type: e.type, by: e.resolved.by, note: e.resolved.note }, { subjectId: e.id, ...(e.opNo && { opNo: e.opNo }) });
  }
  for (const id of record.pendingApprovals) gap('approval-pending', { requisitionId: id }, { subjectId: id });
  for (const a of record.approvals) deviation('approval-signed', { requisitionId: a.subjectId, meaning: a.meaning, signer: a.signer, reason: a.reason }, { subjectId: a.subjectId });
  const planned = record.header.plannedQty;
  if (planned !== undefined && record.operations.length > 0 && record.header.goodQty < planned) {
    deviation('short-quantity', { planned, made: record.header.goodQty, unit: record.header.unit ?? '' });
  }
  return findings;
}

export const gapsOf = (findings: readonly RecordFinding[]): RecordFinding[] => findings.filter((f) => f.kind === 'gap');

// The findings as sentences in both languages: the pages show them in the reader's language.
const TEXTS: Record<RecordFinding['code'], { 'en-US': string; 'zh-CN': string }> = {
  'no-work-order': { 'en-US': 'The bridge never received the work order of {orderNo}: the record has no plan to check against.', 'zh-CN': '桥接器未收到 {orderNo} 的工单：批记录没有可核对的计划。' },
  'record-truncated': { 'en-US': 'The trace store holds more records of {orderNo} than one answer carries: the record is not whole.', 'zh-CN': '{orderNo} 的追溯记录超过单次应答上限：批记录不完整。' },
  'no-operations': { 'en-US': 'No operation of {orderNo} has been reported.', 'zh-CN': '{orderNo} 没有任何工序报工。' },
  'operation-not-reported': { 'en-US': 'Operation {opNo} has no job report.', 'zh-CN': '工序 {opNo} 没有报工记录。' },
  'operation-not-complete': { 'en-US': 'Operation {opNo} is not completed (its last report says {status}).', 'zh-CN': '工序 {opNo} 未完工（最近一次报工状态：{status}）。' },
  'no-inspection': { 'en-US': 'Operation {opNo} has no inspection record.', 'zh-CN': '工序 {opNo} 没有质检记录。' },
  'exception-open': { 'en-US': 'The {severity} {type} exception {id} is still {state}.', 'zh-CN': '{severity}{type}异常 {id} 仍未关闭（{state}）。' },
  'approval-pending': { 'en-US': 'Requisition {requisitionId} still waits for an approval.', 'zh-CN': '领用单 {requisitionId} 仍在等待审批。' },
  'inspection-failed': { 'en-US': 'Unit {traceCode} failed inspection at operation {opNo} ({defectCode}, inspector {inspector}).', 'zh-CN': '单件 {traceCode} 在工序 {opNo} 检验不合格（{defectCode}，检验员 {inspector}）。' },
  'short-quantity': { 'en-US': '{made} {unit} made of {planned} {unit} planned.', 'zh-CN': '计划 {planned} {unit}，实际完成 {made} {unit}。' },
  'exception-resolved': { 'en-US': 'The {type} exception {id} was resolved by {by}: {note}', 'zh-CN': '{type}异常 {id} 已由 {by} 解决：{note}' },
  'approval-signed': { 'en-US': 'Requisition {requisitionId} was {meaning} by {signer}: {reason}', 'zh-CN': '领用单 {requisitionId} 由 {signer} 签署（{meaning}）：{reason}' },
  'equipment-substituted': { 'en-US': 'Operation {opNo} ran on {used} instead of the planned {planned}.', 'zh-CN': '工序 {opNo} 在 {used} 上生产，而非计划设备 {planned}。' },
};

// Exception types, severities and states inside a sentence, in the reader's language.
const TERMS: Record<'en-US' | 'zh-CN', Record<string, string>> = {
  'en-US': { 'equipment-fault': 'equipment fault', 'material-shortage': 'material shortage', 'quality-defect': 'quality defect', acknowledged: 'acknowledged' },
  'zh-CN': {
    'equipment-fault': '设备故障',
    'material-shortage': '物料短缺',
    'quality-defect': '质量问题',
    other: '其他',
    general: '一般',
    urgent: '紧急',
    severe: '严重',
    open: '未处理',
    acknowledged: '已确认',
    approved: '批准',
    rejected: '驳回',
  },
};

export function findingText(finding: RecordFinding, language: 'en-US' | 'zh-CN'): string {
  return TEXTS[finding.code][language].replace(/\{(\w+)\}/g, (_m, name: string) => {
    const value = String(finding.params[name] ?? '');
    return ['type', 'severity', 'state', 'meaning'].includes(name) ? (TERMS[language][value] ?? value) : value;
  });
}
