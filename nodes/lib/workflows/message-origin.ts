// Where a flow message came from, as far as a signature is concerned. Dashboard 2.0 stamps msg._client on
// everything a page sends (the bridge's dashboard guard does so even when the base node does not include
// client data): such a message carries whatever name the browser chose, never a password, so it cannot
// sign a decision or an acknowledgement.

/** True when the message came from a Dashboard 2.0 connection (it carries msg._client). */
export function fromDashboard(msg: object): boolean {
  const client = (msg as { _client?: unknown })._client;
  return typeof client === 'object' && client !== null;
}
