// OEE from machine signals: takes equipment-signal messages (OPC UA, Modbus, MES), plan sync's work orders
// and the equipment master; closes each hour and shift into an OEE report (alarm below the threshold, the
// largest loss named), raises one urgent equipment exception per fault that lasts too long, sends each change
// of state to the ERP through the durable outbox, and feeds the equipment dashboard. A thin adapter over
// lib/oee's OeeBook; state in the bridge store (the workflow runner writes it before done, and its timer
// fires the next period end or fault deadline, also one that passed while the node was down).
import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from 'node-red';
import { DEFAULT_OEE_SETTINGS, OeeBook, oeeAlarm, type EquipmentStatus, type OeeReport, type OeeSettings, type ShiftRow } from '../lib/oee';
import type { Outbox } from '../lib/outbox/outbox';
import { routedHttpDelivery } from '../lib/workflows/erp-delivery';
import type { WorkflowRunner, ErpSend } from '../lib/workflows/runner';
import { workflowHost, settingNumber as num, type WorkflowNodeDef } from '../workflow-host';
import { keepSourceLease, type SourceLease } from '../bridge-store/source-lease';
import { statusText } from '../lib/i18n/status-text';

interface OeeDef extends WorkflowNodeDef {
  statusPath: string;
  reportPath: string;
  shifts: unknown;
  timeZone: string;
  master: unknown;
  thresholdPct: string | number;
  thresholdPctType: string;
  faultAfterMin: string | number;
  faultAfterMinType: string;
  graceSec: string | number;
  boardThrottleMs: string | number;
}

type Send = (msg: Array<NodeMessage | NodeMessage[] | null>) => void;
type Msg = NodeMessageInFlow & { topic?: string; payload?: unknown; accepted?: unknown };
const BOARD_REFRESH_MS = 60_000;

/** Editor rows → lib rows: JSON text or an array; blank cells dropped. */
function rows<T>(raw: unknown, fallback: readonly T[]): readonly T[] {
  if (raw === undefined || raw === '' || raw === null) return fallback;
  const table = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw;
  if (!Array.isArray(table)) throw new Error('A table of the oee node must be an array of rows.');
  return table.map((row: Record<string, unknown>) => Object.fromEntries(Object.entries(row).filter(([, v]) => v !== '' && v !== null))) as unknown as T[];
}

