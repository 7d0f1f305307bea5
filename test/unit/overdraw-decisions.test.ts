// The ERP's side of an overdraw: signed approvals and rejections, exactly one decision per requisition,
// decisions that never come (escalated or rejected on time-out, also after a restart), and the book's state
// through JSON and through a killed process.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AuditLog } from '../../nodes/lib/audit';
import { RequisitionBook, type ApprovalDecision } from '../../nodes/lib/overdraw';
import { SqliteStore } from '../../nodes/lib/stores/sqlite-store';
import { validate } from '../../nodes/lib/validation';
import { tempDir } from '../support/temp';
import { CHILD, CHILD_AUDIT_KEYS } from './workflow-child';
import { killedChild, storedEntries } from './workflow-restart';
import { at, iso, ORDER, requisition, workOrder } from './overdraw-fixture';

const HELD_AT = at('2026-11-25T08:10');
const DECIDED_AT = at('2026-11-25T08:40');
const dir = tempDir('overdraw-decisions-');
after(() => dir.remove());

/** A book with 1600 M of tubing issued and one requisition of 100 M held for approval. */
function bookWithOverdraw(settings: ConstructorParameters<typeof RequisitionBook>[0] = {}) {
  const book = new RequisitionBook(settings);
  book.plan(workOrder());
  book.requisition(requisition(1600), HELD_AT);
  const held = requisition(100);
  const outcome = book.requisition(held, HELD_AT);
  assert.equal(outcome.kind, 'pending-approval');
  book.takeChanges();
  return { book, id: held.requisitionId };
}

const decision = (requisitionId: string, d: 'approve' | 'reject', signer = 'wang.li', reason = 'Kinked tubing confirmed by QC'): ApprovalDecision => ({ requisitionId, decision: d, reason, signer });
const issuedTubing = (book: RequisitionBook) => book.materials(ORDER).find((m) => m.materialCode === 'RM-PVC-TUBE')!.issuedQty;

describe('RequisitionBook: signed decisions', () => {
  it('an approval releases the requisition, records the issue and carries the signature: signer, time, meaning, reason', () => {
    const { book, id } = bookWithOverdraw();
    const outcome = book.decide(decision(id, 'approve'), DECIDED_AT);
    assert.ok(outcome.kind === 'released');
    const signature = { signer: 'wang.li', signedAt: iso('2026-11-25T08:40'), meaning: 'approved', reason: 'Kinked tubing confirmed by QC' };
    assert.deepEqual(outcome.signature, signature);
    assert.deepEqual([outcome.issue.approval, outcome.issue.approvedBy, outcome.issue.qty, outcome.issue.issuedTotalQty], ['erp-approved', 'wang.li', 100, 1700]);
    assert.deepEqual(outcome.audit, [
      {
        who: 'wang.li',
        what: 'requisition.approved',
        why: 'Kinked tubing confirmed by QC',
        subjectId: id,
        orderNo: ORDER,
        meaning: 'approved',
        details: { requestedQty: 100, unit: 'M', materialCode: 'RM-PVC-TUBE', overdrawQty: 68 },
        signature,
      },
    ]);
    assert.equal(issuedTubing(book), 1700);
    assert.deepEqual(book.pending(), []);
    assert.equal(book.get(id)?.status, 'approved');
  });

  it('a rejection refuses the requisition and issues nothing', () => {
    const { book, id } = bookWithOverdraw();
    const outcome = book.decide({ ...decision(id, 'reject', 'zhang.wei', 'Count the line-side stock first'), signedAt: '2026-11-25T08:39:00+08:00', meaning: 'rejected' }, DECIDED_AT);
    assert.ok(outcome.kind === 'rejected');
    assert.deepEqual(outcome.signature, { signer: 'zhang.wei', signedAt: '2026-11-25T08:39:00+08:00', meaning: 'rejected', reason: 'Count the line-side stock first' });
    assert.deepEqual(
      outcome.audit.map((a) => [a.what, a.meaning, a.signature?.signer]),
      [['requisition.rejected', 'rejected', 'zhang.wei']],
    );
    assert.equal(issuedTubing(book), 1600);
    assert.equal(book.get(id)?.status, 'rejected');
  });

  it('an approval while stock is short holds the requisition for stock with one shortage, then stock releases it', () => {
    const { book, id } = bookWithOverdraw();
    book.setStock('RM-PVC-TUBE', 40, 'M', DECIDED_AT);
    const outcome = book.decide(decision(id, 'approve'), DECIDED_AT);
    assert.ok(outcome.kind === 'awaiting-stock');
    assert.equal(outcome.shortage?.missingQty, 60);
    assert.deepEqual(book.get(id)?.holds, ['stock']);
    const released = book.setStock('RM-PVC-TUBE', 500, 'M', at('2026-11-25T10:00'));
    assert.deepEqual(
      released.released.map((i) => [i.requisitionId, i.approval, i.approvedBy]),
      [[id, 'erp-approved', 'wang.li']],
    );
  });

  it('a requisition short of stock and above the limit raises the shortage once and needs both stock and approval', () => {
    const book = new RequisitionBook();
    book.plan(workOrder());
    book.requisition(requisition(1600), HELD_AT);
    book.setStock('RM-PVC-TUBE', 10, 'M', HELD_AT);
    const r = requisition(100);
    const held = book.requisition(r, HELD_AT);
    assert.ok(held.kind === 'pending-approval' && held.shortage?.missingQty === 90);
    assert.deepEqual(book.setStock('RM-PVC-TUBE', 20, 'M', HELD_AT).released, [], 'stock alone does not release an overdraw');
    const approved = book.decide(decision(r.requisitionId, 'approve'), DECIDED_AT);
    assert.ok(approved.kind === 'awaiting-stock' && approved.shortage === undefined, 'the shortage was raised at arrival already');
    assert.deepEqual(
      book.setStock('RM-PVC-TUBE', 100, 'M', DECIDED_AT).released.map((i) => i.requisitionId),
      [r.requisitionId],
    );
  });
});

