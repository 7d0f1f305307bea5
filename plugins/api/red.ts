// The parts of Node-RED's node/plugin API (the RED a plugin is given) that the pack's REST routes use: the same
// in a plain Node-RED, in FlowFuse and in our embedding server.
import type { EventEmitter } from 'node:events';
import type { RequestHandler, Router } from 'express';

/** One Node-RED admin user as settings.adminAuth.users lists it (password: a bcrypt hash). */
export interface AdminAuthUser {
  username: string;
  password?: string;
  permissions?: string | string[];
}

/** settings.adminAuth: users as a list or a lookup, or an authenticate function of its own. */
export interface AdminAuthSettings {
  type?: string;
  users?: AdminAuthUser[] | ((username: string) => Promise<AdminAuthUser | null | undefined> | AdminAuthUser | null | undefined);
  authenticate?: (username: string, password: string) => Promise<AdminAuthUser | null | undefined> | AdminAuthUser | null | undefined;
}

/** The pack's own settings (settings.js `erpMesBridge`), all optional. */
export interface PackSettings {
  /** A bearer token a Prometheus scraper may use for /metrics instead of an admin login. */
  metricsToken?: string;
  /** Shown by /api/info: whether this runtime is the demo plant. */
  demo?: boolean;
}

export interface RedApp {
  httpAdmin: Router;
  auth: { needsPermission(permission: string): RequestHandler };
  settings: { adminAuth?: AdminAuthSettings; erpMesBridge?: PackSettings } & Record<string, unknown>;
  events: EventEmitter;
  hooks: { add(hookId: string, handler: (payload: unknown) => unknown): void; remove(hookId: string): void };
  log: { warn(text: string): void; addHandler(handler: EventEmitter): void; removeHandler(handler: EventEmitter): void };
  plugins: { registerPlugin(id: string, plugin: object): void };
}
