// The cost core against a hand-worked order (test/unit/cost-fixture.ts): standards for the good quantity,
// actuals from issued materials, labour and machine hours at the standard's unit costs and rates, variances,
// % and flags with their likely causes; ids counted once; bad input refused before anything changes; exact money.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CostBook, standardCostFromRow } from '../../nodes/lib/cost';
import { micros, percentOf, times, toCents, toNumber } from '../../nodes/lib/cost/money';
import { completingReports, costPlan, issues, jobReport, labour, ORDER, standardCost, timeLogs } from './cost-fixture';

const NOW = '2026-11-25T23:00:00+08:00';

function fedBook(book = new CostBook({ thresholdPct: 5 })) {
  book.plan(costPlan(), NOW);
  book.standard(standardCost(), NOW);
  book.costEvents(timeLogs(), NOW);
  for (const i of issues()) book.issues(i);
  return book;
}

describe('cost money arithmetic', () => {
  it('adds and multiplies decimals without float drift', () => {
    assert.equal(micros(0.1, 'a') + micros(0.2, 'b'), micros(0.3, 'c'));
    // 0.1 + 0.2 h at 30 CNY/h is 9.00 CNY exactly (floats give 9.000000000000002).
    assert.equal(toNumber(toCents(times(micros(0.1, 'a') + micros(0.2, 'b'), micros(30, 'r')))), 9);
    // 1.005 rounds half away from zero to 1.01 (1.005.toFixed(2) gives "1.00").
    assert.equal(toNumber(toCents(micros(1.005, 'x'))), 1.01);
    assert.equal(toNumber(toCents(micros(-1.005, 'x'))), -1.01);
    assert.equal(micros(1e-7, 'tiny'), 0n);
    assert.equal(micros(2.5e-6, 'tiny'), 3n);
    assert.equal(micros(1e21, 'huge'), 10n ** 27n);
  });

  it('gives % of standard to 2 decimals, null on a zero standard', () => {
    assert.equal(percentOf(micros(122, 'v'), micros(2303, 's')), 5.3); // 5.2974 %
    assert.equal(percentOf(micros(-1, 'v'), micros(3, 's')), -33.33);
    assert.equal(percentOf(micros(1, 'v'), 0n), null);
  });
});

