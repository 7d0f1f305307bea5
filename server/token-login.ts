// POST /auth/token (the editor's and the signing pages' login) checked before Node-RED sees it. Node-RED locks a
// user name for 10 minutes after 5 attempts from anywhere — a stranger could lock the admin out, and the lock
// answers 500. Here wrong passwords count against the client's address instead (429 + Retry-After) and never
// reach Node-RED, so its per-name counter only ever sees correct passwords, which clear it.
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import type { BasicVerifier } from './accounts';
import { answerTooManyFailures, clientAddress, type LoginLimiter } from './login-limiter';

export interface TokenLoginOptions {
  people: BasicVerifier;
  limiter: LoginLimiter;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export function tokenLoginGuard(options: TokenLoginOptions): Array<RequestHandler | ErrorRequestHandler> {
  const check: RequestHandler = (req, res, next) => {
    const address = clientAddress(req);
    const blocked = options.limiter.blockedFor(address);
    if (blocked > 0) return answerTooManyFailures(res, blocked);
    const body = (req.body ?? {}) as Record<string, unknown>;
    // Other grants (none are configured) are Node-RED's to refuse.
    if (body.grant_type !== 'password') return next();
    const username = text(body.username) ?? '';
    const password = text(body.password) ?? '';
    options.people.verifyPassword(username, password).then((account) => {
      if (!account) {
        options.limiter.fail(address);
        const now = options.limiter.blockedFor(address);
        if (now > 0) return answerTooManyFailures(res, now);
        return res.status(403).json({ error: 'invalid_grant', error_description: 'The user name or password is wrong.' });
      }
      // A viewer may read only: any other scope ('*', or one Node-RED does not know, which it answers with a 500)
      // is refused here, before Node-RED counts it against the name.
      const scope = text(body.scope) ?? '';
      if (account.role !== 'admin' && scope !== '' && scope !== 'read') {
        return res.status(403).json({ error: 'invalid_scope', error_description: `${username} is a viewer: log in with scope "read", not "${scope.slice(0, 40)}".` });
      }
      next();
    }, next);
  };
  const badBody: ErrorRequestHandler = (err: Error & { status?: number }, _req, res, next) => {
    if (res.headersSent) return next(err);
    res.status(err.status && err.status < 500 ? err.status : 400).json({ error: `The login request could not be read: ${err.message}` });
  };
  // Parsed here (Node-RED's own parsers skip a body already read) so the check sees the form.
  return [express.urlencoded({ extended: false, limit: '16kb' }), express.json({ limit: '16kb' }), check, badBody];
}
