// The OEE arithmetic: availability = run time / planned production time, performance = ideal cycle time ×
// total count / run time, quality = good count / total count, OEE = A × P × Q; and the three losses in
// minutes of planned time, the largest of which the alarm names. A machine cannot beat its true ideal cycle:
// performance above 100 % means the ideal cycle time in the routing or master is slower than the machine, so
// it is flagged with both cycle times and performance is capped at 100 %. OEE is then A × 100 % × Q: the most
// the machine can have achieved, so it never shows more than the truth and the alarm still fires when even
// that is below the threshold.
import type { IdealCycleCheck, Loss, OeeFigures, PeriodTotals } from './types';

const ratio = (value: number) => Math.round(value * 1e6) / 1e6;
const minutes = (value: number) => Math.round(value * 1000) / 1000;

export interface Figures extends OeeFigures {
  idealCycleCheck?: IdealCycleCheck;
  idealCycleTimeSec: number | null;
  goodCount: number;
  losses: { downtimeMin: number; speedMin: number; qualityMin: number };
  largestLoss: Loss | null;
}

export function oeeFigures(t: PeriodTotals): Figures {
  const goodCount = Math.max(0, t.totalCount - t.rejectCount);
  // The weighted ideal cycle time of the parts whose ideal is known; null when no part had one.
  const idealCycle = t.idealCount > 0 ? t.idealSec / t.idealCount : null;
  const idealKnown = idealCycle !== null || t.totalCount === 0;
  const availability = t.plannedMin > 0 ? t.runMin / t.plannedMin : null;
  // Parts with no known ideal cycle time would make performance a guess: then it is left open.
  const measured = t.runMin > 0 && idealKnown && t.idealCount === t.totalCount ? t.idealSec / (t.runMin * 60) : null;
  const idealCycleCheck = checkIdealCycle(t);
  const performance = measured === null ? null : Math.min(1, measured);
  const quality = t.totalCount > 0 ? goodCount / t.totalCount : null;
  let oee: number | null = null;
  if (availability === 0 || performance === 0) oee = 0;
  else if (availability !== null && performance !== null) oee = availability * performance * (quality ?? 1);
  const downtimeMin = t.faultMin + t.idleMin;
  const speedMin = performance !== null ? Math.max(0, t.runMin - t.idealSec / 60) : 0;
  const qualityMin = idealCycle !== null ? ((t.totalCount - goodCount) * idealCycle) / 60 : 0;
  const losses: Array<[Loss, number]> = [
    ['downtime', downtimeMin],
    ['speed', speedMin],
    ['quality', qualityMin],
  ];
  const largest = losses.reduce((best, l) => (l[1] > best[1] ? l : best), ['downtime', 0] as [Loss, number]);
  return {
    availability: availability === null ? null : ratio(availability),
    performance: performance === null ? null : ratio(performance),
    quality: quality === null ? null : ratio(quality),
    oee: oee === null ? null : ratio(oee),
    idealCycleTimeSec: idealCycle === null ? null : minutes(idealCycle),
    goodCount,
    losses: { downtimeMin: minutes(downtimeMin), speedMin: minutes(speedMin), qualityMin: minutes(qualityMin) },
    largestLoss: largest[1] > 0 ? largest[0] : null,
    ...(idealCycleCheck && { idealCycleCheck }),
  };
}

/**
 * The flag of an ideal cycle time slower than the machine: the parts' ideal time exceeds the run time by more
 * than one part's ideal cycle (less is the counter's resolution at the edges of a period, and is only capped).
 */
export function checkIdealCycle(t: PeriodTotals): IdealCycleCheck | undefined {
  if (!(t.runMin > 0) || t.idealCount === 0 || t.idealCount !== t.totalCount) return undefined;
  const runSec = t.runMin * 60;
  const idealCycleSec = t.idealSec / t.idealCount;
  if (t.idealSec - runSec <= idealCycleSec) return undefined;
  return { idealCycleSec: minutes(idealCycleSec), measuredCycleSec: minutes(runSec / t.totalCount), measuredPerformance: ratio(t.idealSec / runSec) };
}

/** Whether the figures call for the OEE alarm. */
export function belowThreshold(figures: OeeFigures, thresholdPct: number): boolean {
  return figures.oee !== null && figures.oee * 100 < thresholdPct;
}

const LOSS_WORDS: Record<Loss, string> = { downtime: 'downtime 停机损失', speed: 'speed 速度损失', quality: 'quality 质量损失' };

/** The alarm of a report below the threshold, with a sentence a supervisor reads (English and Chinese). */
export function oeeAlarm(r: {
  equipment: string;
  period: 'hour' | 'shift';
  shift?: string;
  from: string;
  to: string;
  oee: number | null;
  thresholdPct: number;
  largestLoss: Loss | null;
  losses: Record<string, number>;
  idealCycleCheck?: IdealCycleCheck;
}) {
  const pct = ((r.oee ?? 0) * 100).toFixed(1);
  // With a wrong ideal the OEE is an upper bound: the alarm says so, and what to correct.
  const check = r.idealCycleCheck;
  const bound = check ? 'at most ' : '';
  const boundZh = check ? '最多 ' : '';
  const fix = check
    ? ` Ideal cycle ${check.idealCycleSec} s is slower than the machine's ${check.measuredCycleSec} s: correct the routing or equipment master. 理想节拍 ${check.idealCycleSec} 秒慢于设备实际的 ${check.measuredCycleSec} 秒,请修正工艺路线或设备主数据。`
    : '';
  const loss = r.largestLoss ? LOSS_WORDS[r.largestLoss] : '—';
  const period = r.period === 'shift' ? `shift ${r.shift ?? ''}`.trim() : 'hour';
  return {
    equipment: r.equipment,
    period: r.period,
    from: r.from,
    to: r.to,
    oee: r.oee,
    thresholdPct: r.thresholdPct,
    largestLoss: r.largestLoss,
    losses: r.losses,
    ...(check && { idealCycleCheck: check }),
    text: `OEE of ${r.equipment} was ${bound}${pct} % (below ${r.thresholdPct} %) in the ${period} from ${r.from}; largest loss: ${loss}. ${r.equipment} OEE ${boundZh}${pct} % 低于 ${r.thresholdPct} %。${fix}`,
  };
}
