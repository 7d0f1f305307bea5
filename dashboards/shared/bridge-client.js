// Shared by the dashboard pages. Dashboard 2.0's ui-template takes only data, computed, watch, methods, mounted
// and unmounted from a page (no mixins, no imports), so scripts/dashboard-page.mjs puts these methods into each
// page's methods in place of its "// @bridge-client" line. Paths are relative to the page
// (<httpNodeRoot>/<ui>/<page>), so they reach the admin API in a plain Node-RED whose httpAdminRoot is its
// httpNodeRoot (both "/" by default).
export const bridgeClient = {
  adminUrl(path) {
    return new URL('../' + path, window.location.href).toString();
  },
  // Logs in with the name and password given (a token for this one call, revoked right after), then POSTs the
  // body; answers { res, answer }. A refused login throws loginError.
  async signedPost(username, password, path, body, loginError) {
    let token;
    try {
      const login = await fetch(this.adminUrl('auth/token'), { method: 'POST', body: new URLSearchParams({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username, password }) });
      if (!login.ok) throw new Error(loginError);
      token = (await login.json()).access_token;
      const res = await fetch(this.adminUrl(path), { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token }, body: JSON.stringify(body) });
      return { res, answer: await res.json().catch(() => ({})) };
    } finally {
      if (token) fetch(this.adminUrl('auth/revoke'), { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token }, body: JSON.stringify({ token }) }).catch(() => {});
    }
  },
  // The page's connected flag follows the socket; a reconnect asks for the page's data again.
  watchSocket() {
    this.$socket.on('connect', this.onConnect);
    this.$socket.on('disconnect', this.onDisconnect);
  },
  unwatchSocket() {
    this.$socket.off('connect', this.onConnect);
    this.$socket.off('disconnect', this.onDisconnect);
  },
  onConnect() {
    this.connected = true;
    this.refresh();
  },
  onDisconnect() {
    this.connected = false;
  },
};
