// A Dashboard 2.0 plugin (its hooks API): every action a page sends acts as the socket's authenticated user.
// The dashboard keeps a client-sent msg._client, so a page could name any user; here _client is replaced with
// the user the socket logged in as, and sockets without a login (or a viewer's writes) are dropped. In the
// bridge's server the socket's user comes from its ioMiddleware (socket.data.user); in a plain Node-RED from
// the handshake's Basic header checked against httpNodeAuth — as much as hooks allow there (the config a page
// loads is not hookable).
import bcrypt from 'bcryptjs';
import { packetShapeProblem, type PacketLimits } from '../nodes/lib/guard/packet-shape';

interface SocketUser {
  username: string;
  role: string;
}

interface Conn {
  id: string;
  data?: { user?: SocketUser; bridgeGuard?: SocketUser | null };
  handshake?: { headers?: { authorization?: string } };
}

interface RedLike {
  settings: { dashboard?: { ioMiddleware?: unknown; messageLimits?: Partial<PacketLimits> }; httpNodeAuth?: { user?: string; pass?: string } };
  log: { warn(text: string): void };
  plugins: { registerPlugin(id: string, plugin: object): void };
}

type Msg = Record<string, unknown> | null | undefined;

export = function register(RED: RedLike): void {
  const dashboard = RED.settings.dashboard ?? {};
  const nodeAuth = RED.settings.httpNodeAuth;
  const limits: PacketLimits = { maxDepth: 32, maxBytes: 65_536, ...dashboard.messageLimits };
  const loginConfigured = Boolean(dashboard.ioMiddleware) || Boolean(nodeAuth?.user && nodeAuth.pass);
  if (!loginConfigured) {
    RED.log.warn('erp-mes-bridge dashboard guard: Dashboard 2.0 has no login (set httpNodeAuth), so page actions carry no user.');
  }

  /** The socket's user; null when a login is configured and the socket has none; undefined when there is no login at all. */
  function userOf(conn: Conn): SocketUser | null | undefined {
    if (conn.data?.user) return conn.data.user;
    if (!loginConfigured) return undefined;
    if (!nodeAuth?.user || !nodeAuth.pass) return null;
    if (conn.data && conn.data.bridgeGuard !== undefined) return conn.data.bridgeGuard;
    // Checked once per socket (the hooks are synchronous) and remembered on it.
    const header = conn.handshake?.headers?.authorization ?? '';
    const decoded = /^Basic\s+/i.test(header) ? Buffer.from(header.replace(/^Basic\s+/i, ''), 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const ok = colon > 0 && decoded.slice(0, colon) === nodeAuth.user && bcrypt.compareSync(decoded.slice(colon + 1), nodeAuth.pass);
    const user = ok ? { username: nodeAuth.user, role: 'admin' } : null;
    if (conn.data) conn.data.bridgeGuard = user;
    return user;
  }

  const clientOf = (conn: Conn, user: SocketUser | undefined) => ({ ...(user && { user: { ...user } }), socketId: conn.id });

  /** Replaces whatever _client the page sent with the socket's own (also when the base node adds no client data). */
  function stamp(msg: unknown, conn: Conn, user: SocketUser | undefined): void {
    const items = Array.isArray(msg) ? msg : [msg];
    for (const item of items) if (typeof item === 'object' && item !== null && !Array.isArray(item)) (item as Record<string, unknown>)._client = clientOf(conn, user);
  }

  /**
   * The message to pass on, or null to drop it. Only what the page sent is measured: a change hands the hook
   * the widget's stored message (which may rightly be large), not the page's value.
   */
  function inbound(conn: Conn, msg: Msg, write: boolean, fromPage: boolean): Msg {
    const user = userOf(conn);
    if (user === null) return null;
    if (write && user && user.role !== 'admin') return null;
    if (fromPage && packetShapeProblem(msg, limits)) return null;
    stamp(msg, conn, user ?? undefined);
    return msg;
  }

  RED.plugins.registerPlugin('erp-mes-bridge-dashboard-guard', {
    type: 'node-red-dashboard-2',
    hooks: {
      onIsValidConnection: (conn: Conn) => userOf(conn) !== null,
      onAddConnectionCredentials: (conn: Conn, msg: Record<string, unknown>) => {
        const user = userOf(conn);
        msg._client = user ? { user: { ...user } } : {};
        return msg;
      },
      onAction: (conn: Conn, _id: string, msg: Msg) => inbound(conn, msg, true, true),
      onChange: (conn: Conn, _id: string, msg: Msg) => inbound(conn, msg, true, false),
      onSend: (conn: Conn, _id: string, msg: Msg) => inbound(conn, msg, false, true),
      onLoad: (conn: Conn, _id: string, msg: Msg) => (userOf(conn) === null ? undefined : msg),
    },
  });
};
