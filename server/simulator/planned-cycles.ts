// Which operation the simulated ERP plans on each demo machine at an instant, and its std time per unit: the
// simulated machines run each product at its routing's speed, which is what the bridge's OEE takes as the ideal
// cycle from the same plan. Chosen by the bridge's rule (lib/oee/routing currentOperation): the latest started
// operation, cancelled orders planning nothing.
import { demoCodeTable } from './demo-master-data';
import type { SimulatedErp } from './erp';

interface PlannedCycle {
  orderNo: string;
  from: number;
  to: number;
  sec: number;
}

export function plannedCycleLookup(erp: SimulatedErp): (equipment: string, atMs: number) => number | undefined {
  const machineOf = new Map(demoCodeTable.filter((e) => e.table === 'equipment').map((e) => [e.erp, e.mes]));
  let index: Map<string, PlannedCycle[]> | undefined;
  // Rebuilt only after the ERP changed an order: the machines ask every tick.
  erp.onChange(() => {
    index = undefined;
  });
  const build = () => {
    const built = new Map<string, PlannedCycle[]>();
    for (const order of erp.orders()) {
      if (order.status === 'cancelled') continue;
      for (const op of order.operations) {
        const equipment = machineOf.get(op.workCentre);
        if (!equipment) continue;
        const list = built.get(equipment) ?? [];
        list.push({ orderNo: order.orderNo, from: Date.parse(op.plannedStart), to: Date.parse(op.plannedEnd), sec: op.stdTimePerUnitSec });
        built.set(equipment, list);
      }
    }
    return built;
  };
  return (equipment, atMs) => {
    index ??= build();
    let best: PlannedCycle | undefined;
    for (const op of index.get(equipment) ?? []) {
      if (atMs < op.from || atMs >= op.to) continue;
      if (!best || op.from > best.from || (op.from === best.from && op.orderNo > best.orderNo)) best = op;
    }
    return best?.sec;
  };
}
