// The simulated MES's workflow traffic to the bridge: material requisitions (领料单) against its work orders'
// BOM lines — most within the BOM need, some over it, now and then one above the stock on hand —, exception
// events of every severity, and inspection records (检验记录). Each goes as one JSON POST (HTTP Basic, like the
// job reports) to the bridge's /mes/material-requisitions, /mes/exceptions and /mes/quality-records; a post
// the bridge did not take (5xx, no answer) stays queued and goes again on the next tick, one it refused (4xx)
// is dropped and counted. MES codes throughout: the bridge maps them back to ERP codes.
import { randomBytes } from 'node:crypto';
import express, { type Response, type Router } from 'express';
import type { QualityRecord } from '../../nodes/lib/escalation/defect-rate';
import type { ExceptionEvent, Severity } from '../../nodes/lib/escalation/types';
import type { MaterialRequisition } from '../../nodes/lib/overdraw/types';
import { BODY_LIMIT, sendError } from './http-util';
import { lotOf, type WebhookTarget } from './mes-reports';
import type { OperationProgress } from './mes-progress';
import { toPlantIso } from './plant-time';
import type { Prng } from './seed';
import type { WorkOrder } from './types';

export type RequisitionKind = 'within' | 'over' | 'above-stock';
export type WorkflowInbox = 'material-requisitions' | 'exceptions' | 'quality-records';

export interface MesWorkflowOptions {
  now: () => Date;
  rng: Prng;
  /** Stock on hand of an MES material code at the ERP, for the occasional requisition above it. */
  stockOf?: (mesMaterialCode: string) => number | undefined;
}

/** What one post got from the bridge (status 0: no answer). */
export interface PostAnswer {
  status: number;
  body: unknown;
}

type Queued = { inbox: WorkflowInbox; record: object };
type ExceptionKind = { severity: Severity; type: ExceptionEvent['type']; description: string; downtimeMin?: number };

const REQUESTERS = ['周杰', '吴敏', '孙丽', '马超', '朱琳', '胡斌'];
const INSPECTORS = ['QC-林芳', 'QC-郑凯', 'QC-何静'];
const DEFECTS = ['D-LEAK', 'D-BURR', 'D-BOND', 'D-DIM'];
const WHOLE_UNITS = new Set(['EA', 'CTN']);
/** Every kind of event the floor raises, in the rough proportion it happens. */
export const EXCEPTIONS: readonly ExceptionKind[] = [
  { severity: 'general', type: 'other', description: '换模调整 mould change took longer', downtimeMin: 10 },
  { severity: 'urgent', type: 'equipment-fault', description: '温控报警 temperature alarm on the heater band', downtimeMin: 45 },
  { severity: 'general', type: 'quality-defect', description: '首件外观轻微毛刺 slight burr on the first article', downtimeMin: 0 },
  { severity: 'urgent', type: 'equipment-fault', description: '气压不足 air pressure low', downtimeMin: 30 },
  { severity: 'severe', type: 'equipment-fault', description: '主电机过载停机 main motor overload stop', downtimeMin: 120 },
];

export class MesWorkflowReporter {
  private readonly queue: Queued[] = [];
  /** Requested so far per order and material, so "within need" stays within it. */
  private readonly requested = new Map<string, number>();
  private readonly run = randomBytes(3).toString('hex');
  private seq = 0;
  private ticks = 0;
  private posting: Promise<void> | undefined;
  /** Posts the bridge refused (4xx) and posts that failed (5xx, no answer), for the demo's log and tests. */
  refused = 0;
  failures = 0;

  constructor(
    private readonly target: WebhookTarget | undefined,
    private readonly options: MesWorkflowOptions,
  ) {}

  get pending(): number {
    return this.queue.length;
  }

  /**
   * One tick of the floor: an inspection record every tick, a requisition every third (four in five within
   * need, one over it, and every tenth one above stock), an exception every twelfth. Then everything queued goes.
   */
  tick(workOrders: readonly WorkOrder[], progress: readonly OperationProgress[]): Promise<void> {
    this.ticks += 1;
    const running = progress.filter((p) => p.status === 'running');
    const queue = (inbox: WorkflowInbox, record: object | undefined) => record && this.queue.push({ inbox, record });
    // Inspection records come from the inspectors (mes-quality.ts) on the same tick; /_sim/quality-records makes one by hand.
    if (this.ticks % 3 === 0) {
      const n = this.ticks / 3;
      const kind: RequisitionKind = n % 10 === 0 ? 'above-stock' : n % 5 === 0 ? 'over' : 'within';
      queue('material-requisitions', this.requisition(workOrders, kind));
    }
    if (this.ticks % 12 === 0 && running.length > 0) queue('exceptions', this.exception(this.pick(running), EXCEPTIONS[(this.ticks / 12) % EXCEPTIONS.length]));
    return this.flush();
  }

