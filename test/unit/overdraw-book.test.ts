// The requisition book's checks at arrival: BOM need and the automatic-approval limit, overdraws held for
// the ERP, shortages held for stock, duplicates answered as the first time, bad input refused unchanged.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequisitionBook, shortageException } from '../../nodes/lib/overdraw';
import { validate } from '../../nodes/lib/validation';
import { at, iso, ORDER, requisition, workOrder } from './overdraw-fixture';

const NOW = at('2026-11-25T08:10');

function plannedBook(settings: ConstructorParameters<typeof RequisitionBook>[0] = {}): RequisitionBook {
  const book = new RequisitionBook(settings);
  book.plan(workOrder());
  book.takeChanges();
  return book;
}

const material = (book: RequisitionBook, code: string) => book.materials(ORDER).find((m) => m.materialCode === code)!;

describe('RequisitionBook: BOM need from the plan', () => {
  it('gives need = requiredQty and limit = need × (1 + tolerance %), summing lines of one material', () => {
    const book = new RequisitionBook();
    const outcome = book.plan(workOrder());
    assert.equal(outcome.applied, true);
    assert.deepEqual(
      outcome.materials.map((m) => [m.materialCode, m.unit, m.needQty, m.limitQty, m.tolerancePct]),
      [
        ['RM-PVC-TUBE', 'M', 1600, 1632, 2],
        ['RM-NEEDLE-21G', 'EA', 1000, 1000, 0],
        ['RM-DRIP-CHAMBER', 'EA', 1000, 1100, 10],
      ],
    );
  });

  it('applies the default tolerance to lines whose work order carries none', () => {
    const book = new RequisitionBook({ defaultTolerancePct: 1.5 });
    book.plan(workOrder());
    assert.equal(material(book, 'RM-NEEDLE-21G').limitQty, 1015);
    assert.equal(material(book, 'RM-PVC-TUBE').limitQty, 1632, 'a line with its own tolerance keeps it');
  });

  it('keeps what was issued through a revision, ignores an older revision, and keeps a dropped material at need 0', () => {
    const book = plannedBook();
    book.requisition(requisition(100, { materialCode: 'RM-NEEDLE-21G', unit: 'EA' }), NOW);
    const revised = workOrder({ source: { system: 'erp', orderNo: ORDER, revision: 2, updatedAt: '2026-11-25T09:00:00+08:00' }, plannedQty: 1200 });
    revised.materials = revised.materials.filter((m) => m.materialCode !== 'RM-NEEDLE-21G').map((m) => ({ ...m, requiredQty: m.qtyPer * 1200 }));
    assert.equal(book.plan(revised).applied, true);
    assert.equal(material(book, 'RM-PVC-TUBE').needQty, 1920);
    assert.deepEqual({ ...material(book, 'RM-NEEDLE-21G') }, { materialCode: 'RM-NEEDLE-21G', unit: 'EA', needQty: 0, limitQty: 0, tolerancePct: 0, issuedQty: 100, reservedQty: 0 });
    assert.equal(book.plan(workOrder()).applied, false);
    assert.equal(material(book, 'RM-PVC-TUBE').needQty, 1920);
  });

  it('refuses a BOM with one material in two units', () => {
    const order = workOrder();
    order.materials[3] = { ...order.materials[3], unit: 'PCS' };
    assert.throws(() => new RequisitionBook().plan(order), /The BOM of order MO-2026-0101 has material RM-DRIP-CHAMBER in both EA and PCS; one material needs one unit\./);
  });
});

describe('RequisitionBook: within the limit', () => {
  it('approves at once and records the issued quantity, up to exactly the limit', () => {
    const book = plannedBook();
    const first = book.requisition(requisition(1000), NOW);
    assert.equal(first.kind, 'approved');
    assert.ok(first.kind === 'approved');
    assert.deepEqual(
      { approval: first.issue.approval, approvedBy: first.issue.approvedBy, qty: first.issue.qty, total: first.issue.issuedTotalQty, issuedAt: first.issue.issuedAt },
      { approval: 'within-limit', approvedBy: 'bridge', qty: 1000, total: 1000, issuedAt: new Date(NOW).toISOString() },
    );
    assert.deepEqual(
      first.audit.map((a) => [a.who, a.what, a.meaning, a.subjectId, a.orderNo]),
      [['bridge', 'requisition.approved-automatically', 'approved', first.requisitionId, ORDER]],
    );
    const second = book.requisition(requisition(632), NOW);
    assert.equal(second.kind, 'approved', '1000 + 632 = 1632 is the limit itself');
    assert.equal(material(book, 'RM-PVC-TUBE').issuedQty, 1632);
  });
});

