// Node-RED 4.1 keeps a session-expiry timer (up to a week) in @node-red/editor-api's token module and
// never clears it on RED.stop(), so an embedding process that logged a user in cannot exit by itself.
// Re-initialising the module with an empty session store makes it clear that timer; the next
// RED.init() re-initialises it with the real store again.
interface TokensModule {
  init(adminAuth: object, storage: { getSessions(): Promise<object>; saveSessions(s: object): Promise<void> }): Promise<void>;
  get(token: string): Promise<unknown>;
}

export async function releaseSessionExpiryTimer(): Promise<void> {
  let tokens: TokensModule;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- Node-RED's internal module, only when present
    tokens = require('@node-red/editor-api/lib/auth/tokens') as TokensModule;
  } catch {
    return; // a Node-RED without this module has nothing to release
  }
  const emptyStore = { getSessions: async () => ({}), saveSessions: async () => undefined };
  await tokens.init({}, emptyStore);
  await tokens.get('release-session-timer');
}
