// A second process for the outbox tests: opens the store described by argv[2] and enqueues progress reports
// until it is killed, printing "acked <seq>" for each one whose enqueue resolved (the point where a node would
// call done()). The test kills it with SIGKILL and checks that every acknowledged report is still delivered.
import { Outbox } from '../../nodes/lib/outbox/outbox';
import { RedisOutboxStore } from '../../nodes/lib/outbox/redis-outbox-store';
import { SqliteOutboxStore } from '../../nodes/lib/outbox/sqlite-outbox-store';
import type { OutboxStore } from '../../nodes/lib/outbox/types';
import { RedisConnection } from '../../nodes/lib/stores/redis-connection';

export type StoreSpec = { kind: 'sqlite'; file: string } | { kind: 'redis'; url: string; prefix: string };

export const CHILD_OUTBOX = 'erp-child';

export function openStore(spec: StoreSpec, options: { claimIdleMs?: number; readAhead?: number } = {}): { store: OutboxStore; connection?: RedisConnection } {
  if (spec.kind === 'sqlite') return { store: new SqliteOutboxStore(spec.file) };
  const connection = new RedisConnection({ url: spec.url, keyPrefix: spec.prefix });
  return { store: new RedisOutboxStore(connection, options), connection };
}

async function main(): Promise<void> {
  const { store } = openStore(JSON.parse(process.argv[2]) as StoreSpec);
  const outbox = new Outbox(CHILD_OUTBOX, store);
  for (let seq = 0; ; seq += 25) {
    await Promise.all(
      Array.from({ length: 25 }, (_, i) => {
        const report = { orderNo: `MO-${(seq + i) % 4}`, seq: seq + i };
        return outbox.enqueue({ partition: report.orderNo, payload: report, idempotencyKey: `child-${report.seq}` }).then(() => process.stdout.write(`acked ${report.seq}\n`));
      }),
    );
  }
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  });
}