describe('RequisitionBook: above the limit', () => {
  it('holds the requisition for the ERP with an approval request due after the decision timeout', () => {
    const book = plannedBook({ decisionTimeoutMin: 90 });
    book.requisition(requisition(1600), NOW);
    const r = requisition(50, { note: 'Tubing kinked during the line change' });
    const outcome = book.requisition(r, NOW);
    assert.equal(outcome.kind, 'pending-approval');
    assert.ok(outcome.kind === 'pending-approval');
    assert.deepEqual(outcome.approvalRequest, {
      requisitionId: r.requisitionId,
      orderNo: ORDER,
      opNo: '0010',
      materialCode: 'RM-PVC-TUBE',
      unit: 'M',
      requestedQty: 50,
      needQty: 1600,
      limitQty: 1632,
      tolerancePct: 2,
      issuedQty: 1600,
      reservedQty: 0,
      overdrawQty: 18,
      requester: 'OP-1024',
      note: 'Tubing kinked during the line change',
      requestedAt: r.timestamp,
      heldAt: iso('2026-11-25T08:10'),
      decisionDue: iso('2026-11-25T09:40'),
    });
    assert.deepEqual(outcome.audit, [], 'holding is not a decision');
    assert.equal(material(book, 'RM-PVC-TUBE').issuedQty, 1600, 'nothing issued while it waits');
    assert.deepEqual(
      book.pending().map((p) => [p.approvalRequest.requisitionId, p.holds]),
      [[r.requisitionId, ['approval']]],
    );
    assert.equal(book.nextDeadline(), iso('2026-11-25T09:40'));
  });

  it('treats any issue of a material no longer in the BOM as an overdraw', () => {
    const book = plannedBook();
    book.requisition(requisition(10, { materialCode: 'RM-NEEDLE-21G', unit: 'EA' }), NOW);
    const revised = workOrder({ source: { system: 'erp', orderNo: ORDER, revision: 2, updatedAt: '2026-11-25T09:00:00+08:00' } });
    revised.materials = revised.materials.filter((m) => m.materialCode !== 'RM-NEEDLE-21G');
    book.plan(revised);
    const outcome = book.requisition(requisition(1, { materialCode: 'RM-NEEDLE-21G', unit: 'EA' }), NOW);
    assert.ok(outcome.kind === 'pending-approval');
    assert.equal(outcome.approvalRequest.overdrawQty, 11);
  });
});

describe('RequisitionBook: stock below the requested quantity', () => {
  it('raises a shortage with the missing quantity, reserves it against the limit, and issues when stock arrives', () => {
    const book = plannedBook();
    book.setStock('RM-PVC-TUBE', 300, 'M', at('2026-11-25T07:00'));
    const r = requisition(500);
    const outcome = book.requisition(r, NOW);
    assert.ok(outcome.kind === 'shortage');
    assert.deepEqual(outcome.shortage, {
      requisitionId: r.requisitionId,
      orderNo: ORDER,
      opNo: '0010',
      materialCode: 'RM-PVC-TUBE',
      unit: 'M',
      requestedQty: 500,
      availableQty: 300,
      missingQty: 200,
      requester: 'OP-1024',
      stockAsOf: iso('2026-11-25T07:00'),
      severity: 'severe',
      at: iso('2026-11-25T08:10'),
    });
    assert.equal(outcome.audit[0].what, 'requisition.approved-automatically', 'within the limit it is approved; it only waits for material');
    assert.deepEqual([material(book, 'RM-PVC-TUBE').issuedQty, material(book, 'RM-PVC-TUBE').reservedQty], [0, 500]);
    assert.equal(book.requisition(requisition(1200), NOW).kind, 'pending-approval', '500 reserved + 1200 is above 1632');

    const released = book.setStock('RM-PVC-TUBE', 800, 'M', at('2026-11-25T11:00'));
    assert.deepEqual(
      released.released.map((i) => [i.requisitionId, i.qty, i.approval]),
      [[r.requisitionId, 500, 'within-limit']],
    );
    assert.equal(released.availableQty, 300, 'what the bridge issued is taken off the stock it knows');
    assert.deepEqual([material(book, 'RM-PVC-TUBE').issuedQty, material(book, 'RM-PVC-TUBE').reservedQty], [500, 0]);
    assert.equal(book.get(r.requisitionId)?.status, 'approved');
  });

  it('releases waiting requisitions first come first served: a small one does not overtake a large one', () => {
    const book = plannedBook();
    book.setStock('RM-NEEDLE-21G', 0, 'EA', NOW);
    const big = requisition(300, { materialCode: 'RM-NEEDLE-21G', unit: 'EA' });
    const small = requisition(50, { materialCode: 'RM-NEEDLE-21G', unit: 'EA' });
    book.requisition(big, at('2026-11-25T08:00'));
    book.requisition(small, at('2026-11-25T08:01'));
    assert.deepEqual(book.setStock('RM-NEEDLE-21G', 100, 'EA', NOW).released, []);
    assert.deepEqual(
      book.setStock('RM-NEEDLE-21G', 400, 'EA', NOW).released.map((i) => i.requisitionId),
      [big.requisitionId, small.requisitionId],
    );
    assert.equal(book.stockOf('RM-NEEDLE-21G')?.availableQty, 50);
  });

  it('turns a shortage into a severe material-shortage exception that names what is missing', () => {
    const book = plannedBook();
    book.setStock('RM-PVC-TUBE', 30, 'M', NOW);
    const outcome = book.requisition(requisition(50, { requisitionId: 'REQ-SHORT-1' }), NOW);
    assert.ok(outcome.kind === 'shortage');
    const exception = shortageException(outcome.shortage);
    assert.deepEqual(validate('exception-event', exception), { ok: true });
    assert.deepEqual([exception.id, exception.type, exception.severity, exception.material], ['SHORT-REQ-SHORT-1', 'material-shortage', 'severe', { materialCode: 'RM-PVC-TUBE', missingQty: 20, unit: 'M' }]);
    assert.match(exception.description, /50 M of RM-PVC-TUBE requested by requisition REQ-SHORT-1, 30 M in stock: 20 M missing\./);
  });
});

