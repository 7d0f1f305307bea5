// Reads an ERP table or view on a schedule (ERP plans every 30 min, MES progress every 60 min, any interval
// or cron) and on any input, page by page after a persisted (watermark, key) cursor. The reading itself
// lives in lib/legacy-db/poller; this node schedules, sends, takes acks and shows the truth in its status.
import type { EventEmitter } from 'node:events';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { backoffDelay } from '../lib/backoff';
import { type FirstRunFrom, TablePoller } from '../lib/legacy-db/poller';
import { LegacyDbError } from '../lib/legacy-db/connection';
import { type Schedule, compileSchedule } from '../lib/schedule';
import type { BridgeStoreNode } from '../bridge-store/types';
import { keepSourceLease, type SourceLease } from '../bridge-store/source-lease';
import { isLeaseLost } from '../lib/stores/redis-fenced-store';
import type { LegacyDbNode, LegacyDbStateEvent } from '../legacy-db/types';
import { statusText } from '../lib/i18n/status-text';

interface LegacyDbPollDef extends NodeDef {
  db: string;
  store: string;
  table: string;
  columns: string;
  watermarkColumn: string;
  keyColumn: string;
  filter: string;
  filterBindings: string;
  pageSize: string | number;
  schedule: Schedule['kind'];
  intervalMin: string | number;
  cron: string;
  lookBackMinutes: string | number;
  firstRunFrom: 'beginning' | 'now' | 'value';
  firstRunValue: string;
  commit: 'emit' | 'ack';
  ackTimeoutMin: string | number;
  output: 'page' | 'row';
  decimals: 'string' | 'number';
}

