// HTTP Basic authentication for what Node-RED serves on httpNode (embedded Node-RED ignores httpNodeAuth, so the
// server applies it): the dashboard pages take people (admin, viewer), every other path — the flows' own
// endpoints such as /mes/* — takes machine accounts only. Wrong passwords count against the client's address.
import type { Request, RequestHandler, Response } from 'express';
import type { Account, BasicVerifier, Role } from './accounts';
import { answerTooManyFailures, clientAddress, type LoginLimiter } from './login-limiter';

export interface BasicDoor {
  verifier: BasicVerifier;
  limiter: LoginLimiter;
  /** Who this door is for, in the 401 sentence: "a machine account (MES_USERS)". */
  who: string;
  realm?: string;
}

export type AccountCheck = { kind: 'account'; account: Account } | { kind: 'missing' } | { kind: 'wrong' } | { kind: 'blocked'; retryMs: number };

/** Checks a request's Basic header at a door, counting a wrong password against the request's address. */
export async function checkBasic(door: BasicDoor, header: string | undefined, address: string): Promise<AccountCheck> {
  const retryMs = door.limiter.blockedFor(address);
  if (retryMs > 0) return { kind: 'blocked', retryMs };
  if (typeof header !== 'string' || !/^Basic\s+/i.test(header)) return { kind: 'missing' };
  const account = await door.verifier.verify(header);
  if (account) return { kind: 'account', account };
  door.limiter.fail(address);
  const nowBlocked = door.limiter.blockedFor(address);
  return nowBlocked > 0 ? { kind: 'blocked', retryMs: nowBlocked } : { kind: 'wrong' };
}

function challenge(res: Response, door: BasicDoor, wrong: boolean): void {
  res.set('WWW-Authenticate', `Basic realm="${door.realm ?? 'ERP-MES Bridge'}", charset="UTF-8"`);
  res.status(401).json({ error: wrong ? `The user name or password is wrong: this path takes ${door.who}.` : `Authentication required: this path takes ${door.who}.` });
}

/** Express middleware: lets the request on with res.locals.account set, or answers 401 / 429. */
export function basicAuth(door: BasicDoor): RequestHandler {
  return (req, res, next) => {
    const address = clientAddress(req);
    // A header verified a moment ago passes without a promise: this is every MES post's path.
    const known = door.limiter.blockedFor(address) === 0 ? door.verifier.known(req.headers.authorization) : undefined;
    if (known) {
      res.locals.account = known;
      return next();
    }
    checkBasic(door, req.headers.authorization, address).then((check) => {
      if (check.kind === 'account') {
        res.locals.account = check.account;
        return next();
      }
      if (check.kind === 'blocked') return answerTooManyFailures(res, check.retryMs);
      challenge(res, door, check.kind === 'wrong');
    }, next);
  };
}

export interface HttpNodeDoors {
  people: BasicDoor;
  machines: BasicDoor;
  /** Path prefixes served to people (Dashboard 2.0's base paths). */
  peoplePaths: readonly string[];
}

const underPrefix = (path: string, prefix: string) => path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : prefix + '/');

/** Which role a path is for: people on the dashboard pages, machines everywhere else on httpNode. */
export function rolesForPath(path: string, peoplePaths: readonly string[]): readonly Role[] {
  return peoplePaths.some((p) => underPrefix(path, p)) ? ['admin', 'viewer'] : ['machine'];
}

export function httpNodeAuth(doors: HttpNodeDoors): RequestHandler {
  const people = basicAuth(doors.people);
  const machines = basicAuth(doors.machines);
  return (req: Request, res, next) => (rolesForPath(req.path, doors.peoplePaths).includes('machine') ? machines : people)(req, res, next);
}
