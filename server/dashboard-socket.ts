// Dashboard 2.0's socket behind the same login as its pages. socket.io attaches its own request listener to
// the HTTP server ahead of express, so express never sees /dashboard/socket.io: the engine.io handshake is
// checked in the server's emit (the one place every request passes before socket.io), the socket.io connect in
// Dashboard 2.0's ioMiddleware setting, and every packet of a connected socket by a socket.use guard.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { packetShapeProblem, type PacketLimits } from '../nodes/lib/guard/packet-shape';
import type { Role } from './accounts';
import { checkBasic, type BasicDoor } from './http-node-auth';
import { tooManyFailuresBody } from './login-limiter';

/** What the dashboard guard plugin reads off an authenticated socket (socket.data.user). */
export interface SocketUser {
  username: string;
  role: Role;
}

// The events a page sends to read: loading a widget's state and a template's send() (its refresh requests;
// the demo flows pass only read topics on from there). Actions and changes are writes.
const VIEWER_EVENTS = new Set(['widget-load', 'widget-send']);

interface SocketLike {
  id: string;
  request: IncomingMessage;
  handshake: { xdomain?: boolean; address?: string };
  client: { conn: { request: IncomingMessage; close(): void } };
  data: { user?: SocketUser };
  use(fn: (packet: unknown[], next: (err?: Error) => void) => void): void;
  disconnect(close?: boolean): void;
}

type ConnectError = Error & { data?: { status: number; retryAfterSec?: number } };

function connectError(message: string, status: number, retryAfterSec?: number): ConnectError {
  const err: ConnectError = new Error(message);
  err.data = { status, ...(retryAfterSec !== undefined && { retryAfterSec }) };
  return err;
}

export interface SocketGuardOptions {
  door: BasicDoor;
  limits: PacketLimits;
  warn: (text: string) => void;
}

/** Refuses packets that are too deep or too big (and drops the socket), and a viewer's writes. */
export function packetGuard(socket: SocketLike, user: SocketUser, options: SocketGuardOptions) {
  return (packet: unknown[], next: (err?: Error) => void): void => {
    const problem = packetShapeProblem(packet, options.limits);
    if (problem) {
      options.warn(`Dashboard socket of ${user.username} dropped: ${problem}`);
      socket.disconnect(true);
      return;
    }
    const event = packet[0];
    if (user.role !== 'admin' && !VIEWER_EVENTS.has(String(event))) {
      options.warn(`Dashboard ${String(event)} from ${user.username} (${user.role}) was dropped: a viewer reads only.`);
      return;
    }
    next();
  };
}

/** Dashboard 2.0's `ioMiddleware` setting: the socket.io connect needs a person's login, as the pages do. */
export function dashboardIoMiddleware(options: SocketGuardOptions) {
  return (socket: SocketLike, next: (err?: Error) => void): void => {
    // Kept from Dashboard 2.0's own middleware, which this one replaces: no direct websocket, no other origin.
    if ((socket.client.conn.request.url ?? '').includes('transport=websocket')) {
      socket.client.conn.close();
      return;
    }
    if (socket.handshake.xdomain !== false) return next(connectError('The dashboard socket takes connections from its own origin only.', 403));
    const address = socket.request.socket.remoteAddress ?? 'unknown';
    checkBasic(options.door, socket.request.headers.authorization, address).then(
      (check) => {
        if (check.kind === 'account') {
          const user: SocketUser = { username: check.account.username, role: check.account.role };
          socket.data.user = user;
          socket.use(packetGuard(socket, user, options));
          return next();
        }
        if (check.kind === 'blocked') {
          const body = tooManyFailuresBody(check.retryMs);
          return next(connectError(body.error, 429, body.retryAfterSec));
        }
        next(connectError(`The dashboard socket needs a login: ${options.door.who}.`, 401));
      },
      (err: Error) => next(connectError(`The dashboard login could not be checked: ${err.message}`, 503)),
    );
  };
}

/** An engine.io handshake: a request to a socket.io path that does not belong to a session yet. */
export function isSocketHandshake(req: IncomingMessage): boolean {
  // Every request passes here: most are told apart without parsing their URL.
  if (!req.url?.includes('/socket.io')) return false;
  const url = new URL(req.url, 'http://bridge.invalid');
  return /\/socket\.io\/?$/.test(url.pathname) && !url.searchParams.has('sid');
}

function refuse(res: ServerResponse, status: number, body: object, headers: Record<string, string>): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * Checks every engine.io handshake on the server before socket.io sees it: 401 without a person's login, 429
 * for an address with too many failures. Returns the function that takes the check away again.
 */
export function guardSocketHandshakes(server: Server, door: BasicDoor): () => void {
  const emit = server.emit;
  const pass = emit as (this: Server, event: string | symbol, ...args: unknown[]) => boolean;
  const guarded = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'request' && isSocketHandshake(args[0] as IncomingMessage)) {
      const [req, res] = args as [IncomingMessage, ServerResponse];
      checkBasic(door, req.headers.authorization, req.socket.remoteAddress ?? 'unknown').then(
        (check) => {
          if (check.kind === 'account') return void pass.call(this, 'request', req, res);
          if (check.kind === 'blocked') {
            const body = tooManyFailuresBody(check.retryMs);
            return refuse(res, 429, body, { 'retry-after': String(body.retryAfterSec) });
          }
          refuse(res, 401, { error: `The dashboard socket needs a login: ${door.who}.` }, { 'www-authenticate': `Basic realm="${door.realm ?? 'ERP-MES Bridge'}", charset="UTF-8"` });
        },
        (err: Error) => refuse(res, 503, { error: `The dashboard login could not be checked: ${err.message}` }, {}),
      );
      return true;
    }
    if (event === 'upgrade' && isSocketHandshake(args[0] as IncomingMessage)) {
      // A websocket straight away, without a polling session that passed the check above: Dashboard 2.0 never does this.
      (args[1] as Duplex).end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return true;
    }
    return pass.call(this, event, ...args);
  };
  server.emit = guarded as Server['emit'];
  return () => {
    if (server.emit === guarded) server.emit = emit;
  };
}
