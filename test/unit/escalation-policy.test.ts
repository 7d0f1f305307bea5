// The escalation policy table: the defaults of DESIGN §1, the type rows that win over a level's general row,
// and tables the editor could hold that would not work, each refused with a sentence naming the row.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_ESCALATION_POLICY, EscalationPolicy, type PolicyRow } from '../../nodes/lib/escalation';

const rows = (): PolicyRow[] => structuredClone(DEFAULT_ESCALATION_POLICY) as PolicyRow[];

describe('EscalationPolicy', () => {
  it('defaults: general has no deadline; urgent 60 min → severe; severe 15 min → plant-manager, the top', () => {
    const policy = EscalationPolicy.from();
    const general = policy.rowFor('general', 'equipment-fault');
    assert.deepEqual([general.ackWithinMin, general.nextLevel], [undefined, undefined]);
    const urgent = policy.rowFor('urgent', 'equipment-fault');
    assert.deepEqual([urgent.notify[0].role, urgent.ackWithinMin, urgent.nextLevel], ['production-supervisor', 60, 'severe']);
    const severe = policy.rowFor('severe', 'equipment-fault');
    assert.deepEqual([severe.notify[0].role, severe.ackWithinMin, severe.nextLevel, severe.erpAction], ['supply-chain-director', 15, 'plant-manager', undefined]);
    const top = policy.rowFor('plant-manager', 'other');
    assert.deepEqual([top.notify[0].role, top.ackWithinMin, top.nextLevel], ['plant-manager', undefined, undefined]);
  });

  it('a row for a type wins over the level’s general row', () => {
    const policy = EscalationPolicy.from();
    assert.equal(policy.rowFor('urgent', 'quality-defect').notify[0].role, 'quality-supervisor');
    assert.equal(policy.rowFor('severe', 'material-shortage').erpAction, 'emergency-purchase-or-transfer');
  });

  it('takes a table as the editor stores it, empty type and next level meaning none', () => {
    const policy = EscalationPolicy.from([
      { level: 'general', type: '', notify: [], ackWithinMin: null, nextLevel: '' },
      { level: 'urgent', notify: [{ role: 'line-lead', channel: 'sms' }], ackWithinMin: 30, nextLevel: 'severe' },
      { level: 'severe', notify: [{ role: 'plant-manager', channel: 'email' }], ackWithinMin: 10 },
    ]);
    assert.deepEqual(policy.rowFor('general', 'other'), { level: 'general', notify: [] });
    assert.equal(policy.rowFor('severe', 'other').nextLevel, undefined);
  });

  const broken: Array<[string, (table: PolicyRow[]) => unknown, RegExp]> = [
    ['no row for a severity', (t) => t.filter((r) => r.level !== 'urgent'), /The escalation policy has no row for urgent exceptions \(a row with level urgent and no type\)\./],
    ['a next level without a row', (t) => ((t[1].nextLevel = 'director'), t), /Escalation policy row 2 escalates to level director, which has no row of its own \(without a type\)\./],
    ['a loop', (t) => ((t[t.length - 1] = { ...t[t.length - 1], ackWithinMin: 30, nextLevel: 'urgent' }), t), /The escalation policy loops: urgent → severe → plant-manager → urgent; escalation must end at a level without a next level\./],
    ['a next level without a deadline', (t) => (delete t[1].ackWithinMin, t), /Escalation policy row 2 \(level urgent\) escalates to severe but has no ackWithinMin: without a deadline it would never escalate\./],
    ['a deadline of 0 minutes', (t) => ((t[1].ackWithinMin = 0), t), /Escalation policy row 2 \(level urgent\) has ackWithinMin 0; it must be a number of minutes above 0, or left out for no deadline\./],
    ['a notify target without a channel', (t) => ((t[1].notify = [{ role: 'production-supervisor' } as never]), t), /Escalation policy row 2 \(level urgent\) notify\[0\] needs a role and a channel/],
    ['an unknown exception type', (t) => ((t[2].type = 'fire' as never), t), /Escalation policy row 3 has type "fire"; it must be one of equipment-fault, material-shortage, quality-defect, other or empty for every type\./],
    ['the same level and type twice', (t) => [...t, t[1]], /Escalation policy row 7 repeats level urgent; each level and type may appear once\./],
    ['a field the policy does not know', (t) => (Object.assign(t[0], { escalateTo: 'x' }), t), /Escalation policy row 1 has "escalateTo", which the policy does not know/],
    ['a row for a level nothing reaches', (t) => [...t, { level: 'director', type: 'other', notify: [] }], /Escalation policy row 7 is for level director, which has no row of its own \(without a type\), so no exception could reach it\./],
    ['an empty table', () => [], /The escalation policy must be a non-empty list of rows\./],
  ];
  for (const [what, edit, message] of broken) {
    it(`refuses a table with ${what}`, () => {
      assert.throws(() => EscalationPolicy.from(edit(rows())), message);
    });
  }
});
