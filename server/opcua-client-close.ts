// node-red-contrib-opcua 0.2.354's OpcUa-Client close handler returns before it disconnects
// (`if (!node.disconnecting) return done()`), so each redeploy or shutdown leaves a connected client behind that
// keeps reconnecting to the machine forever (and keeps the process alive). This adds the missing half: when the
// node closes, the contrib handler is told to disconnect (it checks `disconnecting` after closing its session),
// and a client without a session is disconnected here.
export interface OpcuaClientNodeLike {
  client?: { disconnect(): Promise<void> } | null;
  session?: unknown;
  disconnecting?: boolean;
  on(event: 'close', listener: (removed: boolean, done: () => void) => void): unknown;
}

const watched = new WeakSet<object>();

export function disconnectOnClose(node: OpcuaClientNodeLike): void {
  if (watched.has(node)) return;
  watched.add(node);
  node.on('close', (_removed, done) => {
    // The contrib handler ran first, up to its await on session.close(): with a session it disconnects next.
    const client = node.client;
    const hasSession = Boolean(node.session);
    node.disconnecting = true;
    if (!client || hasSession) return done();
    client.disconnect().then(done, done);
  });
}

interface RuntimeNodes {
  eachNode(cb: (config: { id: string; type: string }) => void): void;
  getNode(id: string): unknown;
}

/** Call on every flows:started: watches the OpcUa-Client nodes just created. */
export function disconnectOpcuaClientsOnClose(nodes: RuntimeNodes): void {
  nodes.eachNode((config) => {
    if (config.type !== 'OpcUa-Client') return;
    const node = nodes.getNode(config.id) as OpcuaClientNodeLike | null;
    if (node) disconnectOnClose(node);
  });
}
