// The simulated MES's job reports (报工): as the floor advances, each operation that made parts since the last
// tick reports the parts made since then (incremental good and scrap), its status, operator and equipment — the
// schema progress-report. Reports queue up on the MES side and are posted to the bridge's webhook; a post
// that fails stays queued and goes again on the next tick, the way a real MES buffers them.
import { randomBytes } from 'node:crypto';
import type { ProgressReport } from '../../nodes/lib/progress/types';
import type { OperationProgress } from './mes-progress';

export type { ProgressReport };

export interface WebhookTarget {
  url: string;
  username: string;
  password: string;
}

/** Posts one array to a bridge webhook as the MES's Basic-auth user; true when the bridge took it (2xx). */
export async function postToBridge(target: WebhookTarget, url: string | URL, batch: readonly unknown[]): Promise<boolean> {
  const auth = Buffer.from(`${target.username}:${target.password}`).toString('base64');
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${auth}` },
      body: JSON.stringify(batch),
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer();
    return res.status >= 200 && res.status < 300;
  } catch {
    return false;
  }
}

const OPERATORS = ['张伟', '李娜', '王芳', '刘洋', '陈静', '杨磊', '赵敏', '黄强'];

function operatorFor(equipment: string): string {
  let h = 0;
  for (const ch of equipment) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return OPERATORS[h % OPERATORS.length];
}

/** Batch trace code of an order's parts: one lot per order (LOT-<order digits>). */
export function lotOf(orderNo: string): string {
  return `LOT-${orderNo.replace(/\D/g, '')}`;
}

export class MesReporter {
  private readonly last = new Map<string, { made: number; scrap: number; status: string }>();
  private readonly queue: ProgressReport[] = [];
  private seq = 0;
  /** Event ids stay unique across simulator restarts (a repeated id would be taken for a duplicate). */
  private readonly run = randomBytes(3).toString('hex');
  private posting: Promise<void> | undefined;
  /** Posts answered other than 2xx or failed, for the demo's log and tests. */
  failures = 0;

  constructor(private readonly target?: WebhookTarget) {}

  /** Reports waiting to be posted. */
  get pending(): number {
    return this.queue.length;
  }

  /** Turns the floor's progress now into reports for what changed since the last call, and queues them. */
  observe(progress: readonly OperationProgress[]): ProgressReport[] {
    const made: ProgressReport[] = [];
    for (const op of progress) {
      const key = `${op.workOrderNo}/${op.sequence}`;
      const before = this.last.get(key) ?? { made: 0, scrap: 0, status: 'waiting' };
      const total = op.goodQty + op.scrapQty;
      if (op.status === 'waiting' || (total === before.made && op.status === before.status)) continue;
      const scrap = Math.max(0, op.scrapQty - before.scrap);
      const good = Math.max(0, total - before.made - scrap);
      // The first sight of an operation under way or done: a start report at the time work began comes first, so the
      // operation's start is when it started, not when the MES first reported it (a trace showed start = end).
      const startReport = before.status === 'waiting' && op.startedAt !== undefined && op.startedAt !== op.reportedAt;
      if (startReport) made.push(this.report({ ...op, reportedAt: op.startedAt! }, 0, 0, 'started'));
      const status = op.status === 'completed' ? 'completed' : before.status === 'waiting' && !startReport ? 'started' : 'running';
      made.push(this.report(op, good, scrap, status));
      this.last.set(key, { made: total, scrap: op.scrapQty, status: op.status });
    }
    this.queue.push(...made);
    return made;
  }

  /** A report made by hand (tests, the demo's buttons): queued like the others. */
  manual(report: Omit<ProgressReport, 'eventId' | 'operator' | 'traceCode'> & Partial<Pick<ProgressReport, 'operator' | 'traceCode'>>): ProgressReport {
    const full: ProgressReport = { eventId: `${report.orderNo}/${report.opNo}/${this.run}-${++this.seq}`, operator: operatorFor(report.equipment), traceCode: lotOf(report.orderNo), ...report };
    this.queue.push(full);
    return full;
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
    if (await postToBridge(this.target, this.target.url, batch)) this.queue.splice(0, batch.length);
    else this.failures += 1;
  }

  private report(op: OperationProgress, goodQty: number, scrapQty: number, status: ProgressReport['status']): ProgressReport {
    return {
      eventId: `${op.workOrderNo}/${op.sequence}/${this.run}-${++this.seq}`,
      orderNo: op.workOrderNo,
      opNo: op.sequence,
      goodQty,
      scrapQty,
      status,
      operator: operatorFor(op.equipmentCode),
      equipment: op.equipmentCode,
      timestamp: op.reportedAt,
      traceCode: lotOf(op.workOrderNo),
    };
  }
}
