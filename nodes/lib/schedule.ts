// When a poller runs next: the two plant presets (ERP plans every 30 minutes, MES progress every 60),
// any interval, or a cron expression. Pure: the node turns the delay into a timer.
import { CronosExpression } from 'cronosjs';

export type Schedule = { kind: 'plans-30' } | { kind: 'progress-60' } | { kind: 'interval'; minutes: number } | { kind: 'cron'; expression: string } | { kind: 'manual' };

export interface CompiledSchedule {
  /** Milliseconds from `now` to the next run, or undefined for manual only. */
  delayFrom(now: Date): number | undefined;
  describe(): string;
}

export function compileSchedule(schedule: Schedule): CompiledSchedule {
  const every = (minutes: number, text: string): CompiledSchedule => {
    if (!Number.isFinite(minutes) || minutes <= 0) throw new Error(`the poll interval must be more than 0 minutes, not ${String(minutes)}.`);
    return { delayFrom: () => minutes * 60_000, describe: () => text };
  };
  switch (schedule.kind) {
    case 'plans-30':
      return every(30, 'every 30 minutes (ERP plans)');
    case 'progress-60':
      return every(60, 'every 60 minutes (MES progress)');
    case 'interval':
      return every(schedule.minutes, `every ${schedule.minutes} minutes`);
    case 'manual':
      return { delayFrom: () => undefined, describe: () => 'only on an input message' };
    case 'cron': {
      let cron: CronosExpression;
      try {
        cron = CronosExpression.parse(schedule.expression);
      } catch (err) {
        throw new Error(`'${schedule.expression}' is not a cron expression (minute hour day month weekday, e.g. "*/30 * * * *"): ${(err as Error).message}`, { cause: err });
      }
      return {
        delayFrom: (now) => {
          const next = cron.nextDate(now);
          return next ? Math.max(0, next.getTime() - now.getTime()) : undefined;
        },
        describe: () => `cron ${schedule.expression}`,
      };
    }
  }
}
