// Which ERP failures are permanent (no backoff retry, the ERP's words in the status) and which are transient,
// and how an endpoint's named settings become the profile's $params.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { profileParams } from '../../nodes/lib/erp/endpoint';
import { failureStatus } from '../../nodes/lib/erp/failure-status';
import { ErpRequestError } from '../../nodes/lib/erp/http-client';
import { preset } from '../../nodes/lib/erp/profile';

const err = (failure: ConstructorParameters<typeof ErpRequestError>[1], status?: number, words?: string) => new ErpRequestError(`ERP endpoint 'x' answered: ${words ?? ''}.`, failure, 'http://erp/', status, words);
const fail = (message: string): never => {
  throw new Error(message);
};

describe('ERP failures: permanent or transient', () => {
  it('a 4xx other than 408 and 429 is permanent; 408, 429, 5xx, timeouts and unreachable ERPs are retried', () => {
    for (const s of [400, 403, 404, 409, 417, 422]) assert.equal(err('status', s, 'refused').permanent, true, String(s));
    for (const s of [408, 429, 500, 502, 503]) assert.equal(err('status', s, 'busy').retryable, true, String(s));
    assert.equal(err('timeout').retryable, true);
    assert.equal(err('unreachable').retryable, true);
  });

  it('an answer naming a field this ERP lacks is permanent, even as a 5xx or inside an HTTP 200', () => {
    assert.equal(err('erp', 500, `OperationalError: (1054, "Unknown column 'tabWork Order.custom_plant' in 'field list'")`).retryable, false);
    assert.equal(err('erp', 200, 'Invalid field mrp.workorder.sequence in leaf (ValueError)').permanent, true);
    assert.equal(err('erp', 400, 'Property YY1_Line_ORD not found in type A_ProductionOrder_2Type').permanent, true);
    assert.equal(err('erp', 200, '元数据中标识为F_PAEZ_Priority的字段不存在 (MsgCode 9)').permanent, true);
  });

  it("the status of a permanent failure carries the ERP's words without exception-name prefixes, shortened", () => {
    const status = failureStatus(err('erp', 500, `OperationalError: pymysql.err.OperationalError: (1054, "Unknown column 'tabWork Order.custom_plant' in 'field list'")`));
    assert.equal(status.key, 'permanent');
    assert.ok(status.values.words.startsWith('(1054, "Unknown column'));
    assert.ok(status.values.words.length <= 48);
    assert.deepEqual(failureStatus(err('status', 503, 'busy')), { key: 'http', values: { status: '503' }, permanent: false });
    assert.equal(failureStatus(new Error('x')).key, 'failed');
  });
});

describe("an endpoint's named settings as $params", () => {
  it('fills defaults, reads "${NAME}" values from the environment, and applies the time zone and page size to the profile', () => {
    const profile = preset('erpnext');
    const params = profileParams(profile, { plant: '${PLANT}', timeZone: 'Europe/Berlin', pageSize: '50' }, (name) => (name === 'PLANT' ? '2020' : undefined), 'ERP', fail);
    assert.deepEqual(params, { plant: '2020', timeZone: 'Europe/Berlin', pageSize: 50, dueTime: '17:00:00', dueDateFallback: 'planned-end', defaultPriority: 5, plantField: 'custom_plant', priorityField: 'custom_priority' });
    assert.equal(profile.pull.changeTime.timeZone, 'Europe/Berlin');
    assert.equal(profile.pull.maxPageSize, 50);
  });

  it('a required setting left empty, an unset variable, a bad time zone or an option not offered is a sentence naming it', () => {
    assert.throws(() => profileParams(preset('erpnext'), { timeZone: 'UTC' }, () => undefined, 'ERP', fail), /needs the setting plant/);
    assert.throws(() => profileParams(preset('erpnext'), { plant: '${NOPE}', timeZone: 'UTC' }, () => undefined, 'ERP', fail), /environment variable NOPE for the setting plant is not set/);
    assert.throws(() => profileParams(preset('erpnext'), { plant: '1', timeZone: 'Mars/Olympus' }, () => undefined, 'ERP', fail), /setting timeZone: 'Mars\/Olympus' is not a time zone/);
    assert.throws(() => profileParams(preset('erpnext'), { plant: '1', timeZone: 'UTC', dueDateFallback: 'never' }, () => undefined, 'ERP', fail), /dueDateFallback must be one of planned-end, planned-start/);
  });
});
