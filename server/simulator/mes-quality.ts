// The simulated MES's quality records (检验记录): as operations make parts, the inspectors check a sample of the
// units (every 25th unit of an order, by its serial), each with a gauge of the station, and post the results
// to the bridge (schema quality-record). A unit keeps its serial through the routing (SN-<order digits>-<unit>),
// so one unit's trace shows every inspection it had; the batch (LOT-<order digits>, see lotOf) is on the job
// reports. Results fail at about the operation's scrap rate, with the defect that operation makes.
import type { QualityRecord } from '../../nodes/lib/escalation/defect-rate';
import type { OperationProgress } from './mes-progress';
import { scrapRate } from './mes-progress';
import { postToBridge, type WebhookTarget } from './mes-reports';

export type { QualityRecord };

/** Where the demo flow takes the MES's quality records. */
export const MES_QUALITY_PATH = '/mes/quality-records';

const INSPECTORS = ['QC-孙丽', 'QC-周杰', 'QC-吴敏', 'QC-郑浩'];
/** The defect each kind of operation (its MES operation code) finds. */
const DEFECTS: Record<string, string> = { EXTRUDE: 'D-DIMENSION', ASSEMBLE: 'D-ASSEMBLY', BOND: 'D-BOND', LEAK: 'D-LEAK', STERIL: 'D-STERILITY', PACK: 'D-LABEL' };
/** Every how many units of an order one is inspected. */
export const SAMPLE_EVERY = 25;

function unitHash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0) / 2 ** 32;
}

/** The serial of unit n of an order. */
export function unitCode(orderNo: string, n: number): string {
  return `SN-${orderNo.replace(/\D/g, '')}-${String(n).padStart(4, '0')}`;
}

export class MesInspector {
  private readonly inspected = new Map<string, number>();
  private readonly queue: QualityRecord[] = [];
  private posting: Promise<void> | undefined;
  failures = 0;

  /** Posts to the bridge beside its job reports webhook (same host and user, MES_QUALITY_PATH). */
  constructor(private readonly target?: WebhookTarget) {}

  get pending(): number {
    return this.queue.length;
  }

  /** Inspects the sampled units made since the last call, and queues their records. */
  observe(progress: readonly OperationProgress[]): QualityRecord[] {
    const made: QualityRecord[] = [];
    for (const op of progress) {
      const key = `${op.workOrderNo}/${op.sequence}`;
      const before = this.inspected.get(key) ?? 0;
      const total = op.goodQty + op.scrapQty;
      let n = (Math.floor(before / SAMPLE_EVERY) + 1) * SAMPLE_EVERY;
      for (; n <= total; n += SAMPLE_EVERY) made.push(this.inspect(op, n));
      this.inspected.set(key, Math.max(before, total));
    }
    this.queue.push(...made);
    return made;
  }

  private inspect(op: OperationProgress, n: number): QualityRecord {
    const traceCode = unitCode(op.workOrderNo, n);
    const station = op.equipmentCode.replace(/^EQ-/, '');
    const fail = unitHash(`${traceCode}/${op.sequence}`) < scrapRate(op.workOrderNo, op.sequence) * 1.5;
    const kind = Object.keys(DEFECTS).find((k) => op.operationCode.includes(k));
    return {
      recordId: `QC-${traceCode}-${op.sequence}`,
      orderNo: op.workOrderNo,
      opNo: op.sequence,
      traceCode,
      result: fail ? 'fail' : 'pass',
      ...(fail && { defectCode: kind ? DEFECTS[kind] : 'D-APPEARANCE' }),
      inspector: INSPECTORS[Math.floor(unitHash(traceCode) * INSPECTORS.length)],
      gaugeId: `GA-${station}-0${1 + (n % 3)}`,
      timestamp: op.reportedAt,
    };
  }

  /** Posts everything queued as one array; on failure it stays queued. Never two posts at once. */
  flush(): Promise<void> {
    this.posting ??= this.post().finally(() => {
      this.posting = undefined;
    });
    return this.posting;
  }

  private async post(): Promise<void> {
    if (!this.target || this.queue.length === 0) return;
    const batch = this.queue.slice(0, 500);
    if (await postToBridge(this.target, new URL(MES_QUALITY_PATH, this.target.url), batch)) this.queue.splice(0, batch.length);
    else this.failures += 1;
  }
}
