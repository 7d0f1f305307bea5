// The plant runs on China Standard Time (UTC+8, no daylight saving), and its ERP stamps
// changes with one-second precision — so several orders can share one updatedAt.

const PLANT_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

/** `2026-11-20T08:30:00+08:00`: plant-local ISO 8601, truncated to the second. */
export function toPlantIso(instant: Date | number): string {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  const local = new Date(truncateToSecond(ms) + PLANT_OFFSET_MS);
  return `${local.toISOString().slice(0, 19)}+08:00`;
}

export function truncateToSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/** Epoch ms of 00:00 plant time on the plant day that contains `instant`. */
export function plantMidnight(instant: Date): number {
  return Math.floor((instant.getTime() + PLANT_OFFSET_MS) / DAY_MS) * DAY_MS - PLANT_OFFSET_MS;
}

export const HOUR_MS = 3600_000;
export const DAY = DAY_MS;

// ISO 8601 date-time that carries its zone; a zoneless time would be read in the server's zone.
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Epoch ms of an ISO 8601 date-time with a zone, or undefined when it is not one. */
export function parseIsoWithZone(text: string): number | undefined {
  if (!ISO_WITH_ZONE.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
