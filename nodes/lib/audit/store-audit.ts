// A bridge store's audit log as the nodes use it: keyed by the configured (or generated) key, watched on a
// schedule (bridgeStoreAuditVerifySec, default 900 s), its exported heads kept in the userDir.
import { join } from 'node:path';
import { FileHeadLedger, MemoryHeadLedger, type HeadLedger } from './exported-heads';
import { resolveAuditKeys } from './key-source';
import { auditLogFor, type AuditLog, type AuditStore } from './log';
import { AuditWatch } from './watch';

export const DEFAULT_AUDIT_VERIFY_SEC = 900;
/** The file of exported heads in the userDir. */
export const EXPORTED_HEADS_FILE = 'audit-heads.json';

export interface StoreAudit {
  log: AuditLog;
  watch: AuditWatch;
}

// Kept across redeploys in this process when there is no userDir to keep it in.
const memoryLedger = new MemoryHeadLedger();

export function auditVerifyIntervalMs(value: unknown): number {
  if (value === undefined || value === null || value === '') return DEFAULT_AUDIT_VERIFY_SEC * 1000;
  const sec = Number(value);
  if (!Number.isFinite(sec) || sec <= 0) throw new Error(`The setting bridgeStoreAuditVerifySec must be a number of seconds above 0, not ${JSON.stringify(value)}.`);
  return sec * 1000;
}

export function openStoreAudit(o: {
  store: AuditStore;
  storeId: string;
  label: string;
  chainId: string;
  settings: Record<string, unknown>;
  env: Record<string, string | undefined>;
  logger: { info(line: string): void; warn(line: string): void };
}): StoreAudit {
  const userDir = typeof o.settings.userDir === 'string' ? o.settings.userDir : undefined;
  const intervalMs = auditVerifyIntervalMs(o.settings.bridgeStoreAuditVerifySec);
  const { keyring, warning } = resolveAuditKeys(o.settings.bridgeStoreAuditKeys, o.env, userDir);
  if (warning) o.logger.warn(warning);
  const log = auditLogFor(o.store, 'audit', keyring);
  const ledger: HeadLedger = userDir ? new FileHeadLedger(join(userDir, EXPORTED_HEADS_FILE)) : memoryLedger;
  const watch = new AuditWatch({ log, chainId: o.chainId, label: o.label, storeId: o.storeId, ledger, intervalMs, logger: o.logger });
  watch.start();
  return { log, watch };
}
