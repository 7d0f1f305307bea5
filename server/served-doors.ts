// Who may call what on the served surface, assembled from the settings: one limiter of failed logins per client
// address shared by every door (Basic on httpNode, the dashboard socket, POST /auth/token), people at the
// dashboard and the login, machines at the flows' endpoints.
import type { Server } from 'node:http';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { BridgeSettings, HttpNodeUser } from '../settings';
import { BasicVerifier, machineAccounts, peopleAccounts } from './accounts';
import { dashboardIoMiddleware, guardSocketHandshakes } from './dashboard-socket';
import { httpNodeAuth, type BasicDoor } from './http-node-auth';
import { LoginLimiter } from './login-limiter';
import { tokenLoginGuard } from './token-login';

/** Dashboard 2.0's base path in the demo and by default; its pages and socket take people. */
export const DASHBOARD_PATHS = ['/dashboard'];

export interface ServedDoors {
  /** Mounted in front of RED.httpNode. */
  httpNode: RequestHandler;
  /** Mounted on POST /auth/token in front of RED.httpAdmin. */
  tokenLogin: Array<RequestHandler | ErrorRequestHandler>;
  /** Node-RED's `dashboard` setting (read by Dashboard 2.0 and by the pack's dashboard guard plugin). */
  dashboardSettings: Record<string, unknown>;
  /** Checks engine.io handshakes on the server; returns the undo. */
  guardSocket(server: Server): () => void;
}

export function servedDoors(settings: BridgeSettings, machineUsers: readonly HttpNodeUser[], warn: (text: string) => void): ServedDoors {
  const limiter = new LoginLimiter({
    ...settings.loginLimit,
    onBlocked: (address, retryMs) => warn(`Logins from ${address} are refused for ${Math.ceil(retryMs / 1000)} s: ${settings.loginLimit.maxFailures} failed within ${settings.loginLimit.windowMs / 1000} s.`),
  });
  const peopleVerifier = new BasicVerifier(peopleAccounts(settings.adminUsers));
  const people: BasicDoor = { verifier: peopleVerifier, limiter, who: "a person's login (ADMIN_USERS: admin or viewer)" };
  const machines: BasicDoor = { verifier: new BasicVerifier(machineAccounts(machineUsers)), limiter, who: 'a machine account (MES_USERS or HTTP_NODE_USERS)' };
  const socketOptions = { door: people, limits: settings.dashboardLimits, warn };
  return {
    httpNode: httpNodeAuth({ people, machines, peoplePaths: DASHBOARD_PATHS }),
    tokenLogin: tokenLoginGuard({ people: peopleVerifier, limiter }),
    dashboardSettings: {
      ioMiddleware: dashboardIoMiddleware(socketOptions),
      messageLimits: { ...settings.dashboardLimits },
      // engine.io's own bound on one HTTP poll or websocket frame, well above one message's limit.
      maxHttpBufferSize: Math.max(4 * settings.dashboardLimits.maxBytes, 256 * 1024),
    },
    guardSocket: (server) => guardSocketHandshakes(server, people),
  };
}
