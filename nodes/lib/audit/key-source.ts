// Which audit keys a bridge-store node uses, in this order: the Node-RED setting bridgeStoreAuditKeys (the
// embedding server puts AUDIT_KEY / AUDIT_KEY_FILE there), else AUDIT_KEY / AUDIT_KEY_FILE in the environment
// (a plain Node-RED), else a key generated once in the userDir (audit.key, 0600), else one for this process only.
import { randomBytes } from 'node:crypto';
import { auditKeyring, auditKeysFromEnv, generatedAuditKey, type AuditKeyring } from './keys';

export interface AuditKeySource {
  keyring: AuditKeyring;
  /** Said once to the log when the key was not configured. */
  warning?: string;
}

let processKey: string | undefined;

export function resolveAuditKeys(setting: unknown, env: Record<string, string | undefined>, userDir: string | undefined): AuditKeySource {
  if (setting !== undefined && setting !== null && setting !== '') {
    const list = Array.isArray(setting) ? setting : [setting];
    if (!list.every((k) => typeof k === 'string')) throw new Error('The setting bridgeStoreAuditKeys must be a key string or an array of them (oldest first, the last one writes).');
    return { keyring: auditKeyring(list as string[], 'The setting bridgeStoreAuditKeys') };
  }
  const fromEnv = auditKeysFromEnv(env);
  if (fromEnv) return { keyring: auditKeyring(fromEnv, env.AUDIT_KEY ? 'AUDIT_KEY' : `AUDIT_KEY_FILE ${env.AUDIT_KEY_FILE}`) };
  const advice = 'set AUDIT_KEY or AUDIT_KEY_FILE (or bridgeStoreAuditKeys in settings.js); instances sharing one Redis store need the same key';
  if (userDir) {
    const generated = generatedAuditKey(userDir);
    return {
      keyring: auditKeyring(generated.keys, `The audit key file ${generated.file}`),
      ...(generated.created && { warning: `No audit key is configured: one was generated in ${generated.file} (keep a copy elsewhere; ${advice}).` }),
    };
  }
  const first = processKey === undefined;
  processKey ??= randomBytes(32).toString('hex');
  return {
    keyring: auditKeyring([processKey], 'The audit key of this process'),
    ...(first && { warning: `No audit key is configured and Node-RED has no userDir to keep one in: this process uses a key of its own, and its entries will not verify after a restart (${advice}).` }),
  };
}
