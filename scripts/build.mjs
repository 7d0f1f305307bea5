// Compiles the TypeScript, then puts each node's editor template, locales and icons
// next to its compiled .js, where Node-RED's loader looks for them, and the flows into examples/.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Copy the assets even when tsc reports errors (it still emits), then fail at the end.
let typeErrors = false;
try {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
} catch {
  typeErrors = true;
}

const nodesDir = join(root, 'nodes');
for (const type of readdirSync(nodesDir)) {
  const src = join(nodesDir, type);
  if (type === 'lib' || !statSync(src).isDirectory()) continue;
  const out = join(root, 'dist', 'nodes', type);
  for (const entry of readdirSync(src)) {
    if (entry.endsWith('.html') || entry === 'locales' || entry === 'icons') {
      cpSync(join(src, entry), join(out, entry), { recursive: true });
    }
  }
}
// Plugins with an editor part (a folder of their own): the same template and locales beside the .js.
const pluginsDir = join(root, 'plugins');
for (const name of readdirSync(pluginsDir)) {
  const src = join(pluginsDir, name);
  if (!statSync(src).isDirectory()) continue;
  for (const entry of readdirSync(src)) {
    if (entry.endsWith('.html') || entry === 'locales') cpSync(join(src, entry), join(root, 'dist', 'plugins', name, entry), { recursive: true });
  }
}
// Editor plugins: their template and locales beside the compiled .js too.
for (const entry of readdirSync(join(root, 'plugins'))) {
  if (entry.endsWith('.html') || entry === 'locales') cpSync(join(root, 'plugins', entry), join(root, 'dist', 'plugins', entry), { recursive: true });
}
// Import ▸ Examples lists examples/*.json of an installed pack: copies of flows/, the one source (npm drops a symlink).
const examplesDir = join(root, 'examples');
rmSync(examplesDir, { recursive: true, force: true });
mkdirSync(examplesDir);
for (const name of readdirSync(join(root, 'flows'))) {
  if (name.endsWith('.json')) cpSync(join(root, 'flows', name), join(examplesDir, name));
}
if (!existsSync(join(root, 'dist'))) throw new Error('build produced no dist/');

// One source for what the editor must know before the runtime answers (a new node's defaults): each
// /*build:<fact>*/[] in a copied template becomes the compiled lib's value, so the editor never keeps a copy.
const require = createRequire(import.meta.url);
const codeMap = require(join(root, 'dist/nodes/lib/code-map/index.js'));
const facts = { 'code-tables': codeMap.TABLE_NAMES, 'work-order-rules': codeMap.WORK_ORDER_RULES };
for (const type of readdirSync(join(root, 'dist', 'nodes'))) {
  const template = join(root, 'dist', 'nodes', type, `${type}.html`);
  if (!existsSync(template)) continue;
  const text = readFileSync(template, 'utf8');
  const filled = text.replace(/\/\*build:([\w-]+)\*\/\[\]/g, (_m, fact) => {
    if (!(fact in facts)) throw new Error(`${type}.html asks the build for '${fact}', which it does not know (it knows ${Object.keys(facts).join(', ')}).`);
    return JSON.stringify(facts[fact]);
  });
  if (filled !== text) writeFileSync(template, filled);
}
if (typeErrors) {
  console.error('build: TypeScript reported errors (see above)');
  process.exit(1);
}
