// Every node status a person can read, rendered in zh-CN: each status key the runtime code uses (found by
// scanning nodes/**/*.ts for `<type>.status.<key>`, and for the keys handed to a node's status helper) is in
// both catalogues with the same parameters, and the zh-CN text, rendered the way the editor renders it,
// holds no raw key and no English beyond the plant's acronyms.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { parseStatusText, statusText } from '../../nodes/lib/i18n/status-text';
import { schemasDirectory } from '../../nodes/lib/validation';
import { statusReader } from '../support/locale';

const root = dirname(schemasDirectory());
const nodesDir = join(root, 'nodes');
const ACRONYMS = /\b(ERP|MES|OEE|OPC|UA|PLC|SQL|DB|API|HTTP|ms|s|min|h|ok)\b/g;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'locales' ? [] : sources(p);
    return name.endsWith('.ts') ? [p] : [];
  });
}

function statusCatalogue(type: string, lang: 'en-US' | 'zh-CN'): Record<string, string> {
  return JSON.parse(readFileSync(join(nodesDir, type, 'locales', lang, `${type}.json`), 'utf8'))[type].status ?? {};
}

/** The workflow node a source hands to the workflow host (nodes/workflow-host.ts), which shows statuses for it. */
const hostedType = (text: string) => /\bworkflowHost\(RED, node, config, '([a-z][\w-]*)'\)/.exec(text)?.[1];

/**
 * The keys the host shows for every node on it (its faults: `fault?(kind: 'config' | 'store', …)`), and those
 * the outbox status shows for a node that uses it (`host.status(…, 'key', …)`, `host.text('key', …)`).
 */
function hostKeys(text: string): string[] {
  const host = readFileSync(join(nodesDir, 'workflow-host.ts'), 'utf8');
  const faults = (/fault\?\(kind: ([^,]+),/.exec(host)?.[1]?.match(/'(\w+)'/g) ?? []).map((k) => k.slice(1, -1));
  assert.ok(faults.length > 0, 'cannot see which fault keys the workflow host shows');
  if (!/\boutboxStatus\(/.test(text)) return faults;
  const queue = readFileSync(join(nodesDir, 'outbox-status.ts'), 'utf8');
  return [...faults, ...[...queue.matchAll(/host\.(?:status\('\w+', '\w+', |text\()'(\w+)'/g)].map((k) => k[1]!)];
}

/** The status keys a node's code uses, as "type.status.key". */
function usedKeys(): Map<string, string> {
  const used = new Map<string, string>();
  for (const file of sources(nodesDir)) {
    const text = readFileSync(file, 'utf8');
    const where = file.slice(root.length + 1);
    const hosted = hostedType(text);
    // A workflow node's keys shown by the host: its own status('fill', 'shape', 'key') calls and the host's.
    if (hosted) for (const k of [...[...text.matchAll(/\bstatus\(\s*'\w+',\s*'\w+',\s*'(\w+)'/g)].map((k) => k[1]!), ...hostKeys(text)]) used.set(`${hosted}.status.${k}`, where);
    for (const m of text.matchAll(/['`]([a-z][\w-]*)\.status\.(\w+)['`]/g)) used.set(`${m[1]}.status.${m[2]}`, where);
    // Keys built from a helper's argument: `type.status.${key}` with status('green', 'dot', 'ok', …) or fail('store').
    for (const m of text.matchAll(/`([a-z][\w-]*)\.status\.\$\{(\w+(?:\.\w+)?)\}`/g)) {
      const type = m[1]!;
      const keys = [...[...text.matchAll(/\bstatus\(\s*'\w+',\s*'\w+',\s*'(\w+)'/g)].map((k) => k[1]!), ...[...text.matchAll(/\bfail\(\s*'(\w+)'/g)].map((k) => k[1]!), ...(hosted === type ? hostKeys(text) : [])];
      if (type === 'erp-order-fetch') keys.push(...[...readFileSync(join(nodesDir, 'lib/erp/failure-status.ts'), 'utf8').matchAll(/key: '(\w+)'/g)].map((k) => k[1]!));
      if (type === 'opcua-watchdog') keys.push(...(/type WatchdogPhase = ([^;]+);/.exec(readFileSync(join(nodesDir, 'lib/equipment/opcua-watchdog.ts'), 'utf8'))?.[1]?.match(/'(\w+)'/g) ?? []).map((k) => k.slice(1, -1)));
      assert.ok(keys.length > 0, `${where}: cannot see which keys \`${type}.status.\${${m[2]}}\` takes`);
      for (const k of keys) used.set(`${type}.status.${k}`, where);
    }
  }
  return used;
}

const placeholders = (text: string) => [...text.matchAll(/__(\w+)__/g)].map((m) => m[1]).sort();

describe('node status texts', () => {
  const used = usedKeys();

  it('finds the status keys of every node that shows a status', () => {
    const showing = readdirSync(nodesDir).filter((t) => existsSync(join(nodesDir, t, `${t}.ts`)) && /node\.status\(\{ *fill|\bworkflowHost\(/.test(readFileSync(join(nodesDir, t, `${t}.ts`), 'utf8')));
    const found = new Set([...used.keys()].map((k) => k.split('.')[0]));
    assert.deepEqual([...found].sort(), showing.sort());
  });

  for (const [key, where] of used) {
    it(`${key} (${where}) is in both catalogues and reads in Chinese`, () => {
      const type = key.split('.')[0]!;
      const name = key.slice(type.length + '.status.'.length);
      const en = statusCatalogue(type, 'en-US')[name];
      const zh = statusCatalogue(type, 'zh-CN')[name];
      assert.equal(typeof en, 'string', `${key} is missing from the en-US catalogue`);
      assert.equal(typeof zh, 'string', `${key} is missing from the zh-CN catalogue`);
      assert.deepEqual(placeholders(zh!), placeholders(en!), `${key}: the zh-CN text takes other parameters than the en-US one`);
      // Rendered as the editor renders it, with figures for every parameter.
      const params = Object.fromEntries(placeholders(en!).map((p) => [p, '3']));
      const shown = statusReader(type, 'zh-CN')({ text: statusText(key, params) }).text;
      assert.doesNotMatch(shown, /__\w+__|\w\.status\.\w/, `${key} renders as "${shown}"`);
      assert.doesNotMatch(shown.replace(ACRONYMS, ''), /[A-Za-z]{2,}/, `${key} has English in zh-CN: "${shown}"`);
    });
  }

  it('a status text carries its key and parameters, nested ones too, and reads back', () => {
    const reason = statusText('erp-order-fetch.status.http', { status: 503 });
    const text = statusText('erp-order-fetch.status.retrying', { reason, sec: 5 });
    assert.deepEqual(parseStatusText(text), { key: 'erp-order-fetch.status.retrying', params: { reason, sec: '5' } });
    assert.equal(statusReader('erp-order-fetch', 'zh-CN')({ text }).text, 'ERP 返回 503 · 5 秒后重试');
    assert.equal(statusReader('erp-order-fetch', 'en-US')({ text }).text, 'ERP answered 503 · retry in 5 s');
    assert.equal(statusText('oee.status.store'), 'oee.status.store', 'a key without parameters stays as Node-RED knows it');
    assert.equal(parseStatusText('active ( 1000 msec. ) '), undefined, "another node's status is left alone");
  });
});
