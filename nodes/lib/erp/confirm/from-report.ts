// progress-push's "through the endpoint's preset" mode: each MES job report becomes one confirmation of its
// operation (what the report adds, keyed by its event id), so an ERP that takes only its own confirmation API
// (SAP API_PROD_ORDER_CONFIRMATION_2_SRV, …) gets the floor's progress instead of a generic update it lacks.
// The unit comes from the order's plan: a report of an order with no plan cannot be confirmed yet.
import { createHash } from 'node:crypto';
import type { PlannedOrder, ProgressReport } from '../../progress/types';
import type { Confirmation } from '../profile/types';

/** The event id when it fits a confirmation key (40 characters, plain), else a hash of it: the same report, the same key. */
export function confirmationKey(eventId: string): string {
  return eventId.length <= 40 && /^[A-Za-z0-9_.:-]+$/.test(eventId) ? eventId : `ev:${createHash('sha1').update(eventId).digest('hex').slice(0, 32)}`;
}

export function confirmationFromReport(report: ProgressReport, plan: PlannedOrder | undefined): Confirmation | undefined {
  if (!plan) return undefined;
  const last = plan.operations[plan.operations.length - 1];
  const completed = report.status === 'completed';
  return {
    orderNo: report.orderNo,
    opNo: report.opNo,
    yieldQty: report.goodQty,
    scrapQty: report.scrapQty,
    unit: plan.unit,
    // A completed report of the routing's last operation finishes the order's confirmations.
    finalConfirmation: completed,
    activity: report.status === 'started' ? 'start' : completed ? (last && last.opNo === report.opNo ? 'order-finish' : 'finish') : 'confirm',
    postedAt: report.timestamp,
    key: confirmationKey(report.eventId),
    operator: report.operator.slice(0, 64),
    productCode: plan.materialCode,
  };
}
