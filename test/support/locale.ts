// Node-RED's node test helper hands nodes a RED._ that returns keys as they are. These wrap a node's
// module so that its RED._ looks keys up in our own catalog of one language, with Node-RED's __name__
// interpolation: a test then sees the texts a planner sees, and a raw key stands out.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseStatusText } from '../../nodes/lib/i18n/status-text';

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

/**
 * A status as a person reads it in `lang`: node statuses carry a catalogue key and its parameters
 * (nodes/lib/i18n/status-text.ts) that the editor renders; this renders them the same way.
 */
export function statusReader(type: string, lang: 'en-US' | 'zh-CN') {
  const translate = catalogTranslator(type, lang);
  const render = (text: string): string => {
    const parsed = parseStatusText(text);
    if (!parsed) return text;
    const values = Object.fromEntries(Object.entries(parsed.params).map(([k, v]) => [k, render(v)]));
    return translate(parsed.key, values);
  };
  return <S extends { text?: string }>(s: S): S => (typeof s?.text === 'string' ? { ...s, text: render(s.text) } : s);
}

/** A status with its text cut to the catalogue key (for tests that check which status, not its figures). */
export function statusKey<S extends { text?: string }>(s: S): S {
  return typeof s?.text === 'string' ? { ...s, text: parseStatusText(s.text)?.key ?? s.text } : s;
}
