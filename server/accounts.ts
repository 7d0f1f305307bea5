// Who may call the served surface: people (admin, viewer) log in to the editor, the dashboard pages and their
// socket; machines (the MES, a SCADA) post to the flows' own HTTP endpoints. The two never share a door, so a
// viewer cannot post production data and a machine password cannot open a dashboard.
import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { AdminUser, HttpNodeUser } from '../settings';

export type Role = 'admin' | 'viewer' | 'machine';

export interface Account {
  username: string;
  passwordHash: string;
  role: Role;
}

/** Admin users with every permission are admins; any narrower permission set reads only. */
export function peopleAccounts(users: readonly AdminUser[]): Account[] {
  return users.map((u) => {
    const all = u.permissions === '*' || (Array.isArray(u.permissions) && u.permissions.includes('*'));
    return { username: u.username, passwordHash: u.password, role: all ? 'admin' : 'viewer' };
  });
}

export function machineAccounts(users: readonly HttpNodeUser[]): Account[] {
  return users.map((u) => ({ username: u.username, passwordHash: u.passwordHash, role: 'machine' }));
}

export interface VerifierOptions {
  cacheMs?: number;
  maxCacheEntries?: number;
  now?: () => number;
}

// Compared against when the user is unknown, so unknown and known users take the same time.
const UNKNOWN_USER_HASH = bcrypt.hashSync('unknown-user', 10);

/** The user name and password of an HTTP Basic header, or undefined when it is not one. */
export function basicCredentials(header: string | undefined): { username: string; password: string } | undefined {
  if (typeof header !== 'string' || !/^Basic\s+/i.test(header)) return undefined;
  const decoded = Buffer.from(header.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Checks HTTP Basic headers against one set of accounts. bcrypt is deliberately slow, so a verified header is
 * remembered (by its sha256, never in clear) for a few minutes.
 */
export class BasicVerifier {
  private readonly byName: Map<string, Account>;
  private readonly verified = new Map<string, { account: Account; expiry: number }>();
  private readonly cacheMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(accounts: readonly Account[], options: VerifierOptions = {}) {
    this.byName = new Map(accounts.map((a) => [a.username, a]));
    this.cacheMs = options.cacheMs ?? 5 * 60_000;
    this.maxEntries = options.maxCacheEntries ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** The account a header proves, or undefined for a wrong, unknown or malformed one. */
  verify(header: string | undefined): Promise<Account | undefined> {
    const credentials = basicCredentials(header);
    return credentials ? this.verifyPassword(credentials.username, credentials.password) : Promise.resolve(undefined);
  }

  /** The account of a header verified within the last few minutes, without bcrypt: the per-request fast path. */
  known(header: string | undefined): Account | undefined {
    const credentials = basicCredentials(header);
    return credentials && this.remembered(cacheKey(credentials.username, credentials.password));
  }

  /** The account a user name and password prove, or undefined. */
  async verifyPassword(username: string, password: string): Promise<Account | undefined> {
    const key = cacheKey(username, password);
    const known = this.remembered(key);
    if (known) return known;
    const account = this.byName.get(username);
    const ok = await bcrypt.compare(password, account?.passwordHash ?? UNKNOWN_USER_HASH);
    if (!ok || !account) return undefined;
    // Oldest entries go first when the cache is full (Map keeps insertion order).
    if (this.verified.size >= this.maxEntries) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(key, { account, expiry: this.now() + this.cacheMs });
    return account;
  }

  private remembered(key: string): Account | undefined {
    const known = this.verified.get(key);
    if (!known) return undefined;
    if (known.expiry > this.now()) return known.account;
    this.verified.delete(key);
    return undefined;
  }
}

const cacheKey = (username: string, password: string) => createHash('sha256').update(username).update('\0').update(password).digest('hex');
