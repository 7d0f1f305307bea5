// Writes docs/data-dictionary.md from schemas/ and schemas/dictionary/ (run after the build:
// `npm run data-dictionary`). test/unit/data-dictionary fails when the committed document is not what this writes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { readDictionarySources, dictionaryGaps } = require(join(root, 'dist/nodes/lib/dictionary/load.js'));
const { buildDataDictionary } = require(join(root, 'dist/nodes/lib/dictionary/data-dictionary.js'));
const { dataDictionaryMarkdown } = require(join(root, 'dist/nodes/lib/dictionary/markdown.js'));

const { schemas, meanings, sources } = readDictionarySources(join(root, 'schemas'));
const gaps = dictionaryGaps(schemas, meanings, sources);
if (gaps.length > 0) {
  console.error(`The data dictionary is incomplete:\n- ${gaps.join('\n- ')}`);
  process.exit(1);
}
mkdirSync(join(root, 'docs'), { recursive: true });
const file = join(root, 'docs', 'data-dictionary.md');
writeFileSync(file, dataDictionaryMarkdown(buildDataDictionary(schemas, meanings, sources)));
console.log(`wrote ${file}`);
