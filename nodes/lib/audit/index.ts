// The audit trail: append-only, HMAC-chained under a key outside the store, with electronic signatures for approvals.
export { canonicalJson, entryHash, entryMac, GENESIS_HASH } from './chain';
export { auditKeyring, auditKeyId, auditKeysFromEnv, generatedAuditKey, MIN_AUDIT_KEY_BYTES, type AuditKey, type AuditKeyring } from './keys';
export { AuditLog, auditLogFor, type AuditStore, type CheckedAuditEntry } from './log';
export { verifyChain, type ChainReport, type EntryCheck } from './verify';
export * from './types';
