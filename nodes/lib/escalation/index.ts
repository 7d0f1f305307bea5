// Exception feedback (MES → ERP): the exception book, its escalation policy, and the rolling defect rate.
export { ExceptionBook } from './book';
export { DefectRates, DEFAULT_DEFECT_RATE_SETTINGS, defectRateSettings, type DefectRateSettings, type OperationQualityState, type PauseCommand, type QualityOutcome, type QualityRecord } from './defect-rate';
export { isoAt, toMs, type Instant } from './instant';
export { DEFAULT_ESCALATION_POLICY, EscalationPolicy } from './policy';
export * from './types';