  /** A requisition of the given kind against one of the open work orders (or the one named); undefined if none fits. */
  requisition(workOrders: readonly WorkOrder[], kind: RequisitionKind, orderNo?: string): MaterialRequisition | undefined {
    const open = workOrders.filter((w) => (orderNo === undefined ? w.status === 'released' : w.workOrderNo === orderNo) && w.materials.length > 0);
    for (const order of this.shuffled(open)) {
      for (const line of this.shuffled(bomNeeds(order))) {
        const key = `${order.workOrderNo}|${line.materialCode}`;
        const asked = this.requested.get(key) ?? 0;
        const left = line.requiredQty - asked;
        let qty: number;
        if (kind === 'within') {
          if (left <= 0) continue;
          qty = Math.min(left, roundDown(line.requiredQty / 4, line.unit));
        } else if (kind === 'over') {
          qty = roundUp(Math.max(0, left) + line.requiredQty * ((line.tolerancePct + 10) / 100), line.unit);
        } else {
          const stock = this.options.stockOf?.(line.materialCode);
          if (stock === undefined) continue;
          qty = roundUp(stock * 1.5 + 1, line.unit);
        }
        if (!(qty > 0)) continue;
        this.requested.set(key, asked + qty);
        const requisition: MaterialRequisition = {
          requisitionId: `REQ-${this.run}-${++this.seq}`,
          orderNo: order.workOrderNo,
          opNo: line.opNo,
          materialCode: line.materialCode,
          requestedQty: qty,
          unit: line.unit,
          requester: this.pick(REQUESTERS),
          timestamp: toPlantIso(this.options.now()),
          ...(kind !== 'within' && { note: kind === 'over' ? '挤出废品多，补料 extra scrap at extrusion, top-up' : '整批备料 whole batch staged at the line' }),
        };
        return requisition;
      }
    }
    return undefined;
  }

  exception(op: Pick<OperationProgress, 'workOrderNo' | 'sequence' | 'equipmentCode'>, kind: ExceptionKind): ExceptionEvent {
    const event: ExceptionEvent = {
      id: `EX-${this.run}-${++this.seq}`,
      type: kind.type,
      severity: kind.severity,
      orderNo: op.workOrderNo,
      opNo: op.sequence,
      equipment: op.equipmentCode,
      ...(kind.downtimeMin !== undefined && { estimatedDowntimeMin: kind.downtimeMin }),
      description: kind.description,
      timestamp: toPlantIso(this.options.now()),
      reportedBy: this.pick(REQUESTERS),
    };
    return event;
  }

  qualityRecord(op: Pick<OperationProgress, 'workOrderNo' | 'sequence' | 'equipmentCode'>, result: 'pass' | 'fail'): QualityRecord {
    const record: QualityRecord = {
      recordId: `QR-${this.run}-${++this.seq}`,
      orderNo: op.workOrderNo,
      opNo: op.sequence,
      traceCode: `${lotOf(op.workOrderNo)}-${String(this.seq).padStart(5, '0')}`,
      result,
      ...(result === 'fail' && { defectCode: this.pick(DEFECTS) }),
      inspector: this.pick(INSPECTORS),
      gaugeId: `GA-${op.equipmentCode}`,
      timestamp: toPlantIso(this.options.now()),
    };
    return record;
  }

  /** Posts everything queued, oldest first, one record per post; never two flushes at once. */
  flush(): Promise<void> {
    this.posting ??= this.postAll().finally(() => {
      this.posting = undefined;
    });
    return this.posting;
  }

  /** Posts one record now, past the queue (the /_sim endpoints), and gives the bridge's answer. */
  async postNow(inbox: WorkflowInbox, record: object): Promise<PostAnswer> {
    return this.post(inbox, record);
  }

