// The batch-record desks open in this process (one per batch-record node), so the REST API and the pages find
// them without knowing which nodes made them.
import type { BatchRecordDesk } from './desk';

export interface RegisteredBatchDesk {
  nodeId: string;
  label: string;
  desk: BatchRecordDesk;
  /** The plant's time zone the printed record uses. */
  timeZone: string;
  /** Orders the desk knows of for listing (the MES ledger, the audit trail), newest first. */
  orders(): Promise<string[]>;
}

const open = new Map<string, RegisteredBatchDesk>();

export function registerBatchDesk(desk: RegisteredBatchDesk): void {
  open.set(desk.nodeId, desk);
}
export function unregisterBatchDesk(desk: RegisteredBatchDesk): void {
  if (open.get(desk.nodeId) === desk) open.delete(desk.nodeId);
}
export function batchDesks(): RegisteredBatchDesk[] {
  return [...open.values()];
}
