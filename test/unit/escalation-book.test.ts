// The exception book: notifications and deadlines per the policy, escalation one level at a time (also for a
// deadline that passed while the process was down), the open → acknowledged → resolved → closed states,
// duplicates, bad input, the ERP's resolution record, and the lag reason progress-push shows.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ExceptionBook, type ExceptionEvent } from '../../nodes/lib/escalation';
import type { OpenException } from '../../nodes/lib/progress';
import { SqliteStore } from '../../nodes/lib/stores/sqlite-store';
import { tempDir } from '../support/temp';
import { at, iso } from './overdraw-fixture';
import { CHILD } from './workflow-child';
import { killedChild, storedEntries } from './workflow-restart';

const RAISED = at('2026-11-25T09:40');
const dir = tempDir('escalation-book-');
after(() => dir.remove());

function event(id: string, overrides: Partial<ExceptionEvent> = {}): ExceptionEvent {
  return {
    id,
    type: 'equipment-fault',
    severity: 'urgent',
    orderNo: 'MO-2026-0101',
    opNo: '0030',
    equipment: 'EQ-MILL-03',
    estimatedDowntimeMin: 240,
    description: 'Spindle overheating on the milling centre',
    timestamp: '2026-11-25T09:38:00+08:00',
    ...overrides,
  };
}

describe('ExceptionBook: raising', () => {
  it('an urgent exception notifies the production supervisor and must be acknowledged within 60 min', () => {
    const book = new ExceptionBook();
    const outcome = book.raise(event('EXC-1'), RAISED);
    assert.ok(!outcome.duplicate);
    assert.equal(outcome.deadline, iso('2026-11-25T10:40'));
    assert.deepEqual(
      outcome.notifications.map((n) => [n.role, n.channel, n.reason, n.level, n.ackBy]),
      [
        ['production-supervisor', 'im', 'raised', 'urgent', iso('2026-11-25T10:40')],
        ['production-supervisor', 'dashboard', 'raised', 'urgent', iso('2026-11-25T10:40')],
      ],
    );
    assert.deepEqual([outcome.notice.handledIn, outcome.notice.level, outcome.erpRequest], ['erp', 'urgent', undefined]);
    assert.equal(book.nextDeadline(), iso('2026-11-25T10:40'));
  });

  it('a general exception is the MES’s own business: logged to the ERP, no deadline', () => {
    const book = new ExceptionBook();
    const outcome = book.raise(event('EXC-2', { severity: 'general', type: 'quality-defect', description: 'One housing with a flow mark' }), RAISED);
    assert.ok(!outcome.duplicate);
    assert.deepEqual([outcome.notice.handledIn, outcome.deadline, outcome.exception.deadline], ['mes', undefined, undefined]);
    assert.deepEqual(book.due(at('2026-11-30T00:00')), []);
  });

  it('a severe material shortage goes to the supply-chain director with a 15-min deadline and asks the ERP for an emergency purchase or transfer', () => {
    const book = new ExceptionBook();
    const material = { materialCode: 'RM-BEARING-6204', missingQty: 20, unit: 'EA' };
    const outcome = book.raise(event('SHORT-1', { type: 'material-shortage', severity: 'severe', material, description: 'Bearings short' }), RAISED);
    assert.ok(!outcome.duplicate);
    assert.equal(outcome.deadline, iso('2026-11-25T09:55'));
    assert.equal(outcome.notifications[0].role, 'supply-chain-director');
    assert.deepEqual(outcome.erpRequest, { action: 'emergency-purchase-or-transfer', exceptionId: 'SHORT-1', orderNo: 'MO-2026-0101', opNo: '0030', material, description: 'Bearings short', at: iso('2026-11-25T09:40') });
  });

  it('the same exception id again changes nothing and notifies no one', () => {
    const book = new ExceptionBook();
    book.raise(event('EXC-1'), RAISED);
    book.takeChanges();
    const before = book.entries();
    const again = book.raise(event('EXC-1'), at('2026-11-25T09:45'));
    assert.deepEqual([again.duplicate, again.notifications, again.duplicate && again.conflicting], [true, [], false]);
    const altered = book.raise(event('EXC-1', { severity: 'severe' }), RAISED);
    assert.ok(altered.duplicate && altered.conflicting);
    assert.deepEqual(book.entries(), before);
    assert.deepEqual(book.takeChanges(), []);
  });

  it('refuses a malformed event with the field named and keeps nothing of it', () => {
    const book = new ExceptionBook();
    assert.throws(() => book.raise({ ...event('EXC-9'), severity: 'critical' }, RAISED), { message: 'The exception event was refused: payload.severity must be one of "general", "urgent", "severe".' });
    assert.throws(() => book.raise({ ...event('EXC-9'), timestamp: 'yesterday' }, RAISED), /payload\.timestamp must be a valid date-time/);
    assert.deepEqual(book.entries(), []);
  });
});

