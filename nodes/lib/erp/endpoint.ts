// Turns an erp-endpoint's settings (as saved by the editor) into a ready connection: the profile,
// the HTTP client and the profile session. Secrets and the base URL may come from the environment.
import { readFileSync } from 'node:fs';
import { type ErpAuth, ErpHttpClient, ErpRequestError } from './http-client';
import { type ErpProfile, ProfileSession, loadProfile, preset } from './profile';
import { checkTimeZone } from '../time-format';

type ValueSource = 'str' | 'env';

export interface EndpointSettings {
  name?: string;
  baseUrl: string;
  baseUrlType?: ValueSource;
  /** A preset id, or 'custom' for profileJson. */
  profile?: string;
  profileJson?: string;
  /** JSON object of non-secret per-ERP settings the profile reads as $params (database, account set, app id…). */
  params?: string;
  /** Which credentials this ERP has: user name + password, a token, or none. The profile says how they are sent. */
  authType?: 'none' | 'basic' | 'bearer';
  username?: string;
  usernameType?: ValueSource;
  passwordEnv?: string;
  tokenEnv?: string;
  timeoutSec?: string | number;
  rejectUnauthorized?: boolean;
  caFile?: string;
}

export interface OpenEndpoint {
  /** "Demo ERP (http://…)", for messages. */
  title: string;
  profile: ErpProfile;
  client: ErpHttpClient;
  session: ProfileSession;
}

export type EnvLookup = (name: string) => string | undefined;

