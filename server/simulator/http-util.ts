// Small HTTP helpers shared by the simulated ERP and MES: JSON errors, credential checks.
import type { ErrorRequestHandler, Request, Response } from 'express';
import { timingSafeEqual } from 'node:crypto';

export const BODY_LIMIT = '5mb';

export function sendError(res: Response, status: number, message: string): void {
  res.status(status).json({ error: message });
}

/** Constant-time comparison, so a wrong secret takes as long to refuse whatever it shares with the right one. */
export function secretEquals(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** user/password from an `Authorization: Basic …` header, or undefined when there is none. */
export function basicCredentials(req: Request): { user: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The token of an `Authorization: Bearer …` header, or undefined. */
export function bearerToken(req: Request): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match ? match[1] : undefined;
}

/** Turns body-parser failures into JSON sentences like a real API gateway would answer. */
export const jsonBodyErrors: ErrorRequestHandler = (err, req, res, next) => {
  const type = (err as { type?: string }).type;
  if (type === 'entity.parse.failed') {
    sendError(res, 400, `request body of ${req.method} ${req.originalUrl} is not valid JSON: ${(err as Error).message}`);
  } else if (type === 'entity.too.large') {
    sendError(res, 413, `request body of ${req.method} ${req.originalUrl} is larger than the 5 MB limit`);
  } else if (type !== undefined && typeof (err as { status?: unknown }).status === 'number') {
    sendError(res, (err as { status: number }).status, `request body of ${req.method} ${req.originalUrl} was refused: ${(err as Error).message}`);
  } else {
    next(err);
  }
};
