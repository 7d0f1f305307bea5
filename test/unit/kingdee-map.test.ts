// The Kingdee preset's map runs in TypeScript when the profile's map is the shipped text. These compare it with
// the preset's own JSONata (the same text plus a space, which no longer matches and so runs JSONata): on every
// order the simulated K/3 Cloud serves, through the real pull, and on hand-made lines at the edges JSONata has
// rules for (missing fields, null, the optional priority and inspection-spec fields, drafts, odd shapes).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openEndpoint } from '../../nodes/lib/erp/endpoint';
import { preset, profileOrdersReader } from '../../nodes/lib/erp/profile';
import { compileExpression } from '../../nodes/lib/erp/profile/expressions';
import { startPlantSimulator } from '../../server/simulator/plant-simulator';

const kingdee = preset('kingdee-k3cloud');
const TZ = 'Asia/Shanghai';
const native = compileExpression(kingdee.pull.map, 'pull.map', kingdee.name, TZ);
const jsonata = compileExpression(`${kingdee.pull.map} `, 'pull.map', kingdee.name, TZ);

async function both(item: unknown, bindings: Record<string, unknown>): Promise<[unknown, unknown]> {
  const settle = (p: Promise<unknown>) =>
    p.then(
      (v) => ({ value: v }),
      (e: Error) => ({ error: e.message }),
    );
  return [await settle(native.evaluate(item, bindings)), await settle(jsonata.evaluate(item, bindings))];
}

const LINE = {
  FID: 100231,
  FBillNo: 'MO0000004',
  FTreeEntity_FEntryId: 100500,
  FTreeEntity_FSeq: 1,
  'FMaterialId.FNumber': 'FG-100310',
  'FMaterialId.FName': '导尿管 16Fr',
  'FUnitId.FNumber': 'PCS',
  FQty: 1000,
  FPlanStartDate: '2026-12-08 08:00:00',
  FPlanFinishDate: '2026-12-10 17:00:00',
  FStatus: '4',
  FDocumentStatus: 'C',
  'FPrdOrgId.FNumber': '1010',
  FModifyDate: '2026-12-07 10:23:30.27',
  F_PAEZ_Priority: 2,
};
const OPERATION = {
  FOperNumber: 10,
  'FProcessId.FNumber': 'P-CUT',
  'FProcessId.FName': '裁切',
  'FWorkCenterId.FNumber': 'WC-01',
  FOperPlanStartTime: '2026-12-08 08:00:00',
  FOperPlanFinishTime: '2026-12-08 12:00:00',
  FActivity1Qty: 12.5,
  F_PAEZ_QcSpec: '  QC  \t 7 ',
};
const COMPONENT = { 'FMaterialID2.FNumber': 'RM-1', 'FMaterialID2.FName': '硅胶', 'FUnitID2.FNumber': 'KG', FNumerator: 1, FDenominator: 3, FOperID: 10, FScrapRate: 0.5 };
const PARAMS = { defaultPriority: 5, priorityField: 'F_PAEZ_Priority', qcSpecField: 'F_PAEZ_QcSpec' };
const OPTIONAL = { orders: ['F_PAEZ_Priority'], operations: ['F_PAEZ_QcSpec'] };

