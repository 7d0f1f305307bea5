// HTTP Basic authentication for the flows' own HTTP endpoints (http in nodes). Embedded Node-RED
// ignores httpNodeAuth, so the server applies it. bcrypt is deliberately slow, so a verified
// Authorization header is remembered (by its sha256, never in clear) for a few minutes.
import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { RequestHandler } from 'express';
import type { HttpNodeUser } from '../settings';

export interface BasicAuthOptions {
  realm?: string;
  cacheMs?: number;
  maxCacheEntries?: number;
  now?: () => number;
}

// Compared against when the user is unknown, so unknown and known users take the same time.
const UNKNOWN_USER_HASH = bcrypt.hashSync('unknown-user', 10);

export function httpNodeBasicAuth(users: readonly HttpNodeUser[], options: BasicAuthOptions = {}): RequestHandler {
  const realm = options.realm ?? 'ERP-MES Bridge';
  const cacheMs = options.cacheMs ?? 5 * 60_000;
  const maxEntries = options.maxCacheEntries ?? 1000;
  const now = options.now ?? Date.now;
  const byName = new Map(users.map((u) => [u.username, u.passwordHash]));
  const verified = new Map<string, number>(); // sha256(header) → expiry

  const challenge: RequestHandler = (_req, res) => {
    res.set('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`);
    res.status(401).type('text/plain').send('Authentication required for this flow endpoint.');
  };

  return (req, res, next) => {
    const header = req.headers.authorization;
    if (!header || !/^Basic\s+/i.test(header)) return challenge(req, res, next);
    const key = createHash('sha256').update(header).digest('hex');
    const expiry = verified.get(key);
    if (expiry !== undefined) {
      if (expiry > now()) return next();
      verified.delete(key);
    }
    const decoded = Buffer.from(header.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const username = colon >= 0 ? decoded.slice(0, colon) : decoded;
    const password = colon >= 0 ? decoded.slice(colon + 1) : '';
    const hash = byName.get(username);
    bcrypt
      .compare(password, hash ?? UNKNOWN_USER_HASH)
      .then((ok) => {
        if (!ok || hash === undefined) return challenge(req, res, next);
        // Oldest entries go first when the cache is full (Map keeps insertion order).
        if (verified.size >= maxEntries) verified.delete(verified.keys().next().value as string);
        verified.set(key, now() + cacheMs);
        next();
      })
      .catch(next);
  };
}
