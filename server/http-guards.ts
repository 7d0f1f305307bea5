// Hostile input refused at parse time, before any router sees it: every JSON body of every HTTP entry (the
// flows' http-in endpoints, the editor's admin API, our REST routes) is read here with a byte limit and a
// nesting-depth limit checked on the raw text, then parsed once. Node-RED's own body parsers skip a request
// whose `req._body` is set, so nothing downstream parses it again without those limits.
// Other body types are safe by construction: urlencoded bodies and query strings go through qs (depth 5,
// 1000 parameters), text and raw bodies are strings or buffers; only their size needs a bound.
import { createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { HttpLimits } from '../settings';
import { jsonNestingDepth } from './json-depth';

export type { HttpLimits };

type ParsedRequest = Request & { _body?: boolean };

/** A refusal that the error handler turns into a JSON answer with this status. */
export class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HttpRefusal';
  }
}

function mediaType(req: Request): { type: string; charset?: string } | undefined {
  const header = req.headers['content-type'];
  if (!header) return undefined;
  const [type, ...params] = header.split(';');
  const charset = params
    .map((p) => p.trim().split('='))
    .find(([k]) => k?.trim().toLowerCase() === 'charset')?.[1]
    ?.trim()
    .replace(/^"|"$/g, '')
    .toLowerCase();
  return { type: type!.trim().toLowerCase(), ...(charset ? { charset } : {}) };
}

export function isJsonType(type: string | undefined): boolean {
  return type !== undefined && (type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type));
}

/** Whether the request carries a body at all (what type-is calls hasBody). */
function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
}

function tooLarge(limit: number): HttpRefusal {
  return new HttpRefusal(413, `The request body is larger than the ${limit} bytes this server accepts (HTTP_MAX_BODY_BYTES).`, { limit: { maxBodyBytes: limit } });
}

/** Reads the whole body as UTF-8, refusing it once more than `limit` bytes have arrived. */
function readBody(req: Request, limit: number): Promise<string> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  let source: Readable = req;
  if (encoding === 'gzip') source = req.pipe(createGunzip());
  else if (encoding === 'deflate') source = req.pipe(createInflate());
  else if (encoding !== 'identity') {
    return Promise.reject(new HttpRefusal(415, `Content-Encoding "${encoding}" is not supported: send the body uncompressed, gzip or deflate.`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      source.off('data', onData);
      if (err) {
        // Stop reading but let the socket drain, so the answer still reaches the client.
        req.unpipe();
        req.resume();
        reject(err);
      } else resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) return finish(tooLarge(limit));
      chunks.push(chunk);
    };
    source.on('data', onData);
    source.once('end', () => finish());
    source.once('error', (err: Error) => finish(new HttpRefusal(400, `The request body could not be read: ${err.message}.`)));
    req.once('aborted', () => finish(new HttpRefusal(400, 'The client stopped sending the request body before its end.')));
  });
}

/**
 * Bounds a body sent without Content-Length (chunked) that someone else reads (Node-RED's parsers read text and
 * raw bodies with no limit of their own): the bytes are counted as they arrive, and past the limit the reader is
 * failed with a 413 and what follows is dropped, so no size of body is ever held.
 */
function boundStreamedBody(req: Request, res: Response, limit: number): void {
  const push = req.push;
  let received = 0;
  let refused = false;
  req.push = function (chunk: unknown, encoding?: BufferEncoding): boolean {
    if (refused) return true;
    if (chunk !== null && chunk !== undefined) {
      received += (chunk as Buffer | string).length;
      if (received > limit) {
        refused = true;
        // A body too large has a reader (nothing else pulls it past the stream's buffer): it fails, and whoever
        // answers its error (Node-RED's http-in answers 500 to any) answers this refusal (see jsonStatusPages).
        const refusal = tooLarge(limit);
        res.locals.bodyRefusal = refusal;
        if (req.listenerCount('error') > 0) req.emit('error', refusal);
        return true;
      }
    }
    return push.call(this, chunk, encoding);
  };
}

/**
 * Parses JSON bodies with the byte and depth limits; refuses any other body whose Content-Length passes the
 * byte limit, and bounds one without Content-Length as it arrives. Mounted before Node-RED's apps, so it covers
 * every route they (and dependencies) register.
 */
export function jsonBodyGuard(limits: HttpLimits): RequestHandler {
  return (req: ParsedRequest, res: Response, next: NextFunction) => {
    if (req._body || !hasBody(req)) return next();
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limits.maxBodyBytes) return next(tooLarge(limits.maxBodyBytes));
    const media = mediaType(req);
    if (!isJsonType(media?.type)) {
      if (req.headers['content-length'] === undefined) boundStreamedBody(req, res, limits.maxBodyBytes);
      return next();
    }
    if (media?.charset && media.charset !== 'utf-8' && media.charset !== 'utf8') {
      return next(new HttpRefusal(415, `JSON must be sent as UTF-8, not charset "${media.charset}".`));
    }
    readBody(req, limits.maxBodyBytes).then(
      (text) => {
        const depth = jsonNestingDepth(text, limits.maxJsonDepth);
        if (depth > limits.maxJsonDepth) {
          return next(new HttpRefusal(400, `The JSON body nests deeper than the ${limits.maxJsonDepth} levels this server accepts (HTTP_MAX_JSON_DEPTH).`, { limit: { maxJsonDepth: limits.maxJsonDepth } }));
        }
        try {
          req.body = text.trim() === '' ? {} : JSON.parse(text);
        } catch (err) {
          return next(new HttpRefusal(400, `The request body is not valid JSON: ${(err as Error).message}.`));
        }
        req._body = true;
        next();
      },
      (err: Error) => next(err),
    );
  };
}

/** 415 for a POST/PUT/PATCH to a JSON-only flow endpoint (the MES ingest under /mes/) that is not JSON. */
export function jsonOnlyFlowEndpoints(limits: HttpLimits): RequestHandler {
  return (req, _res, next) => {
    if (!['POST', 'PUT', 'PATCH'].includes(req.method)) return next();
    if (!limits.jsonOnlyPaths.some((prefix) => req.path.startsWith(prefix))) return next();
    const type = mediaType(req)?.type;
    if (isJsonType(type)) return next();
    next(new HttpRefusal(415, `${req.method} ${req.path} takes application/json, not ${type ? `"${type}"` : 'a body without Content-Type'}.`, { accepted: 'application/json' }));
  };
}
