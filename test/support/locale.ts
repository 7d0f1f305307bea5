// Node-RED's node test helper hands nodes a RED._ that returns keys as they are. These wrap a node's
// module so that its RED._ looks keys up in our own catalog of one language, with Node-RED's __name__
// interpolation: a test then sees the texts a planner sees, and a raw key stands out.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Translate = (key: string, values?: Record<string, string>) => string;

export function catalogTranslator(type: string, lang: 'en-US' | 'zh-CN'): Translate {
  const catalog = JSON.parse(readFileSync(join(__dirname, '../../nodes', type, 'locales', lang, `${type}.json`), 'utf8'));
  return (key, values = {}) => {
    const found = key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], catalog);
    return typeof found === 'string' ? found.replace(/__(\w+)__/g, (_m, n: string) => values[n] ?? '') : key;
  };
}

/** The node module, loaded with a RED whose _ speaks `lang`. */
export function inLanguage(load: (RED: Record<string, unknown>) => unknown, type: string, lang: 'en-US' | 'zh-CN') {
  const translate = catalogTranslator(type, lang);
  return (RED: Record<string, unknown>) => {
    RED._ = translate;
    return load(RED);
  };
}
