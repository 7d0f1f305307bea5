// Compiles the TypeScript, then puts each node's editor template, locales and icons
// next to its compiled .js, where Node-RED's loader looks for them, and the flows into examples/.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
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
if (typeErrors) {
  console.error('build: TypeScript reported errors (see above)');
  process.exit(1);
}
