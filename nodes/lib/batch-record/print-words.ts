// The words of the printed batch record and certificate, in the two languages the plant reads.
export type PrintLanguage = 'en-US' | 'zh-CN';

export const PRINT_WORDS = {
  'en-US': {
    record: 'Electronic batch record',
    certificate: 'Certificate of conformance',
    order: 'Production order',
    product: 'Product',
    batch: 'Batch',
    planned: 'Planned quantity',
    made: 'Good quantity made',
    scrap: 'Scrap',
    due: 'Due',
    site: 'Site',
    started: 'Started',
    ended: 'Ended',
    revision: 'ERP revision',
    version: 'Record version',
    status: 'Status',
    fingerprint: 'Record fingerprint (SHA-256)',
    timesIn: 'Times in',
    generated: 'Printed',
    page: 'Page',
    of: 'of',
    findings: 'Review by exception',
    noFindings: 'Nothing to review: no gaps, no deviations.',
    gap: 'Gap',
    kind: 'Kind',
    finding: 'What to look at',
    deviation: 'Deviation',
    operations: 'Operations',
    op: 'Op.',
    description: 'Operation',
    equipment: 'Equipment (planned → used)',
    operators: 'Operators',
    start: 'Start',
    end: 'End',
    good: 'Good',
    reports: 'Reports',
    inspections: 'Inspections pass / fail',
    gauges: 'Gauges',
    failedInspections: 'Failed inspections',
    unit: 'Unit',
    defect: 'Defect',
    inspector: 'Inspector',
    at: 'At',
    materials: 'Material issued',
    requisition: 'Requisition',
    material: 'Material',
    lot: 'Lot',
    qty: 'Quantity',
    issued: 'Issued',
    exceptions: 'Exceptions and deviations',
    type: 'Type',
    severity: 'Severity',
    raised: 'Raised',
    resolution: 'Resolution',
    decisions: 'Signed decisions on requisitions',
    signatures: 'Signatures',
    meaning: 'Meaning',
    signer: 'Name',
    signedAt: 'Signed at',
    reason: 'Reason',
    none: 'None.',
    statement:
      'We certify that batch {batch} of {product}, {qty} {unit}, made under production order {order} at site {site}, was manufactured, inspected and reviewed according to its production order, and that its electronic batch record was released by quality assurance.',
    releasedBy: 'Released by (QA)',
    reviewedBy: 'Reviewed by (QA)',
    certificateNo: 'Certificate no.',
    notReleased: 'The batch record of {order} is not released: no certificate of conformance can be issued.',
    terms: {
      'equipment-fault': 'equipment fault',
      'material-shortage': 'material shortage',
      'quality-defect': 'quality defect',
      other: 'other',
      general: 'general',
      urgent: 'urgent',
      severe: 'severe',
      open: 'open',
      acknowledged: 'acknowledged',
      resolved: 'resolved',
      closed: 'closed',
    } as Record<string, string>,
    meanings: { reviewed: 'Reviewed', released: 'Released', rejected: 'Rejected', approved: 'Approved' } as Record<string, string>,
    statuses: {
      'in-progress': 'In progress (gaps open)',
      'ready-for-review': 'Complete, ready for review',
      reviewed: 'Reviewed, waiting for release',
      released: 'Released',
      rejected: 'Rejected',
      'changed-after-release': 'Changed after release — amendment required',
    } as Record<string, string>,
  },
  'zh-CN': {
    record: '电子批记录',
    certificate: '合格证书',
    order: '生产订单',
    product: '产品',
    batch: '批号',
    planned: '计划数量',
    made: '合格产量',
    scrap: '报废',
    due: '交货期',
    site: '工厂',
    started: '开始',
    ended: '结束',
    revision: 'ERP 版本',
    version: '批记录版本',
    status: '状态',
    fingerprint: '批记录指纹（SHA-256）',
    timesIn: '时区',
    generated: '打印时间',
    page: '第',
    of: '页，共',
    findings: '例外审核',
    noFindings: '无需审核项：没有缺项，没有偏差。',
    gap: '缺项',
    kind: '类别',
    finding: '审核要点',
    deviation: '偏差',
    operations: '工序',
    op: '工序号',
    description: '工序',
    equipment: '设备（计划 → 实际）',
    operators: '操作员',
    start: '开始',
    end: '结束',
    good: '合格',
    reports: '报工数',
    inspections: '检验 合格 / 不合格',
    gauges: '量具',
    failedInspections: '不合格检验',
    unit: '单件',
    defect: '缺陷',
    inspector: '检验员',
    at: '时间',
    materials: '物料发放',
    requisition: '领用单',
    material: '物料',
    lot: '批号',
    qty: '数量',
    issued: '发放时间',
    exceptions: '异常与偏差',
    type: '类型',
    severity: '严重程度',
    raised: '发生',
    resolution: '处理',
    decisions: '领用审批签名',
    signatures: '签名',
    meaning: '含义',
    signer: '姓名',
    signedAt: '签名时间',
    reason: '原因',
    none: '无。',
    statement: '兹证明：{product} 批号 {batch}，数量 {qty} {unit}，按生产订单 {order} 于 {site} 生产，已按生产订单完成生产、检验与审核，其电子批记录已由质量保证部门放行。',
    releasedBy: '放行人（质量保证）',
    reviewedBy: '审核人（质量保证）',
    certificateNo: '证书编号',
    notReleased: '{order} 的批记录尚未放行，不能出具合格证书。',
    terms: {
      'equipment-fault': '设备故障',
      'material-shortage': '物料短缺',
      'quality-defect': '质量问题',
      other: '其他',
      general: '一般',
      urgent: '紧急',
      severe: '严重',
      open: '未处理',
      acknowledged: '已确认',
      resolved: '已解决',
      closed: '已关闭',
    } as Record<string, string>,
    meanings: { reviewed: '已审核', released: '已放行', rejected: '已驳回', approved: '已批准' } as Record<string, string>,
    statuses: {
      'in-progress': '进行中（有缺项）',
      'ready-for-review': '完整，待审核',
      reviewed: '已审核，待放行',
      released: '已放行',
      rejected: '已驳回',
      'changed-after-release': '放行后有变更——需修订',
    } as Record<string, string>,
  },
} as const;

