// Every node speaks en-US and zh-CN: both catalogs have the same keys, every key the runtime or the
// editor template uses exists, and both help pages are there.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { schemasDirectory } from '../../nodes/lib/validation';

const root = dirname(schemasDirectory());
const nodesDir = join(root, 'nodes');
// A node is a folder with <type>.ts; nodes/lib and the files directly in nodes/ hold code the nodes share.
const types = readdirSync(nodesDir).filter((t) => statSync(join(nodesDir, t)).isDirectory() && existsSync(join(nodesDir, t, `${t}.ts`)));

function flatten(obj: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) => (v && typeof v === 'object' ? flatten(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

describe('node locales', () => {
  it('the package registers every node folder', () => {
    const registered = Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))['node-red'].nodes).sort();
    assert.deepEqual(registered, [...types].sort());
  });

  for (const type of types) {
    describe(type, () => {
      const catalog = (lang: string) => JSON.parse(readFileSync(join(nodesDir, type, 'locales', lang, `${type}.json`), 'utf8'));

      it('has a runtime, an editor template and help in en-US and zh-CN', () => {
        for (const file of [`${type}.ts`, `${type}.html`, `locales/en-US/${type}.html`, `locales/zh-CN/${type}.html`]) {
          assert.ok(existsSync(join(nodesDir, type, file)), `nodes/${type}/${file} is missing`);
        }
        for (const lang of ['en-US', 'zh-CN']) {
          const help = readFileSync(join(nodesDir, type, 'locales', lang, `${type}.html`), 'utf8');
          assert.match(help, new RegExp(`data-help-name="${type}"`));
        }
      });

      it('has the same keys in en-US and zh-CN', () => {
        assert.deepEqual(flatten(catalog('zh-CN')).sort(), flatten(catalog('en-US')).sort());
      });

      it('defines every key the runtime and the editor use', () => {
        const known = new Set(flatten(catalog('en-US')));
        const source = readFileSync(join(nodesDir, type, `${type}.ts`), 'utf8') + readFileSync(join(nodesDir, type, `${type}.html`), 'utf8');
        // Keys are <type>.<group>.<name>; a file name such as bridge-store.sqlite is not a key.
        const used = new Set<string>();
        for (const m of source.matchAll(new RegExp(`['"\\]](${type.replace(/-/g, '\\-')}\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_.-]*[A-Za-z0-9_])`, 'g'))) used.add(m[1]);
        const missing = [...used].filter((k) => !known.has(k) && ![...known].some((key) => key.startsWith(`${k}.`)));
        assert.deepEqual(missing, [], `keys used but not in locales/en-US/${type}.json`);
      });
    });
  }
});