  /**
   * /_sim/requisitions {kind, orderNo?}, /_sim/exceptions {severity, type?, description?, orderNo?} and
   * /_sim/quality-records {result, orderNo?}: one record made and posted at once; the answer has the record
   * and what the bridge said. The tests drive the MES with these (SIM_MES_REPORTS_MS=0 keeps the ticks off).
   */
  router(workOrders: () => WorkOrder[], progress: () => OperationProgress[]): Router {
    const router = express.Router();
    const json = express.json({ limit: BODY_LIMIT });
    const answer = (res: Response, inbox: WorkflowInbox, record: object | undefined, what: string) => {
      if (!record) return sendError(res, 409, `the simulated MES has no ${what} to make`);
      this.postNow(inbox, record).then(
        (bridge) => res.json({ record, bridge }),
        (err: Error) => sendError(res, 502, `the simulated MES could not post the ${what}: ${err.message}`),
      );
    };
    /** The operation to report on: a running one of the order (or of any order), else the order's first. */
    const opOf = (orderNo: unknown): OperationProgress | undefined => {
      const ops = progress().filter((p) => orderNo === undefined || p.workOrderNo === orderNo);
      return ops.find((p) => p.status === 'running') ?? ops[0];
    };
    router.post('/_sim/requisitions', json, (req, res) => {
      const kind = (req.body?.kind ?? 'within') as RequisitionKind;
      if (!['within', 'over', 'above-stock'].includes(kind)) return sendError(res, 400, `kind must be within, over or above-stock; got ${JSON.stringify(kind)}`);
      const orderNo = typeof req.body?.orderNo === 'string' ? (req.body.orderNo as string) : undefined;
      answer(res, 'material-requisitions', this.requisition(workOrders(), kind, orderNo), `${kind} requisition${orderNo ? ` for ${orderNo}` : ''}`);
    });
    router.post('/_sim/exceptions', json, (req, res) => {
      const severity = (req.body?.severity ?? 'urgent') as Severity;
      const kind = EXCEPTIONS.find((e) => e.severity === severity && (req.body?.type === undefined || e.type === req.body.type));
      if (!kind) return sendError(res, 400, `severity must be general, urgent or severe (with a type the MES raises); got ${JSON.stringify(req.body)}`);
      const op = opOf(req.body?.orderNo);
      const description = typeof req.body?.description === 'string' ? (req.body.description as string) : kind.description;
      answer(res, 'exceptions', op && this.exception(op, { ...kind, description }), 'operation to raise an exception on');
    });
    router.post('/_sim/quality-records', json, (req, res) => {
      const result = req.body?.result === 'fail' ? 'fail' : 'pass';
      const op = opOf(req.body?.orderNo);
      answer(res, 'quality-records', op && this.qualityRecord(op, result), 'operation to inspect');
    });
    router.get('/_sim/workflows', (_req, res) => void res.json({ pending: this.pending, refused: this.refused, failures: this.failures }));
    return router;
  }

  private async postAll(): Promise<void> {
    if (!this.target) return;
    while (this.queue.length > 0) {
      const next = this.queue[0];
      const answer = await this.post(next.inbox, next.record);
      if (answer.status === 0 || answer.status >= 500) return; // kept for the next tick
      this.queue.shift();
      if (answer.status >= 400) this.refused += 1;
    }
  }

  private async post(inbox: WorkflowInbox, record: object): Promise<PostAnswer> {
    if (!this.target) return { status: 0, body: 'no bridge webhook configured' };
    const auth = Buffer.from(`${this.target.username}:${this.target.password}`).toString('base64');
    try {
      const res = await fetch(new URL(`./${inbox}`, this.target.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${auth}` },
        body: JSON.stringify(record),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      if (res.status >= 500) this.failures += 1;
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // a plain-text answer is kept as text
      }
      return { status: res.status, body };
    } catch (err) {
      this.failures += 1;
      return { status: 0, body: (err as Error).message };
    }
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.options.rng() * list.length)];
  }

  private shuffled<T>(list: readonly T[]): T[] {
    const out = [...list];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.options.rng() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}

/** An order's BOM need per material (its lines summed), the operation it is issued at, and its tolerance. */
export function bomNeeds(order: WorkOrder): Array<{ materialCode: string; unit: string; requiredQty: number; tolerancePct: number; opNo: string }> {
  const needs = new Map<string, { materialCode: string; unit: string; requiredQty: number; tolerancePct: number; opNo: string }>();
  for (const line of order.materials) {
    const known = needs.get(line.materialCode);
    if (known) known.requiredQty += line.requiredQty;
    else needs.set(line.materialCode, { materialCode: line.materialCode, unit: line.unit, requiredQty: line.requiredQty, tolerancePct: line.issueTolerancePct, opNo: line.sequence ?? order.operations[0]?.sequence ?? '0010' });
  }
  return [...needs.values()];
}

function roundDown(qty: number, unit: string): number {
  return WHOLE_UNITS.has(unit) ? Math.floor(qty) : Math.floor(qty * 1000) / 1000;
}

function roundUp(qty: number, unit: string): number {
  return WHOLE_UNITS.has(unit) ? Math.ceil(qty) : Math.ceil(qty * 1000) / 1000;
}