describe('ExceptionBook: deadlines', () => {
  it('an unacknowledged urgent exception moves to severe after 60 min, then to the plant manager 15 min later, and stops there', () => {
    const book = new ExceptionBook();
    book.raise(event('EXC-1'), RAISED);
    assert.deepEqual(book.due(at('2026-11-25T10:39')), []);
    const [first] = book.due(at('2026-11-25T10:40'));
    assert.deepEqual([first.kind, first.from, first.to, first.deadline, first.exception.severity], ['escalated', 'urgent', 'severe', iso('2026-11-25T10:55'), 'severe']);
    assert.deepEqual(
      first.notifications.map((n) => [n.role, n.reason]),
      [
        ['supply-chain-director', 'escalated'],
        ['supply-chain-director', 'escalated'],
        ['production-supervisor', 'escalated'],
      ],
    );
    assert.deepEqual(
      first.audit.map((a) => [a.who, a.what, a.why]),
      [['bridge', 'exception.escalated', 'Not acknowledged within 60 min at level urgent; escalated to severe.']],
    );
    const [second] = book.due(at('2026-11-25T10:55'));
    assert.deepEqual([second.from, second.to, second.deadline, second.exception.severity], ['severe', 'plant-manager', undefined, 'severe']);
    assert.deepEqual(
      second.notifications.map((n) => n.role),
      ['plant-manager', 'plant-manager'],
    );
    assert.deepEqual(book.due(at('2026-11-26T10:00')), []);
    assert.deepEqual(
      book.get('EXC-1')?.escalations.map((e) => `${e.from}→${e.to}`),
      ['urgent→severe', 'severe→plant-manager'],
    );
  });

  it('an acknowledged exception is not escalated', () => {
    const book = new ExceptionBook();
    book.raise(event('EXC-1'), RAISED);
    const acked = book.ack('EXC-1', 'li.ming', 'On my way with the maintenance crew', at('2026-11-25T09:55'));
    assert.deepEqual(acked.exception.acknowledged, { by: 'li.ming', note: 'On my way with the maintenance crew', at: iso('2026-11-25T09:55') });
    assert.deepEqual(
      acked.audit.map((a) => [a.who, a.what, a.why, a.details?.late]),
      [['li.ming', 'exception.acknowledged', 'On my way with the maintenance crew', false]],
    );
    assert.deepEqual(book.due(at('2026-11-25T12:00')), []);
    assert.equal(book.nextDeadline(), undefined);
  });

  it('an urgent shortage escalated to severe asks the ERP for a purchase once, however far it escalates', () => {
    const book = new ExceptionBook();
    book.raise(event('SHORT-2', { type: 'material-shortage', material: { materialCode: 'RM-PVC-TUBE', missingQty: 60, unit: 'M' } }), RAISED);
    const [toSevere] = book.due(at('2026-11-25T10:40'));
    assert.equal(toSevere.erpRequest?.action, 'emergency-purchase-or-transfer');
    const [toTop] = book.due(at('2026-11-25T10:55'));
    assert.equal(toTop.erpRequest, undefined);
  });

  it('at a level with a deadline but no next level the exception is reported overdue once', () => {
    const book = new ExceptionBook([
      { level: 'general', notify: [] },
      { level: 'urgent', notify: [{ role: 'production-supervisor', channel: 'im' }], ackWithinMin: 60 },
      { level: 'severe', notify: [{ role: 'supply-chain-director', channel: 'im' }], ackWithinMin: 15 },
    ]);
    book.raise(event('EXC-1'), RAISED);
    const [overdue] = book.due(at('2026-11-25T11:00'));
    assert.deepEqual([overdue.kind, overdue.to, overdue.notifications.map((n) => n.reason)], ['overdue', undefined, ['overdue']]);
    assert.equal(overdue.audit[0].what, 'exception.overdue');
    assert.deepEqual(book.due(at('2026-11-25T12:00')), []);
  });

  it('a deadline that passed while the process was down fires at the first due() after the restart', async () => {
    const file = join(dir.path, 'killed-exceptions.sqlite');
    await killedChild(file, 'exceptions');
    const store = new SqliteStore(file);
    const book = ExceptionBook.restore(await storedEntries(store, 'exceptions'));
    await store.close();
    assert.equal(book.nextDeadline(), new Date(CHILD.startedAt + 60 * 60_000).toISOString());
    const restartedAt = CHILD.startedAt + 3 * 60 * 60_000;
    const fired = book.due(restartedAt);
    assert.deepEqual(
      fired.map((f) => [f.exceptionId, f.kind, f.from, f.to, f.deadline]),
      [[CHILD.exceptionId, 'escalated', 'urgent', 'severe', new Date(restartedAt + 15 * 60_000).toISOString()]],
    );
    assert.deepEqual(book.due(restartedAt), [], 'it fires once');
  });
});

