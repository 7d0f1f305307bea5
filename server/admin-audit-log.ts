// Node-RED's own audit events (logins, deploys, flow state, context and library writes) in the server log: the
// runtime emits them only to a logger with audit: true, which Node-RED leaves off. Reads (*.get) are left out —
// every editor page load makes a dozen — so what remains is who changed or tried what, from where.
import type { LogHandlerFactory } from './red-types';

interface AuditEvent {
  level?: number;
  event?: unknown;
  user?: { username?: unknown } | null;
  ip?: unknown;
  path?: unknown;
  type?: unknown;
  error?: unknown;
}

const AUDIT_LEVEL = 98;

/** One line for an audit event worth keeping, or undefined for reads and anything that is not an audit event. */
export function adminAuditLine(msg: AuditEvent): string | undefined {
  if (msg.level !== AUDIT_LEVEL || typeof msg.event !== 'string' || /\.get$/.test(msg.event)) return undefined;
  const who = typeof msg.user?.username === 'string' ? msg.user.username : 'anonymous';
  const parts = [`[audit] ${msg.event} by ${who}`];
  if (typeof msg.ip === 'string') parts.push(`from ${msg.ip}`);
  if (typeof msg.type === 'string') parts.push(`type ${msg.type}`);
  if (typeof msg.path === 'string') parts.push(`on ${msg.path}`);
  if (msg.error !== undefined) parts.push(`refused: ${String(msg.error)}`);
  return parts.join(' ');
}

export function adminAuditHandler(write: (line: string) => void): LogHandlerFactory {
  return () => (msg) => {
    const line = adminAuditLine(msg as AuditEvent);
    if (line) write(line);
  };
}
