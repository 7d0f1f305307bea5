// Instants as the workflow cores take them: the clock is never read here, callers pass `now`.

/** ms since the epoch, an ISO 8601 text with zone, or a Date. */
export type Instant = number | string | Date;

export function toMs(now: Instant): number {
  const ms = now instanceof Date ? now.getTime() : typeof now === 'number' ? now : Date.parse(now);
  if (!Number.isFinite(ms)) throw new Error(`'${String(now)}' is not an instant (give ms since the epoch, an ISO 8601 time with zone or a Date).`);
  return ms;
}

export const isoAt = (ms: number): string => new Date(ms).toISOString();

export const MINUTE_MS = 60_000;
