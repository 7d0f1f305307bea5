// Reads the schemas and the dictionary's word files from the package's schemas/ folder.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemasDirectory } from '../validation';
import { buildDataDictionary, dictionaryGaps, type DataDictionary, type ErpSources, type Meanings } from './data-dictionary';

export interface DictionarySources {
  schemas: Record<string, Record<string, unknown>>;
  meanings: Meanings;
  sources: ErpSources;
}

export function readDictionarySources(dir: string = schemasDirectory()): DictionarySources {
  const read = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const schemas: Record<string, Record<string, unknown>> = {};
  for (const file of readdirSync(dir).sort()) {
    if (file.endsWith('.schema.json')) schemas[file.replace(/\.schema\.json$/, '')] = read(join(dir, file));
  }
  return {
    schemas,
    meanings: read(join(dir, 'dictionary', 'meanings.json')) as unknown as Meanings,
    sources: read(join(dir, 'dictionary', 'erp-sources.json')) as unknown as ErpSources,
  };
}

let cached: DataDictionary | undefined;

/** The dictionary of this package's schemas, built once. */
export function loadDataDictionary(): DataDictionary {
  if (!cached) {
    const { schemas, meanings, sources } = readDictionarySources();
    cached = buildDataDictionary(schemas, meanings, sources);
  }
  return cached;
}

export { dictionaryGaps };