export = function register(RED: NodeAPI): void {
  function Oee(this: Node, config: OeeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const host = workflowHost(RED, node, config, 'oee');
    const paths = { status: config.statusPath || 'equipment-status', report: (config.reportPath ?? 'oee-reports').trim() };
    let outbox: Outbox | undefined;
    let runner: Promise<WorkflowRunner<OeeBook>> | undefined;
    let lease: SourceLease | undefined;
    let deadLetters = 0;
    let storeDown = false;

    // The status counts machines from the board: at most twice a second, not once per signal.
    let statusTimer: NodeJS.Timeout | undefined;
    function showStatus(book: OeeBook | undefined): void {
      if (host.closing || statusTimer) return;
      statusTimer = setTimeout(() => {
        statusTimer = undefined;
        showStatusNow(book);
      }, 500);
    }
    function showStatusNow(book: OeeBook | undefined): void {
      if (host.closing) return;
      if (storeDown) return void node.status({ fill: 'red', shape: 'ring', text: 'oee.status.store' });
      if (deadLetters > 0) return void node.status({ fill: 'red', shape: 'dot', text: statusText('oee.status.dead', { n: String(deadLetters) }) });
      if (!book) return;
      const tiles = book.board(Date.now()).equipment.filter((t) => t.state !== 'unknown');
      const faults = tiles.filter((t) => t.state === 'fault').length;
      if (faults > 0) return void node.status({ fill: 'yellow', shape: 'dot', text: statusText('oee.status.fault', { n: String(tiles.length), f: String(faults) }) });
      // An ideal cycle slower than the machine makes its performance meaningless: the status names it until fixed.
      const flagged = tiles.filter((t) => t.figures.idealCycleCheck);
      if (flagged.length > 0) {
        const check = flagged[0].figures.idealCycleCheck!;
        const seconds = (v: number) => String(Math.round(v * 100) / 100);
        const params = { equipment: flagged[0].equipment, ideal: seconds(check.idealCycleSec), measured: seconds(check.measuredCycleSec), more: String(flagged.length - 1) };
        return void node.status({ fill: 'yellow', shape: 'ring', text: statusText(flagged.length > 1 ? 'oee.status.idealCycleMore' : 'oee.status.idealCycle', params) });
      }
      node.status({ fill: 'green', shape: 'dot', text: statusText('oee.status.ok', { n: String(tiles.length) }) });
    }

    const sends = {
      status: (s: EquipmentStatus): ErpSend => ({ partition: s.equipment, idempotencyKey: `equipment-status:${s.equipment}:${s.since}:${s.state}`, record: { path: paths.status, body: s } }),
      report: (r: OeeReport): ErpSend => ({ partition: r.equipment, idempotencyKey: `oee-report:${r.reportId}`, record: { path: paths.report, body: r } }),
    };

    host.run<WorkflowRunner<OeeBook>>({
      setup(h) {
        const evaluate = (value: unknown, type: string | undefined, fallback: number) => num(type === 'env' ? RED.util.evaluateNodeProperty(String(value), 'env', node, {}) : value, fallback);
        const settings: OeeSettings = {
          shifts: rows<ShiftRow>(config.shifts, DEFAULT_OEE_SETTINGS.shifts),
          timeZone: config.timeZone?.trim() || DEFAULT_OEE_SETTINGS.timeZone,
          thresholdPct: evaluate(config.thresholdPct, config.thresholdPctType, DEFAULT_OEE_SETTINGS.thresholdPct),
          faultAfterMin: evaluate(config.faultAfterMin, config.faultAfterMinType, DEFAULT_OEE_SETTINGS.faultAfterMin),
          graceSec: num(config.graceSec, DEFAULT_OEE_SETTINGS.graceSec),
          master: rows(config.master, []),
        };
        new OeeBook(settings); // refuses bad settings now, with a sentence naming them
        // The machines' periods are computed by one replica at a time; another takes over from the stored book.
        lease = keepSourceLease(node, h.storeNode, `oee:${node.id}`, {
          onTakeover: () => {
            runner
              ?.then((r) => r.reload())
              .then(
                () => node.emit('input', { topic: 'due' }),
                (err: Error) => node.warn(err.message),
              );
          },
          standbyText: (holder) => statusText('oee.status.standby', { holder }),
        });
        outbox = h.outbox(`oee@${node.id}`, routedHttpDelivery(h.endpoint.client()));
        runner = h.runner({ namespace: `oee/${node.id}`, outbox, restore: (entries) => OeeBook.restore(entries, settings), deadlineTopic: 'due' });
        return () => runner!;
      },
      ready(r) {
        outbox!.stats().then(
          (s) => {
            deadLetters = s.deadLetters;
            showStatus(r.book);
          },
          () => undefined,
        );
        // Periods that ended and faults that passed their limit while the node was down fall due now.
        node.emit('input', { topic: 'due' });
      },
      fault(kind, err) {
        node.status({ fill: 'red', shape: 'ring', text: `oee.status.${kind}` });
        node.error(kind === 'store' ? RED._('oee.errors.restore', { error: err.message }) : err.message);
      },
      input: (msg, send, r) => handle(msg as Msg, send as Send, r).then(() => showStatus(r.book)),
      outboxEvents: {
        'dead-lettered': (_item, reason) => {
          deadLetters += 1;
          node.warn(RED._('oee.warnings.dead', { reason }));
          runner?.then(
            (r) => showStatus(r.book),
            () => undefined,
          );
        },
      },
      storeState: (e) => {
        storeDown = e.state !== 'connected';
        runner?.then(
          (r) => showStatus(r.book),
          () => undefined,
        );
      },
      close() {
        clearInterval(refresh);
        lease?.stop().catch((err: Error) => node.debug(err.message));
        clearTimeout(boardTimer);
        clearTimeout(statusTimer);
      },
    });

    // The dashboard model: at most one message per throttle window, always the whole board.
    const throttleMs = Math.max(0, num(config.boardThrottleMs, 1000));
    let boardTimer: NodeJS.Timeout | undefined;
    let lastBoardAt = 0;
    function sendBoard(now = false): void {
      if (!runner || host.closing) return;
      if (boardTimer && !now) return;
      clearTimeout(boardTimer);
      const wait = now ? 0 : Math.max(0, lastBoardAt + throttleMs - Date.now());
      boardTimer = setTimeout(() => {
        boardTimer = undefined;
        lastBoardAt = Date.now();
        runner!.then(
          (r) => !host.closing && node.send([null, null, { topic: 'equipment-board', payload: r.book.board(Date.now()) } as NodeMessage]),
          () => undefined,
        );
      }, wait);
    }
    // Figures of the running shift move with the clock even when no signal comes.
    const refresh = setInterval(() => sendBoard(), BOARD_REFRESH_MS);

    const reportMsgs = (reports: OeeReport[]): NodeMessage[] =>
      reports.flatMap((r) => {
        const out: NodeMessage[] = [{ topic: 'oee-report', payload: r } as NodeMessage];
        if (r.alarm) out.push({ topic: 'oee-alarm', payload: oeeAlarm(r) } as NodeMessage);
        return out;
      });

    async function handle(msg: Msg, send: Send, r: WorkflowRunner<OeeBook>): Promise<void> {
      const topic = msg.topic;
      const looksLikePlan = (p: unknown) => typeof p === 'object' && p !== null && 'workOrderNo' in p;
      if (topic === 'status' || topic === 'board') {
        sendBoard(true);
        return;
      }
      if (topic === 'dead-letters' || topic === 'replay') {
        msg.payload = topic === 'replay' ? await outbox!.replay(Array.isArray(msg.payload) ? msg.payload.map(String) : undefined) : await outbox!.deadLetters();
        if (topic === 'replay') deadLetters = 0;
        send([msg, null, null]);
        return;
      }
      if (topic === 'equipment-master') {
        msg.accepted = { equipment: await r.step((book) => ({ result: book.setMaster(msg.payload) })) };
        send([msg, null, null]);
        sendBoard();
        return;
      }
      if (topic === 'plan' || looksLikePlan(msg.payload) || (Array.isArray(msg.payload) && msg.payload.length > 0 && msg.payload.every(looksLikePlan))) {
        msg.accepted = { plans: await r.step((book) => ({ result: book.plan(msg.payload) })) };
        send([msg, null, null]);
        sendBoard();
        return;
      }
      // Signals (any other topic) and the timer's 'due': both end by closing what fell due.
      const isTick = topic === 'due';
      if (lease) await lease.ready;
      if (lease && !lease.keeper.holds()) {
        // Another replica reads the same machines and computes their periods: this one stands by.
        if (!isTick) {
          msg.accepted = { signals: 0, standby: lease.keeper.state().holder ?? null };
          send([msg as NodeMessage, null, null]);
        }
        return lease.showStandby();
      }
      const { outcomes, due } = await r.step((book, now) => {
        const outcomes = isTick ? [] : book.signals(msg.payload, now);
        const due = book.due(now);
        const erp = [...outcomes.flatMap((o) => (o.status ? [sends.status(o.status)] : [])), ...(paths.report ? due.reports.filter((x) => x.period === 'shift').map(sends.report) : [])];
        return { result: { outcomes, due }, erp };
      });
      if (!isTick) msg.accepted = { signals: outcomes.length, duplicates: outcomes.filter((o) => o.duplicate).length, late: outcomes.filter((o) => o.late).length, changes: outcomes.filter((o) => o.status).length };
      if (!host.closing) {
        // The signal message itself first, once durable (an http-in caller is answered from it), then reports.
        const first = [...(isTick ? [] : [msg as NodeMessage]), ...reportMsgs(due.reports)];
        const exceptions = due.exceptions.map((e) => ({ topic: 'exception', payload: e }) as NodeMessage);
        if (first.length > 0 || exceptions.length > 0) send([first, exceptions, null]);
      }
      if (!isTick || due.reports.length > 0 || due.exceptions.length > 0) sendBoard();
    }
  }

  RED.nodes.registerType('oee', Oee as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
