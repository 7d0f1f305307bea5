// Every admin route a dependency registers on RED.httpAdmin passes a review: it is kept as its module wrote
// it, tightened to admins, confined, or refused. Node-RED's own routes and this pack's are not dependencies.
// Routes are caught as they are registered (node modules register them while RED.start() loads them), so the
// review's decision is in front of the module's handlers before the first request; a route no review names
// is refused (403) and logged, so an upgraded dependency cannot add an open door unnoticed.
import { realpathSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import type { Request, RequestHandler, Response } from 'express';
import type { RedApp } from './red-types';

export type RouteDecision = { kind: 'kept'; why: string } | { kind: 'admin'; why: string } | { kind: 'confined'; why: string; guard: (red: RedApp) => RequestHandler } | { kind: 'refused'; why: string };

export interface ReviewedRoute {
  module: string;
  method: string;
  path: string;
  decision: RouteDecision;
}

const MODBUS_MAPS_DIR = (): string => realpathSync(resolve(require.resolve('node-red-contrib-modbus/package.json'), '..', 'extras', 'argumentMaps')) + sep;

/** Where a path really leads (symbolic links followed), or undefined when nothing is there. */
function realPath(path: string): string | undefined {
  try {
    return realpathSync(resolve(path));
  } catch {
    return undefined;
  }
}

/** The modbus flex-fc editor loads argument maps by a path from the request body: only files under its own extras/argumentMaps. */
const modbusMapPathGuard = (): RequestHandler => (req, res, next) => {
  const mapPath = (req.body as { mapPath?: unknown } | undefined)?.mapPath;
  const real = typeof mapPath === 'string' ? realPath(mapPath) : undefined;
  if (real?.startsWith(MODBUS_MAPS_DIR())) return next();
  res.status(403).json({ error: `mapPath must name a file under node-red-contrib-modbus's extras/argumentMaps folder; other files are not served.` });
};

/** The review: what each dependency's admin route does and what the server does with it. README has the same table. */
export const REVIEWED_DEPENDENCY_ROUTES: readonly ReviewedRoute[] = [
  {
    module: 'node-red-contrib-modbus',
    method: 'POST',
    path: '/modbus/fc/:id',
    decision: {
      kind: 'confined',
      why: "reads any .json file whose path the caller sends (mapPath), with only modbus.read — a viewer could read .sessions.json or flows_cred.json. Admins only, and only files under the module's extras/argumentMaps.",
      guard: (red) => {
        const admin = red.auth.needsPermission('modbus.fc.write') as unknown as RequestHandler;
        const confine = modbusMapPathGuard();
        return (req, res, next) => admin(req, res, (err?: unknown) => (err ? next(err) : confine(req, res, next)));
      },
    },
  },
  {
    module: 'node-red-contrib-modbus',
    method: 'GET',
    path: '/modbus/serial/ports',
    decision: { kind: 'admin', why: "lists the host's serial ports (device names) to anyone with serial.read; admins only." },
  },
  {
    module: 'node-red-contrib-modbus',
    method: 'GET',
    path: '/modbus/iofile/valuenames',
    decision: { kind: 'kept', why: 'the value names of a loaded modbus IO file, behind iofile.read; what the flow itself shows.' },
  },
  {
    module: 'node-red-contrib-modbus',
    method: 'POST',
    path: '/modbus/read/inject/:id',
    decision: { kind: 'kept', why: 'triggers a read of an existing modbus-read node, behind modbus.inject.write (admins).' },
  },
  {
    module: '@flowfuse/node-red-dashboard',
    method: 'POST',
    path: '/dashboard/chart/:id/clear',
    decision: { kind: 'kept', why: "clears a chart's data, behind ui-chart.write (admins)." },
  },
  {
    module: '@flowfuse/node-red-dashboard',
    method: 'PATCH',
    path: '/dashboard/api/v1/:dashboardId/flows',
    decision: { kind: 'kept', why: "the dashboard's edit mode saving a page's layout, behind flows.write (admins)." },
  },
  {
    module: '@flowfuse/node-red-dashboard',
    method: 'PATCH',
    path: '/dashboard/api/v1/:dashboardId/edit/:pageId',
    decision: { kind: 'kept', why: "the dashboard's edit mode opening a page for editing, behind flows.write (admins)." },
  },
];

export interface RegisteredRoute {
  /** Who registered it: Node-RED itself, this pack's nodes, or a dependency (a module name). */
  owner: 'node-red' | 'ours' | 'dependency';
  module: string;
  method: string;
  path: string;
  decision?: RouteDecision['kind'] | 'unreviewed';
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'all', 'use'] as const;
type Method = (typeof METHODS)[number];
type Registrar = (path: unknown, ...handlers: unknown[]) => unknown;

/** The npm package a file belongs to: the last node_modules/<name> (or @scope/name) in its path. */
export function packageOfFile(file: string): string | undefined {
  const match = /.*[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(file);
  return match?.[1]?.replace('\\', '/');
}

/** The file that called `fn`, from a stack trace taken at its call (first frame outside this module). */
function callerFile(fn: (...args: never[]) => unknown): string {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 3;
  Error.captureStackTrace(holder, fn);
  Error.stackTraceLimit = limit;
  const frame = (holder.stack ?? '').split('\n')[1] ?? '';
  return /\(?((?:[A-Za-z]:)?[^():]+):\d+:\d+\)?\s*$/.exec(frame)?.[1] ?? frame;
}

/** Whose route it is: Node-RED's (@node-red/*, node-red), ours (the pack), or a dependency's module name. */
function ownerOf(file: string, packName: string): { owner: RegisteredRoute['owner']; module: string } {
  const pkg = packageOfFile(file);
  if (!pkg || pkg === packName) return { owner: 'ours', module: packName };
  if (pkg === 'node-red' || pkg.startsWith('@node-red/')) return { owner: 'node-red', module: pkg };
  return { owner: 'dependency', module: pkg };
}

const refusal =
  (route: string, why: string): RequestHandler =>
  (_req: Request, res: Response) => {
    res.status(403).json({ error: `${route} is turned off on this server: ${why}` });
  };

export interface RouteReview {
  /** Every route registered since the review started, with its owner (and for a dependency, the decision). */
  registered(): RegisteredRoute[];
  /** The dependencies' routes: what the README table lists. */
  dependencyRoutes(): RegisteredRoute[];
  /** Routes in the admin app's stack now that were there neither before the review began nor registered through it. */
  unaccounted(): string[];
}

/**
 * Wraps RED.httpAdmin's route methods so that every route registered from now on is attributed to the module
 * that registered it and gets the review's decision in front of its handlers. Call after RED.init() and after
 * the server's own routes are mounted, before RED.start() loads the node modules.
 */
export function reviewDependencyRoutes(red: RedApp, options: { packName: string; log: (line: string) => void; reviewed?: readonly ReviewedRoute[] }): RouteReview {
  const reviewed = options.reviewed ?? REVIEWED_DEPENDENCY_ROUTES;
  const app = nodesAdminApp(red) as Record<Method, Registrar>;
  const before = new Set(adminRoutes(red));
  const seen: RegisteredRoute[] = [];
  for (const method of METHODS) {
    const original = app[method].bind(app);
    const wrapped: Registrar = function (path: unknown, ...handlers: unknown[]) {
      // app.get('setting') reads a setting, app.use(fn) has no path: neither names a route of its own.
      if (method === 'get' && handlers.length === 0) return original(path);
      const { owner, module } = ownerOf(callerFile(wrapped), options.packName);
      const verb = method === 'use' ? 'USE' : method.toUpperCase();
      const routePath = typeof path === 'string' ? path : method === 'use' && typeof path === 'function' ? '/' : String(path);
      if (owner !== 'dependency') {
        seen.push({ owner, module, method: verb, path: routePath });
        return original(path, ...handlers);
      }
      const review = reviewed.find((r) => r.module === module && r.method === verb && r.path === routePath);
      const name = `${verb} ${routePath} (${module})`;
      seen.push({ owner, module, method: verb, path: routePath, decision: review?.decision.kind ?? 'unreviewed' });
      if (!review) {
        options.log(`Refusing the admin route ${name}: no review of it is on record (server/dependency-routes.ts).`);
        // A path-less middleware would sit in front of every admin route: it is left out entirely.
        if (typeof path !== 'string') return app;
        return original(path, refusal(name, 'no review of this dependency route is on record.'));
      }
      const d = review.decision;
      if (d.kind === 'refused') return original(path, refusal(name, d.why));
      if (d.kind === 'admin') return original(path, red.auth.needsPermission(`${module}.admin.write`), ...handlers);
      if (d.kind === 'confined') return original(path, d.guard(red), ...handlers);
      return original(path, ...handlers);
    };
    app[method] = wrapped;
  }
  return {
    registered: () => seen.map((r) => ({ ...r })),
    dependencyRoutes: () => seen.filter((r) => r.owner === 'dependency').map((r) => ({ ...r })),
    unaccounted: () => {
      const known = new Set(seen.map((r) => `${r.method} ${r.path}`));
      return adminRoutes(red).filter((r) => !before.has(r) && !known.has(r));
    },
  };
}

/**
 * The app node modules get as RED.httpAdmin: the runtime's own admin app (@node-red/registry hands nodes
 * runtime.adminApp), mounted inside the editor-api app that RED.httpAdmin returns to an embedder.
 */
function nodesAdminApp(red: RedApp): unknown {
  return (red as unknown as { runtime?: { httpAdmin?: unknown } }).runtime?.httpAdmin ?? red.httpAdmin;
}

interface StackLayer {
  route?: { path: unknown; methods: Record<string, boolean> };
}

/** Every route in the admin apps' router stacks (the editor-api's and the runtime's), as "METHOD path". */
export function adminRoutes(red: RedApp): string[] {
  const apps = [...new Set([red.httpAdmin as unknown, nodesAdminApp(red)])];
  const stack = apps.flatMap((app) => (app as { _router?: { stack?: StackLayer[] } })._router?.stack ?? []);
  return stack.flatMap((layer) => (layer.route ? Object.keys(layer.route.methods).map((m) => `${m === '_all' ? 'ALL' : m.toUpperCase()} ${String(layer.route!.path)}`) : []));
}
