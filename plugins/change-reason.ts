// Change control in the editor: the runtime half only names the plugin; its editor half (change-reason.html)
// asks for the reason of a deploy when the bridge runs in regulated mode and sends it as X-Change-Reason,
// which the server checks and writes to the change log (server/change-control.ts).
interface RedLike {
  plugins: { registerPlugin(id: string, plugin: object): void };
}

export = function register(RED: RedLike): void {
  RED.plugins.registerPlugin('erp-mes-bridge-change-reason', { type: 'erp-mes-bridge-change-control' });
};
