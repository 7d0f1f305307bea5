// Turns an erp-endpoint's settings (as saved by the editor) into a ready connection: the profile,
// the HTTP client and the profile session. Secrets and the base URL may come from the environment.
import { readFileSync } from 'node:fs';
import { type ErpAuth, ErpHttpClient, ErpRequestError } from './http-client';
import { type ErpProfile, ProfileSession, loadProfile, preset } from './profile';

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

export function endpointProfile(settings: EndpointSettings): ErpProfile {
  const label = settings.name || 'ERP';
  return settings.profile === 'custom' ? loadProfile(settings.profileJson ?? '', `ERP endpoint '${label}': the custom profile`) : preset(settings.profile || 'generic-rest');
}

/** Throws an ErpRequestError of kind 'config' that names what is missing or wrong. */
export function openEndpoint(settings: EndpointSettings, stored: { password?: string; token?: string }, env: EnvLookup): OpenEndpoint {
  const label = settings.name || 'ERP';
  const fail = (message: string, url = ''): never => {
    throw new ErpRequestError(message, 'config', url);
  };
  const resolve = (value: string | undefined, source: ValueSource | undefined, what: string): string => {
    if (source !== 'env') return value ?? '';
    const resolved = env(String(value));
    return resolved === undefined || resolved === '' ? fail(`ERP endpoint '${label}': the environment variable ${value} for the ${what} is not set.`) : resolved;
  };
  const secret = (value: string | undefined, envName: string | undefined, what: string): string => {
    if (envName && envName.trim()) return resolve(envName.trim(), 'env', what);
    return value ? value : fail(`ERP endpoint '${label}' has no ${what}: enter it or name an environment variable.`);
  };

  let profile: ErpProfile;
  try {
    profile = endpointProfile(settings);
  } catch (err) {
    return fail((err as Error).message);
  }
  let params: Record<string, unknown> = {};
  if (settings.params && settings.params.trim()) {
    try {
      params = JSON.parse(settings.params);
    } catch (err) {
      fail(`ERP endpoint '${label}': the ERP settings are not valid JSON: ${(err as Error).message}.`);
    }
  }
  const baseUrl = resolve(settings.baseUrl, settings.baseUrlType, 'base URL');
  if (!baseUrl) fail(`ERP endpoint '${label}' has no base URL.`);
  const username = settings.authType === 'basic' ? resolve(settings.username, settings.usernameType, 'user name') : undefined;
  const password = settings.authType === 'basic' ? secret(stored.password, settings.passwordEnv, 'password') : undefined;
  const token = settings.authType === 'bearer' ? secret(stored.token, settings.tokenEnv, 'token') : undefined;
  let auth: ErpAuth = { kind: 'none' };
  if (profile.auth.kind === 'basic' && username !== undefined) auth = { kind: 'basic', username, password: password ?? '' };
  else if (profile.auth.kind === 'bearer' && token !== undefined) auth = { kind: 'bearer', token };
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
