// Node-RED's file storage with two changes: login sessions are kept on disk by the SHA-256 of their token,
// never the token itself, and every state file is 0600 after each save.
//
// Why: @node-red/editor-api's token module saves its in-memory sessions map, keyed by the bearer token, to
// userDir/.sessions.json — a file anyone who can read it (a backup, a dependency's file route) turns into an
// admin login for a week. Here Node-RED's map stays as it is in memory, but what is written is keyed by
// "sha256:<hex>" without the token. After a restart Node-RED starts with an empty map, and a token from before
// is recognised through adminAuth.tokens (Node-RED's hook for tokens it did not issue): hash it, look it up.
import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RequestHandler } from 'express';
import { secureStateFiles, STATE_FILE_MODE } from './state-files';

/** What Node-RED's token module keeps per session (auth/tokens.js). */
interface NodeRedSession {
  user: string;
  client?: string;
  scope: string | string[];
  accessToken?: string;
  expires: number;
}

/** What is written to disk: the session without its token. */
type StoredSession = Omit<NodeRedSession, 'accessToken'>;

type StorageModule = Record<string, unknown> & {
  init(settings: { userDir?: string }, runtime: unknown): Promise<void>;
  saveFlows(...args: unknown[]): Promise<void>;
  saveCredentials(...args: unknown[]): Promise<void>;
  saveSettings(...args: unknown[]): Promise<void>;
};

const KEY_PREFIX = 'sha256:';

export function tokenKey(token: string): string {
  return KEY_PREFIX + createHash('sha256').update(token).digest('hex');
}

export interface HashedSessionStorage {
  /** For settings.storageModule. */
  storage: Record<string, unknown>;
  /** For settings.adminAuth.tokens: a token from before a restart, as the user it logs in. */
  tokens(token: string): Promise<{ username: string; permissions: string | string[] } | null>;
  /** Forgets a token from before a restart (Node-RED's /auth/revoke only knows the ones it issued). */
  revoke(token: string): Promise<void>;
  /** Mounted in front of Node-RED's POST /auth/revoke: once it has answered, the token is forgotten here too. */
  revokeOnLogout: RequestHandler;
}

export function hashedSessionStorage(options: { userDir: string; knownUser(name: string): boolean; now?: () => number }): HashedSessionStorage {
  const now = options.now ?? Date.now;
  const file = join(options.userDir, '.sessions.json');
  // Node-RED's own map (token → session), handed over on each save; and the sessions read back from disk.
  let live: Record<string, NodeRedSession> = {};
  let restored: Map<string, StoredSession> | undefined;
  let writes: Promise<void> = Promise.resolve();

  async function readStored(): Promise<Map<string, StoredSession>> {
    const sessions = new Map<string, StoredSession>();
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(file, 'utf8'));
    } catch {
      return sessions; // no file yet, or a corrupted one: nobody stays logged in
    }
    for (const [key, value] of Object.entries((parsed ?? {}) as Record<string, NodeRedSession>)) {
      if (!value || typeof value.user !== 'string' || typeof value.expires !== 'number') continue;
      const { accessToken: _dropped, ...session } = value;
      // A file from before this change holds tokens in clear: they are hashed on the way in.
      sessions.set(key.startsWith(KEY_PREFIX) ? key : tokenKey(key), session);
    }
    return sessions;
  }

  async function loaded(): Promise<Map<string, StoredSession>> {
    restored ??= await readStored();
    return restored;
  }

  function save(): Promise<void> {
    writes = writes.then(async () => {
      const sessions = await loaded();
      const out: Record<string, StoredSession> = {};
      const t = now();
      for (const [key, s] of sessions) if (s.expires >= t) out[key] = s;
      for (const [token, s] of Object.entries(live)) {
        const { accessToken: _dropped, ...session } = s;
        out[tokenKey(token)] = session;
      }
      const temp = `${file}.$$$`;
      await writeFile(temp, JSON.stringify(out), { mode: STATE_FILE_MODE });
      await rename(temp, file);
    });
    return writes;
  }

  // Required lazily: the module is Node-RED's default storage and keeps its settings in module state.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above: loaded lazily on purpose
  const base = require('@node-red/runtime/lib/storage/localfilesystem') as StorageModule;
  const secured =
    (method: 'saveFlows' | 'saveCredentials' | 'saveSettings') =>
    async (...args: unknown[]): Promise<void> => {
      await base[method](...args);
      await secureStateFiles(options.userDir);
    };

  const storage: Record<string, unknown> = {
    ...base,
    async init(settings: { userDir?: string }, runtime: unknown) {
      await base.init(settings, runtime);
      await secureStateFiles(options.userDir);
    },
    saveFlows: secured('saveFlows'),
    saveCredentials: secured('saveCredentials'),
    saveSettings: secured('saveSettings'),
    // Node-RED starts with an empty map; earlier sessions are answered through tokens() below.
    async getSessions() {
      await loaded();
      return {};
    },
    async saveSessions(sessions: Record<string, NodeRedSession>) {
      live = sessions;
      await save();
    },
  };

  async function revoke(token: string): Promise<void> {
    const sessions = await loaded();
    if (sessions.delete(tokenKey(token))) await save();
  }

  return {
    storage,
    revoke,
    revokeOnLogout: (req, res, next) => {
      res.once('finish', () => {
        // The body is parsed by Node-RED's admin app by then (the same request object).
        const token = (req.body as { token?: unknown } | undefined)?.token;
        if (res.statusCode < 400 && typeof token === 'string') revoke(token).catch(() => undefined);
      });
      next();
    },
    async tokens(token) {
      if (typeof token !== 'string' || token === '') return null;
      const sessions = await loaded();
      const key = tokenKey(token);
      const session = sessions.get(key);
      if (!session) return null;
      if (session.expires < now() || !options.knownUser(session.user)) {
        sessions.delete(key);
        await save();
        return null;
      }
      return { username: session.user, permissions: session.scope };
    },
  };
}
