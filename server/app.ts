// The embedding server: Express + one Node-RED runtime loading the pack (whose plugin brings the REST API,
// health and metrics), with hardening in front: login-protected editor/admin API and Basic-auth-protected flow endpoints.
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import express from 'express';
import RED from 'node-red';
import type { BridgeSettings } from '../settings';
import { demoWebhookUser, seedDemoFlows, startDemoPlant, type DemoPlant } from './demo';
import { adminAuditHandler } from './admin-audit-log';
import { changeControlMiddleware, mountChangeRoutes, openChangeLog, recordCodeTableChanges, runningFlows } from './change-control';
import { FlowVersions } from './flow-versions';
import { deployGate } from './deploy-gate';
import { flowsReadiness, type FlowsState } from './flows-readiness';
import { buildNodeRedSettings } from './node-red-settings';
import type { RedApp } from './red-types';
import { releaseSessionExpiryTimer } from './node-red-workarounds';
import { disconnectOpcuaClientsOnClose } from './opcua-client-close';
import { guardOpcuaMonitoringAfterSessionClose } from './opcua-monitor-guard';
import { servedDoors } from './served-doors';
import { listen } from './listen';
import { jsonBodyGuard, jsonOnlyFlowEndpoints } from './http-guards';
import { jsonErrorHandler, jsonNotFound, jsonStatusPages } from './json-errors';
import { removeWildcardAdminCors, securityHeaders } from './security-headers';
import { reviewDependencyRoutes, type RouteReview } from './dependency-routes';
import { hashedSessionStorage } from './session-storage';
import { secureStateDirSync } from './state-files';

export interface BridgeServer {
  url: string;
  red: RedApp;
  /** The admin routes registered while the runtime started, with their owners and review decisions. */
  routeReview: RouteReview;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Print the start banner (default true). */
  banner?: boolean;
  log?: (line: string) => void;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

function packageInfo(repoRoot: string): { name: string; version: string } {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version };
}

