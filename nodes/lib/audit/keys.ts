// The audit key ring: the HMAC keys the chain is written and checked with. They never live in the store, so
// whoever holds the store (the SQLite file, the Redis database) can read the chain but cannot rewrite it.
// A key is named by an id derived from it (not the key itself), which every keyed entry carries: a key can be
// replaced by a new one while the entries written under the old one still verify, as long as it is kept.
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Fewer bytes than this is no key for an HMAC-SHA256 chain. */
export const MIN_AUDIT_KEY_BYTES = 32;

/** The name of the key file generated when no key was configured (in the Node-RED userDir). */
export const GENERATED_KEY_FILE = 'audit.key';

export interface AuditKey {
  /** k1- and 16 hex characters: an HMAC of a fixed text under the key, which says nothing about the key. */
  id: string;
  secret: Buffer;
}

export interface AuditKeyring {
  /** The key new entries are written with. */
  current: AuditKey;
  /** Every key known, by id (the current one included). */
  byId: ReadonlyMap<string, AuditKey>;
}

export function auditKeyId(secret: Buffer): string {
  return `k1-${createHmac('sha256', secret).update('erp-mes-bridge audit key id').digest('hex').slice(0, 16)}`;
}

/**
 * A key ring from key texts, oldest first: the last one writes, the earlier ones only verify what was written
 * under them. A text is used as its UTF-8 bytes; `where` names its source in the sentence of a refusal.
 */
export function auditKeyring(secrets: readonly string[], where: string): AuditKeyring {
  if (secrets.length === 0) throw new Error(`${where} holds no audit key: give at least one key of ${MIN_AUDIT_KEY_BYTES} bytes or more.`);
  const keys = secrets.map((text, i) => {
    const secret = Buffer.from(text, 'utf8');
    if (secret.length < MIN_AUDIT_KEY_BYTES) {
      throw new Error(`${where}: audit key ${secrets.length > 1 ? `${i + 1} ` : ''}has ${secret.length} bytes; it needs at least ${MIN_AUDIT_KEY_BYTES} (e.g. openssl rand -hex 32).`);
    }
    return { id: auditKeyId(secret), secret };
  });
  return { current: keys[keys.length - 1], byId: new Map(keys.map((k) => [k.id, k])) };
}

/** The keys of a key file: one a line, oldest first, blank lines and lines starting with # left out. */
export function readAuditKeyFile(file: string, what = 'AUDIT_KEY_FILE'): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${what} ${file} could not be read: ${(err as Error).message}.`, { cause: err });
  }
  const keys = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (keys.length === 0) throw new Error(`${what} ${file} holds no key: write one key a line (the last one is used for new entries).`);
  return keys;
}

/**
 * The keys from AUDIT_KEY (one key) or AUDIT_KEY_FILE (one a line, the last is current); undefined when
 * neither is set. Both set is refused: which one writes would be a guess.
 */
export function auditKeysFromEnv(env: Record<string, string | undefined>): string[] | undefined {
  const key = env.AUDIT_KEY?.trim() || undefined;
  const file = env.AUDIT_KEY_FILE?.trim() || undefined;
  if (key && file) throw new Error('AUDIT_KEY and AUDIT_KEY_FILE are both set: set one (a key file may list older keys before the current one).');
  if (key) return [key];
  if (file) return readAuditKeyFile(file);
  return undefined;
}

/**
 * The key kept in `dir`/audit.key, made once (32 random bytes as hex, mode 0600) when the file is missing. For
 * a demo or a plain Node-RED without a configured key: the key stays outside the store, beside it on this disk.
 */
export function generatedAuditKey(dir: string): { file: string; created: boolean; keys: string[] } {
  const file = join(dir, GENERATED_KEY_FILE);
  if (existsSync(file)) return { file, created: false, keys: readAuditKeyFile(file, 'The audit key file') };
  const key = randomBytes(32).toString('hex');
  try {
    writeFileSync(file, `# Audit chain key of the ERP–MES bridge, generated ${new Date().toISOString()}. Keep a copy; without it the audit log cannot be verified.\n${key}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another process made it first: use that one.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { file, created: false, keys: readAuditKeyFile(file, 'The audit key file') };
    throw new Error(`The audit key could not be written to ${file}: ${(err as Error).message}.`, { cause: err });
  }
  chmodSync(file, 0o600);
  return { file, created: true, keys: [key] };
}
