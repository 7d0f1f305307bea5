// A process that puts pending workflow state into a bridge-store SQLite file, says "durable" once every write
// has returned, and then waits to be killed: the restart tests kill it with SIGKILL and read the file again.
// `node workflow-child.js <file> overdraw|exceptions`
import { AuditLog, auditKeyring } from '../../nodes/lib/audit';
import { ExceptionBook } from '../../nodes/lib/escalation';
import { RequisitionBook } from '../../nodes/lib/overdraw';
import { SqliteStore } from '../../nodes/lib/stores/sqlite-store';
import { at, requisition, workOrder } from './overdraw-fixture';

/** What the child did, at plant-local 08:10 on 25 November. */
export const CHILD = {
  startedAt: at('2026-11-25T08:10'),
  overdrawId: 'REQ-CHILD-OVER',
  issuedId: 'REQ-CHILD-OK',
  exceptionId: 'EXC-CHILD-MILL',
  decisionTimeoutMin: 60,
} as const;

/** The audit key the child writes under (a bridge process's configured key). */
export const CHILD_AUDIT_KEYS = auditKeyring(['workflow-child audit key, 32 bytes or more'], 'the child key');

async function main(file: string, scenario: string): Promise<void> {
  const store = new SqliteStore(file);
  if (scenario === 'overdraw') {
    const book = new RequisitionBook({ decisionTimeoutMin: CHILD.decisionTimeoutMin });
    book.plan(workOrder());
    const issued = book.requisition(requisition(1600, { requisitionId: CHILD.issuedId }), CHILD.startedAt);
    book.requisition(requisition(100, { requisitionId: CHILD.overdrawId }), CHILD.startedAt);
    await store.putMany('overdraw', book.takeChanges());
    for (const record of issued.audit) await new AuditLog(store, 'audit', CHILD_AUDIT_KEYS).append(record, CHILD.startedAt);
  } else if (scenario === 'exceptions') {
    const book = new ExceptionBook();
    book.raise(
      {
        id: CHILD.exceptionId,
        type: 'equipment-fault',
        severity: 'urgent',
        orderNo: 'MO-2026-0101',
        opNo: '0030',
        equipment: 'EQ-MILL-03',
        estimatedDowntimeMin: 240,
        description: 'Spindle overheating',
        timestamp: '2026-11-25T08:09:00+08:00',
      },
      CHILD.startedAt,
    );
    await store.putMany('exceptions', book.takeChanges());
  } else {
    throw new Error(`unknown scenario ${scenario}`);
  }
  process.stdout.write('durable\n');
  setInterval(() => undefined, 60_000);
}

if (require.main === module) {
  main(process.argv[2], process.argv[3]).catch((err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  });
}
