// Where a flow message came from, as far as a signature is concerned. Dashboard 2.0 stamps msg._client on
// everything a page sends (the bridge's dashboard guard does so even when the base node does not include
// client data): such a message carries whatever name the browser chose, never a password, so it cannot
// sign a decision or an acknowledgement.

/** True when the message came from a Dashboard 2.0 connection (it carries msg._client). */
export function fromDashboard(msg: object): boolean {
  const client = (msg as { _client?: unknown })._client;
  return typeof client === 'object' && client !== null;
}

/** Why a decision from a dashboard page is refused, naming the route that signs it. */
export function dashboardDecisionRefused(): string {
  return "A decision sent from a dashboard page was refused: a message names whoever the browser says, so signatures go through the signed REST route POST /api/approvals/:id (the approver's password, checked on the server).";
}

/** Why an acknowledgement, resolution or closing from a dashboard page is refused, naming the REST route. */
export function dashboardStepRefused(topic: string): string {
  return `A message with topic "${topic}" sent from a dashboard page was refused: a message names whoever the browser says, so acknowledgements and resolutions go through the REST route POST /api/exceptions/:id/ack or /resolve as the logged-in user.`;
}
