// The legacy-db config node's settings, as the editor saves them, turned into connection options.
// User name and password may come from the environment so that one flow file serves every plant.
import type { LegacyDbClient, LegacyDbOptions } from './connection-config';
import { LegacyDbError } from './connection-errors';

export interface LegacyDbSettings {
  name?: string;
  client?: LegacyDbClient;
  host?: string;
  port?: string | number;
  database?: string;
  user?: string;
  userType?: 'str' | 'env';
  /** Name of an environment variable holding the password, instead of the stored credential. */
  passwordEnv?: string;
  poolSize?: string | number;
  connectTimeoutSec?: string | number;
  queryTimeoutSec?: string | number;
  ssl?: boolean;
  rejectUnauthorized?: boolean;
  encrypt?: boolean;
  trustServerCertificate?: boolean;
  timeZone?: string;
}

export interface LegacyDbSecrets {
  password?: string;
  /** A URL or Key=Value string; a credential because it usually carries the password. */
  connectionString?: string;
}

export type EnvLookup = (name: string) => string | undefined;

function number(value: string | number | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** Throws a LegacyDbError of kind 'config' naming the environment variable that is not set. */
export function legacyDbOptions(settings: LegacyDbSettings, secrets: LegacyDbSecrets, env: EnvLookup): LegacyDbOptions {
  const title = settings.name ? `legacy DB '${settings.name}'` : 'legacy DB';
  const fromEnv = (variable: string, what: string): string => {
    const value = env(variable);
    if (value === undefined || value === '') throw new LegacyDbError(`${title}: the environment variable ${variable} for the ${what} is not set`, 'config');
    return value;
  };
  // SQLite has no users: a flow file written for every dialect may name variables that a SQLite plant leaves unset.
  const accounts = settings.client !== 'sqlite';
  const user = settings.userType === 'env' && settings.user ? (accounts ? fromEnv(settings.user, 'user name') : undefined) : settings.user || undefined;
  const passwordEnv = settings.passwordEnv?.trim();
  const password = passwordEnv ? (accounts ? fromEnv(passwordEnv, 'password') : undefined) : secrets.password || undefined;
  const seconds = (value: string | number | undefined) => {
    const n = number(value);
    return n === undefined ? undefined : n * 1000;
  };
  return {
    name: settings.name || undefined,
    client: settings.client ?? 'mysql',
    host: settings.host?.trim() || undefined,
    port: number(settings.port),
    database: settings.database?.trim() || undefined,
    user,
    password,
    connectionString: secrets.connectionString?.trim() || undefined,
    poolSize: number(settings.poolSize),
    connectTimeoutMs: seconds(settings.connectTimeoutSec),
    queryTimeoutMs: seconds(settings.queryTimeoutSec),
    // Only what was switched on (or verification switched off), so a connection string's ?ssl=true still counts.
    tls: {
      enabled: settings.ssl === true ? true : undefined,
      rejectUnauthorized: settings.rejectUnauthorized === false ? false : undefined,
      encrypt: settings.encrypt === true ? true : undefined,
      trustServerCertificate: settings.trustServerCertificate === true ? true : undefined,
    },
    timeZone: settings.timeZone?.trim() || undefined,
  };
}
