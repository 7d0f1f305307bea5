// The arrows point one way (DESIGN §2): server → nodes → nodes/lib. nodes/lib, the domain core, imports nothing
// from Node-RED, Express, a node's folder or the server; the nodes and the pack's plugins never import the server
// (it is not in the pack), and nothing of the pack imports the tests or the build scripts. Read from the sources'
// import statements, so a wrong arrow fails here naming the file and the import, not in a user's Node-RED.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { describe, it } from 'node:test';
import { schemasDirectory } from '../../nodes/lib/validation';

const root = dirname(schemasDirectory());

/** Every module specifier of a TypeScript source: import/export … from, bare import, import(), require(). */
export function importsOf(source: string): string[] {
  // Comments first: a sentence in a comment that reads like an import is not one.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found: string[] = [];
  const patterns = [/\b(?:import|export)\s[^'";]*?\sfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const m of code.matchAll(pattern)) found.push(m[1]);
  return found;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'node_modules' ? [] : sources(p);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [p] : [];
  });
}

/** The specifier as a repository path ('nodes/oee/oee') when relative, else the package it names ('node-red'). */
function target(file: string, specifier: string): { path?: string; pkg?: string } {
  if (specifier.startsWith('.'))
    return {
      path: relative(root, join(dirname(file), specifier))
        .split(sep)
        .join('/'),
    };
  const parts = specifier.replace(/^node:/, '').split('/');
  return { pkg: specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0] };
}

interface Rule {
  /** Which files it holds for (repository path prefix). */
  files: string;
  /** Why the import is wrong, or undefined when it is allowed. */
  refuse(to: { path?: string; pkg?: string }): string | undefined;
}

const outsideThePack = (to: { path?: string }) =>
  to.path?.startsWith('server/') || to.path === 'server' ? 'the server is not part of the pack' : to.path?.startsWith('test/') || to.path?.startsWith('scripts/') ? 'tests and build scripts are not part of the pack' : undefined;

const rules: Rule[] = [
  {
    files: 'nodes/lib/',
    refuse: (to) => {
      if (to.pkg === 'node-red' || to.pkg?.startsWith('@node-red/') || to.pkg?.startsWith('node-red-')) return 'the domain core must not depend on Node-RED';
      if (to.pkg === 'express' || to.pkg?.startsWith('@types/express')) return 'the domain core must not depend on Express';
      if (to.path !== undefined && !to.path.startsWith('nodes/lib/') && !to.path.startsWith('schemas/')) return 'the domain core must not reach into a node, the server or anything outside nodes/lib';
      return undefined;
    },
  },
  { files: 'nodes/', refuse: outsideThePack },
  { files: 'plugins/', refuse: outsideThePack },
];

function violations(): string[] {
  const found: string[] = [];
  for (const file of [...sources(join(root, 'nodes')), ...sources(join(root, 'plugins'))]) {
    const path = relative(root, file).split(sep).join('/');
    for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
      for (const rule of rules.filter((r) => path.startsWith(r.files))) {
        const why = rule.refuse(target(file, specifier));
        if (why) found.push(`${path} imports '${specifier}': ${why}.`);
      }
    }
  }
  return found;
}

describe('layering', () => {
  it('reads every kind of import statement, and no import inside a comment', () => {
    const source = [
      "import type { Node } from 'node-red';",
      'import {',
      '  a,',
      '  b,',
      "} from '../server/app';",
      "import './side-effect';",
      "export { c } from 'express';",
      "export * from '../lib/x';",
      "const d = require('node:fs');",
      "const e = await import('../oee/oee');",
      "// import f from 'commented-out'",
      "/* import g from 'also-commented' */",
    ].join('\n');
    assert.deepEqual(importsOf(source).sort(), ['../lib/x', '../oee/oee', '../server/app', './side-effect', 'express', 'node-red', 'node:fs'].sort());
  });

  it('finds the sources it checks (nodes/lib, the nodes, the plugins)', () => {
    const files = sources(join(root, 'nodes')).map((f) => relative(root, f).split(sep).join('/'));
    assert.ok(
      files.some((f) => f.startsWith('nodes/lib/')),
      'no source found under nodes/lib',
    );
    assert.ok(files.includes('nodes/oee/oee.ts'), 'nodes/oee/oee.ts not found');
    assert.ok(sources(join(root, 'plugins')).length > 0, 'no plugin source found');
  });

  it('nodes/lib imports no Node-RED, Express, node folder or server; nodes and plugins never import the server', () => {
    const found = violations();
    assert.deepEqual(found, [], `Imports against the layering (server → nodes → nodes/lib):\n${found.join('\n')}`);
  });
});