describe('the Kingdee preset map in TypeScript', () => {
  it('gives what the JSONata gives on hand-made lines at the edges of its rules', async () => {
    const cases: Array<[string, unknown, Record<string, unknown>]> = [
      ['an audited line with its operations, components and optional fields', LINE, { params: PARAMS, optional: OPTIONAL, details: { operations: [OPERATION], components: [COMPONENT] } }],
      ['optional fields the account set lacks', LINE, { params: PARAMS, optional: { orders: [], operations: [] }, details: { operations: [OPERATION], components: [COMPONENT] } }],
      ['no settings beyond the default priority, a plant from the settings', LINE, { params: { defaultPriority: 5, plant: 'SZ01' }, details: {} }],
      ['a draft bill (not audited)', { ...LINE, FDocumentStatus: 'A', FStatus: '4' }, { params: PARAMS, details: {} }],
      ...['3', '5', '6', '7'].map((st): [string, unknown, Record<string, unknown>] => [`line state ${st}`, { ...LINE, FStatus: st }, { params: PARAMS, details: {} }]),
      ['a null audit state and a numeric line state', { ...LINE, FDocumentStatus: null, FStatus: 4 }, { params: PARAMS, details: {} }],
      ['missing times, quantity and sequence', { FBillNo: 'MO1', FStatus: '5' }, { params: PARAMS, details: { operations: [{ FOperNumber: 20 }], components: [{ FNumerator: 2, FDenominator: 4, FOperID: 0 }] } }],
      ['a priority of 0 and an empty inspection spec', { ...LINE, F_PAEZ_Priority: 0 }, { params: PARAMS, optional: OPTIONAL, details: { operations: [{ ...OPERATION, F_PAEZ_QcSpec: ' \t ' }] } }],
      [
        'half-way quantities rounded to even',
        LINE,
        {
          params: PARAMS,
          details: {
            components: [
              { ...COMPONENT, FNumerator: 0.0000125, FDenominator: 1 },
              { ...COMPONENT, FNumerator: 0.0000135, FDenominator: 1 },
            ],
          },
        },
      ],
      ['a single operation object instead of a list', LINE, { params: PARAMS, details: { operations: OPERATION } }],
      ['a text line number (JSONata decides)', { ...LINE, FTreeEntity_FSeq: '01' }, { params: PARAMS, details: {} }],
      ['a text operation id in a component (JSONata raises its error)', LINE, { params: PARAMS, details: { components: [{ ...COMPONENT, FOperID: '10' }] } }],
      ['a zero denominator (JSONata raises its error)', LINE, { params: PARAMS, details: { components: [{ ...COMPONENT, FDenominator: 0 }] } }],
      ['an error answer where the operations should be', LINE, { params: PARAMS, details: { operations: { Result: { ResponseStatus: { IsSuccess: false } } } } }],
      ['a line that is not an object', 'MO1', { params: PARAMS, details: {} }],
      ['a line without its FID (no orderKey)', { ...LINE, FID: undefined }, { params: PARAMS, details: {} }],
      ['an FID of 0 and a text entry id', { ...LINE, FID: 0, FTreeEntity_FEntryId: '100500' }, { params: PARAMS, details: {} }],
    ];
    for (const [what, item, bindings] of cases) {
      const [ours, theirs] = await both(item, bindings);
      // JSONata builds objects without a prototype; the members, their values and their order are what count.
      assert.deepStrictEqual(JSON.parse(JSON.stringify(ours)), JSON.parse(JSON.stringify(theirs)), what);
      assert.equal(JSON.stringify(ours), JSON.stringify(theirs), `${what}: the same members in the same order`);
    }
  });

  it('builds the detail requests and zips their rows as the JSONata does', async () => {
    for (const [name, d] of Object.entries(kingdee.pull.details!)) {
      const pairs: Array<[string, string]> = [
        [d.request.body!, 'request.body'],
        [d.select!, 'select'],
      ];
      for (const [source, part] of pairs) {
        const ours = compileExpression(source, part, kingdee.name, TZ);
        const theirs = compileExpression(`${source} `, part, kingdee.name, TZ);
        const inputs: Array<[unknown, Record<string, unknown>]> = [
          [{}, { item: LINE, optional: OPTIONAL }],
          [{}, { item: { FBillNo: 'MO1' }, optional: {} }],
          [{}, { item: { ...LINE, FTreeEntity_FSeq: '02' }, optional: { operations: 'F_X' } }],
          [[[10, 'P-CUT', '裁切', 'WC-01', '2026-12-08 08:00:00', '2026-12-08 12:00:00', 12.5, 'QC 7']], { optional: OPTIONAL }],
          [
            [
              [10, 'P-CUT'],
              [20, 'P-MIX'],
            ],
            { optional: {} },
          ],
          [[], { optional: OPTIONAL }],
          [[{ Result: { ResponseStatus: { IsSuccess: false } } }], {}],
          [{ Result: { ResponseStatus: { IsSuccess: false } } }, {}],
          [[[1, 2]], { optional: { operations: [3] } }],
        ];
        for (const [input, bindings] of inputs) {
          const settle = (p: Promise<unknown>) =>
            p.then(
              (v) => JSON.stringify({ value: v }),
              (e: Error) => JSON.stringify({ error: e.message }),
            );
          assert.equal(await settle(ours.evaluate(input, bindings)), await settle(theirs.evaluate(input, bindings)), `${name} ${part} on ${JSON.stringify(input)}`);
        }
      }
    }
  });

  describe('on every order of the simulated K/3 Cloud, through the real pull', () => {
    let sim: Awaited<ReturnType<typeof startPlantSimulator>>;
    before(async () => {
      sim = await startPlantSimulator({ seedOrders: 120 });
    });
    after(async () => {
      await sim?.close();
    });

    /** The preset as shipped, or (`jsonataOnly`) with a space after each expression that has a TypeScript twin. */
    async function pullAll(jsonataOnly: boolean): Promise<unknown[]> {
      const profile = structuredClone(kingdee);
      if (jsonataOnly) {
        profile.pull.map += ' ';
        for (const d of Object.values(profile.pull.details!)) {
          d.request.body += ' ';
          d.select += ' ';
        }
      }
      const open = openEndpoint(
        {
          name: 'K3',
          baseUrl: `${sim.url}/kingdee/k3cloud`,
          profile: 'custom',
          profileJson: JSON.stringify(profile),
          params: JSON.stringify({ acctId: '6571d8f1a2c3e4', appId: '301451_demoMesBridge', timeZone: TZ }),
          timeoutSec: 30,
          authType: 'basic',
          username: 'mes-bridge',
        },
        { password: 'demo-kingdee-app-secret-0000001' },
        () => undefined,
      );
      try {
        const read = profileOrdersReader(open.session);
        const orders: unknown[] = [];
        for (let offset = 0; ; offset += 50) {
          const page = await read({ offset, limit: 50 });
          assert.deepEqual(page.problems ?? [], []);
          orders.push(...page.items);
          if (page.items.length < 50) return orders;
        }
      } finally {
        open.client.close();
      }
    }

    it('asks for the same detail rows and maps every order exactly as the JSONata does', async () => {
      const ours = await pullAll(false);
      const theirs = await pullAll(true);
      assert.equal(ours.length, 120);
      assert.equal(JSON.stringify(ours), JSON.stringify(theirs));
    });
  });
});