describe('ExceptionBook: acknowledging, resolving, closing', () => {
  it('a resolution goes to the ERP with the downtime, the people who acted and the escalations', () => {
    const book = new ExceptionBook();
    book.raise(event('EXC-1'), RAISED);
    book.due(at('2026-11-25T10:40'));
    book.ack('EXC-1', 'chen.jie', '', at('2026-11-25T10:45'));
    const resolved = book.resolve('EXC-1', 'chen.jie', 'Spindle bearing replaced; spare machine EQ-MILL-04 ran the order meanwhile', 190, at('2026-11-25T12:50'));
    assert.deepEqual(resolved.resolution, {
      exceptionId: 'EXC-1',
      type: 'equipment-fault',
      severity: 'severe',
      level: 'severe',
      orderNo: 'MO-2026-0101',
      opNo: '0030',
      equipment: 'EQ-MILL-03',
      description: 'Spindle overheating on the milling centre',
      raisedAt: iso('2026-11-25T09:40'),
      acknowledgedAt: iso('2026-11-25T10:45'),
      acknowledgedBy: 'chen.jie',
      resolvedAt: iso('2026-11-25T12:50'),
      resolvedBy: 'chen.jie',
      note: 'Spindle bearing replaced; spare machine EQ-MILL-04 ran the order meanwhile',
      downtimeMin: 190,
      escalations: 1,
    });
    assert.deepEqual(
      resolved.audit.map((a) => [a.what, a.meaning, a.details?.downtimeMin]),
      [['exception.resolved', 'resolved', 190]],
    );
    const closed = book.close('EXC-1', 'zhao.qing', 'Checked', at('2026-11-25T13:00'));
    assert.deepEqual([closed.exception.state, closed.audit[0].what, closed.audit[0].who], ['closed', 'exception.closed', 'zhao.qing']);
  });

  it('an open exception may be resolved without an acknowledgement; its deadline stops', () => {
    const book = new ExceptionBook();
    book.raise(event('EXC-1'), RAISED);
    const resolved = book.resolve('EXC-1', 'chen.jie', 'Reset the drive; it ran again', 5, at('2026-11-25T09:50'));
    assert.equal(resolved.resolution.acknowledgedAt, undefined);
    assert.deepEqual(book.due(at('2026-11-25T11:00')), []);
  });

  const wrongSteps: Array<[string, (book: ExceptionBook) => unknown, RegExp]> = [
    ['acknowledging twice', (b) => b.ack('EXC-1', 'li.ming', 'again', RAISED), /^Exception EXC-1 was already acknowledged by li\.ming at .*\.$/],
    ['closing before resolving', (b) => b.close('EXC-1', 'li.ming', '', RAISED), /^Exception EXC-1 is acknowledged; it must be resolved before it can be closed\.$/],
    ['a negative downtime', (b) => b.resolve('EXC-1', 'li.ming', 'Fixed', -5, RAISED), /^The downtime of exception EXC-1 must be a number of minutes, 0 or more, not -5\.$/],
    ['a blank resolution note', (b) => b.resolve('EXC-1', 'li.ming', '  ', 5, RAISED), /^The resolution note for exception EXC-1 must be a non-blank text, not "  "\.$/],
    ['no user', (b) => b.ack('EXC-1', '', 'x', RAISED), /^The user acknowledging for exception EXC-1 must be a non-blank text, not ""\.$/],
    ['an unknown exception', (b) => b.ack('EXC-404', 'li.ming', '', RAISED), /^No exception "EXC-404" is known to this node\.$/],
  ];
  for (const [what, step, message] of wrongSteps) {
    it(`refuses ${what} with a sentence and changes nothing`, () => {
      const book = new ExceptionBook();
      book.raise(event('EXC-1'), RAISED);
      book.ack('EXC-1', 'li.ming', 'Looking', RAISED);
      book.takeChanges();
      const before = book.entries();
      assert.throws(() => step(book), { message });
      assert.deepEqual(book.entries(), before);
      assert.deepEqual(book.takeChanges(), []);
    });
  }

  it('refuses to resolve a closed exception, naming who closed it', () => {
    const book = new ExceptionBook();
    book.raise(event('EXC-1'), RAISED);
    book.resolve('EXC-1', 'chen.jie', 'Fixed', 10, RAISED);
    book.close('EXC-1', 'zhao.qing', '', RAISED);
    assert.throws(() => book.resolve('EXC-1', 'chen.jie', 'Fixed again', 10, RAISED), { message: `Exception EXC-1 is closed (by zhao.qing at ${new Date(RAISED).toISOString()}); it cannot be resolved any more.` });
  });
});