function positive(value: string | number | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/**
 * Fills "${NAME}" values from the environment, as Node-RED does for deployed nodes; the editor's
 * "Test connection" sends the dialog's settings before any deploy.
 */
export function withEnvironment(settings: EndpointSettings, env: EnvLookup): EndpointSettings {
  const fill = (value: string | undefined) => {
    const name = /^\$\{(\w+)\}$/.exec(value ?? '')?.[1];
    return name === undefined ? value : (env(name) ?? value);
  };
  return { ...settings, profile: fill(settings.profile), params: fill(settings.params) };
}

export function endpointProfile(settings: EndpointSettings): ErpProfile {
  const label = settings.name || 'ERP';
  if (settings.profile === 'custom') return loadProfile(settings.profileJson ?? '', `ERP endpoint '${label}': the custom profile`);
  // Node-RED fills "${NAME}" from the environment at deploy; one still there means the variable is not set.
  const unset = /^\$\{(\w+)\}$/.exec(settings.profile ?? '');
  if (unset) throw new Error(`ERP endpoint '${label}': the environment variable ${unset[1]} for the ERP profile is not set.`);
  return preset(settings.profile || 'generic-rest');
}

/** Throws an ErpRequestError of kind 'config' that names what is missing or wrong. */
export function openEndpoint(settings: EndpointSettings, stored: { password?: string; token?: string }, env: EnvLookup): OpenEndpoint {
  const label = settings.name || 'ERP';
  const fail = (message: string, url = ''): never => {
    throw new ErpRequestError(message, 'config', url);
  };
  /** A typed value, or an environment variable's value (undefined when it is not set). */
  const lookup = (value: string | undefined, source: ValueSource | undefined): string | undefined => {
    if (source !== 'env') return value || undefined;
    const resolved = env(String(value));
    return resolved === undefined || resolved === '' ? undefined : resolved;
  };
  const missing = (what: string, envName: string | undefined): never =>
    fail(envName ? `ERP endpoint '${label}': the environment variable ${envName} for the ${what} is not set.` : `ERP endpoint '${label}' has no ${what}: enter it or name an environment variable.`);
  let profile: ErpProfile;
  try {
    profile = endpointProfile(settings);
  } catch (err) {
    return fail((err as Error).message);
  }
  let params: Record<string, unknown> = {};
  const unsetParams = /^\$\{(\w+)\}$/.exec(settings.params ?? '');
  if (unsetParams) fail(`ERP endpoint '${label}': the environment variable ${unsetParams[1]} for the ERP settings is not set.`);
  if (settings.params && settings.params.trim()) {
    try {
      params = JSON.parse(settings.params);
    } catch (err) {
      fail(`ERP endpoint '${label}': the ERP settings are not valid JSON: ${(err as Error).message}.`);
    }
  }
  params = profileParams(profile, params, env, label, fail);
  const baseUrl = lookup(settings.baseUrl, settings.baseUrlType) ?? missing('base URL', settings.baseUrlType === 'env' ? settings.baseUrl : undefined);
  // Every credential that is given is handed to the profile; the profile's kind says which it needs.
  const none = settings.authType === 'none';
  const passwordEnv = settings.passwordEnv?.trim() || undefined;
  const tokenEnv = settings.tokenEnv?.trim() || undefined;
  const username = none ? undefined : lookup(settings.username, settings.usernameType);
  const password = none ? undefined : passwordEnv ? lookup(passwordEnv, 'env') : stored.password || undefined;
  const token = none ? undefined : tokenEnv ? lookup(tokenEnv, 'env') : stored.token || undefined;
  let auth: ErpAuth = { kind: 'none' };
  if (profile.auth.kind === 'basic') {
    auth = {
      kind: 'basic',
      username: username ?? missing('user name', settings.usernameType === 'env' ? settings.username : undefined),
      password: password ?? missing('password', passwordEnv),
    };
  } else if (profile.auth.kind === 'bearer') {
    auth = { kind: 'bearer', token: token ?? missing('token', tokenEnv) };
  }
  let ca: Buffer | undefined;
  if (settings.caFile) {
    try {
      ca = readFileSync(settings.caFile);
    } catch (err) {
      fail(`ERP endpoint '${label}' cannot read its CA file ${settings.caFile}: ${(err as Error).message}.`, baseUrl);
    }
  }
  const client = new ErpHttpClient({ name: label, baseUrl, auth, timeoutMs: positive(settings.timeoutSec, 30) * 1000, tls: { rejectUnauthorized: settings.rejectUnauthorized !== false, ca } });
  return { title: `${label} (${baseUrl})`, profile, client, session: new ProfileSession(client, profile, { username, password, token }, params) };
}

/**
 * The profile's settings as $params: the dialog's values, "${NAME}" ones read from the environment, the
 * profile's defaults for what was left empty; a required one missing stops the endpoint with its name.
 * A setting that `applies` to the profile also sets that part (the ERP's time zone, a cap on the page size).
 */
export function profileParams(profile: ErpProfile, given: Record<string, unknown>, env: EnvLookup, label: string, fail: (message: string) => never): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(given)) {
    const envName = typeof raw === 'string' ? /^\$\{(\w+)\}$/.exec(raw.trim())?.[1] : undefined;
    const value = envName === undefined ? raw : env(envName);
    if (envName !== undefined && (value === undefined || value === '')) fail(`ERP endpoint '${label}': the environment variable ${envName} for the setting ${name} is not set.`);
    if (value !== '' && value !== null && value !== undefined) params[name] = value;
  }
  for (const setting of profile.settings ?? []) {
    let value = params[setting.name] ?? setting.default;
    if (value === undefined) {
      if (setting.required) fail(`ERP endpoint '${label}': the ${profile.name} profile needs the setting ${setting.name}; fill it in the endpoint's ERP settings.`);
      continue;
    }
    if (setting.type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) fail(`ERP endpoint '${label}': the setting ${setting.name} must be a number, not '${String(value)}'.`);
      value = n;
    } else {
      value = String(value);
      if (setting.options && !setting.options.includes(value as string)) fail(`ERP endpoint '${label}': the setting ${setting.name} must be one of ${setting.options.join(', ')}, not '${String(value)}'.`);
    }
    params[setting.name] = value;
    if (setting.applies === 'changeTime.timeZone') {
      try {
        checkTimeZone(String(value));
      } catch (err) {
        fail(`ERP endpoint '${label}': the setting ${setting.name}: ${(err as Error).message}`);
      }
      profile.pull.changeTime.timeZone = String(value);
    } else if (setting.applies === 'pull.maxPageSize') {
      const n = Math.max(1, Math.round(Number(value)));
      profile.pull.maxPageSize = Math.min(profile.pull.maxPageSize ?? n, n);
      profile.pull.pageSize = Math.min(profile.pull.pageSize, n);
    }
  }
  return params;
}
