// The audit trail: append-only, hash-chained, with electronic signatures for approvals.
export { canonicalJson, entryHash, GENESIS_HASH } from './chain';
export { AuditLog, auditLogFor, type AuditStore } from './log';
export * from './types';