type Done = (err?: Error) => void;
const list = (text: string | undefined) =>
  (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
/** A failed poll is tried again soon with backoff, never later than the next scheduled poll. */
const RETRY = { baseMs: 5_000, maxMs: 5 * 60_000 };

export = function register(RED: NodeAPI): void {
  function LegacyDbPoll(this: Node, config: LegacyDbPollDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const dbNode = RED.nodes.getNode(config.db) as LegacyDbNode | null;
    const storeNode = RED.nodes.getNode(config.store) as BridgeStoreNode | null;
    const rowMode = config.output === 'row';

    // Row mode with acks: a page is acknowledged when every one of its rows is.
    const rowsToAck = new Map<string, number>();
    let poller: TablePoller | undefined;
    let setupError: Error | undefined;
    let schedule: ReturnType<typeof compileSchedule> | undefined;
    // One replica polls this table at a time; its cursor writes are fenced by the lease.
    let lease: SourceLease | undefined;
    try {
      if (!dbNode) throw new Error(RED._('legacy-db-poll.errors.noDb'));
      if (!storeNode) throw new Error(RED._('legacy-db-poll.errors.noStore'));
      schedule = compileSchedule(
        config.schedule === 'interval' ? { kind: 'interval', minutes: Number(config.intervalMin) } : config.schedule === 'cron' ? { kind: 'cron', expression: config.cron } : ({ kind: config.schedule || 'plans-30' } as Schedule),
      );
      let bindings: unknown[] = [];
      if (config.filterBindings && config.filterBindings.trim()) {
        bindings = JSON.parse(config.filterBindings);
        if (!Array.isArray(bindings)) throw new Error(RED._('legacy-db-poll.errors.bindings'));
      }
      const firstRunFrom: FirstRunFrom = config.firstRunFrom === 'now' ? { kind: 'now' } : config.firstRunFrom === 'value' ? { kind: 'value', value: config.firstRunValue } : { kind: 'beginning' };
      const db = dbNode.db();
      lease = keepSourceLease(node, storeNode, `poll:${node.id}`, {
        onTakeover: () => node.emit('input', {}),
        standbyText: (holder) => statusText('legacy-db-poll.status.standby', { holder }),
      });
      poller = new TablePoller({
        db,
        store: storeNode.fencedStore(lease.keeper),
        stateKey: node.id,
        table: config.table,
        columns: list(config.columns).length > 0 ? list(config.columns) : undefined,
        watermarkColumn: config.watermarkColumn,
        keyColumn: config.keyColumn,
        filter: config.filter && config.filter.trim() ? { sql: config.filter, bindings } : undefined,
        pageSize: Math.round(Number(config.pageSize) || 1000),
        lookBackMinutes: Number(config.lookBackMinutes) || 0,
        firstRunFrom,
        values: { decimals: config.decimals === 'number' ? 'number' : 'string' },
        commit: config.commit === 'ack' ? 'ack' : 'emit',
        ackTimeoutMs: (Number(config.ackTimeoutMin) > 0 ? Number(config.ackTimeoutMin) : 10) * 60_000,
        onExpired: (ids) => {
          for (const id of ids) rowsToAck.delete(id);
          node.warn(RED._('legacy-db-poll.warnings.expired', { pages: String(ids.length), table: config.table }));
        },
      });
      dbNode.register(node);
    } catch (err) {
      setupError = err as Error;
      node.error(setupError.message);
      node.status({ fill: 'red', shape: 'ring', text: 'legacy-db-poll.status.config' });
    }

    const onState = (e: LegacyDbStateEvent) => {
      if (e.state === 'dropped') node.status({ fill: 'yellow', shape: 'ring', text: 'legacy-db-poll.status.dropped' });
      else if (e.state === 'unreachable') node.status({ fill: 'red', shape: 'ring', text: 'legacy-db-poll.status.unreachable' });
    };
    if (dbNode && !setupError) (dbNode as unknown as EventEmitter).on('state', onState);

    let failures = 0;
    let timer: NodeJS.Timeout | undefined;
    let closing = false;

    function scheduleNext(delay?: number): void {
      clearTimeout(timer);
      if (closing) return;
      const next = delay ?? schedule?.delayFrom(new Date());
      if (next !== undefined) timer = setTimeout(() => node.emit('input', {}), next);
    }

    async function pollNow(trigger: NodeMessageInFlow, send: (m: NodeMessage | NodeMessage[]) => void): Promise<void> {
      if (lease) await lease.ready;
      if (lease && !lease.keeper.holds()) return lease.showStandby();
      node.status({ fill: 'blue', shape: 'dot', text: 'legacy-db-poll.status.polling' });
      const result = await poller!.poll((page) => {
        if (rowMode) {
          if (config.commit === 'ack') rowsToAck.set(page.id, page.rows.length);
          for (const row of page.rows) {
            const msg = RED.util.cloneMessage(trigger) as NodeMessage & Record<string, unknown>;
            delete msg._msgid;
            Object.assign(msg, { payload: row, pageId: page.id, table: config.table });
            send(msg);
          }
        } else {
          const msg = RED.util.cloneMessage(trigger) as NodeMessage & Record<string, unknown>;
          delete msg._msgid;
          Object.assign(msg, { payload: page.rows, pageId: page.id, cursor: page.cursor, table: config.table });
          send(msg);
        }
      });
      failures = 0;
      const time = new Date().toTimeString().slice(0, 5);
      node.status(
        result.pending > 0
          ? { fill: 'yellow', shape: 'dot', text: statusText('legacy-db-poll.status.waitingAck', { pages: String(result.pending) }) }
          : { fill: 'green', shape: 'dot', text: statusText('legacy-db-poll.status.done', { rows: String(result.rows), time }) },
      );
    }

    node.on('input', (msg: NodeMessageInFlow, send, done: Done) => {
      if (setupError || !poller) return done(setupError);
      const ack = (msg as NodeMessageInFlow & { ack?: unknown }).ack;
      if (ack !== undefined) {
        const pageId = String(ack);
        const left = rowsToAck.get(pageId);
        if (left !== undefined && left > 1) {
          rowsToAck.set(pageId, left - 1);
          return done();
        }
        rowsToAck.delete(pageId);
        poller.ack(pageId).then(
          (outcome) => {
            if (outcome === 'acked') return done();
            // Too late: the page was given up on and is being delivered again; not an error of this message.
            if (outcome === 'expired') {
              node.warn(RED._('legacy-db-poll.warnings.lateAck', { id: pageId }));
              return done();
            }
            done(new Error(RED._('legacy-db-poll.errors.unknownAck', { id: pageId })));
          },
          (err: Error) => done(err),
        );
        return;
      }
      pollNow(msg, send).then(
        () => {
          scheduleNext();
          done();
        },
        (err: Error) => {
          if (isLeaseLost(err)) {
            // Another replica took the table over mid-poll: it reads on from the last committed cursor.
            node.warn(`legacy-db-poll: ${err.message}`);
            lease?.showStandby();
            scheduleNext();
            return done();
          }
          const kind = err instanceof LegacyDbError ? err.kind : undefined;
          node.status({ fill: 'red', shape: 'ring', text: kind === 'dropped' ? 'legacy-db-poll.status.dropped' : kind === 'unreachable' || kind === 'timeout' ? 'legacy-db-poll.status.unreachable' : 'legacy-db-poll.status.failed' });
          // The cursor did not move: the next try reads the same rows again.
          const retryable = kind === 'dropped' || kind === 'unreachable' || kind === 'timeout';
          const scheduled = schedule?.delayFrom(new Date());
          const retry = retryable ? backoffDelay(failures++, RETRY) : undefined;
          scheduleNext(retry !== undefined && (scheduled === undefined || retry < scheduled) ? retry : undefined);
          done(err);
        },
      );
    });

    if (!setupError) scheduleNext();

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      clearTimeout(timer);
      node.status({});
      if (!dbNode || setupError) {
        void lease?.stop();
        return done();
      }
      (dbNode as unknown as EventEmitter).removeListener('state', onState);
      const stop = poller ? poller.stop() : Promise.resolve();
      stop
        .then(() => lease?.stop())
        .then(() => dbNode.deregister(node))
        .then(
          () => done(),
          () => done(),
        );
    });
  }

  RED.nodes.registerType('legacy-db-poll', LegacyDbPoll as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
