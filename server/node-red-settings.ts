// Turns BridgeSettings into the settings object handed to RED.init: locked-down editor (no palette
// installs, no projects, no telemetry/diagnostics), login required, the pack loaded from the checkout.
import { dirname, join, resolve } from 'node:path';
import type { BridgeSettings } from '../settings';
import type { HashedSessionStorage } from './session-storage';
import type { LogHandlerFactory } from './red-types';

/**
 * Node-RED scans every `<ancestor of @node-red/nodes>/node_modules` for modules. When the pack
 * already sits in one of those (installed as a dependency), listing it in nodesDir as well would
 * register every type twice, so nodesDir is only used for a checkout outside node_modules.
 */
export function nodesDirFor(packRoot: string, coreNodesDir: string): string[] {
  const packParent = resolve(packRoot, '..');
  for (let dir = resolve(coreNodesDir); ; dir = dirname(dir)) {
    const scanned = join(dir, 'node_modules');
    if (packParent === scanned || resolve(packParent, '..') === scanned) return [];
    if (dirname(dir) === dir) return [packRoot];
  }
}

export function buildNodeRedSettings(s: BridgeSettings, coreNodesDir: string, logHandlers: { adminAudit?: LogHandlerFactory } = {}, dashboard: Record<string, unknown> = {}, sessions?: HashedSessionStorage): Record<string, unknown> {
  return {
    uiHost: s.host,
    uiPort: s.port,
    nodesDir: nodesDirFor(s.repoRoot, coreNodesDir),
    userDir: s.userDir,
    flowFile: s.flowFile,
    flowFilePretty: true,
    credentialSecret: s.credentialSecret,
    // tokens: logins from before a restart, whose tokens are kept on disk only as hashes (session-storage.ts).
    adminAuth: { type: 'credentials', users: s.adminUsers.map((u) => ({ ...u })), ...(sessions && { tokens: sessions.tokens }) },
    ...(sessions && { storageModule: sessions.storage }),
    // Node-RED's own body limit (urlencoded bodies of the admin API and http-in); JSON is read before it (http-guards.ts).
    apiMaxLength: s.http.maxBodyBytes,
    httpAdminRoot: '/',
    httpNodeRoot: '/',
    editorTheme: {
      projects: { enabled: false },
      page: { title: 'ERP–MES Bridge' },
      header: { title: 'ERP–MES Bridge' },
      tours: false,
    },
    // Same effect as editorTheme.palette.editable=false, which Node-RED 4 logs as deprecated.
    externalModules: {
      autoInstall: false,
      palette: { allowInstall: false, allowUpload: false },
      modules: { allowInstall: false },
    },
    functionExternalModules: false,
    diagnostics: { enabled: false, ui: false },
    telemetry: { enabled: false, updateNotification: false },
    runtimeState: { enabled: false, ui: false },
    logging: {
      console: { level: s.logLevel, metrics: false, audit: false },
      // Node-RED's audit events (logins, deploys, writes) into the server log (admin-audit-log.ts).
      ...(logHandlers.adminAudit && { bridgeAdminAudit: { level: 'off', metrics: false, audit: true, handler: logHandlers.adminAudit } }),
    },
    // The pack's own settings, read by its REST plugin (plugins/api/red.ts PackSettings).
    erpMesBridge: { demo: s.demo, ...(s.metricsToken && { metricsToken: s.metricsToken }) },
    bridgeStoreDirectory: s.storeDir,
    bridgeStoreClaimIdleMs: s.claimIdleMs,
    // The audit keys reach the bridge-store nodes as a setting, not through the store (nodes/lib/audit/key-source.ts).
    ...(s.audit.keys && { bridgeStoreAuditKeys: s.audit.keys }),
    bridgeStoreAuditVerifySec: s.audit.verifySec,
    // Dashboard 2.0's socket login and message limits (server/served-doors.ts).
    dashboard,
  };
}
