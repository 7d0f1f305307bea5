// How a receiver tells the two work-order contract versions apart and reads both as v2.
// v1 (no contractVersion field) is a strict subset of v2: same field names and meanings, fewer states,
// due date and one operation required. So a v1 message is upgraded by stamping it, never by renaming.
import { validate } from '../validation';
import type { WorkOrder } from './work-order';

export const CONTRACT_VERSION = 2;

export type ReadWorkOrder = { ok: true; workOrder: WorkOrder & { contractVersion: 2 }; receivedVersion: 1 | 2 } | { ok: false; message: string };

/** The contract version a message claims: 1 when it carries none. */
export function contractVersionOf(message: unknown): unknown {
  const version = (message as { contractVersion?: unknown } | null)?.contractVersion;
  return version === undefined ? 1 : version;
}

/**
 * Checks a received work order against schemas/work-order.schema.json (which holds v1's rules for
 * messages without contractVersion) and returns it as v2.
 */
export function readWorkOrder(message: unknown, root = 'payload'): ReadWorkOrder {
  const version = contractVersionOf(message);
  if (version !== 1 && version !== CONTRACT_VERSION) {
    return { ok: false, message: `${root}.contractVersion ${JSON.stringify(version)} is not a work-order contract version this receiver reads; it reads 2, and 1 when contractVersion is absent` };
  }
  const check = validate('work-order', message, root);
  if (!check.ok) return { ok: false, message: version === 1 ? `${check.message} (a work order without contractVersion is read as contract version 1)` : check.message };
  return { ok: true, workOrder: upgradeWorkOrder(message as WorkOrder), receivedVersion: version };
}

/** A valid v1 or v2 work order as v2: v1's fields keep their names and meanings, only the version is added. */
export function upgradeWorkOrder(workOrder: WorkOrder): WorkOrder & { contractVersion: 2 } {
  return { contractVersion: CONTRACT_VERSION, ...structuredClone(workOrder) } as WorkOrder & { contractVersion: 2 };
}

export type WorkOrderV1 = Omit<WorkOrder, 'contractVersion' | 'producedQty' | 'scrapQty' | 'processLossQty' | 'predecessor' | 'successors' | 'extensions' | 'dueDate'> & {
  dueDate: string;
};

/**
 * The same order for an MES that still reads only contract v1, or why it cannot be one. What v1 cannot
 * say is refused, not guessed: a missing or date-only due date, no operations, a held order. A running
 * order is what v1 called released; the v2-only fields are left out.
 */
export function toWorkOrderV1(workOrder: WorkOrder): { ok: true; workOrder: WorkOrderV1 } | { ok: false; message: string } {
  const order = `work order ${workOrder.workOrderNo}`;
  const cannot = (why: string) => ({ ok: false as const, message: `${order} cannot be sent as contract version 1: ${why}; choose contract version 2 for this MES.` });
  if (workOrder.dueDate === undefined) return cannot('it has no due date, which v1 requires');
  if (!workOrder.dueDate.includes('T')) return cannot(`its due date ${workOrder.dueDate} has no time of day, which v1 requires`);
  if (workOrder.operations.length === 0) return cannot('it has no operations, and v1 requires at least one');
  if (workOrder.status === 'held') return cannot('it is held, a state v1 does not have');
  const {
    contractVersion: _v,
    producedQty: _p,
    scrapQty: _s,
    processLossQty: _l,
    predecessor: _pre,
    successors: _suc,
    extensions: _e,
    source: { orderKey: _k, ...source },
    ...v1
  } = structuredClone(workOrder);
  const result: WorkOrderV1 = { ...v1, source, dueDate: workOrder.dueDate, status: workOrder.status === 'running' ? 'released' : workOrder.status };
  const check = validate('work-order', result);
  return check.ok ? { ok: true, workOrder: result } : cannot(check.message);
}