describe('RequisitionBook: exactly one decision takes effect', () => {
  it('two concurrent decisions: the first is applied, the second is refused naming who decided, and both are audited', async () => {
    const { book, id } = bookWithOverdraw();
    const store = new SqliteStore(join(dir.path, 'concurrent.sqlite'));
    const log = new AuditLog(store);
    // What the node does per decision: decide, persist the state, audit.
    const handle = async (d: ApprovalDecision) => {
      const outcome = book.decide(d, DECIDED_AT);
      await store.putMany('overdraw', book.takeChanges());
      for (const record of outcome.audit) await log.append(record, DECIDED_AT);
      return outcome;
    };
    const [first, second] = await Promise.all([handle(decision(id, 'approve', 'wang.li')), handle(decision(id, 'reject', 'zhang.wei', 'Over budget'))]);
    assert.equal(first.kind, 'released');
    assert.ok(second.kind === 'already-decided');
    assert.deepEqual([second.decidedBy, second.decision, second.decidedAt], ['wang.li', 'approve', iso('2026-11-25T08:40')]);
    assert.equal(second.message, `Requisition ${id} was already approved by wang.li at ${iso('2026-11-25T08:40')}; this rejection by zhang.wei was not applied.`);
    assert.equal(issuedTubing(book), 1700);
    assert.equal(book.get(id)?.status, 'approved');
    const trail = await log.list({ orderNo: ORDER });
    assert.deepEqual(
      trail.map((e) => [e.who, e.what, e.meaning]),
      [
        ['wang.li', 'requisition.approved', 'approved'],
        ['zhang.wei', 'requisition.decision-refused', 'rejected'],
      ],
    );
    assert.deepEqual(trail[1].details?.attempt, { signer: 'zhang.wei', signedAt: iso('2026-11-25T08:40'), meaning: 'rejected', reason: 'Over budget' });
    assert.equal((await log.verify()).ok, true);
    await store.close();
  });

  it('a decision on a requisition approved within the limit is refused: the bridge decided', () => {
    const book = new RequisitionBook();
    book.plan(workOrder());
    const r = requisition(10);
    book.requisition(r, HELD_AT);
    const outcome = book.decide(decision(r.requisitionId, 'reject'), DECIDED_AT);
    assert.ok(outcome.kind === 'already-decided');
    assert.equal(outcome.decidedBy, 'bridge');
    assert.match(outcome.message, /was approved automatically at .*, within the BOM limit; this rejection by wang\.li was not applied\./);
    assert.equal(book.get(r.requisitionId)?.status, 'approved');
  });

  const refusals: Array<[string, (id: string) => unknown, RegExp]> = [
    ['a blank reason', (id) => decision(id, 'approve', 'wang.li', '   '), /payload\.reason is blank, and a signed decision needs its reason/],
    ['no reason', (id) => ({ requisitionId: id, decision: 'approve', signer: 'wang.li' }), /The decision was refused: payload\.reason is required/],
    ['no signer', (id) => ({ requisitionId: id, decision: 'approve', reason: 'ok' }), /payload\.signer is required/],
    ['a meaning that contradicts the decision', (id) => ({ ...decision(id, 'reject'), meaning: 'approved' }), /payload\.meaning must be "rejected"/],
    ['an unknown requisition', () => decision('REQ-NOPE', 'approve'), /No requisition "REQ-NOPE" is known to this node; there is nothing to decide\./],
  ];
  for (const [what, input, message] of refusals) {
    it(`refuses a decision with ${what} and changes nothing`, () => {
      const { book, id } = bookWithOverdraw();
      const before = book.entries();
      assert.throws(() => book.decide(input(id), DECIDED_AT), message);
      assert.deepEqual(book.entries(), before);
      assert.deepEqual(book.takeChanges(), []);
    });
  }

  it('a decision on a requisition within the limit that waits for stock is refused too: it is approved already', () => {
    const book = new RequisitionBook();
    book.plan(workOrder());
    book.setStock('RM-PVC-TUBE', 0, 'M', HELD_AT);
    const r = requisition(10);
    book.requisition(r, HELD_AT);
    const before = book.entries();
    const outcome = book.decide(decision(r.requisitionId, 'approve'), DECIDED_AT);
    assert.ok(outcome.kind === 'already-decided' && outcome.decidedBy === 'bridge');
    assert.match(outcome.message, /within the BOM limit \(it waits for stock\); this approval by wang\.li was not applied\./);
    assert.deepEqual(book.entries(), before);
  });
});