describe('ExceptionBook: the lag reason for progress-push', () => {
  it('is the order’s latest exception not yet resolved, by detection time, in the shape progress takes', () => {
    const book = new ExceptionBook();
    book.raise(event('EXC-1', { timestamp: '2026-11-25T09:00:00+08:00' }), RAISED);
    book.raise(event('EXC-2', { timestamp: '2026-11-25T10:00:00+08:00', type: 'material-shortage', description: 'Bearings short' }), RAISED);
    book.raise(event('EXC-3', { timestamp: '2026-11-25T11:00:00+08:00', orderNo: 'MO-2026-0102' }), RAISED);
    const latest: OpenException | undefined = book.latestOpenFor('MO-2026-0101');
    assert.deepEqual(latest, { id: 'EXC-2', type: 'material-shortage', severity: 'urgent', description: 'Bearings short', at: '2026-11-25T10:00:00+08:00' });
    book.resolve('EXC-2', 'chen.jie', 'Delivered', 30, RAISED);
    assert.equal(book.latestOpenFor('MO-2026-0101')?.id, 'EXC-1');
    book.resolve('EXC-1', 'chen.jie', 'Fixed', 30, RAISED);
    assert.equal(book.latestOpenFor('MO-2026-0101'), undefined);
  });
});

describe('ExceptionBook: state', () => {
  it('goes through JSON and back and carries on where it was', () => {
    const book = new ExceptionBook();
    book.raise(event('EXC-1'), RAISED);
    book.raise(event('EXC-2', { severity: 'severe' }), RAISED);
    book.ack('EXC-2', 'li.ming', '', RAISED);
    const copy = ExceptionBook.restore(JSON.parse(JSON.stringify(book.entries())));
    assert.deepEqual(copy.entries(), book.entries());
    assert.deepEqual(copy.due(at('2026-11-25T10:40')), book.due(at('2026-11-25T10:40')));
    assert.deepEqual(
      copy.list({ states: ['open'] }).map((e) => e.event.id),
      ['EXC-1'],
    );
  });

  it('refuses a stored entry it did not write', () => {
    assert.throws(() => ExceptionBook.restore([['exception:EXC-1', { version: 1, event: { id: 'EXC-2' } }]]), /The stored exception under exception:EXC-1 is not an exception state of version 1 written by this bridge\./);
  });
});
