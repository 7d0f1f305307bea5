// The bridge server's configuration: everything comes from the environment, with defaults that are
// safe to run. Outside demo mode the server refuses to start without a credential secret and an admin.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import bcrypt from 'bcryptjs';
import { presetIds } from './nodes/lib/erp/profile';
import { auditSettings, type AuditSettings } from './server/audit-settings';

export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

/** A Node-RED adminAuth user: permissions "*" edits flows, "read" only reads. */
export interface AdminUser {
  username: string;
  password: string; // bcrypt hash
  permissions: string | string[];
}

/** A machine account (the MES, a SCADA): the only kind the flows' own HTTP endpoints take (HTTP Basic). */
export interface HttpNodeUser {
  username: string;
  passwordHash: string; // bcrypt hash
}

export interface TlsFiles {
  keyFile: string;
  certFile: string;
  caFile?: string;
}

export interface BridgeSettings {
  demo: boolean;
  host: string;
  port: number;
  credentialSecret: string;
  adminUsers: AdminUser[];
  /** Demo only: the admin password generated for this run, to be printed once in the banner. */
  generatedAdminPassword?: string;
  /** Machine accounts (MES_USERS, HTTP_NODE_USERS); people never post to the flows' endpoints. */
  httpNodeUsers: HttpNodeUser[];
  /** Failed logins per client address (Basic and POST /auth/token) before it is answered 429. */
  loginLimit: { maxFailures: number; windowMs: number };
  /** What one dashboard socket message may be: nesting depth and rough size. */
  dashboardLimits: { maxDepth: number; maxBytes: number };
  userDir: string;
  flowFile: string;
  /** How long a replica may go silent before another takes over the outbox items it was delivering, ms (BRIDGE_STORE_CLAIM_IDLE_MS, default 30000). */
  claimIdleMs: number;
  storeDir: string;
  tls?: TlsFiles;
  simPort: number;
  /** Demo: the simulated machines' OPC UA server and Modbus TCP PLC ports (0 = free port). */
  simOpcuaPort: number;
  simModbusPort: number;
  /** How often the demo ERP's planner revises or releases an order, ms; 0 = never (tests). */
  simLiveChangesMs: number;
  /** Demo: how often the simulated MES reports the floor's progress to the bridge (0 = never). */
  simMesReportsMs: number;
  /** Which ERP dialect the demo flow talks to: an ERP profile preset id (DEMO_ERP). */
  demoErp: string;
  demoReset: boolean;
  /** The audit chain's keys (AUDIT_KEY / AUDIT_KEY_FILE) and verification interval; see server/audit-settings.ts. */
  audit: AuditSettings;
  /** REGULATED_MODE: every deploy needs a reason (the editor asks for one), recorded in the change log. */
  regulatedMode: boolean;
  /** FLOW_VERSIONS_KEEP: how many deployed versions of the flows the bridge keeps (server/flow-versions.ts). */
  flowVersionsKeep: number;
  logLevel: LogLevel;
  repoRoot: string;
  /** Parse-time limits on every HTTP entry and the flow endpoints that take JSON only (server/http-guards.ts). */
  http: HttpLimits;
  /** Bearer token a scraper sends for /metrics; unset, /metrics needs an admin-API login. */
  metricsToken?: string;
}

export interface HttpLimits {
  maxBodyBytes: number;
  maxJsonDepth: number;
  jsonOnlyPaths: string[];
}

/** Outside demo mode the credential secret must be at least this long (it is the key of flows_cred.json). */
export const MIN_CREDENTIAL_SECRET_LENGTH = 32;
const MIN_METRICS_TOKEN_LENGTH = 16;

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'off';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'off'];

const BCRYPT_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;
const ROLE_PERMISSIONS: Record<string, string> = { admin: '*', viewer: 'read' };
const PACKAGE_NAME = 'node-red-contrib-erp-mes-bridge';
// The demo flow holds no secrets (it reads them from env), so a fixed demo secret only keeps
// flows_cred.json readable across demo restarts.
const DEMO_CREDENTIAL_SECRET = 'erp-mes-bridge-demo-only';

type Env = Record<string, string | undefined>;

/** The checkout (or installed package) root: the folder whose package.json is this pack. */
export function findRepoRoot(from: string = __dirname): string {
  let dir = resolve(from);
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
      } catch {
        // an unreadable package.json is not ours; keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return resolve(from, '..');
    dir = parent;
  }
}

function flag(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value.trim());
}

