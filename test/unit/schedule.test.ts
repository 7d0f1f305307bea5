import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileSchedule } from '../../nodes/lib/schedule';

describe('poll schedules', () => {
  const now = new Date('2026-11-22T08:10:00Z');
  it('has the plant presets: ERP plans every 30 minutes, MES progress every 60', () => {
    assert.equal(compileSchedule({ kind: 'plans-30' }).delayFrom(now), 30 * 60_000);
    assert.equal(compileSchedule({ kind: 'progress-60' }).delayFrom(now), 60 * 60_000);
    assert.equal(compileSchedule({ kind: 'interval', minutes: 5 }).delayFrom(now), 5 * 60_000);
    assert.equal(compileSchedule({ kind: 'manual' }).delayFrom(now), undefined);
  });
  it('runs a cron expression at its next minute', () => {
    assert.equal(compileSchedule({ kind: 'cron', expression: '*/30 * * * *' }).delayFrom(now), 20 * 60_000);
  });
  it('refuses a bad interval or cron expression with a sentence', () => {
    assert.throws(() => compileSchedule({ kind: 'interval', minutes: 0 }), /the poll interval must be more than 0 minutes/);
    assert.throws(() => compileSchedule({ kind: 'cron', expression: 'every half hour' }), /'every half hour' is not a cron expression/);
  });
});