export type PrintWords = (typeof PRINT_WORDS)['en-US'];

export const escapeHtml = (text: unknown): string => String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export const fill = (template: string, values: Record<string, string | number | undefined>): string => template.replace(/\{(\w+)\}/g, (_m, name: string) => String(values[name] ?? ''));

/** Page set-up and type shared by the record and the certificate: A4, CJK fonts a fresh machine has. */
export function printStyle(words: PrintWords | (typeof PRINT_WORDS)['zh-CN'], footer: string): string {
  return `
  @page { size: A4; margin: 16mm 14mm 18mm; @bottom-left { content: "${footer.replace(/"/g, '\\"')}"; font-size: 8pt; color: #555; }
    @bottom-right { content: "${words.page} " counter(page) " ${words.of} " counter(pages)${words.page === '第' ? ' " 页"' : ''}; font-size: 8pt; color: #555; } }
  html { font-family: "Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "Helvetica Neue", Arial, sans-serif; font-size: 10pt; color: #111; }
  body { margin: 0; }
  h1 { font-size: 17pt; margin: 0 0 4mm; }
  h2 { font-size: 12pt; margin: 6mm 0 2mm; border-bottom: 1px solid #999; padding-bottom: 1mm; break-after: avoid; }
  table { width: 100%; border-collapse: collapse; margin: 0 0 3mm; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  th, td { border: 1px solid #bbb; padding: 1.2mm 1.6mm; text-align: left; vertical-align: top; }
  th { background: #eef1f4; font-weight: 600; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .meta td:first-child { width: 32%; background: #f7f8fa; font-weight: 600; }
  .gap { color: #a40000; } .deviation { color: #8a5a00; }
  .badge { display: inline-block; padding: 0.5mm 2.5mm; border-radius: 2mm; border: 1px solid #777; font-size: 9pt; }
  .fingerprint { font-family: "DejaVu Sans Mono", monospace; font-size: 8pt; word-break: break-all; }
  .section { break-before: auto; }
  .signatures td { height: 9mm; }
  @media screen { body { max-width: 210mm; margin: 8mm auto; padding: 0 8mm; } }
  `;
}
