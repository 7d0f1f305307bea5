// A node status travels to every editor at once, whatever language each one reads. So the runtime sends the
// catalogue key and its parameters ("erp-order-fetch.status.done?count=3&time=21%3A02"), and the editor
// renders them in its own language (plugins/status-i18n.html). A key without parameters is Node-RED's own
// convention and is translated by the editor as it is.

export type StatusParams = Record<string, string | number>;

/** The status text for a catalogue key with its parameters. */
export function statusText(key: string, params?: StatusParams): string {
  const entries = Object.entries(params ?? {});
  if (entries.length === 0) return key;
  return `${key}?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}`;
}

/** The key and parameters of a status text made by statusText, or undefined for any other text. */
export function parseStatusText(text: string): { key: string; params: Record<string, string> } | undefined {
  const m = /^([a-z][\w-]*\.status\.[\w.]+)(?:\?(.*))?$/.exec(text);
  if (!m) return undefined;
  return { key: m[1]!, params: Object.fromEntries(new URLSearchParams(m[2] ?? '')) };
}