describe('RequisitionBook: duplicates', () => {
  it('answers the same requisition id with the first outcome and changes nothing', () => {
    const book = plannedBook();
    const r = requisition(1700);
    const first = book.requisition(r, NOW);
    book.takeChanges();
    const before = book.entries();
    const again = book.requisition(r, at('2026-11-25T09:00'));
    const { audit: _audit, ...firstAnswer } = first;
    assert.deepEqual(again, { kind: 'duplicate', requisitionId: r.requisitionId, first: firstAnswer, status: 'held', conflicting: false, audit: [] });
    const altered = book.requisition({ ...r, requestedQty: 1 }, NOW);
    assert.ok(altered.kind === 'duplicate' && altered.conflicting, 'a reused id with other content is flagged');
    assert.deepEqual(book.entries(), before);
    assert.deepEqual(book.takeChanges(), []);
  });
});

describe('RequisitionBook: bad input', () => {
  const refusals: Array<[string, unknown, RegExp]> = [
    ['a malformed requisition', { ...requisition(10), requestedQty: -5 }, /^The material requisition was refused: payload\.requestedQty must be > 0\.$/],
    ['a requisition without a requester', (({ requester: _r, ...rest }) => rest)(requisition(10)), /payload\.requester is required/],
    ['an order without a plan', requisition(10, { orderNo: 'MO-2026-9999', requisitionId: 'REQ-X1' }), /^Requisition REQ-X1 is for order MO-2026-9999, which has no plan here yet: plan sync has not delivered its work order\.$/],
    ['a material not in the BOM', requisition(10, { materialCode: 'RM-GLUE' }), /^Material RM-GLUE is not in the BOM of order MO-2026-0101 \(its BOM has RM-PVC-TUBE, RM-NEEDLE-21G, RM-DRIP-CHAMBER\)\.$/],
    ['a unit other than the BOM line', requisition(10, { unit: 'KG', requisitionId: 'REQ-X2' }), /^Requisition REQ-X2 asks for RM-PVC-TUBE in KG, but the BOM of order MO-2026-0101 has it in M\.$/],
  ];
  for (const [what, input, message] of refusals) {
    it(`refuses ${what} with a sentence and leaves the book unchanged`, () => {
      const book = plannedBook();
      book.requisition(requisition(100), NOW);
      book.takeChanges();
      const before = book.entries();
      assert.throws(() => book.requisition(input, NOW), { message });
      assert.deepEqual(book.entries(), before);
      assert.deepEqual(book.takeChanges(), []);
    });
  }

  it('refuses requisitions for a cancelled order and stock given in another unit', () => {
    const book = new RequisitionBook();
    book.plan(workOrder({ status: 'cancelled' }));
    assert.throws(() => book.requisition(requisition(1, { requisitionId: 'REQ-X3' }), NOW), { message: /^Requisition REQ-X3 is for order MO-2026-0101, which is cancelled: no more material is issued to it\.$/ });
    const open = plannedBook();
    open.setStock('RM-PVC-TUBE', 100, 'ROLL', NOW);
    assert.throws(() => open.requisition(requisition(1, { requisitionId: 'REQ-X4' }), NOW), { message: /^Requisition REQ-X4 asks for RM-PVC-TUBE in M, but its stock is kept in ROLL\.$/ });
    assert.throws(() => open.setStock('RM-PVC-TUBE', -1, 'M', NOW), { message: /^The stock of RM-PVC-TUBE must be a quantity of 0 or more, not -1\.$/ });
  });

  it('refuses settings a plant could not mean', () => {
    assert.throws(() => new RequisitionBook({ decisionTimeoutMin: 0 }), /The decision timeout must be a number of minutes above 0, not 0\./);
    assert.throws(() => new RequisitionBook({ onTimeout: 'ignore' as 'reject' }), /either escalated or rejected, not "ignore"/);
  });
});
