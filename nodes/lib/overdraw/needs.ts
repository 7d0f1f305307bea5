// BOM need per order and material, from plan sync's work order. Need = Σ requiredQty (qtyPer × planned qty)
// of the material's BOM lines; the automatic-approval limit = Σ requiredQty × (1 + tolerance % / 100), where
// each line's tolerance is its issueTolerancePct, or the node's default when the work order carries 0.
// A revised plan keeps what was issued against each material.
import type { WorkOrder } from '../plan-sync/work-order';
import type { MaterialNeed, OrderMaterialsState } from './types';

/** Quantities are rounded to 6 decimals, as plan sync rounds them, so 0.1 × 3 reads 0.3. */
export const roundQty = (value: number): number => Math.round(value * 1e6) / 1e6;

/** Orders in these statuses take no more material. */
export const CLOSED_STATUSES: readonly string[] = ['closed', 'cancelled'];

export function orderMaterials(workOrder: WorkOrder, defaultTolerancePct: number, before?: OrderMaterialsState): OrderMaterialsState {
  const materials: Record<string, MaterialNeed> = {};
  for (const line of workOrder.materials) {
    const tolerancePct = line.issueTolerancePct > 0 ? line.issueTolerancePct : defaultTolerancePct;
    const known = materials[line.materialCode];
    if (known && known.unit !== line.unit) {
      throw new Error(`The BOM of order ${workOrder.workOrderNo} has material ${line.materialCode} in both ${known.unit} and ${line.unit}; one material needs one unit.`);
    }
    const kept = before?.materials[line.materialCode];
    if (kept && kept.unit !== line.unit && kept.issuedQty + kept.reservedQty > 0) {
      throw new Error(
        `Revision ${workOrder.source.revision} of order ${workOrder.workOrderNo} has material ${line.materialCode} in ${line.unit}, but ${kept.issuedQty + kept.reservedQty} ${kept.unit} were already issued or reserved in ${kept.unit}.`,
      );
    }
    const need = known ?? { materialCode: line.materialCode, unit: line.unit, needQty: 0, limitQty: 0, tolerancePct: 0, issuedQty: kept?.issuedQty ?? 0, reservedQty: kept?.reservedQty ?? 0 };
    need.needQty = roundQty(need.needQty + line.requiredQty);
    need.limitQty = roundQty(need.limitQty + line.requiredQty * (1 + tolerancePct / 100));
    need.tolerancePct = need.needQty > 0 ? roundQty((need.limitQty / need.needQty - 1) * 100) : tolerancePct;
    materials[line.materialCode] = need;
  }
  // A material dropped by a revision keeps what was issued, with no need left: any more of it is an overdraw.
  for (const kept of Object.values(before?.materials ?? {})) {
    if (!materials[kept.materialCode] && kept.issuedQty + kept.reservedQty > 0) materials[kept.materialCode] = { ...kept, needQty: 0, limitQty: 0, tolerancePct: 0 };
  }
  return { version: 1, orderNo: workOrder.workOrderNo, revision: workOrder.source.revision, status: workOrder.status, materials };
}
