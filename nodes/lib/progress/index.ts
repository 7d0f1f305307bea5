// Execution feedback (MES → ERP): the progress book and the words it speaks.
export { ProgressBook, immediateUpdateReason, type Instant } from './book';
export { colourFor, expectedCompletionPct, progressSettings } from './figures';
export { observedCycleSec } from './tally';
export * from './types';
