// The small parts that let the pack stand alone in a plant's Node-RED: the two string formats our schemas use
// (in place of ajv-formats), the sentence an optional package that is missing gives, and the e-signature's
// password check against Node-RED's own adminAuth users.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDateTime, isFullDate } from '../../nodes/lib/rfc3339-formats';
import { hasPackage, missingPackageMessage, requireOptional } from '../../nodes/lib/optional-package';
import { passwordMatches } from '../../plugins/api/signature';
import { bcryptHash } from '../support/server-kit';

describe('RFC 3339 formats', () => {
  it('takes full dates that exist, leap days included, and refuses the rest', () => {
    for (const ok of ['2026-11-26', '2024-02-29', '2000-02-29']) assert.ok(isFullDate(ok), ok);
    for (const bad of ['2026-02-29', '1900-02-29', '2026-13-01', '2026-04-31', '2026-1-5', '26-11-26', '2026-11-26T08:00:00Z']) assert.ok(!isFullDate(bad), bad);
  });

  it('takes date-times with an offset (Z or ±hh:mm) and refuses one without, or with a time that cannot be', () => {
    for (const ok of ['2026-11-26T16:00:00+08:00', '2026-11-26T08:00:00Z', '2026-11-26t08:00:00.123z', '2026-11-26 08:00:00-05:00', '2026-12-31T23:59:60Z']) assert.ok(isDateTime(ok), ok);
    for (const bad of ['2026-11-26T16:00:00', '2026-11-26T24:00:00Z', '2026-11-26T16:60:00Z', '2026-11-26T16:00:00+24:00', '2026-02-30T08:00:00Z', '2026-11-26']) assert.ok(!isDateTime(bad), bad);
  });
});

describe('optional packages', () => {
  it('names the package, what needs it and how to install it', () => {
    assert.equal(hasPackage('knex'), true);
    assert.equal(hasPackage('no-such-package-erp-mes'), false);
    assert.throws(() => requireOptional('no-such-package-erp-mes', 'A bridge-store of type redis'), {
      message: missingPackageMessage('no-such-package-erp-mes', 'A bridge-store of type redis'),
    });
    assert.match(missingPackageMessage('pg', 'Plant DB (a pg legacy database)'), /^Plant DB \(a pg legacy database\) needs the npm package "pg", which is not installed: .*npm install pg/);
  });
});

describe('e-signature password check against adminAuth', () => {
  const hash = bcryptHash('sign-pass');

  it("checks a listed user's bcrypt hash, and refuses another user's name, a wrong or empty password", async () => {
    const adminAuth = { type: 'credentials', users: [{ username: 'qa', password: hash, permissions: '*' }] };
    assert.equal(await passwordMatches(adminAuth, 'qa', 'sign-pass'), true);
    assert.equal(await passwordMatches(adminAuth, 'qa', 'wrong'), false);
    assert.equal(await passwordMatches(adminAuth, 'qa', ''), false);
    assert.equal(await passwordMatches(adminAuth, 'someone', 'sign-pass'), false);
  });

  it('uses a users lookup function or an authenticate function of the settings', async () => {
    assert.equal(await passwordMatches({ users: async (name) => (name === 'qa' ? { username: 'qa', password: hash } : null) }, 'qa', 'sign-pass'), true);
    const authenticate = async (name: string, password: string) => (password === 'sso-pass' ? { username: name } : null);
    assert.equal(await passwordMatches({ authenticate }, 'qa', 'sso-pass'), true);
    assert.equal(await passwordMatches({ authenticate }, 'qa', 'wrong'), false);
  });

  it('signs nothing in a Node-RED without adminAuth', async () => {
    assert.equal(await passwordMatches(undefined, 'qa', 'sign-pass'), false);
  });
});
