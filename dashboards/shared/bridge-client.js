// Shared by the dashboard pages (the flow generator puts it in each page's ui-template, in place of the line
// "// @bridge-client"): the socket's connected flag with a refresh on reconnect, and a call to the bridge's
// admin API signed by the person at the screen. Paths are relative to the page (<httpNodeRoot>/<ui>/<page>),
// so they reach the admin API in a plain Node-RED whose httpAdminRoot is its httpNodeRoot (both "/" by default).
const bridgeClient = {
  data() {
    return { connected: true };
  },
  methods: {
    adminUrl(path) {
      return new URL('../' + path, window.location.href).toString();
    },
    // Logs in with the name and password given (a token for this one call, revoked right after), then POSTs the
    // body; answers { res, answer }. A failed login throws loginError.
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
    onConnect() {
      this.connected = true;
      this.refresh();
    },
    onDisconnect() {
      this.connected = false;
    }
  },
  mounted() {
    this.$socket.on('connect', this.onConnect);
    this.$socket.on('disconnect', this.onDisconnect);
    this.refresh();
  },
  unmounted() {
    this.$socket.off('connect', this.onConnect);
    this.$socket.off('disconnect', this.onDisconnect);
  }
};
