export * from './types';
export { assembleBatchRecord, recordHash, type BatchRecordSources } from './assemble';
export { recordFindings, gapsOf, findingText, DEFAULT_COMPLETENESS_RULES, type CompletenessRules } from './findings';
export * from './lifecycle';
export { batchRecordHtml, certificateHtml, type PrintContext } from './print';
export type { PrintLanguage } from './print-words';
export { BatchRecordDesk, type BatchRecordView, type BatchRecordSourcesOf, type SignOutcome, type AmendOutcome } from './desk';
export { registerBatchDesk, unregisterBatchDesk, batchDesks, type RegisteredBatchDesk } from './registry';