describe('CostBook', () => {
  it('makes the variance of the hand-worked order when its last operation completes', () => {
    const book = fedBook();
    const r = book.reports(completingReports(), NOW);
    assert.equal(r.variances.length, 1);
    const v = r.variances[0];
    // Good units: 980 (op 0020's good qty); scrap 10 + 10 = 20, in the actuals only.
    assert.equal(v.goodQty, 980);
    assert.equal(v.scrapQty, 20);
    assert.equal(v.completedAt, '2026-11-25T14:00:00.000Z');
    const [material, labourEl, machineEl] = v.elements;
    // Material: standard 2.35 × 980 = 2303.00; actual 1750 M × 0.50 + 1000 × 1.55 = 875.00 + 1550.00 = 2425.00;
    // variance 122.00 = 5.30 % > 5 % → flagged. Need for 980 sets: PVC 1.6 × 980 = 1568 M (+182 M = +91.00),
    // needles 980 (+20 = +31.00): 91 + 31 = 122.
    assert.deepEqual([material.standard, material.actual, material.variance, material.variancePct, material.flagged], [2303, 2425, 122, 5.3, true]);
    assert.deepEqual(material.details, [
      { code: 'RM-NEEDLE-21G', standardQty: 980, actualQty: 1000, unit: 'EA', excessQty: 20, excessCost: 31 },
      { code: 'RM-PVC-TUBE', standardQty: 1568, actualQty: 1750, unit: 'M', excessQty: 182, excessCost: 91 },
    ]);
    assert.match(material.likelyCause!, /^Materials issued above the BOM need for 980 good units: RM-PVC-TUBE issued 1,750 M against a need of 1,568 \(\+182 M, \+91\.00 CNY\); RM-NEEDLE-21G .*\+31\.00 CNY\)\. 20 units were scrapped/);
    // Labour: standard 0.45 × 980 = 441.00; actual 17.25 h × 30 = 517.50; variance 76.50 = 17.35 % → flagged.
    // Op standards for 980 good: 0010 18 s × 980 = 4.9 h (actual 5.0, +0.1 h = +3.00), 0020 36 s × 980 = 9.8 h
    // (actual 12.25, +2.45 h = +73.50); 3.00 + 73.50 = 76.50. 0020 comes first: the larger excess.
    assert.deepEqual([labourEl.standard, labourEl.actual, labourEl.variance, labourEl.variancePct, labourEl.flagged], [441, 517.5, 76.5, 17.35, true]);
    assert.match(
      labourEl.likelyCause!,
      /^Operations with labour hours above standard for 980 good units: 0020 OP-ASSEMBLE 12\.25 h against 9\.8 h \(\+2\.45 h, \+73\.50 CNY; 王芳 8 h, 李娜 4\.25 h\); 0010 OP-EXTRUDE 5 h against 4\.9 h \(\+0\.1 h, \+3\.00 CNY/,
    );
    // Machine: standard 0.54 × 980 = 529.20; actual 5.2 h × 60 + 9.5 h × 24 = 312.00 + 228.00 = 540.00;
    // variance 10.80 = 2.04 % → not flagged, no cause.
    assert.deepEqual([machineEl.standard, machineEl.actual, machineEl.variance, machineEl.variancePct, machineEl.flagged, machineEl.likelyCause], [529.2, 540, 10.8, 2.04, false, undefined]);
    // Total: 3273.20 standard, 3482.50 actual, 209.30 = 6.39 % → flagged.
    assert.deepEqual(v.total, { standard: 3273.2, actual: 3482.5, variance: 209.3, variancePct: 6.39, flagged: true });
    assert.deepEqual(v.actualHours, { labour: 17.25, machine: 14.7 });
    assert.deepEqual(v.standard, { source: 'product', estimateId: 'CE-2026-11', lotSize: 1 });
  });

  it('counts a repeated event, report or requisition once', () => {
    const book = fedBook();
    assert.deepEqual(
      book.costEvents(labour('L-1', '0010', '张伟', 3.5), NOW).outcomes.map((o) => o.kind),
      ['duplicate'],
    );
    assert.deepEqual(
      book.issues(issues()[0]).outcomes.map((o) => o.kind),
      ['duplicate'],
    );
    const reports = completingReports();
    book.reports(reports.slice(0, 2), NOW);
    const v = book.reports(reports, NOW);
    assert.deepEqual(
      v.outcomes.map((o) => o.kind),
      ['duplicate', 'duplicate', 'counted', 'counted'],
    );
    assert.equal(v.variances[0].elements[1].actual, 517.5);
    assert.equal(v.variances[0].elements[0].actual, 2425);
  });

  it('refuses a malformed cost event naming the field, and counts nothing of its batch', () => {
    const book = fedBook();
    const before = book.get(ORDER);
    assert.throws(() => book.costEvents([labour('L-9', '0010', 'x', 1), { ...labour('L-10', '0010', 'y', 1), labourHours: 'two' }], NOW), /cost event was refused: payload\[1\]\.labourHours must be a number/);
    assert.throws(() => book.costEvents({ eventId: 'L-11', orderNo: ORDER, opNo: '0010', labourHours: 1, timestamp: NOW }, NOW), /payload must have property operator when property labourHours is present/);
    assert.throws(() => book.issues({ ...issues()[0], requisitionId: 'REQ-9', qty: -1 }), /payload\.qty must be a number above 0/);
    assert.deepEqual(book.get(ORDER), before);
    assert.deepEqual(book.takeChanges().length > 0, true);
  });

  it('waits for the standard cost when the order completes first, and makes the variance when it arrives', () => {
    const book = new CostBook();
    book.plan(costPlan(), NOW);
    book.costEvents(timeLogs(), NOW);
    for (const i of issues()) book.issues(i);
    const done = book.reports(completingReports(), NOW);
    assert.deepEqual(done.waiting, [{ orderNo: ORDER, waitingFor: 'the standard cost of product P-IVSET-20' }]);
    const later = book.standard(standardCost(), NOW);
    assert.equal(later.variances.length, 1);
    assert.equal(later.variances[0].total.actual, 3482.5);
  });

  it('values hours at the rate the standard implies when the ERP gives none', () => {
    // Labour 0.45 CNY per unit over 54 s per unit = 30 CNY/h; machine 0.54 over 54 s = 36 CNY/h on both machines:
    // machine actual 14.7 h × 36 = 529.20, exactly the standard for 980 units.
    const book = new CostBook();
    book.plan(costPlan(), NOW);
    book.standard(standardCost({ labourRatePerHour: undefined, machineRates: undefined }), NOW);
    book.costEvents(timeLogs(), NOW);
    const v = book.complete({ orderNo: ORDER, goodQty: 980 }, NOW).variances[0];
    assert.equal(v.elements[1].actual, 517.5);
    assert.equal(v.elements[2].actual, 529.2);
    assert.equal(v.elements[2].variance, 0);
  });

  it('waits when an issued material has no unit cost, naming it', () => {
    const book = fedBook();
    book.issues({ ...issues()[0], requisitionId: 'REQ-7', materialCode: 'RM-GLUE', unit: 'KG', qty: 2 });
    const r = book.complete({ orderNo: ORDER }, NOW);
    assert.equal(r.variances.length, 0);
    assert.match(r.waiting[0].waitingFor, /a unit cost of material RM-GLUE in the standard cost of P-IVSET-20 \(2 KG were issued/);
  });

  it('makes the variance once: later events are late and change nothing', () => {
    const book = fedBook();
    assert.equal(book.reports(completingReports(), NOW).variances.length, 1);
    assert.deepEqual(
      book.costEvents(labour('L-99', '0020', '王芳', 1), NOW).outcomes.map((o) => o.kind),
      ['late'],
    );
    assert.equal(book.complete({ orderNo: ORDER }, NOW).variances.length, 0);
    assert.equal(book.get(ORDER)!.variance!.elements[1].actual, 517.5);
  });

  it('with a wait for late logs, counts what arrives before the wait ends and makes the variance then', () => {
    const book = fedBook(new CostBook({ thresholdPct: 5, settleMin: 10 }));
    const done = book.reports(completingReports(), '2026-11-25T22:00:00+08:00');
    assert.equal(done.variances.length, 0);
    assert.equal(book.nextDeadline(), '2026-11-25T14:10:00.000Z');
    // 0.5 h more labour on 0020 at 30 CNY/h: 517.50 + 15.00.
    assert.deepEqual(
      book.costEvents(labour('L-LATE', '0020', '王芳', 0.5), NOW).outcomes.map((o) => o.kind),
      ['counted'],
    );
    assert.equal(book.due('2026-11-25T22:09:59+08:00').variances.length, 0);
    const v = book.due('2026-11-25T22:10:00+08:00').variances[0];
    assert.equal(v.elements[1].actual, 532.5);
    assert.equal(book.nextDeadline(), undefined);
  });

  it('restores from its stored entries, and re-offers a variance not yet marked enqueued', () => {
    const book = fedBook();
    book.reports(completingReports(), NOW);
    const restored = CostBook.restore(book.takeChanges());
    assert.equal(restored.unsent().length, 1);
    restored.markEnqueued([ORDER]);
    assert.equal(restored.unsent().length, 0);
    assert.deepEqual(restored.get(ORDER)!.labour, book.get(ORDER)!.labour);
  });

  it('reads a row of the ERP cost table, decimals as text included', () => {
    const cost = standardCostFromRow({
      product_code: 'FG-100234',
      currency: 'CNY',
      lot_size: '1000',
      material_cost: '2350.00',
      labour_cost: 450,
      machine_cost: '540.0',
      labour_rate: null,
      material_costs_json: '[{"materialCode":"RM-200101","unitCost":18.5,"unit":"KG"}]',
      valid_from: '2026-11-01 00:00:00',
    });
    assert.deepEqual(cost, {
      productCode: 'FG-100234',
      currency: 'CNY',
      perUnit: { material: 2350, labour: 450, machine: 540 },
      lotSize: 1000,
      materials: [{ materialCode: 'RM-200101', unitCost: 18.5, unit: 'KG' }],
      validFrom: '2026-11-01',
    });
    assert.throws(() => standardCostFromRow({ product_code: 'FG-1', currency: 'CNY', material_cost: 'lots', labour_cost: 1, machine_cost: 1 }), /Column material_cost of the cost row for "FG-1" must be a number/);
    assert.throws(() => standardCostFromRow({ product_code: 'FG-1', currency: 'yuan', material_cost: 1, labour_cost: 1, machine_cost: 1 }), /payload\.currency must match pattern/);
  });
});

describe('cost book: the window of remembered report ids', () => {
  it("keeps about the window of an order's latest report ids however many it counts, and still knows a recent repeat", () => {
    const book = new CostBook({ eventIdWindow: 100 });
    book.plan(costPlan(), NOW);
    for (let i = 0; i < 3000; i++) book.reports(jobReport(`EV-${i}`, '0010', 1, 0, 'running', '2026-11-25T10:00:00+08:00'), NOW);
    const [, saved] = book.takeChanges().find(([key]) => key === `order:${ORDER}`)! as [string, { seen: { reports: string[] }; operations: Record<string, { goodQty: number }> }];
    assert.ok(saved.seen.reports.length <= 110, `${saved.seen.reports.length} report ids kept`);
    assert.equal(saved.operations['0010'].goodQty, 3000);
    assert.equal(book.reports(jobReport('EV-2950', '0010', 1, 0, 'running', '2026-11-25T10:00:00+08:00'), NOW).outcomes[0].kind, 'duplicate');
    // Restored from what was saved, the book still knows it.
    const restored = CostBook.restore([[`order:${ORDER}`, saved]], { eventIdWindow: 100 });
    assert.equal(restored.reports(jobReport('EV-2999', '0010', 1, 0, 'running', '2026-11-25T10:00:00+08:00'), NOW).outcomes[0].kind, 'duplicate');
  });

  it('refuses a window that is not a whole number of at least 1', () => {
    assert.throws(() => new CostBook({ eventIdWindow: 0.5 }), /The event id window must be a whole number of at least 1, not 0.5/);
  });
});

describe('cost book: saving counted ids in chunks', () => {
  /** A store as putMany leaves it: each entry replaces the key's value (a copy, as the store serialises it). */
  const write = (store: Map<string, unknown>, entries: Array<[string, unknown]>) => {
    for (const [key, value] of entries) store.set(key, structuredClone(value));
  };
  const report = (id: string) => jobReport(id, '0010', 1, 0, 'running', '2026-11-25T10:00:00+08:00');

  it('writes with each report only the ids counted since the last save, and restores the whole window from the chunks', () => {
    const book = new CostBook({ eventIdWindow: 100 });
    book.plan(costPlan(), NOW);
    const store = new Map<string, unknown>();
    let largestChunk = 0;
    for (let i = 0; i < 1000; i++) {
      book.reports(report(`EV-${i}`), NOW);
      const save = book.takeSave();
      for (const [key, value] of save.entries) if (key.includes('reports') && key !== `order:${ORDER}` && i > 0) largestChunk = Math.max(largestChunk, (value as string[]).length);
      write(store, save.entries);
      save.settle(true);
    }
    // Whole rewrites (every 32nd save or at twice the window) hold at most the window and its 10 % margin.
    assert.ok(largestChunk <= 110, `${largestChunk} ids in one chunk`);
    const saved = store.get(`order:${ORDER}`) as { version: number; seen?: unknown; operations: Record<string, { goodQty: number }> };
    assert.equal(saved.version, 2);
    assert.equal(saved.seen, undefined);
    const restored = CostBook.restore([...store], { eventIdWindow: 100 });
    assert.equal(restored.get(ORDER)!.operations['0010'].goodQty, 1000);
    assert.equal(restored.reports(report('EV-999'), NOW).outcomes[0].kind, 'duplicate');
    assert.equal(restored.reports(report('EV-950'), NOW).outcomes[0].kind, 'duplicate');
    assert.equal(restored.reports(report('EV-1000'), NOW).outcomes[0].kind, 'counted');
  });

  it('after a save that was not written, writes the ids whole again, so the store never misses a chunk', () => {
    const book = new CostBook({ eventIdWindow: 100 });
    const store = new Map<string, unknown>();
    for (let i = 0; i < 10; i++) {
      book.reports(report(`EV-${i}`), NOW);
      const save = book.takeSave();
      // Saves 4 and 5 fail: their entries never reach the store.
      if (i !== 4 && i !== 5) write(store, save.entries);
      save.settle(i !== 4 && i !== 5);
    }
    const restored = CostBook.restore([...store]);
    for (let i = 0; i < 10; i++) assert.equal(restored.reports(report(`EV-${i}`), NOW).outcomes[0].kind, 'duplicate', `EV-${i}`);
    assert.equal(restored.get(ORDER)!.operations['0010'].goodQty, 10);
  });

  it('two saves in flight at once leave the store whole whichever is written last', () => {
    const book = new CostBook({ eventIdWindow: 100 });
    const store = new Map<string, unknown>();
    book.reports(report('EV-0'), NOW);
    const first = book.takeSave();
    write(store, first.entries);
    first.settle(true);
    book.reports(report('EV-1'), NOW);
    const a = book.takeSave();
    book.reports(report('EV-2'), NOW);
    const b = book.takeSave();
    write(store, a.entries);
    write(store, b.entries);
    a.settle(true);
    b.settle(true);
    book.reports(report('EV-3'), NOW);
    write(store, book.takeSave().entries);
    const restored = CostBook.restore([...store]);
    for (let i = 0; i < 4; i++) assert.equal(restored.reports(report(`EV-${i}`), NOW).outcomes[0].kind, 'duplicate', `EV-${i}`);
  });

  it('refuses stored order costs whose chunks are missing, naming the order and the chunk', () => {
    const book = new CostBook();
    book.reports(report('EV-0'), NOW);
    const entries = book.takeSave().entries.filter(([key]) => !key.includes('reports'));
    assert.throws(() => CostBook.restore(entries), new RegExp(`The stored order costs under order:${ORDER} lack reports id chunk 1 of 1`));
  });
});
