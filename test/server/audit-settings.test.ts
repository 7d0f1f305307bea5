// The audit key of the embedding server: required outside demo mode (a sentence naming AUDIT_KEY), at least 32
// bytes, from AUDIT_KEY or AUDIT_KEY_FILE (one a line, the last writes), and handed to the nodes as a setting;
// in demo mode without one the bridge store generates it once in the userDir, mode 0600, outside the store file.
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { auditKeyId } from '../../nodes/lib/audit/keys';
import { resolveAuditKeys } from '../../nodes/lib/audit/key-source';
import { buildNodeRedSettings } from '../../server/node-red-settings';
import { loadSettings, SettingsError } from '../../settings';
import { bcryptHash, tempDir } from '../support/server-kit';

const base = { CREDENTIAL_SECRET: 'audit-settings-credential-secret-0123456', ADMIN_USERS: `alice:${bcryptHash('pw')}:admin` };
const KEY = 'a-plant-audit-key-of-32-bytes-or-more';

function refusal(env: Record<string, string>, argv: string[] = []): string {
  try {
    loadSettings(env, argv);
  } catch (err) {
    assert.ok(err instanceof SettingsError, `expected a SettingsError, got ${String(err)}`);
    assert.doesNotMatch(err.message, /\n/);
    return err.message;
  }
  return assert.fail('expected a SettingsError');
}

describe('audit key settings', () => {
  const tmp = tempDir('audit-settings-');
  after(() => tmp.remove());

  it('outside demo mode refuses to start without an audit key, saying to set AUDIT_KEY or AUDIT_KEY_FILE', () => {
    assert.match(refusal(base), /^AUDIT_KEY is not set: set AUDIT_KEY \(or AUDIT_KEY_FILE\) to a random key of at least 32 bytes, kept outside the bridge store/);
  });

  it('refuses a key shorter than 32 bytes, and both variables at once', () => {
    assert.equal(refusal({ ...base, AUDIT_KEY: 'short' }), 'AUDIT_KEY: audit key has 5 bytes; it needs at least 32 (e.g. openssl rand -hex 32).');
    const file = join(tmp.path, 'both.key');
    writeFileSync(file, `${KEY}\n`);
    assert.match(refusal({ ...base, AUDIT_KEY: KEY, AUDIT_KEY_FILE: file }), /AUDIT_KEY and AUDIT_KEY_FILE are both set/);
    assert.match(refusal({ ...base, AUDIT_KEY_FILE: join(tmp.path, 'missing.key') }), /AUDIT_KEY_FILE .*missing\.key could not be read/);
  });

  it('reads a key file of several keys, oldest first, and hands them to the bridge-store nodes as bridgeStoreAuditKeys', () => {
    const file = join(tmp.path, 'rotated.key');
    writeFileSync(file, `# retired 2026-11\nold-plant-audit-key-of-32-bytes-or-more\n\n${KEY}\n`);
    const s = loadSettings({ ...base, AUDIT_KEY_FILE: file, AUDIT_VERIFY_INTERVAL_SEC: '60' }, []);
    assert.deepEqual(s.audit, { keys: ['old-plant-audit-key-of-32-bytes-or-more', KEY], verifySec: 60 });
    const red = buildNodeRedSettings(s, tmp.path);
    assert.deepEqual([red.bridgeStoreAuditKeys, red.bridgeStoreAuditVerifySec], [s.audit.keys, 60]);
    assert.equal(resolveAuditKeys(red.bridgeStoreAuditKeys, {}, tmp.path).keyring.current.id, auditKeyId(Buffer.from(KEY)));
    assert.match(refusal({ ...base, AUDIT_KEY: KEY, AUDIT_VERIFY_INTERVAL_SEC: 'soon' }), /AUDIT_VERIFY_INTERVAL_SEC must be a number of seconds above 0, got "soon"/);
  });

  it('in demo mode starts without a key: the bridge store generates one once in the userDir (0600), outside the store file', () => {
    const s = loadSettings({ BRIDGE_USER_DIR: tmp.path }, ['--demo']);
    assert.deepEqual(s.audit, { verifySec: 900 });
    assert.equal(buildNodeRedSettings(s, tmp.path).bridgeStoreAuditKeys, undefined);
    const first = resolveAuditKeys(undefined, {}, s.userDir);
    assert.match(first.warning!, /No audit key is configured: one was generated in .*audit\.key/);
    assert.equal(statSync(join(s.userDir, 'audit.key')).mode & 0o777, 0o600);
    const again = resolveAuditKeys(undefined, {}, s.userDir);
    assert.equal(again.warning, undefined);
    assert.equal(again.keyring.current.id, first.keyring.current.id, 'the same key after a restart');
  });

  it('in a plain Node-RED the node reads AUDIT_KEY from the environment when no setting is given', () => {
    assert.equal(resolveAuditKeys(undefined, { AUDIT_KEY: KEY }, tmp.path).keyring.current.id, auditKeyId(Buffer.from(KEY)));
    assert.throws(() => resolveAuditKeys(['too short'], {}, tmp.path), { message: 'The setting bridgeStoreAuditKeys: audit key has 9 bytes; it needs at least 32 (e.g. openssl rand -hex 32).' });
  });
});
