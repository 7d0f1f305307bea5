// One source for every fact the editor or the demo needs from the runtime: the code-map editor's default rules
// and tables are the lib's (filled in by the build), and every shipped ERP preset has a demo dialect, so
// DEMO_ERP (settings.ts, which lists the presets from the lib) never falls back to the generic ERP in silence.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { TABLE_NAMES, WORK_ORDER_RULES } from '../../nodes/lib/code-map';
import { presetIds } from '../../nodes/lib/erp/profile';
import { demoErpEnvironment } from '../../server/demo';

// Compiled to dist/test/unit: the built templates are in dist/nodes.
const builtNodes = join(__dirname, '..', '..', 'nodes');

function builtTemplate(type: string): string {
  return readFileSync(join(builtNodes, type, `${type}.html`), 'utf8');
}

/** The value a template's `var NAME = …;` line holds, as JSON. */
function templateValue(template: string, name: string): unknown {
  const line = template.split('\n').find((l) => l.trim().startsWith(`var ${name} = `));
  assert.ok(line, `the template declares no var ${name}`);
  return JSON.parse(line.trim().slice(`var ${name} = `.length).replace(/;$/, ''));
}

describe('one source for the editor and the demo', () => {
  it("gives the code-map editor the runtime's work-order rules and code tables", () => {
    const template = builtTemplate('code-map');
    assert.deepEqual(templateValue(template, 'WORK_ORDER_RULES'), WORK_ORDER_RULES);
    assert.deepEqual(templateValue(template, 'TABLES'), TABLE_NAMES);
  });

  it('leaves no build marker unfilled in any built editor template', () => {
    const left = readdirSync(builtNodes)
      .filter((type) => existsSync(join(builtNodes, type, `${type}.html`)))
      .filter((type) => builtTemplate(type).includes('/*build:'));
    assert.deepEqual(left, []);
  });

  it('serves every shipped ERP preset in its own demo dialect', () => {
    const generic = demoErpEnvironment('generic-rest', 'http://sim.test', 'http://generic.test').ERP_BASE_URL;
    for (const id of presetIds()) {
      const env = demoErpEnvironment(id, 'http://sim.test', 'http://generic.test');
      assert.equal(env.ERP_PROFILE, id);
      if (id !== 'generic-rest') assert.notEqual(env.ERP_BASE_URL, generic, `preset ${id} has no demo dialect in server/demo.ts`);
    }
  });
});