export async function startBridgeServer(settings: BridgeSettings, options: StartOptions = {}): Promise<BridgeServer> {
  const log = options.log ?? ((line: string) => process.stdout.write(line + '\n'));
  const pkg = packageInfo(settings.repoRoot);
  mkdirSync(settings.userDir, { recursive: true });
  mkdirSync(settings.storeDir, { recursive: true });
  secureStateDirSync(settings.userDir);
  guardOpcuaMonitoringAfterSessionClose();

  let demoPlant: DemoPlant | undefined;
  let seeded: ReturnType<typeof seedDemoFlows> | undefined;
  if (settings.demo) {
    demoPlant = await startDemoPlant(settings);
    seeded = seedDemoFlows(settings);
  }

  let flowsState: FlowsState = 'starting';
  const app = express();
  app.disable('x-powered-by');
  // Before every route: headers, JSON error pages, and the JSON body limits (http-guards.ts).
  app.use(securityHeaders({ tls: settings.tls !== undefined }), jsonStatusPages, jsonBodyGuard(settings.http));
  const server: Server = settings.tls
    ? createHttpsServer(
        {
          key: readFileSync(settings.tls.keyFile),
          cert: readFileSync(settings.tls.certFile),
          ...(settings.tls.caFile ? { ca: readFileSync(settings.tls.caFile) } : {}),
        },
        app,
      )
    : createHttpServer(app);

  // Machine accounts post to the flows' endpoints; the demo's simulated MES is one.
  const machineUsers = settings.demo ? [...settings.httpNodeUsers, demoWebhookUser()] : settings.httpNodeUsers;
  const doors = servedDoors(settings, machineUsers, (text) => RED.log.warn(text));
  const unguardSocket = doors.guardSocket(server);
  const coreNodesDir = dirname(require.resolve('@node-red/nodes'));
  const sessions = hashedSessionStorage({ userDir: settings.userDir, knownUser: (name) => settings.adminUsers.some((u) => u.username === name) });
  const nrSettings = buildNodeRedSettings(settings, coreNodesDir, { adminAudit: adminAuditHandler(log) }, doors.dashboardSettings, sessions);
  RED.init(server, nrSettings as unknown as Parameters<typeof RED.init>[1]);
  removeWildcardAdminCors(RED.httpAdmin);
  // The REST API, /healthz and /metrics come from the pack's own plugin (plugins/bridge-api.ts) on RED.httpAdmin;
  // the change control of the integration (change-control.ts) is the server's.
  const changeLog = openChangeLog({ storeDir: settings.storeDir, userDir: settings.userDir, ...(settings.audit.keys && { auditKeys: settings.audit.keys }), verifySec: settings.audit.verifySec, logger: { info: log, warn: log } });
  mountChangeRoutes(RED, changeLog, { regulated: settings.regulatedMode });
  const versions = new FlowVersions(settings.userDir, settings.flowVersionsKeep);
  versions.mount(RED, () => runningFlows(RED));
  const stopCodeTableChanges = recordCodeTableChanges(RED.events as unknown as Parameters<typeof recordCodeTableChanges>[0], changeLog, (line) => RED.log.warn(line));
  const routeReview = reviewDependencyRoutes(RED, { packName: pkg.name, log });
  app.post('/auth/token', ...doors.tokenLogin);
  app.post('/auth/revoke', sessions.revokeOnLogout);
  // Every deploy into the change log, and a reason required in regulated mode (change-control.ts).
  app.post('/flows', ...changeControlMiddleware(RED, changeLog, { regulated: settings.regulatedMode, versions, warn: (line) => RED.log.warn(line) }));
  app.use('/', RED.httpAdmin);
  // Requests to the flows wait while a deploy restarts nodes (deploy-gate.ts), rather than being lost in it.
  const gate = deployGate(RED.events as unknown as Parameters<typeof deployGate>[0]);
  app.use(
    '/',
    doors.httpNode,
    jsonOnlyFlowEndpoints(settings.http),
    flowsReadiness(() => flowsState, { restarting: () => gate.restarting }),
    gate.middleware,
    RED.httpNode,
  );
  app.use(jsonNotFound, jsonErrorHandler(log));

  const onFlowsStarted = (): void => {
    if (flowsState !== 'stopping') flowsState = 'started';
    disconnectOpcuaClientsOnClose(RED.nodes as unknown as Parameters<typeof disconnectOpcuaClientsOnClose>[0]);
  };
  // A runtime-state "stop" means the flows are not running (missing node types, stopped by an admin).
  const onRuntimeEvent = (event: { id?: string; payload?: { state?: string } }): void => {
    if (event.id === 'runtime-state' && (event.payload?.state === 'stop' || event.payload?.state === 'safe')) {
      if (flowsState !== 'stopping') flowsState = 'stopped';
    }
  };
  RED.events.on('flows:started', onFlowsStarted);
  RED.events.on('runtime-event', onRuntimeEvent);

  const detach = (): void => {
    gate.detach();
    unguardSocket();
    RED.events.off('flows:started', onFlowsStarted);
    RED.events.off('runtime-event', onRuntimeEvent);
    stopCodeTableChanges();
    void changeLog.close();
  };

  try {
    await listen(server, settings.port, settings.host);
    await RED.start();
  } catch (err) {
    detach();
    server.close();
    server.closeAllConnections();
    await demoPlant?.close();
    throw err;
  }

  const { port } = server.address() as AddressInfo;
  const url = `${settings.tls ? 'https' : 'http'}://${urlHost(settings.host)}:${port}`;

  if (options.banner ?? true) {
    const lines = ['', `==== ERP–MES Bridge ${pkg.version}${settings.demo ? ' (demo plant)' : ''} ====`, `  Editor:     ${url}/`];
    if (settings.generatedAdminPassword) {
      lines.push(`  Login:      admin / ${settings.generatedAdminPassword}   (generated for this run; set ADMIN_PASSWORD to choose one)`);
    } else {
      lines.push(`  Login:      ${settings.adminUsers.map((u) => u.username).join(', ')}`);
    }
    lines.push(`  Flows file: ${settings.flowFile}${seeded === 'seeded' ? ' (seeded from flows/demo-plant.json)' : ''}`);
    if (machineUsers.length === 0) lines.push("  Warning:    no machine account (MES_USERS): the flows' HTTP endpoints refuse every caller");
    if (seeded === 'missing-demo-flow') lines.push('  Warning:    flows/demo-plant.json not found; started with an empty flow');
    if (demoPlant) lines.push(`  Simulator:  ERP ${demoPlant.erpUrl}   MES ${demoPlant.mesUrl}`);
    lines.push(`  Health:     ${url}/healthz   Metrics: ${url}/metrics`, '');
    log(lines.join('\n'));
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      flowsState = 'stopping';
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      try {
        await RED.stop();
      } finally {
        await releaseSessionExpiryTimer();
        detach();
        server.closeAllConnections();
        await serverClosed;
        await demoPlant?.close();
      }
    })();
    return closing;
  };

  return { url, red: RED, routeReview, close };
}