describe('RequisitionBook: no decision in time', () => {
  it('escalates once, as an exception event for exception-escalation, and still takes a decision afterwards', () => {
    const { book, id } = bookWithOverdraw({ decisionTimeoutMin: 120 });
    assert.deepEqual(book.expire(at('2026-11-25T10:09')), [], 'one minute before the due time nothing happens');
    const [escalated, ...others] = book.expire(at('2026-11-25T10:10'));
    assert.deepEqual(others, []);
    assert.ok(escalated.kind === 'escalated');
    assert.deepEqual(validate('exception-event', escalated.exception), { ok: true });
    assert.deepEqual([escalated.exception.id, escalated.exception.type, escalated.exception.severity, escalated.exception.orderNo], [`OVERDRAW-${id}`, 'other', 'urgent', ORDER]);
    assert.deepEqual(
      escalated.audit.map((a) => [a.who, a.what]),
      [['bridge', 'requisition.escalated']],
    );
    assert.deepEqual(book.expire(at('2026-11-25T12:00')), [], 'escalated once, not on every call');
    assert.equal(book.nextDeadline(), undefined);
    assert.equal(book.pending()[0].escalatedAt, iso('2026-11-25T10:10'));
    assert.equal(book.decide(decision(id, 'approve'), at('2026-11-25T12:30')).kind, 'released');
  });

  it('rejects on time-out when so configured, and a late decision is refused naming the time-out', () => {
    const { book, id } = bookWithOverdraw({ decisionTimeoutMin: 30, onTimeout: 'reject' });
    const [rejected] = book.expire(at('2026-11-25T09:00'));
    assert.ok(rejected.kind === 'rejected');
    assert.deepEqual(
      rejected.audit.map((a) => [a.who, a.what, a.meaning]),
      [['bridge', 'requisition.rejected-on-timeout', 'rejected']],
    );
    assert.equal(book.get(id)?.status, 'rejected');
    const late = book.decide(decision(id, 'approve'), at('2026-11-25T09:05'));
    assert.ok(late.kind === 'already-decided' && late.decidedBy === 'timeout');
    assert.match(late.message, /was rejected at .* because the ERP did not decide in time; this approval by wang\.li was not applied\./);
    assert.equal(issuedTubing(book), 1600);
  });
});

describe('RequisitionBook: state', () => {
  it('goes through JSON and back with pending approvals, issued quantities and stock intact', () => {
    const { book, id } = bookWithOverdraw();
    book.setStock('RM-NEEDLE-21G', 5, 'EA', HELD_AT);
    book.requisition(requisition(8, { materialCode: 'RM-NEEDLE-21G', unit: 'EA' }), HELD_AT);
    const copy = RequisitionBook.restore(JSON.parse(JSON.stringify(book.entries())));
    assert.deepEqual(copy.entries(), book.entries());
    assert.deepEqual(copy.pending(), book.pending());
    assert.equal(copy.decide(decision(id, 'approve'), DECIDED_AT).kind, 'released');
    assert.deepEqual(
      copy.setStock('RM-NEEDLE-21G', 10, 'EA', DECIDED_AT).released.map((i) => i.qty),
      [8],
    );
  });

  it('refuses a stored entry it did not write', () => {
    assert.throws(() => RequisitionBook.restore([['requisition:REQ-1', { version: 2 }]]), /The stored requisition under requisition:REQ-1 is not of version 1 as this bridge writes it\./);
  });

  it('a pending approval survives its process being killed, is listed, and its passed due time fires at the first expire()', async () => {
    const file = join(dir.path, 'killed-overdraw.sqlite');
    await killedChild(file, 'overdraw');
    const store = new SqliteStore(file);
    const book = RequisitionBook.restore(await storedEntries(store, 'overdraw'), { decisionTimeoutMin: CHILD.decisionTimeoutMin });
    assert.deepEqual(
      book.pending().map((p) => [p.approvalRequest.requisitionId, p.approvalRequest.decisionDue]),
      [[CHILD.overdrawId, iso('2026-11-25T09:10')]],
    );
    assert.equal(issuedTubing(book), 1600);
    assert.deepEqual(book.requisition(requisition(1600, { requisitionId: CHILD.issuedId }), DECIDED_AT).kind, 'duplicate');
    const fired = book.expire(at('2026-11-25T13:00'));
    assert.deepEqual(
      fired.map((f) => [f.kind, f.requisitionId]),
      [['escalated', CHILD.overdrawId]],
    );
    const verdict = await new AuditLog(store, 'audit', CHILD_AUDIT_KEYS).verify();
    assert.deepEqual([verdict.ok, verdict.verified, verdict.head?.hash], [true, 1, (await new AuditLog(store).list())[0].hash]);
    await store.close();
  });
});
