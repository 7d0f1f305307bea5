// Which work order and operation a machine is on at an instant, and its ideal cycle time then: the routing
// operation of a work order planned on that equipment (stdSecondsPerUnit), else the equipment master's default.
import type { WorkOrder } from '../plan-sync/work-order';
import { validate } from '../validation';
import type { EquipmentMasterRow } from './types';

export interface PlannedOperation {
  orderNo: string;
  opNo: string;
  equipment: string;
  from: number;
  to: number;
  idealCycleSec: number;
}

export interface CurrentOperation {
  orderNo?: string;
  opNo?: string;
  idealCycleSec?: number;
}

/** A work order's operations by equipment; cancelled orders plan nothing. */
export function plannedOperations(input: unknown): PlannedOperation[] {
  const checked = validate('work-order', input);
  if (!checked.ok) throw new Error(`The work order was refused: ${checked.message}.`);
  const order = input as WorkOrder;
  if (order.status === 'cancelled') return [];
  return order.operations.map((op) => ({
    orderNo: order.workOrderNo,
    opNo: op.sequence,
    equipment: op.equipmentCode,
    from: Date.parse(op.plannedStart),
    to: Date.parse(op.plannedEnd),
    idealCycleSec: op.stdSecondsPerUnit,
  }));
}

/** The operation planned on the equipment at that instant (the latest started if several), else the master's default. */
export function currentOperation(ops: Iterable<PlannedOperation>, master: EquipmentMasterRow | undefined, equipment: string, at: number): CurrentOperation {
  let best: PlannedOperation | undefined;
  for (const op of ops) {
    if (op.equipment !== equipment || at < op.from || at >= op.to) continue;
    if (!best || op.from > best.from || (op.from === best.from && op.orderNo > best.orderNo)) best = op;
  }
  const fallback = master?.idealCycleSec;
  if (!best) return fallback !== undefined ? { idealCycleSec: fallback } : {};
  return { orderNo: best.orderNo, opNo: best.opNo, idealCycleSec: best.idealCycleSec > 0 ? best.idealCycleSec : fallback };
}

/** Checks equipment master rows (from the editor or a message) and says which field of which row is wrong. */
export function checkMaster(rows: unknown): EquipmentMasterRow[] {
  if (!Array.isArray(rows)) throw new Error('The equipment master must be an array of rows {equipment, idealCycleSec, backupEquipment, maintenanceWindows}.');
  const seen = new Set<string>();
  return rows.map((raw, i) => {
    const row = raw as Record<string, unknown>;
    const at = `equipment master row ${i + 1}`;
    if (!row || typeof row !== 'object') throw new Error(`The ${at} must be an object.`);
    if (typeof row.equipment !== 'string' || row.equipment.trim() === '') throw new Error(`The ${at} needs equipment (the MES equipment code).`);
    const equipment = row.equipment.trim();
    if (seen.has(equipment)) throw new Error(`The equipment master lists ${equipment} twice (row ${i + 1}).`);
    seen.add(equipment);
    const clean: EquipmentMasterRow = { equipment };
    if (typeof row.name === 'string' && row.name.trim() !== '') clean.name = row.name.trim();
    const number = (key: 'idealCycleSec' | 'counterMax', min: number) => {
      const v = row[key];
      if (v === undefined || v === null || v === '') return;
      const n = Number(v);
      if (!Number.isFinite(n) || n < min) throw new Error(`${key} of ${equipment} (${at}) must be a number ≥ ${min}, not ${JSON.stringify(v)}.`);
      clean[key] = n;
    };
    number('idealCycleSec', 0);
    number('counterMax', 1);
    if (typeof row.backupEquipment === 'string' && row.backupEquipment.trim() !== '') clean.backupEquipment = row.backupEquipment.trim();
    const windows = row.maintenanceWindows;
    if (windows !== undefined && windows !== null && windows !== '') {
      if (!Array.isArray(windows)) throw new Error(`maintenanceWindows of ${equipment} must be an array of {from, to}.`);
      clean.maintenanceWindows = windows.map((w: Record<string, unknown>, j: number) => {
        const from = Date.parse(String(w?.from));
        const to = Date.parse(String(w?.to));
        if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) {
          throw new Error(`maintenanceWindows[${j}] of ${equipment} needs from and to as ISO 8601 instants with to after from, not ${JSON.stringify(w)}.`);
        }
        return { from: String(w.from), to: String(w.to), ...(typeof w.reason === 'string' && { reason: w.reason }) };
      });
    }
    return clean;
  });
}
