// The simulated MES's time logs (人工工时 / 设备工时, schema cost-event): for every job report the floor makes, the
// labour hours of its operator and the machine hours of its equipment spent on the units it reports (good +
// scrap) — the operation's standard seconds per unit × units × the order's own efficiency on that operation
// (0.9–1.3 of standard for labour, 0.92–1.2 for machines, so some orders run over standard and get flagged).
// Posted to the bridge's cost-events webhook, before the job reports that may complete the order.
import { postToBridge, type WebhookTarget } from './mes-reports';
import type { ProgressReport } from '../../nodes/lib/progress/types';
import type { WorkOrder } from './types';

export interface CostEvent {
  eventId: string;
  orderNo: string;
  opNo: string;
  operator: string;
  equipment: string;
  labourHours: number;
  machineHours: number;
  timestamp: string;
}

/** A stable number in [0, 1) per text. */
function unitHash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0) / 2 ** 32;
}

export const labourEfficiency = (orderNo: string, opNo: string) => 0.9 + unitHash(`labour/${orderNo}/${opNo}`) * 0.4;
export const machineEfficiency = (orderNo: string, opNo: string) => 0.92 + unitHash(`machine/${orderNo}/${opNo}`) * 0.28;
const MAX_QUEUED = 20_000;
const hours = (v: number) => Math.round(v * 10_000) / 10_000;

export class MesCostReporter {
  private readonly queue: CostEvent[] = [];
  private chain: Promise<void> = Promise.resolve();
  failures = 0;

  constructor(
    private readonly workOrder: (workOrderNo: string) => WorkOrder | undefined,
    private readonly target?: WebhookTarget,
  ) {}

  get pending(): number {
    return this.queue.length;
  }

  /** The time logs of these job reports (one per report, same id with a suffix), queued. */
  observe(reports: readonly ProgressReport[]): CostEvent[] {
    const made: CostEvent[] = [];
    for (const r of reports) {
      const op = this.workOrder(r.orderNo)?.operations.find((o) => o.sequence === r.opNo);
      const units = r.goodQty + r.scrapQty;
      if (!op || units <= 0) continue;
      const stdHours = (op.stdSecondsPerUnit * units) / 3600;
      made.push({
        eventId: `${r.eventId}/time`,
        orderNo: r.orderNo,
        opNo: r.opNo,
        operator: r.operator,
        equipment: r.equipment,
        labourHours: hours(stdHours * labourEfficiency(r.orderNo, r.opNo)),
        machineHours: hours(stdHours * machineEfficiency(r.orderNo, r.opNo)),
        timestamp: r.timestamp,
      });
    }
    this.queue.push(...made);
    // A bridge without the cost tab never takes them: keep the newest, not an ever-growing queue.
    if (this.queue.length > MAX_QUEUED) this.queue.splice(0, this.queue.length - MAX_QUEUED);
    return made;
  }

  /**
   * Posts everything queued by now, in arrays of up to 500, after any post still under way; stops at the first
   * failure (what failed stays queued for the next tick). Resolves when this flush is over, so the job reports
   * posted after it find their hours counted.
   */
  flush(): Promise<void> {
    this.chain = this.chain.then(() => this.post());
    return this.chain;
  }

  private async post(): Promise<void> {
    while (this.target && this.queue.length > 0) {
      const batch = this.queue.slice(0, 500);
      if (!(await postToBridge(this.target, this.target.url, batch))) {
        this.failures += 1;
        return;
      }
      this.queue.splice(0, batch.length);
    }
  }
}
