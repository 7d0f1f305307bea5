// Response headers that keep the served pages from being framed, sniffed or turned against their users, and
// the removal of the wildcard CORS Node-RED puts on its whole admin app.
import type { RequestHandler } from 'express';

/**
 * The editor and Dashboard 2.0 as they are built: the editor runs each node's editor script by inserting it
 * as an inline <script> (jQuery), and Dashboard 2.0 compiles ui-template components at run time (Vue's
 * compiler uses new Function) — hence 'unsafe-inline' and 'unsafe-eval' for scripts. What the policy still
 * holds: nothing loads from or talks to another origin (connect-src 'self' covers the same-origin
 * WebSockets), no plugins, no <base> rewrites, forms post only here, and only this origin may frame a page.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "frame-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

/** One year, as browsers' preload lists expect; only sent over TLS (RFC 6797 §7.2). */
const HSTS = 'max-age=31536000; includeSubDomains';

export function securityHeaders(options: { tls: boolean }): RequestHandler {
  return (_req, res, next) => {
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'SAMEORIGIN');
    res.setHeader('Referrer-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    if (options.tls) res.setHeader('Strict-Transport-Security', HSTS);
    next();
  };
}

interface RouterLayer {
  name?: string;
  handle?: unknown;
}

/**
 * @node-red/editor-api mounts `cors({ origin: "*" })` as the first middleware of the admin app, whatever
 * httpAdminCors says (that setting only adds a second handler after it). The editor is served from the same
 * origin and needs no CORS, so the wildcard handler is taken out of the admin app's stack. Returns how many
 * were removed (1 with Node-RED 4.1).
 */
export function removeWildcardAdminCors(adminApp: unknown): number {
  const stack = (adminApp as { _router?: { stack?: RouterLayer[] } })._router?.stack;
  if (!stack) return 0;
  let removed = 0;
  for (let i = stack.length - 1; i >= 0; i--) {
    if (stack[i]!.name === 'corsMiddleware') {
      stack.splice(i, 1);
      removed++;
    }
  }
  return removed;
}
