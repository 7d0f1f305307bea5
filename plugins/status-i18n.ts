// The editor half of translated node statuses: a plugin whose template (status-i18n.html) renders the
// status texts our nodes send as catalogue key + parameters (nodes/lib/i18n/status-text.ts) in the editor's
// own language. The runtime half has nothing to do but be registered.
interface RedLike {
  plugins: { registerPlugin(id: string, plugin: object): void };
}

export = function register(RED: RedLike): void {
  RED.plugins.registerPlugin('erp-mes-bridge-status-i18n', { type: 'erp-mes-bridge-editor' });
};
