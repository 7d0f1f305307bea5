// The audit chain's settings of the embedding server: its key(s) from AUDIT_KEY (one key) or AUDIT_KEY_FILE (one
// a line, the last writes, earlier ones still verify), at least 32 bytes each, never in the store. Outside demo
// mode a key is required; in demo mode without one the bridge-store node keeps a generated one in the userDir.
// AUDIT_VERIFY_INTERVAL_SEC: how often the chain is verified (default 900 s, and at start).
import { auditKeyring, auditKeysFromEnv } from '../nodes/lib/audit/keys';
import { auditVerifyIntervalMs, DEFAULT_AUDIT_VERIFY_SEC } from '../nodes/lib/audit/store-audit';

export interface AuditSettings {
  /** Oldest first; undefined only in demo mode (a key is generated in the userDir). */
  keys?: string[];
  verifySec: number;
}

export function auditSettings(env: Record<string, string | undefined>, demo: boolean): AuditSettings {
  const keys = auditKeysFromEnv(env);
  if (keys) auditKeyring(keys, env.AUDIT_KEY?.trim() ? 'AUDIT_KEY' : `AUDIT_KEY_FILE ${env.AUDIT_KEY_FILE}`);
  else if (!demo) {
    throw new Error('AUDIT_KEY is not set: set AUDIT_KEY (or AUDIT_KEY_FILE) to a random key of at least 32 bytes, kept outside the bridge store (it keys the audit chain, e.g. openssl rand -hex 32), or run with --demo.');
  }
  const interval = env.AUDIT_VERIFY_INTERVAL_SEC?.trim();
  let verifySec = DEFAULT_AUDIT_VERIFY_SEC;
  if (interval) {
    try {
      verifySec = auditVerifyIntervalMs(interval) / 1000;
    } catch {
      throw new Error(`AUDIT_VERIFY_INTERVAL_SEC must be a number of seconds above 0, got "${interval}".`);
    }
  }
  return { ...(keys && { keys }), verifySec };
}