function nonEmpty(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v ? v : undefined;
}

function parsePort(name: string, value: string | undefined, fallback: number): number {
  if (nonEmpty(value) === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SettingsError(`${name} must be a port number from 0 to 65535, got "${value}".`);
  }
  return port;
}

// Every shipped preset has a demo dialect (server/demo.ts; test/unit/editor-facts.test.ts checks it).
const DEMO_ERPS = presetIds();

function parseDemoErp(value: string | undefined): string {
  const chosen = nonEmpty(value) ?? 'generic-rest';
  if (!DEMO_ERPS.includes(chosen)) throw new SettingsError(`DEMO_ERP must be one of ${DEMO_ERPS.join(', ')}, got "${value}".`);
  return chosen;
}

function parseWholeNumber(name: string, value: string | undefined, fallback: number): number {
  if (nonEmpty(value) === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new SettingsError(`${name} must be a whole number of milliseconds (0 or more), got "${value}".`);
  return n;
}

function parseCount(name: string, value: string | undefined, fallback: number, what: string): number {
  if (nonEmpty(value) === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new SettingsError(`${name} must be a whole number of ${what} (1 or more), got "${value}".`);
  return n;
}

function parseLimit(name: string, value: string | undefined, fallback: number, min: number): number {
  if (nonEmpty(value) === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new SettingsError(`${name} must be a whole number of at least ${min}, got "${value}".`);
  return n;
}

function readHttpLimits(env: Env): HttpLimits {
  const paths = commaList(nonEmpty(env.HTTP_JSON_ONLY_PATHS) ?? '/mes/');
  for (const p of paths) if (!p.startsWith('/')) throw new SettingsError(`HTTP_JSON_ONLY_PATHS entries are path prefixes starting with "/", got "${p}".`);
  return {
    // Node-RED's own default for its admin API (apiMaxLength): a whole flow file is deployed in one body.
    maxBodyBytes: parseLimit('HTTP_MAX_BODY_BYTES', env.HTTP_MAX_BODY_BYTES, 5 * 1024 * 1024, 1024),
    // Flow files nest about 8 deep with the editor's wrapper, MES reports 4; deep recursion starts in the thousands.
    maxJsonDepth: parseLimit('HTTP_MAX_JSON_DEPTH', env.HTTP_MAX_JSON_DEPTH, 32, 2),
    jsonOnlyPaths: paths,
  };
}

function checkHash(where: string, hash: string): void {
  if (!BCRYPT_HASH.test(hash)) {
    throw new SettingsError(`${where}: the password is not a bcrypt hash ($2a$/$2b$/$2y$…, 60 characters).`);
  }
}

function roleToPermissions(where: string, role: string): string {
  const permissions = ROLE_PERMISSIONS[role.trim().toLowerCase()];
  if (!permissions) throw new SettingsError(`${where}: role "${role}" is not admin or viewer.`);
  return permissions;
}

function commaList(value: string): string[] {
  return value
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
}

/** ADMIN_USERS="alice:$2b$10$…:admin,bob:$2b$10$…:viewer" */
export function parseAdminUsers(value: string): AdminUser[] {
  return commaList(value).map((entry, i) => {
    const parts = entry.split(':');
    const where = `ADMIN_USERS entry ${i + 1} ("${parts[0] ?? ''}")`;
    if (parts.length !== 3 || !parts[0] || !parts[1] || !parts[2]) {
      throw new SettingsError(`${where} must look like user:bcryptHash:role (role admin or viewer).`);
    }
    checkHash(where, parts[1]);
    return { username: parts[0], password: parts[1], permissions: roleToPermissions(where, parts[2]) };
  });
}

/** ADMIN_USERS_FILE: JSON array of {username, password (bcrypt), permissions | role}. */
export function readAdminUsersFile(file: string): AdminUser[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SettingsError(`ADMIN_USERS_FILE ${file} could not be read as JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new SettingsError(`ADMIN_USERS_FILE ${file} must hold a JSON array of users.`);
  return parsed.map((raw: unknown, i) => {
    const u = (raw ?? {}) as { username?: unknown; password?: unknown; permissions?: unknown; role?: unknown };
    const where = `ADMIN_USERS_FILE ${file} user [${i}]`;
    if (typeof u.username !== 'string' || !u.username || typeof u.password !== 'string') {
      throw new SettingsError(`${where} needs a string username and password.`);
    }
    checkHash(where, u.password);
    let permissions: string | string[];
    if (typeof u.role === 'string') permissions = roleToPermissions(where, u.role);
    else if (typeof u.permissions === 'string' || (Array.isArray(u.permissions) && u.permissions.every((p) => typeof p === 'string'))) {
      permissions = u.permissions as string | string[];
    } else throw new SettingsError(`${where} needs a role (admin or viewer) or permissions ("*" or "read").`);
    return { username: u.username, password: u.password, permissions };
  });
}

/** MES_USERS (or HTTP_NODE_USERS)="line:$2b$10$…,scada:$2b$10$…" */
export function parseHttpNodeUsers(value: string, name = 'HTTP_NODE_USERS'): HttpNodeUser[] {
  return commaList(value).map((entry, i) => {
    const parts = entry.split(':');
    const where = `${name} entry ${i + 1} ("${parts[0] ?? ''}")`;
    if (parts.length !== 2 || !parts[0] || !parts[1]) throw new SettingsError(`${where} must look like user:bcryptHash.`);
    checkHash(where, parts[1]);
    return { username: parts[0], passwordHash: parts[1] };
  });
}

function readTls(env: Env): TlsFiles | undefined {
  const keyFile = nonEmpty(env.TLS_KEY_FILE);
  const certFile = nonEmpty(env.TLS_CERT_FILE);
  const caFile = nonEmpty(env.TLS_CA_FILE);
  if (!keyFile && !certFile) {
    if (caFile) throw new SettingsError('TLS_CA_FILE is set but TLS_KEY_FILE and TLS_CERT_FILE are not; set both to serve HTTPS.');
    return undefined;
  }
  if (!keyFile) throw new SettingsError('TLS_CERT_FILE is set but TLS_KEY_FILE is not; set both to serve HTTPS, or neither.');
  if (!certFile) throw new SettingsError('TLS_KEY_FILE is set but TLS_CERT_FILE is not; set both to serve HTTPS, or neither.');
  for (const [name, file] of [
    ['TLS_KEY_FILE', keyFile],
    ['TLS_CERT_FILE', certFile],
    ['TLS_CA_FILE', caFile],
  ] as const) {
    if (file && !existsSync(file)) throw new SettingsError(`${name} ${file} does not exist.`);
  }
  return caFile ? { keyFile, certFile, caFile } : { keyFile, certFile };
}

export function loadSettings(env: Env = process.env, argv: string[] = process.argv.slice(2)): BridgeSettings {
  const demo = argv.includes('--demo') || flag(env.BRIDGE_DEMO);
  const repoRoot = findRepoRoot();

  const logLevel = (nonEmpty(env.LOG_LEVEL)?.toLowerCase() ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new SettingsError(`LOG_LEVEL "${env.LOG_LEVEL}" is not one of ${LOG_LEVELS.join(', ')}.`);
  }

  const adminUsers: AdminUser[] = [];
  const adminUsersEnv = nonEmpty(env.ADMIN_USERS);
  if (adminUsersEnv) adminUsers.push(...parseAdminUsers(adminUsersEnv));
  const adminUsersFile = nonEmpty(env.ADMIN_USERS_FILE);
  if (adminUsersFile) adminUsers.push(...readAdminUsersFile(adminUsersFile));

  let credentialSecret = nonEmpty(env.CREDENTIAL_SECRET);
  let generatedAdminPassword: string | undefined;
  if (demo) {
    credentialSecret ??= DEMO_CREDENTIAL_SECRET;
    const adminPassword = nonEmpty(env.ADMIN_PASSWORD);
    if (adminPassword || adminUsers.length === 0) {
      const password = adminPassword ?? randomBytes(12).toString('base64url');
      if (!adminPassword) generatedAdminPassword = password;
      const admin = { username: 'admin', password: bcrypt.hashSync(password, 10), permissions: '*' };
      const existing = adminUsers.findIndex((u) => u.username === 'admin');
      if (existing >= 0) adminUsers[existing] = admin;
      else adminUsers.unshift(admin);
    }
  } else {
    if (!credentialSecret) {
      throw new SettingsError('CREDENTIAL_SECRET is not set: set CREDENTIAL_SECRET to a long random string (it encrypts flow credentials), or run with --demo.');
    }
    if (credentialSecret.length < MIN_CREDENTIAL_SECRET_LENGTH) {
      throw new SettingsError(`CREDENTIAL_SECRET is ${credentialSecret.length} characters long; it must be at least ${MIN_CREDENTIAL_SECRET_LENGTH} (it is the key of flows_cred.json): generate one with \`openssl rand -base64 48\`.`);
    }
    if (adminUsers.length === 0) {
      throw new SettingsError('No admin user: set ADMIN_USERS="user:bcryptHash:admin" (or ADMIN_USERS_FILE) — ADMIN_PASSWORD only applies with --demo.');
    }
  }

  const userDir = resolve(nonEmpty(env.BRIDGE_USER_DIR) ?? (demo ? join(repoRoot, '.demo') : join(homedir(), '.erp-mes-bridge')));
  // Machine accounts only: people (ADMIN_USERS) are no longer let in to the flows' endpoints by default.
  const machineUsers = [...(nonEmpty(env.MES_USERS) ? parseHttpNodeUsers(env.MES_USERS!, 'MES_USERS') : []), ...(nonEmpty(env.HTTP_NODE_USERS) ? parseHttpNodeUsers(env.HTTP_NODE_USERS!) : [])];
  const clash = machineUsers.find((m) => adminUsers.some((u) => u.username === m.username));
  if (clash) throw new SettingsError(`"${clash.username}" is both a person (ADMIN_USERS) and a machine account (MES_USERS / HTTP_NODE_USERS): give the machine its own name.`);
  const tls = readTls(env);
  const metricsToken = nonEmpty(env.METRICS_TOKEN);
  if (metricsToken !== undefined && metricsToken.length < MIN_METRICS_TOKEN_LENGTH) {
    throw new SettingsError(`METRICS_TOKEN is ${metricsToken.length} characters long; it must be at least ${MIN_METRICS_TOKEN_LENGTH} so that it cannot be guessed.`);
  }
  let audit: AuditSettings;
  try {
    audit = auditSettings(env, demo);
  } catch (err) {
    throw new SettingsError((err as Error).message);
  }

  return {
    demo,
    host: nonEmpty(env.HOST) ?? '127.0.0.1',
    port: parsePort('PORT', env.PORT, 1880),
    credentialSecret,
    adminUsers,
    ...(generatedAdminPassword ? { generatedAdminPassword } : {}),
    httpNodeUsers: machineUsers,
    loginLimit: {
      maxFailures: parseCount('LOGIN_FAILURE_LIMIT', env.LOGIN_FAILURE_LIMIT, 10, 'failed logins'),
      windowMs: parseCount('LOGIN_FAILURE_WINDOW_SEC', env.LOGIN_FAILURE_WINDOW_SEC, 300, 'seconds') * 1000,
    },
    dashboardLimits: {
      maxDepth: parseCount('DASHBOARD_MAX_DEPTH', env.DASHBOARD_MAX_DEPTH, 32, 'levels'),
      maxBytes: parseCount('DASHBOARD_MAX_MESSAGE_BYTES', env.DASHBOARD_MAX_MESSAGE_BYTES, 65_536, 'bytes'),
    },
    userDir,
    flowFile: resolve(userDir, nonEmpty(env.FLOWS_FILE) ?? 'flows.json'),
    storeDir: resolve(nonEmpty(env.BRIDGE_STORE_DIR) ?? userDir),
    claimIdleMs: parseWholeNumber('BRIDGE_STORE_CLAIM_IDLE_MS', env.BRIDGE_STORE_CLAIM_IDLE_MS, 30_000),
    ...(tls ? { tls } : {}),
    simPort: parsePort('SIM_PORT', env.SIM_PORT, 0),
    simOpcuaPort: parsePort('SIM_OPCUA_PORT', env.SIM_OPCUA_PORT, 0),
    simModbusPort: parsePort('SIM_MODBUS_PORT', env.SIM_MODBUS_PORT, 0),
    simLiveChangesMs: parseWholeNumber('SIM_LIVE_CHANGES_MS', env.SIM_LIVE_CHANGES_MS, 20_000),
    simMesReportsMs: parseWholeNumber('SIM_MES_REPORTS_MS', env.SIM_MES_REPORTS_MS, 5_000),
    demoErp: parseDemoErp(env.DEMO_ERP),
    demoReset: flag(env.DEMO_RESET),
    audit,
    regulatedMode: flag(env.REGULATED_MODE),
    flowVersionsKeep: parseCount('FLOW_VERSIONS_KEEP', env.FLOW_VERSIONS_KEEP, 50, 'versions'),
    logLevel,
    repoRoot,
    http: readHttpLimits(env),
    ...(metricsToken ? { metricsToken } : {}),
  };
}
