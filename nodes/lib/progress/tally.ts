// One operation's reports folded into sums, its earliest and its latest report. Every step is a sum, a
// minimum or a maximum over a total order, so reports arriving late or out of order give the same tally.
import type { OperationTally, ProgressReport, ReportMark } from './types';

/** Quantities are kept to 6 decimals: sums of increments then agree whatever order they were added in. */
export function roundQty(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** The most an operation may count (schemas/progress-update): well inside exact doubles, so sums never round or overflow. */
export const TALLY_LIMIT = 1e15;

/** Orders reports by time, then by event id when two share a timestamp. */
export function compareMarks(a: ReportMark, b: ReportMark): number {
  if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

export function reportMark(report: ProgressReport): ReportMark {
  const ms = Date.parse(report.timestamp);
  if (Number.isNaN(ms)) throw new Error(`payload.timestamp '${report.timestamp}' is not a date and time.`);
  return { at: report.timestamp, ms, eventId: report.eventId };
}

/** The tally with one more distinct report counted (the input is not changed). */
export function addReport(tally: OperationTally | undefined, report: ProgressReport): OperationTally {
  const mark = reportMark(report);
  const good = roundQty(report.goodQty);
  const scrap = roundQty(report.scrapQty);
  // Literals, not spreads of the mark: spread copies got a map of their own each, and reading their fields on
  // every report (figures of every operation) went through V8's slow megamorphic path.
  const first = { at: mark.at, ms: mark.ms, eventId: mark.eventId, units: roundQty(good + scrap) };
  const latest = { at: mark.at, ms: mark.ms, eventId: mark.eventId, status: report.status };
  if (!tally) return { goodQty: good, scrapQty: scrap, reports: 1, first, latest };
  const goodQty = roundQty(tally.goodQty + good);
  const scrapQty = roundQty(tally.scrapQty + scrap);
  if (!(goodQty <= TALLY_LIMIT && scrapQty <= TALLY_LIMIT)) {
    throw new Error(`The progress report ${report.eventId} was refused: operation ${report.opNo} of order ${report.orderNo} would count more than ${TALLY_LIMIT} pieces.`);
  }
  return {
    goodQty,
    scrapQty,
    reports: tally.reports + 1,
    first: compareMarks(mark, tally.first) < 0 ? first : tally.first,
    latest: compareMarks(mark, tally.latest) > 0 ? latest : tally.latest,
  };
}

/**
 * Seconds per unit (good + scrap) actually taken: the time from the first to the latest report over the
 * units reported after the first one (the first report's units were made from an unknown start).
 * Undefined until two reports at different times have added units.
 */
export function observedCycleSec(tally: OperationTally | undefined): number | undefined {
  if (!tally) return undefined;
  const seconds = (tally.latest.ms - tally.first.ms) / 1000;
  const units = roundQty(tally.goodQty + tally.scrapQty - tally.first.units);
  if (seconds <= 0 || units <= 0) return undefined;
  // Between 1 ms and 1e9 s a unit (schemas/progress-update wants more than 0): millions of units an hour must not
  // round to 0, nor a long gap over a millionth of a unit go past the limit.
  return Math.min(1e9, Math.max(0.001, Math.round((seconds / units) * 1000) / 1000));
}
