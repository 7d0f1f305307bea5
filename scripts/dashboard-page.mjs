// A dashboard page's Vue source for its ui-template: dashboards/<name>.vue with the shared client methods
// (dashboards/shared/bridge-client.js) in place of its "// @bridge-client" line — one source for every page.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const MARKER = /^ *\/\/ @bridge-client\n/m;

/** The methods of dashboards/shared/bridge-client.js: the body of its exported object. */
export function bridgeClientMethods(root) {
  const text = readFileSync(join(root, 'dashboards', 'shared', 'bridge-client.js'), 'utf8');
  const start = text.indexOf('export const bridgeClient = {\n');
  const end = text.lastIndexOf('\n};');
  if (start < 0 || end < start) throw new Error('dashboards/shared/bridge-client.js must export one object: export const bridgeClient = { … };');
  return text.slice(start + 'export const bridgeClient = {\n'.length, end + 1);
}

export function dashboardPage(root, name) {
  const page = readFileSync(join(root, 'dashboards', `${name}.vue`), 'utf8');
  return MARKER.test(page) ? page.replace(MARKER, () => bridgeClientMethods(root)) : page;
}
