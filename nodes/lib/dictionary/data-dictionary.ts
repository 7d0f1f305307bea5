// The data dictionary (数据字典): every field of every boundary message with its type, unit, bounds, meaning in
// en-US and zh-CN, and where it comes from or goes to in each ERP preset and the MES contract. Types and bounds
// come from schemas/ itself; the words from schemas/dictionary/meanings.json; the ERP fields from
// schemas/dictionary/erp-sources.json. Nothing here is written twice: a schema change shows in the dictionary.
import { schemaFields, type SchemaField } from './schema-fields';

export interface Words {
  en?: string;
  zh: string;
  unit?: string;
}

export interface Meanings {
  messages: Record<string, { zh: string }>;
  names: Record<string, Words>;
  paths: Record<string, Words>;
}

export interface FieldSource {
  /** The production-order field a work-order field is made from. */
  from?: string;
  /** The code table code-map applies on the way (material, equipment, operation, unit, plant). */
  map?: string;
  [preset: string]: string[] | string | undefined;
}

export interface ErpSources {
  presets: Record<string, { label: string; files: string[] }>;
  fields: Record<string, Record<string, FieldSource>>;
}

export interface DictionaryField extends SchemaField {
  unit?: string;
  meaning: { 'en-US': string; 'zh-CN': string };
  /** ERP field names per preset id, for the messages the presets read or write. */
  erp?: Record<string, string[]>;
  from?: string;
  map?: string;
}

export interface DictionaryMessage {
  /** The schema's name: `work-order` for schemas/work-order.schema.json. */
  name: string;
  title: { 'en-US': string; 'zh-CN': string };
  description: string;
  fields: DictionaryField[];
}

export interface DataDictionary {
  presets: Record<string, string>;
  messages: DictionaryMessage[];
}

// Units follow from the names our schemas use; an entry in meanings.json may say otherwise.
const UNIT_BY_SUFFIX: Array<[RegExp, string]> = [
  [/Pct$/, '%'],
  [/Min$/, 'min'],
  [/(Sec|Seconds)$|SecondsPerUnit$|PerUnitSec$/, 's'],
  [/Hours$/, 'h'],
  [/Minutes$/, 'min'],
  [/RatePerHour$|^ratePerHour$/, 'currency/h'],
  [/Qty$|^qty$|^quantity$/, 'unit'],
  [/Cost$/, 'currency'],
];

export function unitOf(name: string, type: string): string | undefined {
  if (!type.includes('number') && !type.includes('integer')) return undefined;
  return UNIT_BY_SUFFIX.find(([pattern]) => pattern.test(name))?.[1];
}

/** The words for one field: its entry by path over its entry by name, each part falling back to the name's. */
function wordsFor(message: string, field: SchemaField, meanings: Meanings): Partial<Words> | undefined {
  const byName = meanings.names[field.name];
  const byPath = meanings.paths[`${message}#${field.path}`];
  return byName || byPath ? { ...byName, ...byPath } : undefined;
}

/** Problems that keep the dictionary from covering the schemas, each a sentence; empty when it is complete. */
export function dictionaryGaps(schemas: Record<string, Record<string, unknown>>, meanings: Meanings, sources: ErpSources): string[] {
  const gaps: string[] = [];
  const known = new Set<string>();
  for (const [message, schema] of Object.entries(schemas)) {
    if (!meanings.messages[message]) gaps.push(`The message ${message} has no Chinese title in meanings.json.`);
    for (const field of schemaFields(schema)) {
      known.add(`${message}#${field.path}`);
      const words = wordsFor(message, field, meanings);
      if (!words?.zh) gaps.push(`${message} field ${field.path} has no Chinese meaning.`);
      if (!field.description && !words?.en) gaps.push(`${message} field ${field.path} has no English meaning (no schema description, no entry).`);
    }
  }
  for (const key of Object.keys(meanings.paths)) if (!known.has(key)) gaps.push(`meanings.json describes ${key}, which no schema has.`);
  for (const message of Object.keys(meanings.messages)) if (!schemas[message]) gaps.push(`meanings.json names the message ${message}, which has no schema.`);
  for (const [message, fields] of Object.entries(sources.fields)) {
    for (const path of Object.keys(fields)) {
      if (!known.has(`${message}#${path}`)) gaps.push(`erp-sources.json maps ${message} field ${path}, which the schema does not have.`);
      const from = fields[path].from;
      if (from && !known.has(`production-order#${from}`)) gaps.push(`erp-sources.json makes ${message} field ${path} from production-order ${from}, which does not exist.`);
    }
  }
  return gaps;
}

function sourceOf(entry: FieldSource | undefined, presets: string[]): Pick<DictionaryField, 'erp' | 'from' | 'map'> {
  if (!entry) return {};
  const erp: Record<string, string[]> = {};
  for (const id of presets) {
    const names = entry[id];
    if (Array.isArray(names)) erp[id] = names;
  }
  return {
    ...(Object.keys(erp).length > 0 && { erp }),
    ...(entry.from !== undefined && { from: entry.from }),
    ...(entry.map !== undefined && { map: entry.map }),
  };
}

export function buildDataDictionary(schemas: Record<string, Record<string, unknown>>, meanings: Meanings, sources: ErpSources): DataDictionary {
  const presetIds = Object.keys(sources.presets);
  const messages = Object.keys(schemas)
    .sort()
    .map((name): DictionaryMessage => {
      const schema = schemas[name];
      return {
        name,
        title: { 'en-US': String(schema.title ?? name), 'zh-CN': meanings.messages[name]?.zh ?? String(schema.title ?? name) },
        description: String(schema.description ?? ''),
        fields: schemaFields(schema).map((field) => {
          const words = wordsFor(name, field, meanings);
          const unit = words?.unit ?? unitOf(field.name, field.type);
          return {
            ...field,
            ...(unit !== undefined && { unit }),
            meaning: { 'en-US': field.description ?? words?.en ?? '', 'zh-CN': words?.zh ?? '' },
            ...sourceOf(sources.fields[name]?.[field.path], presetIds),
          };
        }),
      };
    });
  return { presets: Object.fromEntries(Object.entries(sources.presets).map(([id, p]) => [id, p.label])), messages };
}
