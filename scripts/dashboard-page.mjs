// A dashboard page's Vue source for its ui-template: dashboards/<name>.vue with the shared client module
// (dashboards/shared/bridge-client.js) in place of its "// @bridge-client" line — one source for both.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const BRIDGE_CLIENT_MARKER = '// @bridge-client\n';

export function dashboardPage(root, name) {
  const page = readFileSync(join(root, 'dashboards', `${name}.vue`), 'utf8');
  if (!page.includes(BRIDGE_CLIENT_MARKER)) return page;
  return page.replace(BRIDGE_CLIENT_MARKER, readFileSync(join(root, 'dashboards', 'shared', 'bridge-client.js'), 'utf8'));
}
