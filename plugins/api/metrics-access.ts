// Who may read /metrics: a scraper sending METRICS_TOKEN as a bearer token, or anyone logged in to the admin
// API with a read permission (the same bearer token the editor uses). With METRICS_TOKEN unset only the
// second applies, so the page is never anonymous where the admin API has a login: the figures name nodes,
// outboxes and error counts. A Node-RED without adminAuth leaves its whole admin API open, /metrics with it.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { RedApp } from './red';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

export function metricsAccess(red: RedApp, metricsToken: string | undefined): RequestHandler {
  const expected = metricsToken ? digest(metricsToken) : undefined;
  let adminLogin: RequestHandler | undefined;
  return (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const bearer = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
    // Compared as digests, so the comparison takes the same time whatever the token's length.
    if (expected && bearer && timingSafeEqual(digest(bearer), expected)) return next();
    if (!bearer && red.settings.adminAuth) {
      res.set('WWW-Authenticate', 'Bearer realm="metrics"');
      res
        .status(401)
        .json({ error: metricsToken ? '/metrics needs the METRICS_TOKEN as a bearer token (or an admin-API login).' : '/metrics needs an admin-API login (bearer token); set METRICS_TOKEN to give a scraper a token of its own.' });
      return;
    }
    // Node-RED's permission check: created on first use, when the runtime's auth is initialised.
    adminLogin ??= red.auth.needsPermission('metrics.read') as unknown as RequestHandler;
    adminLogin(req, res, next);
  };
}
