// Every error the server answers is JSON: a sentence saying what was wrong, never Express's HTML page with a
// stack trace and the server's paths. A server fault is logged in full here and answered without detail.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { HttpRefusal } from './http-guards';

/** What body-parser, raw-body and http-errors mean by their error types, said as sentences. */
const KNOWN_REFUSALS: Record<string, string> = {
  'entity.too.large': 'The request body is larger than this endpoint accepts.',
  'entity.parse.failed': 'The request body could not be parsed.',
  'entity.verify.failed': 'The request body did not pass verification.',
  'parameters.too.many': 'The form body has more parameters than this server accepts.',
  'request.aborted': 'The client stopped sending the request body before its end.',
  'request.size.invalid': 'The request body was not as long as its Content-Length said.',
  'encoding.unsupported': 'The request body is in an encoding this server does not read.',
  'charset.unsupported': 'The request body is in a character set this server does not read.',
  'stream.encoding.set': 'The request body could not be read.',
};

interface HttpishError {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
  expose?: unknown;
  message?: unknown;
  stack?: unknown;
}

function clientStatus(err: HttpishError): number | undefined {
  const status = Number(err.status ?? err.statusCode);
  return Number.isInteger(status) && status >= 400 && status < 500 ? status : undefined;
}

export function jsonErrorHandler(log: (line: string) => void): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    if (err instanceof HttpRefusal) {
      res.status(err.status).json({ error: err.message, ...err.details });
      return;
    }
    const e = (err ?? {}) as HttpishError;
    const status = clientStatus(e);
    if (status !== undefined) {
      const known = typeof e.type === 'string' ? KNOWN_REFUSALS[e.type] : undefined;
      res.status(status).json({ error: known ?? `The request to ${req.method} ${req.path} was refused (HTTP ${status}).` });
      return;
    }
    log(`HTTP ${req.method} ${req.path} failed: ${typeof e.stack === 'string' ? e.stack : String(e.message ?? err)}`);
    res.status(500).json({ error: `The server could not handle ${req.method} ${req.path}; the fault was logged.` });
  };
}

/** The last handler: a JSON 404 instead of Express's "Cannot GET" page. */
export const jsonNotFound: RequestHandler = (req, res) => {
  res.status(404).json({ error: `Nothing is served at ${req.method} ${req.path}.` });
};

/**
 * Node-RED's http-in error handler and some admin routes answer with `res.sendStatus(code)` (a text body);
 * for error codes the body becomes JSON with the same status. A body refused while it was being read
 * (res.locals.bodyRefusal, see http-guards.ts) is answered as that refusal, not as the 500 http-in gives any error.
 */
export const jsonStatusPages: RequestHandler = (_req, res, next) => {
  const sendStatus = res.sendStatus.bind(res);
  res.sendStatus = (code: number) => {
    const refusal: unknown = res.locals.bodyRefusal;
    if (code >= 400 && refusal instanceof HttpRefusal) return res.status(refusal.status).json({ error: refusal.message, ...refusal.details });
    if (code < 400) return sendStatus(code);
    const error = code < 500 ? `The request was refused (HTTP ${code}).` : `The server could not answer this request (HTTP ${code}).`;
    return res.status(code).json({ error });
  };
  next();
};
