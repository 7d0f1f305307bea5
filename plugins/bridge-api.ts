// The pack's REST API, health and metrics, registered by the pack itself on Node-RED's admin app (RED.httpAdmin)
// behind Node-RED's login and permissions: the same routes in a plain Node-RED, in FlowFuse and in our
// embedding server (which only adds hardening in front). Plugins load before the nodes, so /api/info hears every
// node type of the pack as it is registered.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mountHealthAndMetrics, watchRuntime } from './api/health';
import { mountInfoApi, watchLoadedTypes } from './api/info';
import { mountOutboxApi } from './api/outbox';
import { mountPlanSyncApi } from './api/plan-sync';
import type { RedApp } from './api/red';
import { mountTraceApi } from './api/trace';
import { mountBatchRecordApi } from './api/batch-records';
import { mountWorkflowsApi } from './api/workflows';

interface PackageJson {
  name: string;
  version: string;
  'node-red': { nodes: Record<string, string> };
}

const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as PackageJson;

// A runtime restarted in the same process (tests, an embedding server) registers the plugin again on a new
// admin app; the previous registration's listeners go first.
let previous: (() => void) | undefined;

export = function register(RED: RedApp): void {
  previous?.();
  const types = watchLoadedTypes(RED, Object.keys(pkg['node-red'].nodes));
  const runtime = watchRuntime(RED);
  previous = () => {
    types.detach();
    runtime.detach();
  };
  mountInfoApi(RED, { name: pkg.name, version: pkg.version }, types.loaded);
  mountHealthAndMetrics(RED, runtime);
  mountOutboxApi(RED);
  mountWorkflowsApi(RED); // with the audit trail (api/audit.ts)
  mountTraceApi(RED);
  mountBatchRecordApi(RED);
  mountPlanSyncApi(RED);
  RED.plugins.registerPlugin('erp-mes-bridge-api', { type: 'erp-mes-bridge-api' });
};
